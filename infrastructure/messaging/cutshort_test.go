package messaging

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
)

// stopMsg is a fakeMsg delivered a given number of times, that records a plain Nak too.
type stopMsg struct {
	fakeMsg
	delivered uint64
}

func (m *stopMsg) Metadata() (*jetstream.MsgMetadata, error) {
	return &jetstream.MsgMetadata{NumDelivered: m.delivered}, nil
}
func (m *stopMsg) Nak() error { m.verdict = "nak"; return nil }

// cutHandler grants every event but order 2's, whose call the cancelled ctx cuts.
func cutHandler(ctx context.Context, ds []Delivery) []error {
	errs := make([]error, len(ds))
	for i, d := range ds {
		if d.Event.OrderID == "2" {
			errs[i] = fmt.Errorf("coupon webhook: %w", ctx.Err())
		}
	}
	return errs
}

// cancelled returns a context already cancelled, as a stop leaves the handlers'.
func cancelled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// In a batch a stop cut short, the events that succeeded are done with, and those that
// did not go back to the outbox with the deliveries they had before this one, due at once,
// on a context not cancelled: no attempt is counted, and every message is acknowledged.
func TestHandleCutShortDefersWhatDidNotSucceedUncounted(t *testing.T) {
	t.Parallel()
	batch := &stopMsg{fakeMsg: fakeMsg{data: `[{"order_id":"1"},{"order_id":"2"}]`,
		header: nats.Header{DeliveriesHeader: []string{"3"}}}, delivered: 2}
	done := &stopMsg{fakeMsg: fakeMsg{data: `{"order_id":"3"}`}, delivered: 1}
	defers := &DeferRecorder{}
	postponed := false
	opts := ConsumerOptions{Backoff: []time.Duration{time.Second, time.Minute}, MaxDeliver: 8, Defer: defers.Defer,
		Postpone: func(context.Context, []int64, time.Time) error { postponed = true; return nil },
		Log:      slog.New(slog.NewTextHandler(io.Discard, nil))}.withDefaults("T")
	begun := time.Now()
	handle(cancelled(), []jetstream.Msg{batch, done}, opts, cutHandler, newInFlight())
	assert.Equal(t, "ack", batch.verdict)
	assert.Equal(t, "ack", done.verdict)
	if calls := defers.Calls(); assert.Len(t, calls, 1) {
		c := calls[0]
		assert.Equal(t, []int64{2}, c.IDs, "only the event cut short goes back")
		assert.Equal(t, 4, c.Deliveries, "three earlier deliveries and this message's first: this one not counted")
		assert.NoError(t, c.CtxErr)
		assert.True(t, c.Deadline)
		assert.WithinRange(t, c.Until, begun, time.Now())
		assert.Equal(t, "the granter stopped before this grant was done; not counted as an attempt", c.Reason)
	}
	assert.False(t, postponed, "nothing comes back later from the stream")
}

// Without Defer, or when it fails, a message a stop cut short is negatively acknowledged
// (JetStream counts that delivery); on the last delivery JetStream makes it is terminated,
// or it would stay in the stream for good (the outbox holds its events).
func TestHandleCutShortWithoutTheOutbox(t *testing.T) {
	t.Parallel()
	opts := ConsumerOptions{Backoff: []time.Duration{time.Second, time.Minute}, MaxDeliver: 8,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}.withDefaults("T")
	for _, name := range []string{"no Defer", "Defer fails"} {
		if name == "Defer fails" {
			opts.Defer = func(context.Context, []int64, int, time.Time, string) error { return errors.New("database down") }
		}
		early := &stopMsg{fakeMsg: fakeMsg{data: `{"order_id":"2"}`}, delivered: 2}
		last := &stopMsg{fakeMsg: fakeMsg{data: `{"order_id":"2"}`}, delivered: uint64(opts.MaxDeliver + verdictRetries)}
		handle(cancelled(), []jetstream.Msg{early, last}, opts, cutHandler, newInFlight())
		assert.Equal(t, "nak", early.verdict, name)
		assert.Equal(t, "term", last.verdict, name)
	}
}

// Postpone runs on a context of its own: a stop cancelling the handlers' does not cut it.
func TestPostponeRunsOnAContextNotCancelled(t *testing.T) {
	t.Parallel()
	var ctxErr error
	var deadline bool
	opts := ConsumerOptions{
		Postpone: func(ctx context.Context, _ []int64, _ time.Time) error {
			ctxErr = ctx.Err()
			_, deadline = ctx.Deadline()
			return ctxErr
		},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}.withDefaults("T")
	postpone(cancelled(), opts, map[time.Duration][]int64{time.Minute: {7}})
	assert.NoError(t, ctxErr)
	assert.True(t, deadline)
}
