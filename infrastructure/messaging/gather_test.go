package messaging

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
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

// fakeMsg is a delivered message that records its verdict.
type fakeMsg struct {
	jetstream.Msg
	data    string
	header  nats.Header
	verdict string
}

func (m *fakeMsg) Headers() nats.Header { return m.header }
func (m *fakeMsg) Data() []byte         { return []byte(m.data) }
func (m *fakeMsg) Subject() string      { return "T.grant.text" }
func (m *fakeMsg) Metadata() (*jetstream.MsgMetadata, error) {
	return &jetstream.MsgMetadata{NumDelivered: 2}, nil
}
func (m *fakeMsg) Ack() error                         { m.verdict = "ack"; return nil }
func (m *fakeMsg) NakWithDelay(d time.Duration) error { m.verdict = "nak " + d.String(); return nil }
func (m *fakeMsg) Term() error                        { m.verdict = "term"; return nil }

func TestHandleAcknowledgesABatchMessageOnlyWhenEveryEventIsHandled(t *testing.T) {
	t.Parallel()
	batch := &fakeMsg{data: `[{"order_id":"1"},{"order_id":"2"}]`}
	single := &fakeMsg{data: ` {"order_id":"3"}`}
	garbage := &fakeMsg{data: `[]`}
	okBatch := &fakeMsg{data: `[{"order_id":"4"},{"order_id":"5"}]`}
	var seen []string
	h := func(_ context.Context, ds []Delivery) []error {
		errs := make([]error, len(ds))
		for i, d := range ds {
			seen = append(seen, d.Event.OrderID)
			assert.Equal(t, 2, d.Attempt)
			if d.Event.OrderID == "2" {
				errs[i] = errors.New("upstream down")
			}
		}
		return errs
	}
	var postponed []int64
	var until time.Time
	opts := ConsumerOptions{Backoff: []time.Duration{time.Second, time.Minute},
		Postpone: func(_ context.Context, ids []int64, u time.Time) error {
			postponed, until = append(postponed, ids...), u
			return nil
		},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}.withDefaults("T")
	begun := time.Now()
	handle(context.Background(), []jetstream.Msg{batch, single, garbage, okBatch}, opts, h, newInFlight())
	assert.Equal(t, []string{"1", "2", "3", "4", "5"}, seen)
	assert.Equal(t, "nak 1m0s", batch.verdict, "one failed event brings the whole message back")
	assert.Equal(t, "ack", single.verdict)
	assert.Equal(t, "term", garbage.verdict, "an empty batch is unreadable")
	assert.Equal(t, "ack", okBatch.verdict)
	assert.Equal(t, []int64{1, 2}, postponed, "the events coming back are kept from compensation")
	assert.WithinRange(t, until, begun.Add(time.Minute), time.Now().Add(time.Minute))
}

// With Defer, the failed events of a message wait in the outbox and the message is done
// with; the deliveries of the grant's earlier messages count towards its attempts.
func TestHandleDefersFailedEventsToTheOutbox(t *testing.T) {
	t.Parallel()
	batch := &fakeMsg{data: `[{"order_id":"1"},{"order_id":"2"}]`, header: nats.Header{DeliveriesHeader: []string{"3"}}}
	h := func(_ context.Context, ds []Delivery) []error {
		errs := make([]error, len(ds))
		for i, d := range ds {
			assert.Equal(t, 5, d.Attempt, "three earlier deliveries, and this message's second")
			if d.Event.OrderID == "2" {
				errs[i] = errors.New("upstream down")
			}
		}
		return errs
	}
	type call struct {
		ids        []int64
		deliveries int
		reason     string
	}
	var calls []call
	var until time.Time
	opts := ConsumerOptions{Backoff: []time.Duration{time.Second, time.Minute}, MaxDeliver: 8,
		Defer: func(_ context.Context, ids []int64, deliveries int, u time.Time, reason string) error {
			calls, until = append(calls, call{ids, deliveries, reason}), u
			return nil
		},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}.withDefaults("T")
	begun := time.Now()
	handle(context.Background(), []jetstream.Msg{batch}, opts, h, newInFlight())
	assert.Equal(t, "ack", batch.verdict)
	assert.Equal(t, []call{{[]int64{2}, 5, "upstream down"}}, calls, "only the failed event waits")
	assert.WithinRange(t, until, begun.Add(time.Minute), time.Now().Add(time.Minute))

	// When the outbox cannot take them, the stream brings the message back.
	opts.Defer = func(context.Context, []int64, int, time.Time, string) error { return errors.New("database down") }
	batch.verdict = ""
	handle(context.Background(), []jetstream.Msg{batch}, opts, h, newInFlight())
	assert.Equal(t, "nak 1m0s", batch.verdict)
}

// progressMsg counts the in-progress reports it gets.
type progressMsg struct {
	fakeMsg
	reports int
}

func (m *progressMsg) InProgress() error { m.reports++; return nil }

// A held message is kept in progress, but not past maxHold: a worker stuck on it must not
// keep it from every other granter for good.
func TestHeldMessagesAreLetGoPastMaxHold(t *testing.T) {
	t.Parallel()
	f := newInFlight()
	f.maxHold = time.Hour
	recent, stuck := &progressMsg{}, &progressMsg{}
	f.take(recent)
	f.take(stuck)
	f.msgs[stuck] = time.Now().Add(-2 * time.Hour)

	assert.Equal(t, 1, f.inProgress(time.Now().Add(time.Second)))
	assert.Equal(t, 1, recent.reports)
	assert.Zero(t, stuck.reports, "let go")
	assert.Equal(t, 0, f.inProgress(time.Now().Add(time.Second)))
	assert.Equal(t, 2, recent.reports)
	assert.Len(t, f.msgs, 1)
}
