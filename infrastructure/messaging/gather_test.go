package messaging

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
)

func TestGatherFillsABatchOrStopsLingering(t *testing.T) {
	t.Parallel()
	queued := func(k int) chan jetstream.Msg {
		c := make(chan jetstream.Msg, 200)
		for range k {
			c <- nil
		}
		return c
	}
	assert.Len(t, gather(nil, queued(100), 64, time.Hour), 64, "a full batch does not wait")
	assert.Len(t, gather(nil, queued(3), 64, -1), 4, "no linger: what is there")

	begun := time.Now()
	assert.Len(t, gather(nil, queued(3), 64, 20*time.Millisecond), 4)
	assert.GreaterOrEqual(t, time.Since(begun), 20*time.Millisecond, "waited for more")

	late := queued(0)
	go func() {
		for range 10 {
			late <- nil
		}
	}()
	assert.Len(t, gather(nil, late, 5, time.Hour), 5, "late arrivals join until the batch is full")
}
