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

func (c *slowCounts) OrderCounts(ctx context.Context, _ int64) (int64, map[int64]int64, error) {
	c.calls.Add(1)
	c.entered <- struct{}{}
	select {
	case <-c.release:
		return 4, map[int64]int64{}, nil
	case <-ctx.Done():
		return 0, nil, ctx.Err()
	}
}

// panicCounts fails the way a bug would.
type panicCounts struct{}

func (panicCounts) OrderCounts(context.Context, int64) (int64, map[int64]int64, error) {
	panic("counting went wrong")
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
	// The view that starts the count gives up; the count goes on for the others.
	gone, leave := context.WithCancel(ctx)
	left := make(chan error, 1)
	go func() {
		_, err := s.Stats(gone, id)
		left <- err
	}()
	<-counts.entered
	wg.Add(views)
	for range views {
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

// A count that panics fails its views with an error instead of ending the process, and
// the next view counts again.
func TestStatsCountThatPanicsFailsItsViews(t *testing.T) {
	t.Parallel()
	s := newServiceWith(t, func(d *admin.Deps) { d.Orders = panicCounts{} })
	id := draft(t, s)
	for range 2 {
		_, err := s.Stats(context.Background(), id)
		require.ErrorContains(t, err, "panic: counting went wrong")
	}
}
