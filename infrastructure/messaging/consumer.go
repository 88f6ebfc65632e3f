package messaging

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/lottery-go/lottery/domain/award"
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
	// Workers is the batches of grants handled at once. Default 4.
	Workers int
	// Batch is the most deliveries a handler is given at once. Default 128.
	Batch int
	// Linger is how long a batch begun waits for more deliveries before it is handed
	// over; under load a batch fills sooner. Grants are asynchronous, so a few ms here
	// cost the winner nothing and save SQL commits. Default 50ms; negative = none.
	Linger time.Duration
	// Defer, when set, takes grants that failed back to the outbox until their next
	// attempt (with the deliveries they have had and why the last failed), and their
	// message is acknowledged: compensation publishes them again when due. A grant the
	// handler did not try (an error that is an *award.NotTried: its merchant is paused)
	// goes back due when it may be tried, and that delivery is not counted. Without it, or
	// when it fails, the message waits in the stream for its redelivery instead, holding
	// one of the consumer's MaxAckPending slots, which every other grant needs too: a
	// merchant whose webhook fails for minutes could fill them all. Grants cut short by the
	// subscription's stop (see StopWithin) go back too, with the deliveries they had before
	// this one and due at once: that attempt is not counted. Defer runs on a context of
	// its own, bounded, that a stop does not cancel.
	Defer func(ctx context.Context, orderIDs []int64, deliveries int, until time.Time, reason string) error
	// Postpone, when set, is told the order ids of events that failed and come back after
	// a delay, and when they come back: until then the consumer holds them, so compensation
	// must not republish copies of their outbox entries. An error is logged and otherwise
	// ignored (a copy is harmless, only wasteful). It runs on a context of its own, bounded,
	// that a stop does not cancel.
	Postpone func(ctx context.Context, orderIDs []int64, until time.Time) error
	// WatchEvery is how often the subscription checks that the stream and its consumer
	// still exist and that consuming has not stopped, making them again if not: a NATS
	// server that came back without its data, or an operator who removed them, would
	// otherwise leave every grant undelivered. Default 5s.
	WatchEvery time.Duration
	// StopWithin is how long Stop lets the grants in hand finish before it cancels their
	// context. Their failures then are ours, not the merchants', and count no attempt: the
	// events that did not succeed go back to the outbox through Defer, with the deliveries
	// they had before, given StopWithin (at most a third of the first backoff) to do so, and
	// their message is acknowledged. Without Defer, or when it fails, the message is
	// negatively acknowledged and JetStream delivers it again at once, counting that
	// delivery. The events that succeeded are acknowledged as usual. Default 1s.
	StopWithin time.Duration
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
		o.Workers = 4
	}
	if o.Batch <= 0 {
		o.Batch = 128
	}
	if o.Linger == 0 {
		o.Linger = 50 * time.Millisecond
	}
	if o.StopWithin <= 0 {
		o.StopWithin = time.Second
	}
	if o.WatchEvery <= 0 {
		o.WatchEvery = 5 * time.Second
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return o
}

func (o ConsumerOptions) delay(attempt int) time.Duration {
	return o.Backoff[min(max(attempt-1, 0), len(o.Backoff)-1)]
}

// Delivery is one grant event as delivered. Attempt counts from 1, over the deliveries
// of this message and of the earlier messages of a grant that waited in the outbox; Last
// is set from the MaxDeliver-th delivery on, when a failure must be recorded instead of
// retried.
type Delivery struct {
	Event   GrantEvent
	Attempt int
	Last    bool
}

// Handler processes deliveries taken together: errs[i] nil acknowledges ds[i], an error
// has it redelivered after the backoff; an *award.NotTried, with Defer, when it says and
// uncounted.
type Handler func(ctx context.Context, ds []Delivery) (errs []error)

// Subscription is a running grant consumer.
type Subscription struct {
	mu     sync.Mutex
	cc     jetstream.ConsumeContext // the current one; the watch replaces it
	stop   chan struct{}
	wg     sync.WaitGroup
	once   sync.Once
	within time.Duration      // ConsumerOptions.StopWithin
	abort  context.CancelFunc // cancels the handlers' context
	log    *slog.Logger
}

// Subscribe binds to the durable pull consumer of the grant stream (creating or updating
// both) and hands the deliveries to h in batches on opts.Workers goroutines. Handlers run
// with ctx: cancelling it aborts them, Stop lets them finish within opts.StopWithin.
// Should the stream or the consumer disappear, the subscription makes them again (see
// ConsumerOptions.WatchEvery).
func Subscribe(ctx context.Context, conn *Conn, prefix string, opts ConsumerOptions, h Handler) (*Subscription, error) {
	opts = opts.withDefaults(prefix)
	ctx, abort := context.WithCancel(ctx)
	s := &Subscription{stop: make(chan struct{}), within: opts.StopWithin, abort: abort, log: opts.Log}
	// Room for every delivery the server lets out unacknowledged, so the client's callback
	// never blocks and each one is in held, kept in progress, from its arrival.
	work := make(chan jetstream.Msg, opts.Batch*opts.Workers)
	held := newInFlight()
	take := func(m jetstream.Msg) {
		held.take(m)
		select {
		case work <- m:
		case <-s.stop: // not acknowledged: redelivered after the first backoff
		}
	}
	var err error
	if s.cc, err = bind(ctx, conn, prefix, opts, take); err != nil {
		abort()
		return nil, err
	}
	batches := make(chan []jetstream.Msg)
	s.wg.Add(3 + opts.Workers)
	go func() {
		defer s.wg.Done()
		collect(s.stop, work, batches, opts.Batch, opts.Linger)
	}()
	go func() {
		defer s.wg.Done()
		held.keep(s.stop, opts.Backoff[0]/3, opts.Log)
	}()
	go func() {
		defer s.wg.Done()
		s.watch(ctx, conn, prefix, opts, take)
	}()
	for range opts.Workers {
		go func() {
			defer s.wg.Done()
			for {
				select {
				case <-s.stop:
					return
				case b := <-batches:
					handle(ctx, b, opts, h, held)
				}
			}
		}()
	}
	return s, nil
}

// bind makes sure of the stream and the durable consumer, and consumes into take.
func bind(ctx context.Context, conn *Conn, prefix string, opts ConsumerOptions, take func(jetstream.Msg)) (jetstream.ConsumeContext, error) {
	if err := EnsureStream(ctx, conn.JS, prefix); err != nil {
		return nil, err
	}
	// JetStream takes fewer waits than deliveries; those beyond would never be used.
	maxDeliver := opts.MaxDeliver + verdictRetries
	cons, err := conn.JS.CreateOrUpdateConsumer(ctx, StreamName(prefix), jetstream.ConsumerConfig{
		Durable:       opts.Durable,
		Description:   "grants won orders",
		AckPolicy:     jetstream.AckExplicitPolicy,
		MaxDeliver:    maxDeliver,
		BackOff:       opts.Backoff[:min(len(opts.Backoff), maxDeliver-1)],
		FilterSubject: grantSubjects(prefix),
		MaxAckPending: opts.Batch * opts.Workers,
	})
	if err != nil {
		return nil, fmt.Errorf("grant consumer %s: %w", opts.Durable, err)
	}
	cc, err := cons.Consume(take, jetstream.PullMaxMessages(max(2*opts.Workers, 2*opts.Batch)),
		jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
			opts.Log.Warn("grant consumer", "err", err)
		}))
	if err != nil {
		return nil, fmt.Errorf("consume %s: %w", opts.Durable, err)
	}
	return cc, nil
}

// watch binds again whenever the stream or the consumer is gone, or consuming stopped by
// itself (the server told it the consumer was deleted), until Stop.
func (s *Subscription) watch(ctx context.Context, conn *Conn, prefix string, opts ConsumerOptions, take func(jetstream.Msg)) {
	tick := time.NewTicker(opts.WatchEvery)
	defer tick.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-tick.C:
		}
		why := s.lost(ctx, conn, prefix, opts)
		if why == "" {
			continue
		}
		cc, err := bind(ctx, conn, prefix, opts, take)
		if err != nil {
			opts.Log.Error("grant consumer lost and not made again; retrying", "why", why, "err", err)
			continue
		}
		s.mu.Lock()
		old := s.cc
		s.cc = cc
		s.mu.Unlock()
		old.Stop()
		select {
		case <-s.stop: // Stop ran meanwhile and stopped the old one
			cc.Stop()
			return
		default:
		}
		opts.Log.Warn("grant consumer lost; the stream and the consumer are made again, and grants flow again", "why", why,
			"stream", StreamName(prefix), "consumer", opts.Durable)
	}
}

// lost says why the subscription must bind again, or "" when it need not. A server that
// cannot be asked (disconnected, slow) is not a reason: consuming resumes by itself once
// it answers.
func (s *Subscription) lost(ctx context.Context, conn *Conn, prefix string, opts ConsumerOptions) string {
	s.mu.Lock()
	cc := s.cc
	s.mu.Unlock()
	select {
	case <-cc.Closed():
		return "consuming stopped"
	default:
	}
	ctx, cancel := context.WithTimeout(ctx, max(opts.WatchEvery, time.Second))
	defer cancel()
	_, err := conn.JS.Consumer(ctx, StreamName(prefix), opts.Durable)
	switch {
	case errors.Is(err, jetstream.ErrStreamNotFound):
		return "the stream is gone (did NATS come back without its data?)"
	case errors.Is(err, jetstream.ErrConsumerNotFound):
		return "the consumer is gone"
	}
	return ""
}

// collect forms batches of what arrives on work and hands them to the workers. One
// collector, not one per worker: workers lingering side by side would split the
// arrivals between them and each batch would stay small.
func collect(stop <-chan struct{}, work <-chan jetstream.Msg, out chan<- []jetstream.Msg, n int, linger time.Duration) {
	for {
		var first jetstream.Msg
		select {
		case <-stop:
			return
		case first = <-work:
		}
		select {
		case out <- gather(first, work, n, linger):
		case <-stop: // not acknowledged: redelivered after the first backoff
			return
		}
	}
}

// Stop takes no more deliveries and waits for the handlers running: for StopWithin, then
// it cancels their context and waits for them to return, for StopWithin again at most.
// What a cancelled handler did not finish counts no attempt (see
// ConsumerOptions.StopWithin). A handler that ignores its context (a call stuck on a
// half-open connection) is left behind, logged: its messages were not acknowledged, so
// they are delivered again after the first backoff, and that delivery counts.
func (s *Subscription) Stop() {
	s.once.Do(func() {
		s.mu.Lock()
		s.cc.Stop()
		close(s.stop)
		s.mu.Unlock()
		done := make(chan struct{})
		go func() {
			s.wg.Wait()
			close(done)
		}()
		if !closedWithin(done, s.within) {
			s.abort()
			if !closedWithin(done, s.within) {
				s.log.Error("grant handlers still running after their context was cancelled; left behind, their messages will be delivered again",
					"waited", 2*s.within)
			}
		}
		s.abort()
	})
}

// closedWithin waits up to d for done to be closed, and says whether it was.
func closedWithin(done <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}

// gather returns first and what else arrives within linger, up to n in all.
func gather(first jetstream.Msg, work <-chan jetstream.Msg, n int, linger time.Duration) []jetstream.Msg {
	msgs := []jetstream.Msg{first}
	var timeout <-chan time.Time
	if linger > 0 {
		t := time.NewTimer(linger)
		defer t.Stop()
		timeout = t.C
	}
	for len(msgs) < n {
		select {
		case m := <-work:
			msgs = append(msgs, m)
			continue
		default:
		}
		if timeout == nil {
			return msgs
		}
		select {
		case m := <-work:
			msgs = append(msgs, m)
		case <-timeout:
			return msgs
		}
	}
	return msgs
}

// handle decides the acknowledgement of each of msgs. A message may carry several events
// (a relay batch): it is acknowledged when every one of them is handled, and otherwise
// comes back whole; the events handled already are then absorbed by the grants table. A
// panicking handler is treated like a failing one: the messages come back, the process
// stays up.
func handle(ctx context.Context, msgs []jetstream.Msg, opts ConsumerOptions, h Handler, held *inFlight) {
	ds := make([]Delivery, 0, len(msgs))
	kept := make([]jetstream.Msg, 0, len(msgs))
	final := make([]bool, 0, len(msgs))  // kept[k] is on the last delivery JetStream makes
	first := make([]int, 0, len(msgs)+1) // msgs kept[k]'s deliveries are ds[first[k]:first[k+1]]
	for _, m := range msgs {
		events, err := decodeEvents(m.Data())
		if err != nil {
			opts.Log.Error("grant event unreadable; dropped", "subject", m.Subject(), "err", err)
			held.done(m)
			_ = m.Term()
			continue
		}
		attempt := 1
		if md, err := m.Metadata(); err == nil {
			attempt = int(md.NumDelivered)
		}
		final = append(final, attempt >= opts.MaxDeliver+verdictRetries)
		if h := m.Headers(); h != nil {
			if before, err := strconv.Atoi(h.Get(DeliveriesHeader)); err == nil && before > 0 {
				attempt += before
			}
		}
		first = append(first, len(ds))
		for _, ev := range events {
			ds = append(ds, Delivery{Event: ev, Attempt: attempt, Last: attempt >= opts.MaxDeliver})
		}
		kept = append(kept, m)
	}
	if len(ds) == 0 {
		return
	}
	first = append(first, len(ds))
	errs := safeHandle(ctx, h, ds, opts.Log)
	if ctx.Err() != nil {
		cutShort(ctx, kept, final, ds, errs, first, opts, held)
		return
	}
	later := map[time.Duration][]int64{} // the order ids coming back, by delay
	for k, m := range kept {
		held.done(m) // before its verdict: no "in progress" may follow it
		mine := ds[first[k]:first[k+1]]
		failed := errs[first[k]:first[k+1]]
		if err := errors.Join(failed...); err != nil {
			attempt := mine[0].Attempt
			delay := opts.delay(attempt)
			if deferred(ctx, opts, mine, failed, attempt, delay) {
				_ = m.Ack()
				continue
			}
			if final[k] {
				// JetStream would keep it, undelivered, for good: a work queue drops only what
				// is acknowledged or terminated, and the oldest message held back compensation.
				// The outbox still holds every event not decided, and republishes it.
				opts.Log.Error("grant events failed on their last delivery; the outbox has them",
					"events", len(mine), "deliveries", attempt, "err", err)
				_ = m.Term()
				continue
			}
			_ = m.NakWithDelay(delay)
			later[delay] = appendOrderIDs(later[delay], mine)
			continue
		}
		_ = m.Ack()
	}
	postpone(ctx, opts, later)
}

// deferred hands the failed events of a message back to the outbox until their next
// attempt, and reports whether it did (then the message is done with): those tried with
// this attempt counted, due after delay; those not tried (award.NotTried) with the
// deliveries they had before this one, due when they may be tried.
func deferred(ctx context.Context, opts ConsumerOptions, ds []Delivery, errs []error, attempt int, delay time.Duration) bool {
	if opts.Defer == nil {
		return false
	}
	// Bounded well within the ack wait: the message is no longer kept in progress.
	dctx, cancel := settling(ctx, opts.Backoff[0]/3)
	defer cancel()
	tried, untried, at := splitNotTried(errs)
	now := time.Now()
	if err := errors.Join(tried...); err != nil && !handedBack(dctx, opts, ds, tried, attempt, now.Add(delay), err.Error()) {
		return false
	}
	if err := errors.Join(untried...); err != nil {
		return handedBack(dctx, opts, ds, untried, attempt-1, latest(at, now), err.Error())
	}
	return true
}

// splitNotTried parts the failures of errs into those tried and those not tried
// (award.NotTried), each list as long as errs with nil elsewhere, and says from when all
// of the latter may be tried again.
func splitNotTried(errs []error) (tried, untried []error, at time.Time) {
	tried, untried = make([]error, len(errs)), make([]error, len(errs))
	for i, err := range errs {
		var later *award.NotTried
		switch {
		case err == nil:
		case errors.As(err, &later):
			untried[i], at = err, latest(at, later.At)
		default:
			tried[i] = err
		}
	}
	return tried, untried, at
}

// latest is the later of a and b.
func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// handedBack gives the failed events of a message to opts.Defer, with the deliveries
// behind them, due at until, and reports whether the outbox took them.
func handedBack(ctx context.Context, opts ConsumerOptions, ds []Delivery, errs []error, deliveries int, until time.Time, reason string) bool {
	if opts.Defer == nil {
		return false
	}
	ids := failedOrderIDs(ds, errs)
	if err := opts.Defer(ctx, ids, deliveries, until, reason); err != nil {
		opts.Log.Warn("grants not done; the outbox cannot take them, so the stream brings them back",
			"events", len(ids), "reason", reason, "err", err)
		return false
	}
	return true
}

// postpone tells opts.Postpone which events come back when.
func postpone(ctx context.Context, opts ConsumerOptions, later map[time.Duration][]int64) {
	if opts.Postpone == nil || len(later) == 0 {
		return
	}
	ctx, cancel := settling(ctx, opts.Backoff[0]/3)
	defer cancel()
	now := time.Now()
	for delay, ids := range later {
		if err := opts.Postpone(ctx, ids, now.Add(delay)); err != nil {
			opts.Log.Warn("grant events coming back: compensation not told", "events", len(ids), "err", err)
		}
	}
}

// stoppedReason is why a grant a stop cut short comes back.
const stoppedReason = "the granter stopped before this grant was done; not counted as an attempt"

// cutShort decides the messages of a batch whose handling the subscription's stop (or
// abort) cut short, its context cancelled: the failures are ours, not the merchants', so
// they count no attempt. A message whose events all succeeded is acknowledged. The events
// that did not succeed go back to the outbox with the deliveries they had before this
// one, due at once, and their message is acknowledged. Without Defer, or when it fails,
// the message is negatively acknowledged: JetStream delivers it again at once and counts
// that delivery, which only the outbox can avoid; on the last delivery JetStream makes it
// is terminated instead, as handle does (the outbox still holds its events).
func cutShort(ctx context.Context, kept []jetstream.Msg, final []bool, ds []Delivery, errs []error, first []int, opts ConsumerOptions, held *inFlight) {
	// Within what Stop waits for the handlers once it cancelled them, and the ack wait.
	dctx, cancel := settling(ctx, min(opts.StopWithin, opts.Backoff[0]/3))
	defer cancel()
	for k, m := range kept {
		held.done(m) // before its verdict: no "in progress" may follow it
		mine, failed := ds[first[k]:first[k+1]], errs[first[k]:first[k+1]]
		if errors.Join(failed...) == nil || handedBack(dctx, opts, mine, failed, mine[0].Attempt-1, time.Now(), stoppedReason) {
			_ = m.Ack()
			continue
		}
		if final[k] {
			_ = m.Term()
			continue
		}
		_ = m.Nak()
	}
}

// settling is the context of the verdicts on what handlers did under ctx: bounded by d,
// and not cancelled with ctx, so a stop does not cut them too.
func settling(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), d)
}

// failedOrderIDs returns the order ids of the deliveries of ds whose errs are set.
func failedOrderIDs(ds []Delivery, errs []error) []int64 {
	failed := make([]Delivery, 0, len(ds))
	for i, d := range ds {
		if errs[i] != nil {
			failed = append(failed, d)
		}
	}
	return appendOrderIDs(nil, failed)
}

// appendOrderIDs appends the order ids of ds that are numbers (the handler drops the
// others, so they never fail).
func appendOrderIDs(ids []int64, ds []Delivery) []int64 {
	for _, d := range ds {
		if id, err := strconv.ParseInt(d.Event.OrderID, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	return ids
}

// decodeEvents reads a message: one event, or a JSON array of events.
func decodeEvents(data []byte) ([]GrantEvent, error) {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '[' {
		var evs []GrantEvent
		if err := json.Unmarshal(data, &evs); err != nil {
			return nil, err
		}
		if len(evs) == 0 {
			return nil, errors.New("empty batch of grant events")
		}
		return evs, nil
	}
	var ev GrantEvent
	if err := json.Unmarshal(data, &ev); err != nil {
		return nil, err
	}
	return []GrantEvent{ev}, nil
}

// safeHandle runs h; a panic, or an answer of the wrong length, fails every delivery.
func safeHandle(ctx context.Context, h Handler, ds []Delivery, log *slog.Logger) (errs []error) {
	failAll := func(err error) []error {
		errs := make([]error, len(ds))
		for i := range errs {
			errs[i] = err
		}
		return errs
	}
	defer func() {
		if r := recover(); r != nil {
			log.Error("grant handler panicked", "deliveries", len(ds), "first_order_id", ds[0].Event.OrderID,
				"panic", r, "stack", string(debug.Stack()))
			errs = failAll(fmt.Errorf("grant handler panicked: %v", r))
		}
	}()
	errs = h(ctx, ds)
	if len(errs) != len(ds) {
		log.Error("grant handler answered for the wrong number of deliveries", "deliveries", len(ds), "answers", len(errs))
		return failAll(fmt.Errorf("grant handler answered %d of %d deliveries", len(errs), len(ds)))
	}
	return errs
}
