package messaging

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lottery-go/lottery/domain/draw"
)

// RelayOptions tune a Relay; zero values take the defaults noted.
type RelayOptions struct {
	// Batch is the entries read and published at once. Default 256.
	Batch int
	// Interval is how often the loop looks without being kicked, for entries committed by
	// a process that did not kick this one. Default 1s.
	Interval time.Duration
	// Now is the clock of next-attempt times. Default time.Now.
	Now func() time.Time
	// Log defaults to slog.Default().
	Log *slog.Logger
	// Registerer receives the relay's metrics when set.
	Registerer prometheus.Registerer
}

// Relay moves outbox entries to JetStream off the draw path: the draw commits its order
// with the entry and kicks the relay, which publishes in batches in the background. An
// entry whose publish fails is marked failed with a backoff; Compensate (a scheduled job)
// retries those and any entry whose relay died.
type Relay struct {
	outbox  draw.Outbox
	pub     *Publisher
	opts    RelayOptions
	kick    chan struct{}
	relayed *prometheus.CounterVec

	mu     sync.Mutex // serialises passes, so a kick and a tick never publish twice
	stop   context.CancelFunc
	done   chan struct{}
	closed sync.Once
}

// NewRelay builds a relay; Start runs its loop.
func NewRelay(outbox draw.Outbox, pub *Publisher, opts RelayOptions) *Relay {
	if opts.Batch <= 0 {
		opts.Batch = 256
	}
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	r := &Relay{outbox: outbox, pub: pub, opts: opts, kick: make(chan struct{}, 1),
		relayed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lottery_outbox_relayed_total",
			Help: "Outbox entries published to the grant stream, by outcome (sent, failed).",
		}, []string{"outcome"})}
	if opts.Registerer != nil {
		// A second relay on the same registry shares the series instead of failing.
		if err := opts.Registerer.Register(r.relayed); err != nil {
			var dup prometheus.AlreadyRegisteredError
			if !errors.As(err, &dup) {
				panic(err)
			}
			r.relayed = dup.ExistingCollector.(*prometheus.CounterVec)
		}
	}
	return r
}

// Kick wakes the loop; it never blocks, and kicks while a pass runs fold into one more.
func (r *Relay) Kick() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// Start runs the loop until Close.
func (r *Relay) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	r.stop, r.done = cancel, make(chan struct{})
	go r.loop(ctx)
}

func (r *Relay) loop(ctx context.Context) {
	defer close(r.done)
	tick := time.NewTicker(r.opts.Interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.kick:
		case <-tick.C:
		}
		if _, _, err := r.Flush(ctx); err != nil && ctx.Err() == nil {
			r.opts.Log.Warn("outbox relay", "err", err)
		}
	}
}

// Close stops the loop and waits for the pass in progress. Entries left behind are
// relayed by the next process or by compensation.
func (r *Relay) Close() {
	r.closed.Do(func() {
		if r.stop != nil {
			r.stop()
			<-r.done
		}
	})
}

// Flush relays pending entries until none is left or a batch fails entirely.
func (r *Relay) Flush(ctx context.Context) (sent, failed int, err error) {
	return r.drain(ctx, func() ([]draw.OutboxEntry, error) { return r.outbox.Pending(ctx, r.opts.Batch) })
}

// Compensate republishes failed entries that are due and pending entries older than
// staleAfter. JetStream de-duplicates by order id, so an entry that did arrive is not
// delivered twice within the window, and the grants table absorbs anything later.
func (r *Relay) Compensate(ctx context.Context, staleAfter time.Duration) (sent, failed int, err error) {
	return r.drain(ctx, func() ([]draw.OutboxEntry, error) {
		now := r.opts.Now()
		return r.outbox.Overdue(ctx, now, now.Add(-staleAfter), r.opts.Batch)
	})
}

// drain passes batches from next until one comes back short. Each published entry leaves
// the selection (sent, or failed with a later next attempt), so the loop ends; a batch
// with no success stops it early, since the stream is evidently unreachable.
func (r *Relay) drain(ctx context.Context, next func() ([]draw.OutboxEntry, error)) (sent, failed int, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for ctx.Err() == nil {
		batch, err := next()
		if err != nil {
			return sent, failed, err
		}
		if len(batch) == 0 {
			return sent, failed, nil
		}
		s, f, err := r.pass(ctx, batch)
		sent, failed = sent+s, failed+f
		if err != nil || len(batch) < r.opts.Batch || s == 0 {
			return sent, failed, err
		}
	}
	return sent, failed, ctx.Err()
}

// pass publishes one batch and records every outcome.
func (r *Relay) pass(ctx context.Context, batch []draw.OutboxEntry) (sent, failed int, err error) {
	errs := r.pub.Publish(ctx, batch)
	ok := make([]int64, 0, len(batch))
	var marks []error
	for i, e := range batch {
		if errs[i] == nil {
			ok = append(ok, e.OrderID)
			continue
		}
		failed++
		next := r.opts.Now().Add(backoff(e.Attempts + 1))
		if err := r.outbox.MarkFailed(ctx, e.OrderID, errs[i].Error(), next); err != nil {
			marks = append(marks, err)
		}
	}
	if err := r.outbox.MarkSent(ctx, ok); err != nil {
		// Published but not marked: compensation republishes them as stale, and the
		// stream drops the duplicates.
		marks = append(marks, err)
	}
	r.relayed.WithLabelValues("sent").Add(float64(len(ok)))
	r.relayed.WithLabelValues("failed").Add(float64(failed))
	if failed > 0 {
		r.opts.Log.Warn("outbox entries not published", "failed", failed, "sent", len(ok), "first_err", firstErr(errs))
	}
	return len(ok), failed, errors.Join(marks...)
}

func firstErr(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// backoff is the wait before the attempt-th retry of an entry: 1 s doubling up to 1 min,
// short enough that a NATS outage of minutes delays grants by about as long.
func backoff(attempt int) time.Duration {
	return min(time.Second<<min(max(attempt-1, 0), 6), time.Minute)
}
