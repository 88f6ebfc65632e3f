package messaging

import (
	"context"
	"sync"
	"time"
)

// DeferCall is one call of ConsumerOptions.Defer, with the state of its context then.
type DeferCall struct {
	IDs        []int64
	Deliveries int
	Until      time.Time
	Reason     string
	CtxErr     error
	Deadline   bool
}

// DeferRecorder is a ConsumerOptions.Defer that records its calls and, as the outbox does,
// fails on a cancelled context. The external tests use it too.
type DeferRecorder struct {
	mu    sync.Mutex
	calls []DeferCall
}

func (r *DeferRecorder) Defer(ctx context.Context, ids []int64, deliveries int, until time.Time, reason string) error {
	_, deadline := ctx.Deadline()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, DeferCall{ids, deliveries, until, reason, ctx.Err(), deadline})
	return ctx.Err()
}

// Calls are the calls so far.
func (r *DeferRecorder) Calls() []DeferCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]DeferCall(nil), r.calls...)
}
