package persistence

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lottery-go/lottery/domain/draw"
)

// OutboxEncoder turns a won order into the grant event the outbox relays.
type OutboxEncoder func(o draw.Order) (subject string, payload []byte)

// WriterOptions tune the order writer.
type WriterOptions struct {
	// MaxBatch bounds the orders of one multi-row INSERT.
	MaxBatch int
	// PerRequest commits every order in its own transaction, for comparison.
	PerRequest bool
	// AttemptTimeout bounds one attempt to write a batch (its INSERTs; the COMMIT that
	// follows is the server's). Default and at most CommitTimeout.
	AttemptTimeout time.Duration
	Outbox         OutboxEncoder
}

// OrderWriter makes orders durable. In group mode ONE goroutine takes every order queued
// since its last commit and writes them with one multi-row INSERT per table in one
// transaction, flushing as soon as its queue is empty (no timer): the commit's fsync is
// shared by the whole batch, which is what makes durable draws fast.
type OrderWriter struct {
	db    *sql.DB
	opts  WriterOptions
	queue chan *writeRequest
	done  chan struct{}
	once  sync.Once
	// closing guards queue against a send after Close: a draw still on its way when the
	// server stops is refused (not written) instead of panicking.
	closing sync.RWMutex
	closed  bool
	// perRequest counts the writes committing on their own (PerRequest), which Close
	// waits for before it closes their statements and pool.
	perRequest sync.WaitGroup
	// commits counts the transactions begun, for tests.
	commits atomic.Int64
	// orders and outbox are the tables' prepared INSERTs, on db, the writer's own pool
	// (closed by release).
	orders, outbox *batchInsert
	release        func()
}

type writeRequest struct {
	ctx    context.Context
	order  draw.Order
	by     time.Time // zero: no limit
	result chan error
}

var resultChans = sync.Pool{New: func() any { return make(chan error, 1) }}

// NewOrderWriter starts the writer; Close flushes what is queued and stops it.
func NewOrderWriter(db *DB, opts WriterOptions) (*OrderWriter, error) {
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 500
	}
	if opts.AttemptTimeout <= 0 || opts.AttemptTimeout > CommitTimeout {
		opts.AttemptTimeout = CommitTimeout
	}
	// One connection serves the writer's single goroutine; per request, each draw commits
	// on its own, holding one-row statements only.
	conns := 1
	if opts.PerRequest {
		conns = 64
	}
	pool, release, err := db.writerPool(conns)
	if err != nil {
		return nil, err
	}
	w := &OrderWriter{db: pool, opts: opts, queue: make(chan *writeRequest, 4*opts.MaxBatch), done: make(chan struct{}),
		orders:  newOrderInsert(pool, opts.MaxBatch),
		outbox:  newBatchInsert(pool, "INSERT INTO outbox ("+outboxColumns+") VALUES ", outboxPlaceholders, opts.MaxBatch),
		release: release}
	go w.loop()
	return w, nil
}

// Write returns once o is committed. An error wrapping draw.ErrNotWritten means it
// certainly is not (also when its batch is flushed after by, or after ctx ended); any
// other error leaves the outcome unknown (the commit itself failed). Once queued, a write
// is never abandoned: the caller waits for the commit's verdict even if its context ends,
// because answering early could undo an order that did commit.
func (w *OrderWriter) Write(ctx context.Context, o draw.Order, by time.Time) error {
	req := &writeRequest{ctx: ctx, order: o, by: by, result: resultChans.Get().(chan error)}
	defer resultChans.Put(req.result)
	w.closing.RLock()
	if w.closed {
		w.closing.RUnlock()
		return fmt.Errorf("%w: the server is stopping", draw.ErrNotWritten)
	}
	if w.opts.PerRequest {
		w.perRequest.Add(1)
		w.closing.RUnlock()
		defer w.perRequest.Done()
		w.flush([]*writeRequest{req})
		return <-req.result
	}
	select {
	case w.queue <- req:
	case <-ctx.Done():
		w.closing.RUnlock()
		return fmt.Errorf("%w: %v", draw.ErrNotWritten, ctx.Err())
	}
	w.closing.RUnlock()
	return <-req.result
}

func (w *OrderWriter) loop() {
	defer close(w.done)
	batch := make([]*writeRequest, 0, w.opts.MaxBatch)
	for req := range w.queue {
		batch = append(batch[:0], req)
	drain:
		for len(batch) < w.opts.MaxBatch {
			select {
			case more, ok := <-w.queue:
				if !ok {
					break drain
				}
				batch = append(batch, more)
			default:
				break drain
			}
		}
		w.flush(batch)
	}
}

// flush commits the batch's requests together and answers each of them. Every attempt
// starts only with the requests still in time (refused), so no commit begins past an
// order's deadline: a deadlock victim is written again without those whose deadline passed
// meanwhile. On a duplicate key the requests whose Idempotency-Key has an order already are
// answered (withoutTakenKeys) and the rest written again; a duplicate that is not such a
// key is isolated by committing each half of the batch on its own, halving again the half
// that holds it: ~2·log₂(n) commits for one such order among n, where one commit per order
// would keep the writer (and every draw waiting on it) busy for seconds, long enough for
// the batch's deadlines to pass.
func (w *OrderWriter) flush(batch []*writeRequest) {
	w.flushScreening(batch, true)
}

func (w *OrderWriter) flushScreening(batch []*writeRequest, screen bool) {
	live := inTime(batch)
	for attempt := 1; len(live) > 0; attempt++ {
		err := w.commitOnce(live)
		switch {
		case isRetryableConflict(err) && attempt < commitAttempts:
			// InnoDB rolled the victim back whole: write it again.
			time.Sleep(time.Duration(attempt) * time.Millisecond)
			live = inTime(live)
			continue
		case err != nil && len(live) > 1 && errors.Is(err, draw.ErrDuplicateKey):
			if screen {
				if rest, ok := w.withoutTakenKeys(live); ok && len(rest) < len(live) {
					w.flushScreening(rest, false)
					return
				}
			}
			half := len(live) / 2
			w.flushScreening(live[:half], false)
			w.flushScreening(live[half:], false)
			return
		}
		for _, r := range live {
			r.result <- err
		}
		return
	}
}

// inTime answers the requests that must not be committed now and returns the others, in
// place.
func inTime(reqs []*writeRequest) []*writeRequest {
	live := reqs[:0]
	now := time.Now()
	for _, r := range reqs {
		if err := r.refused(now); err != nil {
			r.result <- err
			continue
		}
		live = append(live, r)
	}
	return live
}

// refused says why r must not be committed at now, if it must not: its caller has gone
// or its commit deadline has passed.
func (r *writeRequest) refused(now time.Time) error {
	if err := r.ctx.Err(); err != nil {
		return fmt.Errorf("%w: %v", draw.ErrNotWritten, err)
	}
	if !r.by.IsZero() && now.After(r.by) {
		return fmt.Errorf("%w: commit deadline passed %v ago", draw.ErrNotWritten, now.Sub(r.by))
	}
	return nil
}

// commitAttempts bounds how often a batch chosen as a deadlock victim is written again.
const commitAttempts = 4

// CommitTimeout is the longest an attempt to write a batch may take (WriterOptions.
// AttemptTimeout). With the rule that no attempt starts past an order's deadline, an
// order's rows are written by its deadline plus the attempt's timeout or never; only its
// COMMIT, which the server finishes once received, may end later.
const CommitTimeout = 10 * time.Second

// commitOnce writes the requests' orders and outbox rows in one transaction.
func (w *OrderWriter) commitOnce(reqs []*writeRequest) error {
	ctx, cancel := context.WithTimeout(context.Background(), w.opts.AttemptTimeout)
	defer cancel()
	rows := w.rows(reqs)
	w.orders.prepare(ctx, len(reqs))
	w.outbox.prepare(ctx, rows.wins)
	w.commits.Add(1)
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%w: begin: %v", draw.ErrNotWritten, err)
	}
	if err := w.insert(ctx, tx, len(reqs), rows); err != nil {
		_ = tx.Rollback()
		if isDuplicateKey(err) {
			return errDuplicate
		}
		return fmt.Errorf("%w: insert orders: %w", draw.ErrNotWritten, err)
	}
	if err := tx.Commit(); err != nil {
		if commitNotSent(err) {
			return fmt.Errorf("%w: commit orders: %v", draw.ErrNotWritten, err)
		}
		return fmt.Errorf("commit orders: %w", err)
	}
	return nil
}

// commitNotSent recognises a Commit that never reached the server: database/sql checks the
// transaction's context first, and a transaction its context ended is rolled back.
func commitNotSent(err error) bool {
	return errors.Is(err, sql.ErrTxDone) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

// batchRows are the values a batch writes: every order's, and the outbox entries of the
// wins when the writer keeps an outbox.
type batchRows struct {
	orders, outbox []any
	wins           int
}

func (w *OrderWriter) rows(reqs []*writeRequest) batchRows {
	b := batchRows{orders: make([]any, 0, len(reqs)*w.orders.cols)}
	for _, r := range reqs {
		b.orders = orderArgs(b.orders, r.order)
		if r.order.Won() && w.opts.Outbox != nil {
			b.outbox = outboxArgs(b.outbox, r.order, w.opts.Outbox)
			b.wins++
		}
	}
	return b
}

func (w *OrderWriter) insert(ctx context.Context, tx *sql.Tx, orders int, rows batchRows) error {
	if err := w.orders.exec(ctx, tx, orders, rows.orders); err != nil {
		return err
	}
	return w.outbox.exec(ctx, tx, rows.wins, rows.outbox)
}

const (
	outboxColumns      = "order_id, subject, payload, state, attempts, next_attempt_at, last_error, created_at"
	outboxPlaceholders = "(?,?,?,?,?,?,?,?)"
)

func outboxArgs(args []any, o draw.Order, enc OutboxEncoder) []any {
	subject, payload := enc(o)
	at := o.CreatedAt.UTC()
	return append(args, o.ID, subject, string(payload), string(draw.MQPending), 0, at, "", at)
}

// Close commits what is queued and stops the writer. A Write after Close is refused
// with draw.ErrNotWritten.
func (w *OrderWriter) Close() {
	w.once.Do(func() {
		w.closing.Lock()
		w.closed = true
		close(w.queue)
		w.closing.Unlock()
	})
	<-w.done
	w.perRequest.Wait()
	w.orders.close()
	w.outbox.close()
	w.release()
}
