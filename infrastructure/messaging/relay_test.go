package messaging_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/infrastructure/messaging"
	"github.com/lottery-go/lottery/internal/testkit"
)

// memOutbox is an outbox in memory that records what the relay marks.
type memOutbox struct {
	mu     sync.Mutex
	failed []int64
}

func (m *memOutbox) Overdue(context.Context, time.Time, time.Time, int) ([]draw.OutboxEntry, error) {
	return nil, nil
}

func (m *memOutbox) MarkRetried(context.Context, []int64, time.Time, time.Time) error { return nil }

func (m *memOutbox) MarkFailed(_ context.Context, ids []int64, _ string, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.failed = append(m.failed, ids...)
	return nil
}

func (m *memOutbox) failedIDs() []int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]int64(nil), m.failed...)
}

// newTestPublisher makes env's stream and a publisher to it.
func newTestPublisher(t *testing.T, env testkit.NATSEnv) *messaging.Publisher {
	t.Helper()
	require.NoError(t, messaging.EnsureStream(context.Background(), env.Conn.JS, env.Prefix))
	pub, err := messaging.NewPublisher(env.Conn, env.Prefix, 2*time.Second)
	require.NoError(t, err)
	return pub
}

func TestRelayLeavesWhatItCannotHoldToCompensation(t *testing.T) {
	t.Parallel()
	env := testkit.EmbeddedNATS(t)
	ctx := context.Background()
	pub := newTestPublisher(t, env)
	relay := messaging.NewRelay(&memOutbox{}, pub, messaging.RelayOptions{MaxQueue: 2,
		Encode: messaging.GrantEncoder(env.Prefix), Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	for id := int64(1); id <= 3; id++ {
		relay.Relay(draw.Order{ID: id, AwardKind: "text", Outcome: draw.OutcomeWin})
	}
	sent, failed, err := relay.Flush(ctx)
	require.NoError(t, err)
	assert.Equal(t, [2]int{2, 0}, [2]int{sent, failed}, "the third waits in the outbox, pending")
	sent, _, err = relay.Flush(ctx)
	require.NoError(t, err)
	assert.Zero(t, sent)
}

func TestRelayPublishesWhatItIsHanded(t *testing.T) {
	t.Parallel()
	testkit.EachNATS(t, func(t *testing.T, env testkit.NATSEnv) {
		ctx := context.Background()
		pub := newTestPublisher(t, env)
		box := &memOutbox{}
		relay := messaging.NewRelay(box, pub, messaging.RelayOptions{Batch: 2, Interval: time.Hour,
			Encode: messaging.GrantEncoder(env.Prefix), Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
		win := func(id int64) draw.Order {
			return draw.Order{ID: id, ActivityID: 9, UserID: "u", AwardID: 4, AwardKind: "text", Outcome: draw.OutcomeWin}
		}

		for id := int64(1); id <= 5; id++ {
			relay.Relay(win(id))
		}
		sent, failed, err := relay.Flush(ctx)
		require.NoError(t, err)
		assert.Equal(t, [2]int{5, 0}, [2]int{sent, failed})
		stream, err := env.Conn.JS.Stream(ctx, messaging.StreamName(env.Prefix))
		require.NoError(t, err)
		info, err := stream.Info(ctx)
		require.NoError(t, err)
		assert.Equal(t, uint64(3), info.State.Msgs, "batches of 2, one message each")
		assert.GreaterOrEqual(t, info.Config.Duplicates, 2*time.Minute)
		first, err := stream.GetMsg(ctx, info.State.FirstSeq)
		require.NoError(t, err)
		assert.Regexp(t, `^\[\{"order_id":"1",.*\},\{"order_id":"2",.*\}\]$`, string(first.Data))
		last, err := stream.GetLastMsgForSubject(ctx, messaging.GrantSubject(env.Prefix, "text"))
		require.NoError(t, err)
		assert.JSONEq(t, `{"order_id":"5","activity_id":"9","user_id":"u","award_id":"4","kind":"text",
			"created_at":"0001-01-01T00:00:00Z"}`, string(last.Data))

		// A single event again, as compensation republishes it: JetStream drops it as a
		// duplicate. The same order's event sent again after its grant failed is new.
		subject, payload := messaging.GrantEncoder(env.Prefix)(win(5))
		errs := pub.Publish(ctx, []draw.OutboxEntry{{OrderID: 5, Subject: subject, Payload: payload}})
		require.NoError(t, errs[0])
		info, err = stream.Info(ctx)
		require.NoError(t, err)
		assert.Equal(t, uint64(3), info.State.Msgs)
		// A group republished as it was is dropped too.
		var group []draw.OutboxEntry
		for id := int64(1); id <= 2; id++ {
			subject, payload := messaging.GrantEncoder(env.Prefix)(win(id))
			group = append(group, draw.OutboxEntry{OrderID: id, Subject: subject, Payload: payload})
		}
		for _, err := range pub.Publish(ctx, group) {
			require.NoError(t, err)
		}
		info, err = stream.Info(ctx)
		require.NoError(t, err)
		assert.Equal(t, uint64(3), info.State.Msgs, "the group of orders 1 and 2 again")
		subject, payload = messaging.ReopenedGrantEncoder(env.Prefix)(win(5), time.Now())
		assert.Contains(t, string(payload), `"reopened_at"`)
		for range 2 { // the second is a republish of the reopened event
			errs = pub.Publish(ctx, []draw.OutboxEntry{{OrderID: 5, Subject: subject, Payload: payload}})
			require.NoError(t, errs[0])
		}
		info, err = stream.Info(ctx)
		require.NoError(t, err)
		assert.Equal(t, uint64(4), info.State.Msgs)

		// Running, with an hour between ticks: only the hand-off can wake the loop.
		relay.Start()
		t.Cleanup(relay.Close)
		relay.Relay(win(6))
		require.Eventually(t, func() bool {
			info, err := stream.Info(ctx)
			return err == nil && info.State.Msgs == 5
		}, 10*time.Second, 10*time.Millisecond)
		assert.Empty(t, box.failedIDs())
	})
}

func TestRelayLingersUntilABatchIsQueued(t *testing.T) {
	t.Parallel()
	env := testkit.EmbeddedNATS(t)
	ctx := context.Background()
	pub := newTestPublisher(t, env)
	// An hour between ticks and an hour of lingering: only a whole batch publishes.
	relay := messaging.NewRelay(&memOutbox{}, pub, messaging.RelayOptions{Batch: 4, Interval: time.Hour, Linger: time.Hour,
		Encode: messaging.GrantEncoder(env.Prefix), Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	relay.Start()
	t.Cleanup(relay.Close)
	stream, err := env.Conn.JS.Stream(ctx, messaging.StreamName(env.Prefix))
	require.NoError(t, err)
	relay.Relay(draw.Order{ID: 1, AwardKind: "text", Outcome: draw.OutcomeWin})
	assert.Never(t, func() bool {
		info, err := stream.Info(ctx)
		return err != nil || info.State.Msgs > 0
	}, 100*time.Millisecond, 10*time.Millisecond, "one event waits for company")
	for id := int64(2); id <= 4; id++ {
		relay.Relay(draw.Order{ID: id, AwardKind: "text", Outcome: draw.OutcomeWin})
	}
	require.Eventually(t, func() bool {
		info, err := stream.Info(ctx)
		return err == nil && info.State.Msgs > 0
	}, 10*time.Second, 5*time.Millisecond)
	info, err := stream.Info(ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(1), info.State.Msgs, "the four events in one message")
	msg, err := stream.GetMsg(ctx, info.State.FirstSeq)
	require.NoError(t, err)
	assert.Equal(t, 4, strings.Count(string(msg.Data), `"order_id"`))
}

// stalledOutbox is an outbox whose Overdue holds until released: a long compensation.
type stalledOutbox struct {
	memOutbox
	entered, release chan struct{}
}

func (s *stalledOutbox) Overdue(ctx context.Context, _, _ time.Time, _ int) ([]draw.OutboxEntry, error) {
	close(s.entered)
	select {
	case <-s.release:
	case <-ctx.Done():
	}
	return nil, nil
}

// A compensation sweeping a large backlog (minutes, after an outage) never holds up the
// events of new wins.
func TestRelayPublishesNewWinsDuringACompensation(t *testing.T) {
	t.Parallel()
	env := testkit.EmbeddedNATS(t)
	pub := newTestPublisher(t, env)
	box := &stalledOutbox{entered: make(chan struct{}), release: make(chan struct{})}
	relay := messaging.NewRelay(box, pub, messaging.RelayOptions{Interval: time.Hour,
		Encode: messaging.GrantEncoder(env.Prefix), Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	swept := make(chan error, 1)
	go func() {
		_, _, err := relay.Compensate(context.Background(), time.Minute)
		swept <- err
	}()
	<-box.entered

	relay.Relay(draw.Order{ID: 1, AwardKind: "text", Outcome: draw.OutcomeWin})
	flushed := make(chan int, 1)
	go func() {
		sent, _, err := relay.Flush(context.Background())
		assert.NoError(t, err)
		flushed <- sent
	}()
	select {
	case sent := <-flushed:
		assert.Equal(t, 1, sent, "published while the compensation runs")
	case <-time.After(10 * time.Second):
		t.Error("the new win waited for the compensation")
	}

	close(box.release)
	require.NoError(t, <-swept)
}
