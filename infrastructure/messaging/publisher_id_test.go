package messaging

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/lottery-go/lottery/domain/draw"
)

// An event handed back to the outbox is published again under a new id each time, even
// with the deliveries it had (an attempt not counted): the id of the message it came in
// would be dropped as a repeat. A plain repeat keeps its id.
func TestAHandedBackEventIsANewMessage(t *testing.T) {
	t.Parallel()
	e := draw.OutboxEntry{OrderID: 7, Subject: "T.grant.text", Payload: []byte(`{"order_id":"7"}`)}
	fresh := messageID(e)
	assert.Equal(t, fresh, messageID(e), "a repeat")
	back := e
	back.HandedBack = 1
	again := back
	again.HandedBack = 2
	assert.NotEqual(t, fresh, messageID(back))
	assert.NotEqual(t, messageID(back), messageID(again))

	group := []draw.OutboxEntry{e, {OrderID: 8, Subject: e.Subject, Payload: []byte(`{"order_id":"8"}`)}}
	freshGroup := groupID(group, []int{0, 1})
	group[1].HandedBack = 1
	assert.NotEqual(t, freshGroup, groupID(group, []int{0, 1}))
}
