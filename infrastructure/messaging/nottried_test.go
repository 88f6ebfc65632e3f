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

	"github.com/lottery-go/lottery/domain/award"
)

// A grant the handler did not try (its merchant is paused) goes back to the outbox due
// when it may be tried and with the deliveries it had before this one; a grant tried and
// failed in the same message goes back counted, after the backoff. The message is done.
func TestAGrantNotTriedGoesBackUncounted(t *testing.T) {
	t.Parallel()
	resumes := time.Now().Add(90 * time.Second)
	paused := func(ctx context.Context, ds []Delivery) []error {
		errs := make([]error, len(ds))
		for i, d := range ds {
			switch d.Event.OrderID {
			case "1":
				errs[i] = &award.NotTried{At: resumes, Err: errors.New("merchant paused")}
			case "2":
				errs[i] = errors.New("503 Service Unavailable")
			}
		}
		return errs
	}
	msg := &stopMsg{fakeMsg: fakeMsg{data: `[{"order_id":"1"},{"order_id":"2"},{"order_id":"3"}]`,
		header: nats.Header{DeliveriesHeader: []string{"3"}}}, delivered: 2}
	defers := &DeferRecorder{}
	opts := ConsumerOptions{Backoff: []time.Duration{time.Second, time.Minute}, MaxDeliver: 8, Defer: defers.Defer,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}.withDefaults("T")
	begun := time.Now()
	handle(context.Background(), []jetstream.Msg{msg}, opts, paused, newInFlight())
	assert.Equal(t, "ack", msg.verdict)
	if calls := defers.Calls(); assert.Len(t, calls, 2) {
		tried, untried := calls[0], calls[1]
		assert.Equal(t, []int64{2}, tried.IDs)
		assert.Equal(t, 5, tried.Deliveries, "three before, and this message's second delivery")
		assert.WithinRange(t, tried.Until, begun.Add(time.Minute), time.Now().Add(time.Minute), "after the backoff of a 5th attempt")
		assert.Equal(t, []int64{1}, untried.IDs)
		assert.Equal(t, 4, untried.Deliveries, "this delivery is not counted")
		assert.Equal(t, resumes, untried.Until, "due when the merchant may be called")
		assert.Equal(t, "merchant paused", untried.Reason)
	}
}

// A grant not tried whose time to be tried has passed (a probe overran) is due at once,
// not in the past.
func TestAGrantNotTriedIsNeverDueInThePast(t *testing.T) {
	t.Parallel()
	msg := &stopMsg{fakeMsg: fakeMsg{data: `{"order_id":"1"}`}, delivered: 1}
	var until time.Time
	opts := ConsumerOptions{Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Defer: func(_ context.Context, _ []int64, _ int, at time.Time, _ string) error { until = at; return nil }}.withDefaults("T")
	begun := time.Now()
	handle(context.Background(), []jetstream.Msg{msg}, opts, func(context.Context, []Delivery) []error {
		return []error{&award.NotTried{At: begun.Add(-time.Hour), Err: errors.New("paused")}}
	}, newInFlight())
	assert.Equal(t, "ack", msg.verdict)
	assert.WithinRange(t, until, begun, time.Now())
}
