package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/lottery-go/lottery/application/drawing"
	"github.com/lottery-go/lottery/domain/draw"
)

// tally counts what a load run was answered.
type tally struct {
	mu       sync.Mutex
	orders   map[int64]draw.Order // every order a client was given
	byKey    map[string]int64     // idempotency key → the order it returned
	keyClash []string
	soldOut  atomic.Int64
	quota    atomic.Int64
	retry    atomic.Int64 // 503: the client may retry (with its key, to learn of an order made)
	retryErr atomic.Value // the first such error, for the failure message
	// unanswered are the keys answered 503: an order whose commit's outcome was unknown
	// may stand under one without its client having been given it.
	unanswered map[string]bool
	// drawnAfter counts the orders first given to attempts begun after load.during
	// returned (a replay's earlier order is not one): the draws a fault did not stop.
	drawnAfter atomic.Int64
	other      []error
}

func newTally() *tally {
	return &tally{orders: map[int64]draw.Order{}, byKey: map[string]int64{}, unanswered: map[string]bool{}}
}

// record files one answer and reports whether it gave an order no earlier answer did.
func (ta *tally) record(key string, res drawing.Result, err error) (fresh bool) {
	switch {
	case err == nil:
		ta.mu.Lock()
		defer ta.mu.Unlock()
		_, seen := ta.orders[res.Order.ID]
		fresh = !seen
		ta.orders[res.Order.ID] = res.Order
		if key == "" {
			return fresh
		}
		if prev, ok := ta.byKey[key]; ok && prev != res.Order.ID {
			ta.keyClash = append(ta.keyClash, fmt.Sprintf("%s: %d then %d", key, prev, res.Order.ID))
		}
		ta.byKey[key] = res.Order.ID
	case errors.Is(err, draw.ErrSoldOut):
		ta.soldOut.Add(1)
	case errors.Is(err, draw.ErrQuotaExhausted):
		ta.quota.Add(1)
	case errors.Is(err, draw.ErrUnavailable):
		ta.retry.Add(1)
		ta.retryErr.CompareAndSwap(nil, err.Error())
		if key != "" {
			ta.mu.Lock()
			ta.unanswered[key] = true
			ta.mu.Unlock()
		}
	default:
		ta.mu.Lock()
		ta.other = append(ta.other, err)
		ta.mu.Unlock()
	}
	return fresh
}

// load describes a run: attempts spread over users, from concurrent clients; every
// keyEvery-th attempt repeats the previous attempt's idempotency key, as a retrying client.
type load struct {
	attempts, users, clients, keyEvery int
	// during is called once, when half of the attempts are done; while it runs, the load
	// is held back (see faultGate).
	during func()
}

// faultGate holds the load back while load.during runs. One client keeps drawing, so that
// draws are in flight when the fault strikes however long it takes to get there (losing
// the real Redis's keys starts with a scan of the whole shared server, ~0.2 s, in which the
// unhindered load used up all the stock left and the draws after the fault had nothing to
// be admitted for), but at most limit draws, so that stock is left for after it.
type faultGate struct {
	done     chan struct{}
	struck   atomic.Bool
	trickler atomic.Int64 // the client that keeps drawing, plus one; 0 until one arrives
	left     atomic.Int64
}

func newFaultGate(limit int) *faultGate {
	g := &faultGate{done: make(chan struct{})}
	g.left.Store(int64(limit))
	return g
}

// open lets every client go on once the fault is over.
func (g *faultGate) open() {
	g.struck.Store(true)
	close(g.done)
}

// pass returns when client may begin its next attempt.
func (g *faultGate) pass(client int) {
	if g.struck.Load() {
		return
	}
	id := int64(client) + 1
	if (g.trickler.CompareAndSwap(0, id) || g.trickler.Load() == id) && g.left.Add(-1) >= 0 {
		return
	}
	<-g.done
}

// run sends the attempts through the services, round robin, and returns what came back.
func (l load) run(t *testing.T, activityID int64, services ...*drawing.Service) *tally {
	t.Helper()
	ta := newTally()
	var next atomic.Int64
	gate := newFaultGate(8 * l.clients)
	var wg sync.WaitGroup
	for c := 0; c < l.clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= l.attempts {
					return
				}
				switch {
				case l.during == nil:
				case i == l.attempts/2:
					l.during()
					gate.open()
				case i > l.attempts/2:
					gate.pass(c)
				}
				after := gate.struck.Load()
				user := fmt.Sprintf("user-%05d", i%l.users)
				n := i / l.users // this user's n-th attempt
				key := fmt.Sprintf("%s-%d", user, n)
				if l.keyEvery > 0 && n > 0 && n%l.keyEvery == 0 {
					key = fmt.Sprintf("%s-%d", user, n-1) // a retry of the previous attempt
				}
				svc := services[i%len(services)]
				res, err := svc.Draw(context.Background(), drawing.Request{UserID: user, ActivityID: activityID, IdempotencyKey: key})
				if ta.record(key, res, err) && after {
					ta.drawnAfter.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return ta
}
