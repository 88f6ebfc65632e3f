package rest

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/lottery-go/lottery/domain/draw"
)

func TestGrantedContentAsAPIShowsIt(t *testing.T) {
	t.Parallel()
	cases := []struct {
		delivered map[string]string
		want      map[string]any
	}{
		{map[string]string{"points": "100"}, map[string]any{"points": int64(100)}},
		{map[string]string{"code": "X7K2-0001"}, map[string]any{"code": "X7K2-0001"}},
		{map[string]string{"text": "Thanks!"}, map[string]any{"text": "Thanks!"}},
	}
	for _, tc := range cases {
		o := draw.Order{Outcome: draw.OutcomeWin, GrantState: draw.GrantGranted, Delivered: tc.delivered}
		assert.Equal(t, tc.want, orderJSON(o, nil).Award.Content)
	}
	pending := draw.Order{Outcome: draw.OutcomeWin, GrantState: draw.GrantPending, Delivered: map[string]string{"code": "secret"}}
	assert.Nil(t, orderJSON(pending, nil).Award.Content, "nothing is shown before it is granted")
}
