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
	// Encode turns a won order into its grant event, as the order writer wrote it into
	// the outbox. Required for Relay.
	Encode func(o draw.Order) (subject string, payload []byte)
	// Batch is the entries published at once. Default 256.
	Batch int
	// MaxQueue bounds the events waiting in memory; beyond it an event is left to
	// compensation, which finds it in the outbox. Default 65,536.
	MaxQueue int
	// Interval is how often the loop looks without being kicked. Default 1s.
	Interval time.Duration
	// Linger is how long a kicked loop waits for more events before it publishes, unless
	// a whole batch is queued sooner: each message costs JetStream and the granters about
	// the same whatever it carries, so fewer, fuller messages save CPU that draws need.
	// Default 20ms; negative publishes at once.
	Linger time.Duration
	// Now is the clock of next-attempt times. Default time.Now.
	Now func() time.Time
	// Log defaults to slog.Default().
	Log *slog.Logger
	// Registerer receives the relay's metrics when set.
	Registerer prometheus.Registerer
}

// Relay moves grant events to JetStream off the draw path. The draw commits its order
// with an outbox entry and hands the relay the same event in memory; the loop publishes
// what has queued in batches and writes nothing to SQL when that works: the entry stays
// pending until a granter records the grant and removes it. A publish that fails marks
// its entries failed with a backoff. Compensate (a scheduled job) republishes those, and
// every entry pending for too long: its process died before publishing, or its event was
// lost on the way.
type Relay struct {
	outbox  draw.Outbox
	pub     *Publisher
	opts    RelayOptions
	kick    chan struct{}
	full    chan struct{} // a batch is queued: stop lingering
	relayed *prometheus.CounterVec

	qmu   sync.Mutex // guards queue
	queue []draw.OutboxEntry

	mu     sync.Mutex // serialises passes, so a kick and a tick never publish twice
	cmu    sync.Mutex // serialises compensations; not mu, so a long sweep never holds up new wins
	stop   context.CancelFunc
	done   chan struct{}
	closed sync.Once
}

// NewRelay builds a relay; Start runs its loop.
func NewRelay(outbox draw.Outbox, pub *Publisher, opts RelayOptions) *Relay {
	if opts.Batch <= 0 {
		opts.Batch = 256
	}
	if opts.MaxQueue <= 0 {
		opts.MaxQueue = 1 << 16
	}
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	if opts.Linger == 0 {
		opts.Linger = 20 * time.Millisecond
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	r := &Relay{outbox: outbox, pub: pub, opts: opts, kick: make(chan struct{}, 1), full: make(chan struct{}, 1),
		relayed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lottery_outbox_relayed_total",
			Help: "Grant events published by the outbox relay, by outcome (sent, failed, republished, deferred: " +
				"left to compensation because too many were waiting).",
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

// Relay queues the grant event of a committed win and wakes the loop; it never blocks.
func (r *Relay) Relay(o draw.Order) {
	subject, payload := r.opts.Encode(o)
	r.qmu.Lock()
	full := len(r.queue) >= r.opts.MaxQueue
	if !full {
		r.queue = append(r.queue, draw.OutboxEntry{OrderID: o.ID, Subject: subject, Payload: payload})
	}
	batched := len(r.queue) >= r.opts.Batch
	r.qmu.Unlock()
	if full {
		r.relayed.WithLabelValues("deferred").Inc()
		return
	}
	if batched {
		signal(r.full)
	}
	r.Kick()
}

// Kick wakes the loop; it never blocks, and kicks while a pass runs fold into one more.
func (r *Relay) Kick() { signal(r.kick) }

// signal sends on a channel of capacity one without blocking; signals fold into one.
func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
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
			r.last()
			return
		case <-r.kick:
			r.linger(ctx)
		case <-tick.C:
		}
		if _, _, err := r.Flush(ctx); err != nil && ctx.Err() == nil {
			r.opts.Log.Warn("outbox relay", "err", err)
		}
	}
}

// linger waits up to Linger for a whole batch to queue, or for the relay to stop.
func (r *Relay) linger(ctx context.Context) {
	if r.opts.Linger < 0 {
		return
	}
	select {
	case <-r.full: // left from a batch an earlier pass took
	default:
	}
	r.qmu.Lock()
	batched := len(r.queue) >= r.opts.Batch
	r.qmu.Unlock()
	if batched {
		return
	}
	t := time.NewTimer(r.opts.Linger)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-r.full:
	case <-t.C:
	}
}

// lastFlush bounds the final pass of a stopping relay.
const lastFlush = 5 * time.Second

// last publishes what is still queued when the relay stops; anything it cannot is
// pending in the outbox, for compensation.
func (r *Relay) last() {
	ctx, cancel := context.WithTimeout(context.Background(), lastFlush)
	defer cancel()
	if _, _, err := r.Flush(ctx); err != nil {
		r.opts.Log.Warn("outbox relay at stop", "err", err)
	}
}

// Close stops the loop after a last pass. Entries left behind are relayed by
// compensation.
func (r *Relay) Close() {
	r.closed.Do(func() {
		if r.stop != nil {
			r.stop()
			<-r.done
		}
	})
}

// Flush publishes the queued events until none is left or a batch fails entirely (the
// rest stays queued for the next pass).
func (r *Relay) Flush(ctx context.Context) (sent, failed int, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for ctx.Err() == nil {
		batch := r.take()
		if len(batch) == 0 {
			return sent, failed, nil
		}
		ok, f, err := r.pass(ctx, batch, "sent")
		sent, failed = sent+len(ok), failed+f
		if err != nil || len(ok) == 0 {
			return sent, failed, err
		}
	}
	return sent, failed, ctx.Err()
}

// take removes up to a batch of events from the queue.
func (r *Relay) take() []draw.OutboxEntry {
	r.qmu.Lock()
	defer r.qmu.Unlock()
	n := min(len(r.queue), r.opts.Batch)
	batch := make([]draw.OutboxEntry, n)
	copy(batch, r.queue)
	r.queue = r.queue[:copy(r.queue, r.queue[n:])]
	return batch
}

// Compensate republishes failed entries that are due and pending entries older than
// staleAfter (an entry whose event the consumer holds for a later delivery is postponed
// until then). A pending entry is republished only once the stream holds nothing stored
// as long ago as it (with staleAfter again for the clocks of two machines): an event
// still queued behind a backlog, or held by a busy granter, is not lost, and a copy of it
// would only add to the backlog, under a message id of its own. JetStream drops a message
// it has stored within its window, and the grants table absorbs anything later.
func (r *Relay) Compensate(ctx context.Context, staleAfter time.Duration) (sent, failed int, err error) {
	r.cmu.Lock()
	defer r.cmu.Unlock()
	staleBefore := r.staleBefore(ctx, staleAfter)
	for ctx.Err() == nil {
		now := r.opts.Now()
		batch, err := r.outbox.Overdue(ctx, now, staleBefore, r.opts.Batch)
		if err != nil {
			return sent, failed, err
		}
		if len(batch) == 0 {
			return sent, failed, nil
		}
		ok, f, err := r.pass(ctx, batch, "republished")
		if len(ok) > 0 {
			// Published but not marked: they are picked again later, and the stream or
			// the grants table drops the duplicates.
			next := r.opts.Now().Add(republishBackoff(attemptsOf(batch) + 1))
			err = errors.Join(err, r.outbox.MarkRetried(ctx, ok, next, now))
		}
		sent, failed = sent+len(ok), failed+f
		// Each published entry leaves the selection (its next look is later), so the
		// loop ends; a batch with no success means the stream is unreachable.
		if err != nil || len(batch) < r.opts.Batch || len(ok) == 0 {
			return sent, failed, err
		}
	}
	return sent, failed, ctx.Err()
}

// staleBefore is how old a pending entry's next look must be for Compensate to republish
// it: staleAfter ago, and staleAfter before the oldest message in the stream, unless that
// is older than maxQueued: a message the consumer gave up on stays in the stream, and a
// backlog that old is a granter away, whose events are worth copying as before. When the
// stream cannot be asked, no pending entry is: it could not be published either.
func (r *Relay) staleBefore(ctx context.Context, staleAfter time.Duration) time.Time {
	now := r.opts.Now()
	before := now.Add(-staleAfter)
	oldest, ok, err := r.pub.OldestStored(ctx)
	switch {
	case err != nil:
		r.opts.Log.Warn("grant stream unreachable; pending outbox entries wait", "err", err)
		return time.Time{}
	case ok && oldest.After(now.Add(-maxQueued)) && oldest.Add(-staleAfter).Before(before):
		return oldest.Add(-staleAfter)
	}
	return before
}

// maxQueued is the age beyond which the oldest message in the stream no longer holds
// compensation back: well past the consumer's whole redelivery schedule.
const maxQueued = time.Hour

// attemptsOf is the most attempts among the entries: a batch backs off as its most
// retried entry.
func attemptsOf(batch []draw.OutboxEntry) int {
	n := 0
	for _, e := range batch {
		n = max(n, e.Attempts)
	}
	return n
}

// pass publishes one batch, counts the published under outcome, and marks the failures
// with a backoff. It returns the ids published.
func (r *Relay) pass(ctx context.Context, batch []draw.OutboxEntry, outcome string) (ok []int64, failed int, err error) {
	errs := r.pub.Publish(ctx, batch)
	ok = make([]int64, 0, len(batch))
	var failedIDs []int64
	for i, e := range batch {
		if errs[i] == nil {
			ok = append(ok, e.OrderID)
		} else {
			failedIDs = append(failedIDs, e.OrderID)
		}
	}
	if len(failedIDs) > 0 {
		next := r.opts.Now().Add(backoff(attemptsOf(batch) + 1))
		err = r.outbox.MarkFailed(ctx, failedIDs, firstErr(errs).Error(), next)
		r.opts.Log.Warn("grant events not published", "failed", len(failedIDs), "sent", len(ok), "first_err", firstErr(errs))
	}
	r.relayed.WithLabelValues(outcome).Add(float64(len(ok)))
	r.relayed.WithLabelValues("failed").Add(float64(len(failedIDs)))
	return ok, len(failedIDs), err
}

func firstErr(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// republishBackoff is how much later than usual an entry published again is looked at
// once more if its grant still has not come: 30 s doubling up to 15 min, so that a granter
// away for hours does not have its whole backlog republished every minute.
func republishBackoff(attempt int) time.Duration {
	return min(30*time.Second<<min(max(attempt-1, 0), 5), 15*time.Minute)
}

// backoff is the wait before the attempt-th retry of an entry: 1 s doubling up to 1 min,
// short enough that a NATS outage of minutes delays grants by about as long.
func backoff(attempt int) time.Duration {
	return min(time.Second<<min(max(attempt-1, 0), 6), time.Minute)
}
