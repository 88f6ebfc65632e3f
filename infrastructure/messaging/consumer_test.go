package messaging_test

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/infrastructure/messaging"
	"github.com/lottery-go/lottery/internal/testkit"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// A delivery waiting in the process behind slow grants, longer than the ack wait, is kept
// in progress: it is handled once, as its first attempt, not redelivered meanwhile.
func TestADeliveryWaitingBehindSlowGrantsIsNotRedelivered(t *testing.T) {
	t.Parallel()
	testkit.EachNATS(t, func(t *testing.T, env testkit.NATSEnv) {
		t.Parallel()
		pub := newTestPublisher(t, env)
		var mu sync.Mutex
		seen := map[string][]int{} // order id → attempts handled
		slow := func(_ context.Context, ds []messaging.Delivery) []error {
			mu.Lock()
			for _, d := range ds {
				seen[d.Event.OrderID] = append(seen[d.Event.OrderID], d.Attempt)
			}
			mu.Unlock()
			time.Sleep(700 * time.Millisecond) // a slow merchant, past the ack wait for whoever waits
			return make([]error, len(ds))
		}
		const events = 4
		for id := 1; id <= events; id++ { // one message each
			subject, payload := messaging.GrantEncoder(env.Prefix)(draw.Order{ID: int64(id), AwardKind: "text", Outcome: draw.OutcomeWin})
			require.NoError(t, pub.Publish(context.Background(), []draw.OutboxEntry{{OrderID: int64(id), Subject: subject, Payload: payload}})[0])
		}
		sub, err := messaging.Subscribe(context.Background(), env.Conn, env.Prefix, messaging.ConsumerOptions{
			Backoff: []time.Duration{500 * time.Millisecond}, Workers: 1, Batch: 2, Linger: -1, Log: quiet,
		}, slow)
		require.NoError(t, err)
		t.Cleanup(sub.Stop)

		require.Eventually(t, func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(seen) == events
		}, 20*time.Second, 10*time.Millisecond)
		sub.Stop()
		mu.Lock()
		defer mu.Unlock()
		for id := 1; id <= events; id++ {
			assert.Equal(t, []int{1}, seen[strconv.Itoa(id)], "order %d", id)
		}
	})
}
