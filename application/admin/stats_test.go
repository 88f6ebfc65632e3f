package admin_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/application/admin"
)

// slowCounts counts an activity's orders only once released, and counts its calls.
type slowCounts struct {
	calls   atomic.Int32
	entered chan struct{}
	release chan struct{}
}

func (c *slowCounts) OrderCounts(context.Context, int64) (int64, map[int64]int64, error) {
	c.calls.Add(1)
	c.entered <- struct{}{}
	<-c.release
	return 4, map[int64]int64{}, nil
}

// Views of one activity that arrive while its orders are being counted share that count;
// a view that gives up does not end it for the others; a view after it counts again.
func TestStatsViewsShareTheCountUnderWay(t *testing.T) {
	t.Parallel()
	counts := &slowCounts{entered: make(chan struct{}, 1), release: make(chan struct{})}
	s := newServiceWith(t, func(d *admin.Deps) { d.Orders = counts })
	id := draft(t, s)
	ctx := context.Background()

	const views = 10
	draws := make(chan int64, views)
	var wg sync.WaitGroup
	view := func(ctx context.Context) {
		defer wg.Done()
		st, err := s.Stats(ctx, id)
		if assert.NoError(t, err) {
			draws <- st.Draws
		}
	}
	wg.Add(1)
	go view(ctx)
	<-counts.entered
	gone, leave := context.WithCancel(ctx)
	left := make(chan error, 1)
	go func() {
		_, err := s.Stats(gone, id)
		left <- err
	}()
	wg.Add(views - 1)
	for range views - 1 {
		go view(ctx)
	}
	for deadline := time.Now().Add(10 * time.Second); s.StatsJoined() < views; {
		require.True(t, time.Now().Before(deadline), "only %d views joined the count", s.StatsJoined())
		time.Sleep(time.Millisecond)
	}
	leave()
	assert.ErrorIs(t, <-left, context.Canceled)
	close(counts.release)
	wg.Wait()
	close(draws)
	n := 0
	for d := range draws {
		assert.Equal(t, int64(4), d)
		n++
	}
	assert.Equal(t, views, n)
	assert.Equal(t, int32(1), counts.calls.Load(), "one count for every view")

	_, err := s.Stats(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, int32(2), counts.calls.Load(), "a later view counts again")
}
