package messaging

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// ConsumerOptions tune a grant subscription; zero values take the defaults noted.
type ConsumerOptions struct {
	// Durable names the consumer that every granter process shares. Default PREFIX_GRANTER.
	Durable string
	// MaxDeliver is the deliveries after which a grant is given up. Default 8.
	MaxDeliver int
	// Backoff are the waits before the 1st, 2nd, … redelivery; the last repeats. The first
	// is also how long a delivery may go unacknowledged before it is redelivered, so it
	// must exceed the slowest grant. Default 10s, 30s, 1m, 2m, 5m.
	Backoff []time.Duration
	// Workers is the grants handled at once. Default 16.
	Workers int
	// Log defaults to slog.Default().
	Log *slog.Logger
}

// verdictRetries are deliveries JetStream makes beyond MaxDeliver: the last allowed
// delivery records the failure, and if that write fails too the message must still come
// back to record it.
const verdictRetries = 5

func (o ConsumerOptions) withDefaults(prefix string) ConsumerOptions {
	if o.Durable == "" {
		o.Durable = prefix + "_GRANTER"
	}
	if o.MaxDeliver <= 0 {
		o.MaxDeliver = 8
	}
	if len(o.Backoff) == 0 {
		o.Backoff = []time.Duration{10 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute}
	}
	if o.Workers <= 0 {
		o.Workers = 16
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return o
}

func (o ConsumerOptions) delay(attempt int) time.Duration {
	return o.Backoff[min(max(attempt-1, 0), len(o.Backoff)-1)]
}

// Delivery is one grant event as delivered. Attempt counts from 1; Last is set from the
// MaxDeliver-th delivery on, when a failure must be recorded instead of retried.
type Delivery struct {
	Event   GrantEvent
	Attempt int
	Last    bool
}

// Handler processes one delivery: nil acknowledges it, an error has it redelivered after
// the backoff.
type Handler func(ctx context.Context, d Delivery) error

// Subscription is a running grant consumer.
type Subscription struct {
	cc   jetstream.ConsumeContext
	stop chan struct{}
	wg   sync.WaitGroup
	once sync.Once
}

// Subscribe binds to the durable pull consumer of the grant stream (creating or updating
// it) and hands every delivery to h on opts.Workers goroutines. Handlers run with ctx:
// cancelling it aborts them, Stop lets them finish.
func Subscribe(ctx context.Context, conn *Conn, prefix string, opts ConsumerOptions, h Handler) (*Subscription, error) {
	opts = opts.withDefaults(prefix)
	if err := EnsureStream(ctx, conn.JS, prefix); err != nil {
		return nil, err
	}
	cons, err := conn.JS.CreateOrUpdateConsumer(ctx, StreamName(prefix), jetstream.ConsumerConfig{
		Durable:       opts.Durable,
		Description:   "grants won orders",
		AckPolicy:     jetstream.AckExplicitPolicy,
		MaxDeliver:    opts.MaxDeliver + verdictRetries,
		BackOff:       opts.Backoff,
		FilterSubject: grantSubjects(prefix),
		MaxAckPending: 64 * opts.Workers,
	})
	if err != nil {
		return nil, fmt.Errorf("grant consumer %s: %w", opts.Durable, err)
	}
	s := &Subscription{stop: make(chan struct{})}
	work := make(chan jetstream.Msg)
	s.cc, err = cons.Consume(func(m jetstream.Msg) {
		select {
		case work <- m:
		case <-s.stop: // not acknowledged: redelivered after the first backoff
		}
	}, jetstream.PullMaxMessages(2*opts.Workers), jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
		opts.Log.Debug("grant consumer", "err", err)
	}))
	if err != nil {
		return nil, fmt.Errorf("consume %s: %w", opts.Durable, err)
	}
	for range opts.Workers {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			for {
				select {
				case <-s.stop:
					return
				case m := <-work:
					handle(ctx, m, opts, h)
				}
			}
		}()
	}
	return s, nil
}

// Stop takes no more deliveries and waits for the handlers running.
func (s *Subscription) Stop() {
	s.once.Do(func() {
		s.cc.Stop()
		close(s.stop)
		s.wg.Wait()
	})
}

// handle decides one delivery's acknowledgement. A panicking handler is treated like a
// failing one: the message comes back, the process stays up.
func handle(ctx context.Context, m jetstream.Msg, opts ConsumerOptions, h Handler) {
	var ev GrantEvent
	if err := json.Unmarshal(m.Data(), &ev); err != nil {
		opts.Log.Error("grant event unreadable; dropped", "subject", m.Subject(), "err", err)
		_ = m.Term()
		return
	}
	attempt := 1
	if md, err := m.Metadata(); err == nil {
		attempt = int(md.NumDelivered)
	}
	d := Delivery{Event: ev, Attempt: attempt, Last: attempt >= opts.MaxDeliver}
	if err := safeHandle(ctx, h, d, opts.Log); err != nil {
		_ = m.NakWithDelay(opts.delay(attempt))
		return
	}
	_ = m.Ack()
}

func safeHandle(ctx context.Context, h Handler, d Delivery, log *slog.Logger) (err error) {
	defer func() {
		if r := recover(); r != nil {
			log.Error("grant handler panicked", "order_id", d.Event.OrderID, "attempt", d.Attempt,
				"panic", r, "stack", string(debug.Stack()))
			err = fmt.Errorf("grant handler panicked: %v", r)
		}
	}()
	return h(ctx, d)
}
