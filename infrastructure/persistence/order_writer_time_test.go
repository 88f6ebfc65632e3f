package persistence

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/draw"
)

// Every attempt of a commit, the first, a deadlock victim's next and each of a duplicate
// key's one-by-one commits, starts only with the requests still in time.
func TestAnAttemptTakesOnlyRequestsInTime(t *testing.T) {
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	req := func(ctx context.Context, by time.Time) *writeRequest {
		return &writeRequest{ctx: ctx, by: by, result: make(chan error, 1)}
	}
	now := time.Now()
	inTimeReq, noLimit := req(context.Background(), now.Add(time.Minute)), req(context.Background(), time.Time{})
	late, left := req(context.Background(), now.Add(-time.Millisecond)), req(gone, now.Add(time.Minute))

	live := inTime([]*writeRequest{late, inTimeReq, left, noLimit})

	assert.Equal(t, []*writeRequest{inTimeReq, noLimit}, live)
	for name, r := range map[string]*writeRequest{"late": late, "caller gone": left} {
		require.Len(t, r.result, 1, name)
		assert.True(t, errors.Is(<-r.result, draw.ErrNotWritten), name)
	}
	assert.Empty(t, inTimeReq.result)
	assert.Empty(t, noLimit.result)
}
