// Package drawing runs the draw flow: resolve the activity → pick prize candidates → admit
// (partake + stock, one atomic ledger call that confirms a candidate) → record the order
// durably → enqueue the grant. The sequence is fixed here, once; an activity kind supplies
// its own Steps, so a new kind (card collection, gift pairing) plugs in without copying it.
package drawing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/draw"
)

// Request is one draw as the user asked for it. Facts come from the verified token only.
type Request struct {
	UserID         string
	ActivityID     int64 // 0: resolve through a rule tree
	TreeID         int64 // 0: the default tree
	IdempotencyKey string
	ClientIP       string
	Facts          map[string]any
}

// Result is the order a draw produced (or replayed) and the chances the user has left.
type Result struct {
	Order     draw.Order
	LeftTotal int64 // -1 = unlimited
	LeftToday int64 // -1 = unlimited
	Replayed  bool  // the idempotency key had been used: this is the earlier order
}

// Draw is the state one run of the flow carries from step to step.
type Draw struct {
	Req       Request
	View      *View
	Now       time.Time
	Admission draw.Admission
	Admitted  draw.Admitted
	Order     draw.Order
}

// Steps are the kind-specific parts of the flow.
type Steps interface {
	// Pick proposes prize candidates; Admit confirms one of them atomically.
	Pick(ctx context.Context, d *Draw) error
	// Admit takes the user's chance and the stock. Refusals are draw's sentinel errors.
	Admit(ctx context.Context, d *Draw) error
	// Record makes d.Order durable; it returns only once committed, or with why not.
	Record(ctx context.Context, d *Draw) error
	// Enqueue hands a won order to the grant pipeline; it must not delay the response.
	Enqueue(ctx context.Context, d *Draw)
	// Undo gives back what Admit took, when Record definitely wrote nothing.
	Undo(ctx context.Context, d *Draw) error
}

// Resolver finds the activity of a request and checks it accepts draws now.
type Resolver interface {
	Resolve(ctx context.Context, d *Draw) error
}

// Replayer answers a request whose idempotency key was already used.
type Replayer interface {
	Replay(ctx context.Context, d *Draw, orderID int64) (Result, error)
	ReplayByKey(ctx context.Context, d *Draw) (Result, error)
	// Refused answers a draw the ledger refused for the user's limits: with the order its
	// key made earlier, when the ledger may have lost the key's marker and SQL holds one;
	// else with refusal.
	Refused(ctx context.Context, d *Draw, refusal error) (Result, error)
	// Unresolved answers a keyed draw its activity refused before admission (paused,
	// closed, ended, not begun; d.View is set) with the order its key made earlier, if it
	// made one; else with refusal.
	Unresolved(ctx context.Context, d *Draw, refusal error) (Result, error)
	// Rerouted answers a keyed draw that a rule tree routed and that was then refused
	// (no activity matched, or the one it matched refused the user) with the order its key
	// made earlier in any activity, if it made one; else with refusal. The tree, the
	// user's facts or the clock may route a repeated key elsewhere than its first draw.
	Rerouted(ctx context.Context, d *Draw, refusal error) (Result, error)
}

// Flow is the fixed driver.
type Flow struct {
	resolver Resolver
	replayer Replayer
	kinds    map[string]Steps
	fallback Steps
	now      func() time.Time
	log      *slog.Logger
}

// NewFlow drives fallback for every activity kind not given its own steps.
func NewFlow(r Resolver, rp Replayer, fallback Steps, log *slog.Logger) *Flow {
	return &Flow{resolver: r, replayer: rp, fallback: fallback, kinds: map[string]Steps{}, now: time.Now, log: log}
}

// Plug gives activities of kind their own steps.
func (f *Flow) Plug(kind string, s Steps) { f.kinds[kind] = s }

// Run performs one draw.
func (f *Flow) Run(ctx context.Context, req Request) (Result, error) {
	d := &Draw{Req: req, Now: f.now()}
	if err := f.resolver.Resolve(ctx, d); err != nil {
		// A client repeating a draw whose answer it lost gets its order, even once the
		// activity has paused, closed or ended, or the tree routes it elsewhere.
		switch {
		case d.Req.IdempotencyKey != "" && d.View != nil && errors.Is(err, activity.ErrNotRunning):
			return f.replayer.Unresolved(ctx, d, err)
		case rerouted(d.Req) && errors.Is(err, ErrNoMatchingActivity):
			return f.replayer.Rerouted(ctx, d, err)
		}
		return Result{}, err
	}
	steps := f.stepsFor(d.View.Activity.Kind())
	if err := steps.Pick(ctx, d); err != nil {
		return Result{}, err
	}
	if err := steps.Admit(ctx, d); err != nil {
		var dup *draw.DuplicateError
		if errors.As(err, &dup) {
			return f.replayer.Replay(ctx, d, dup.OrderID)
		}
		// A key repeated after Redis lost its marker (with its data) finds the user's
		// limits used up by the very draw the key made, or the stock gone since; SQL still
		// knows that draw. (A user who never drew here has no order to find.)
		if d.Req.IdempotencyKey != "" && !rerouted(d.Req) &&
			(errors.Is(err, draw.ErrQuotaExhausted) || errors.Is(err, draw.ErrSoldOutDrawnBefore)) {
			return f.replayer.Refused(ctx, d, err)
		}
		if rerouted(d.Req) && (errors.Is(err, draw.ErrQuotaExhausted) || errors.Is(err, draw.ErrSoldOut)) {
			return f.replayer.Rerouted(ctx, d, err)
		}
		return Result{}, err
	}
	if err := steps.Record(ctx, d); err != nil {
		return f.recordFailed(ctx, steps, d, err)
	}
	steps.Enqueue(ctx, d)
	return Result{Order: d.Order, LeftTotal: d.Admitted.LeftTotal, LeftToday: d.Admitted.LeftToday}, nil
}

// rerouted tells a keyed draw that a rule tree routes: a repeat of it may be routed to
// another activity than the first, whose key marker is not the one the ledger reads.
func rerouted(r Request) bool { return r.IdempotencyKey != "" && r.ActivityID == 0 }

func (f *Flow) stepsFor(kind string) Steps {
	if s, ok := f.kinds[kind]; ok {
		return s
	}
	return f.fallback
}

// recordFailed decides what a failed commit means. When nothing was written the admission
// is given back at once. When the outcome is unknown (the commit itself failed) the journal
// entry stays: the recovery job undoes it only if no order with that id exists in SQL.
func (f *Flow) recordFailed(ctx context.Context, steps Steps, d *Draw, err error) (Result, error) {
	if !errors.Is(err, draw.ErrNotWritten) {
		f.log.Warn("order commit outcome unknown; left to admission recovery", "order_id", d.Order.ID, "err", err)
		return Result{}, fmt.Errorf("%w: %v", draw.ErrUnavailable, err)
	}
	// A fresh context: the request's may be what ended, and the chance must come back.
	undoCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if uerr := steps.Undo(undoCtx, d); uerr != nil {
		f.log.Warn("undo failed; left to admission recovery", "order_id", d.Order.ID, "err", uerr)
	}
	if errors.Is(err, draw.ErrDuplicateKey) {
		return f.replayer.ReplayByKey(ctx, d)
	}
	return Result{}, fmt.Errorf("%w: %v", draw.ErrUnavailable, err)
}
