package messaging_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/infrastructure/messaging"
	"github.com/lottery-go/lottery/internal/testkit"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// publishWin publishes the grant event of order id, a text win, as one message.
func publishWin(ctx context.Context, env testkit.NATSEnv, pub *messaging.Publisher, id int64) error {
	subject, payload := messaging.GrantEncoder(env.Prefix)(draw.Order{ID: id, AwardKind: "text", Outcome: draw.OutcomeWin})
	return pub.Publish(ctx, []draw.OutboxEntry{{OrderID: id, Subject: subject, Payload: payload}})[0]
}

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
			require.NoError(t, publishWin(context.Background(), env, pub, int64(id)))
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

// More waits than a grant has deliveries (grants.backoff longer than grants.max_attempts)
// are taken: JetStream refuses a consumer with as many waits as deliveries, and the waits
// beyond them would never be used.
func TestMoreWaitsThanDeliveriesAreTaken(t *testing.T) {
	t.Parallel()
	testkit.EachNATS(t, func(t *testing.T, env testkit.NATSEnv) {
		t.Parallel()
		pub := newTestPublisher(t, env)
		got := make(chan messaging.Delivery, 1)
		waits := make([]time.Duration, 20)
		for i := range waits {
			waits[i] = time.Duration(i+1) * time.Second
		}
		sub, err := messaging.Subscribe(context.Background(), env.Conn, env.Prefix, messaging.ConsumerOptions{
			MaxDeliver: 1, Backoff: waits, Linger: -1, Log: quiet,
		}, func(_ context.Context, ds []messaging.Delivery) []error {
			for _, d := range ds {
				got <- d
			}
			return make([]error, len(ds))
		})
		require.NoError(t, err)
		t.Cleanup(sub.Stop)
		require.NoError(t, publishWin(context.Background(), env, pub, 7))
		select {
		case d := <-got:
			assert.Equal(t, "7", d.Event.OrderID)
			assert.True(t, d.Last, "the only delivery is the last")
		case <-time.After(10 * time.Second):
			t.Fatal("no delivery")
		}
	})
}

// A stream that disappears (NATS came back without its data, or it was removed) is made
// again by the subscription, with its consumer, and grants flow again; meanwhile the
// readiness check says the stream is missing.
func TestALostStreamIsMadeAgain(t *testing.T) {
	t.Parallel()
	testkit.EachNATS(t, func(t *testing.T, env testkit.NATSEnv) {
		t.Parallel()
		ctx := context.Background()
		pub := newTestPublisher(t, env)
		var mu sync.Mutex
		handled := map[string]bool{}
		sub, err := messaging.Subscribe(ctx, env.Conn, env.Prefix, messaging.ConsumerOptions{
			Workers: 1, Linger: -1, WatchEvery: 20 * time.Millisecond, Log: quiet,
		}, func(_ context.Context, ds []messaging.Delivery) []error {
			mu.Lock()
			defer mu.Unlock()
			for _, d := range ds {
				handled[d.Event.OrderID] = true
			}
			return make([]error, len(ds))
		})
		require.NoError(t, err)
		t.Cleanup(sub.Stop)
		publish := func(id int64) error { return publishWin(ctx, env, pub, id) }
		wasHandled := func(id string) func() bool {
			return func() bool { mu.Lock(); defer mu.Unlock(); return handled[id] }
		}
		require.NoError(t, publish(1))
		require.Eventually(t, wasHandled("1"), 10*time.Second, 5*time.Millisecond)

		require.NoError(t, env.Conn.JS.DeleteStream(ctx, messaging.StreamName(env.Prefix)))
		require.Eventually(t, func() bool { return env.Conn.PingStream(ctx, env.Prefix) == nil }, 10*time.Second, 5*time.Millisecond,
			"the stream is made again")
		require.Eventually(t, func() bool { return publish(2) == nil }, 10*time.Second, 20*time.Millisecond)
		require.Eventually(t, wasHandled("2"), 10*time.Second, 5*time.Millisecond, "and its consumer: grants flow again")
	})
}

// The readiness check fails while the grant stream is missing.
func TestPingStreamNamesAMissingStream(t *testing.T) {
	t.Parallel()
	env := testkit.EmbeddedNATS(t)
	ctx := context.Background()
	require.ErrorContains(t, env.Conn.PingStream(ctx, env.Prefix), messaging.StreamName(env.Prefix))
	require.NoError(t, messaging.EnsureStream(ctx, env.Conn.JS, env.Prefix))
	require.NoError(t, env.Conn.PingStream(ctx, env.Prefix))
}

// A message whose every delivery failed leaves the stream on its last one: a work queue
// would keep it, undelivered, for good (and compensation looks at the oldest message held).
func TestAMessageOutOfDeliveriesLeavesTheStream(t *testing.T) {
	t.Parallel()
	env := testkit.EmbeddedNATS(t)
	ctx := context.Background()
	pub := newTestPublisher(t, env)
	require.NoError(t, publishWin(ctx, env, pub, 1))
	var attempts atomic.Int64
	sub, err := messaging.Subscribe(ctx, env.Conn, env.Prefix, messaging.ConsumerOptions{
		MaxDeliver: 1, Backoff: []time.Duration{60 * time.Millisecond}, Workers: 1, Linger: -1, Log: quiet,
	}, func(_ context.Context, ds []messaging.Delivery) []error {
		attempts.Add(1)
		return []error{errors.New("merchant down")}
	})
	require.NoError(t, err)
	t.Cleanup(sub.Stop)

	stream, err := env.Conn.JS.Stream(ctx, messaging.StreamName(env.Prefix))
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		info, err := stream.Info(ctx)
		return err == nil && info.State.Msgs == 0
	}, 20*time.Second, 20*time.Millisecond)
	assert.Equal(t, int64(1+5), attempts.Load(), "MaxDeliver, and the deliveries that may record the verdict")
}

// Stop waits StopWithin for the grants in hand, then cancels their context: a slow
// merchant does not hold the process past its shutdown budget.
func TestStopCancelsGrantsStillRunning(t *testing.T) {
	t.Parallel()
	stopDuring(t, func(ctx context.Context) {
		<-ctx.Done() // a merchant that never answers
	})
}

// A handler that ignores its cancelled context does not hold Stop up for good: it is left
// behind after StopWithin more.
func TestStopLeavesAHandlerThatIgnoresItsContext(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	stopDuring(t, func(ctx context.Context) {
		<-ctx.Done()
		<-release // a call stuck on a half-open connection
	})
}

// stopDuring stops a subscription while handle runs on its one delivery, and fails unless
// Stop cancels the handler's context and returns within a deadline.
func stopDuring(t *testing.T, handle func(ctx context.Context)) {
	t.Helper()
	env := testkit.EmbeddedNATS(t)
	ctx := context.Background()
	pub := newTestPublisher(t, env)
	require.NoError(t, publishWin(ctx, env, pub, 1))
	started, cancelled := make(chan struct{}), make(chan struct{})
	sub, err := messaging.Subscribe(ctx, env.Conn, env.Prefix, messaging.ConsumerOptions{
		Workers: 1, Linger: -1, StopWithin: 50 * time.Millisecond, Log: quiet,
	}, func(ctx context.Context, ds []messaging.Delivery) []error {
		close(started)
		context.AfterFunc(ctx, func() { close(cancelled) })
		handle(ctx)
		return []error{ctx.Err()}
	})
	require.NoError(t, err)
	<-started

	stopped := make(chan struct{})
	go func() { sub.Stop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("Stop waited on a handler that does not return")
	}
	select {
	case <-cancelled:
	case <-time.After(10 * time.Second):
		t.Fatal("Stop did not cancel the handler's context")
	}
}
