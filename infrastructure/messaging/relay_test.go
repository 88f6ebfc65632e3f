package messaging_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/infrastructure/messaging"
	"github.com/lottery-go/lottery/internal/testkit"
)

// memOutbox is an outbox in memory.
type memOutbox struct {
	mu      sync.Mutex
	pending []draw.OutboxEntry
	sent    map[int64]bool
}

func (m *memOutbox) add(e draw.OutboxEntry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pending = append(m.pending, e)
}

func (m *memOutbox) Pending(_ context.Context, limit int) ([]draw.OutboxEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []draw.OutboxEntry
	for _, e := range m.pending {
		if !m.sent[e.OrderID] && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

func (m *memOutbox) Overdue(context.Context, time.Time, time.Time, int) ([]draw.OutboxEntry, error) {
	return nil, nil
}

func (m *memOutbox) MarkSent(_ context.Context, ids []int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, id := range ids {
		m.sent[id] = true
	}
	return nil
}

func (m *memOutbox) MarkFailed(context.Context, int64, string, time.Time) error { return nil }

func (m *memOutbox) isSent(id int64) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sent[id]
}

func TestRelayPublishesWhenKicked(t *testing.T) {
	t.Parallel()
	testkit.EachNATS(t, func(t *testing.T, env testkit.NATSEnv) {
		ctx := context.Background()
		require.NoError(t, messaging.EnsureStream(ctx, env.Conn.JS, env.Prefix))
		pub, err := messaging.NewPublisher(env.Conn, env.Prefix, 2*time.Second)
		require.NoError(t, err)
		box := &memOutbox{sent: map[int64]bool{}}
		// An hour between ticks: only the kick can have woken the loop.
		relay := messaging.NewRelay(box, pub, messaging.RelayOptions{Batch: 2, Interval: time.Hour,
			Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
		relay.Start()
		t.Cleanup(relay.Close)

		for id := int64(1); id <= 5; id++ {
			box.add(draw.OutboxEntry{OrderID: id, Subject: messaging.GrantSubject(env.Prefix, "text"), Payload: []byte(`{}`)})
		}
		relay.Kick()
		require.Eventually(t, func() bool {
			for id := int64(1); id <= 5; id++ {
				if !box.isSent(id) {
					return false
				}
			}
			return true
		}, 10*time.Second, 10*time.Millisecond, "batches of 2 until the outbox is drained")

		stream, err := env.Conn.JS.Stream(ctx, messaging.StreamName(env.Prefix))
		require.NoError(t, err)
		info, err := stream.Info(ctx)
		require.NoError(t, err)
		assert.Equal(t, uint64(5), info.State.Msgs)
		assert.GreaterOrEqual(t, info.Config.Duplicates, 2*time.Minute)

		// The same ids again: JetStream drops them as duplicates.
		errs := pub.Publish(ctx, []draw.OutboxEntry{{OrderID: 3, Subject: messaging.GrantSubject(env.Prefix, "text"), Payload: []byte(`{}`)}})
		require.NoError(t, errs[0])
		info, err = stream.Info(ctx)
		require.NoError(t, err)
		assert.Equal(t, uint64(5), info.State.Msgs)
	})
}
