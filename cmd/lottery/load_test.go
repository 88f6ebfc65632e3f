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
	retry    atomic.Int64 // 503: nothing taken, client may retry
	retryErr atomic.Value // the first such error, for the failure message
	other    []error
}

func newTally() *tally {
	return &tally{orders: map[int64]draw.Order{}, byKey: map[string]int64{}}
}

func (ta *tally) record(key string, res drawing.Result, err error) {
	switch {
	case err == nil:
		ta.mu.Lock()
		defer ta.mu.Unlock()
		ta.orders[res.Order.ID] = res.Order
		if key == "" {
			return
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
	default:
		ta.mu.Lock()
		ta.other = append(ta.other, err)
		ta.mu.Unlock()
	}
}

// load describes a run: attempts spread over users, from concurrent clients; every
// keyEvery-th attempt repeats the previous attempt's idempotency key, as a retrying client.
type load struct {
	attempts, users, clients, keyEvery int
	// during is called once, when half of the attempts are done.
	during func()
}

// run sends the attempts through the services, round robin, and returns what came back.
func (l load) run(t *testing.T, activityID int64, services ...*drawing.Service) *tally {
	t.Helper()
	ta := newTally()
	var next atomic.Int64
	var once sync.Once
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
				if l.during != nil && i == l.attempts/2 {
					once.Do(l.during)
				}
				user := fmt.Sprintf("user-%05d", i%l.users)
				n := i / l.users // this user's n-th attempt
				key := fmt.Sprintf("%s-%d", user, n)
				if l.keyEvery > 0 && n > 0 && n%l.keyEvery == 0 {
					key = fmt.Sprintf("%s-%d", user, n-1) // a retry of the previous attempt
				}
				svc := services[i%len(services)]
				res, err := svc.Draw(context.Background(), drawing.Request{UserID: user, ActivityID: activityID, IdempotencyKey: key})
				ta.record(key, res, err)
			}
		}()
	}
	wg.Wait()
	return ta
}
