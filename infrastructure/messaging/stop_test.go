package messaging_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/infrastructure/messaging"
	"github.com/lottery-go/lottery/internal/testkit"
)

// A grant that Stop cuts short counts no attempt: its event goes back to the outbox with
// the deliveries it had before (none, on a first delivery), due at once, on a context the
// stop did not cancel, and its message is acknowledged rather than left to come back.
func TestAGrantCutShortByStopCountsNoAttempt(t *testing.T) {
	t.Parallel()
	testkit.EachNATS(t, func(t *testing.T, env testkit.NATSEnv) {
		t.Parallel()
		ctx := context.Background()
		pub := newTestPublisher(t, env)
		require.NoError(t, publishWin(ctx, env, pub, 1))
		defers := &messaging.DeferRecorder{}
		started := make(chan struct{})
		var once sync.Once
		opts := messaging.ConsumerOptions{
			Workers: 1, Linger: -1, StopWithin: 200 * time.Millisecond, Log: quiet, Defer: defers.Defer,
		}
		sub, err := messaging.Subscribe(ctx, env.Conn, env.Prefix, opts, func(ctx context.Context, ds []messaging.Delivery) []error {
			once.Do(func() { close(started) })
			<-ctx.Done() // a coupon webhook call still running when the granter stops
			return []error{fmt.Errorf("coupon webhook: %w", ctx.Err())}
		})
		require.NoError(t, err)
		t.Cleanup(sub.Stop)
		select {
		case <-started:
		case <-time.After(10 * time.Second):
			t.Fatal("the grant was not delivered")
		}
		begun := time.Now()
		sub.Stop()

		require.Eventually(t, func() bool { return len(defers.Calls()) > 0 }, 10*time.Second, 5*time.Millisecond,
			"the cut grant goes back to the outbox")
		got := defers.Calls()
		require.Len(t, got, 1)
		assert.Equal(t, []int64{1}, got[0].IDs)
		assert.Equal(t, 0, got[0].Deliveries, "a first delivery cut short: no attempt had")
		assert.NoError(t, got[0].CtxErr, "Defer runs on a context the stop did not cancel")
		assert.True(t, got[0].Deadline, "and a bounded one")
		assert.WithinRange(t, got[0].Until, begun.Add(-time.Second), time.Now().Add(time.Second), "due at once")
		assert.Contains(t, got[0].Reason, "not counted")

		cons, err := env.Conn.JS.Consumer(ctx, messaging.StreamName(env.Prefix), env.Prefix+"_GRANTER")
		require.NoError(t, err)
		stream, err := env.Conn.JS.Stream(ctx, messaging.StreamName(env.Prefix))
		require.NoError(t, err)
		require.Eventually(t, func() bool {
			ci, err := cons.Info(ctx)
			if err != nil || ci.NumAckPending != 0 || ci.NumPending != 0 || ci.NumRedelivered != 0 {
				return false
			}
			si, err := stream.Info(ctx)
			return err == nil && si.State.Msgs == 0
		}, 10*time.Second, 10*time.Millisecond, "the message is acknowledged: the stream does not bring it back")
	})
}
