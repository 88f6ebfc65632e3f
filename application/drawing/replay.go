package drawing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/draw"
)

// replayer answers a repeated idempotency key with the order it produced first.
type replayer struct {
	orders  draw.Orders
	ledger  draw.Ledger
	catalog *Catalog // the order's activity, when a key is repeated for another one
	wait    time.Duration
}

// Replay waits for the first request's order to be committed: duplicates may arrive at the
// same instant as the original, whose commit is still in flight.
func (r *replayer) Replay(ctx context.Context, d *Draw, orderID int64) (Result, error) {
	deadline := time.Now().Add(r.wait)
	pause := 2 * time.Millisecond
	for {
		o, err := r.orders.Get(ctx, orderID)
		if err == nil {
			return r.result(ctx, d, o)
		}
		if !errors.Is(err, draw.ErrOrderNotFound) {
			return Result{}, fmt.Errorf("%w: replay order %d: %v", draw.ErrUnavailable, orderID, err)
		}
		if time.Now().After(deadline) {
			return Result{}, fmt.Errorf("%w: the first request with this key is still in progress", draw.ErrUnavailable)
		}
		select {
		case <-ctx.Done():
			return Result{}, ctx.Err()
		case <-time.After(pause):
		}
		pause = min(pause*2, 50*time.Millisecond)
	}
}

// ReplayByKey answers from the order SQL already holds for (user, key).
func (r *replayer) ReplayByKey(ctx context.Context, d *Draw) (Result, error) {
	o, err := r.orders.ByIdempotencyKey(ctx, d.Req.UserID, d.Req.IdempotencyKey)
	if err != nil {
		return Result{}, fmt.Errorf("%w: replay key: %v", draw.ErrUnavailable, err)
	}
	return r.result(ctx, d, o)
}

// Refused answers from the order SQL holds for (user, key), if any; without one the
// refusal stands. It asks SQL only while the ledger may have lost the activity's markers
// (it rebuilt its counters from orders after Redis lost its data, within the markers'
// lifetime): otherwise the key's marker would have answered before the limits did, and a
// refused draw costs SQL nothing. A sold-out refusal is asked about only for a user who
// drew in the activity before. Not covered: a key repeated after its marker's own TTL ran out
// (draw.idempotency_ttl); a key repeated for another activity than its order's, whose
// mark is not the one read. When the lookup fails, the answer is retryable rather than a
// refusal that may be wrong.
func (r *replayer) Refused(ctx context.Context, d *Draw, refusal error) (Result, error) {
	lost, err := r.ledger.MarkersMayBeLost(ctx, d.View.Activity.ID())
	if err == nil && !lost {
		return Result{}, refusal
	}
	return r.fromSQL(ctx, d, refusal)
}

// fromSQL answers with the order SQL holds for (user, key), or with refusal when there is
// none; when the lookup fails, with a retryable error rather than a refusal that may be
// wrong.
func (r *replayer) fromSQL(ctx context.Context, d *Draw, refusal error) (Result, error) {
	o, err := r.orders.ByIdempotencyKey(ctx, d.Req.UserID, d.Req.IdempotencyKey)
	if errors.Is(err, draw.ErrOrderNotFound) {
		return Result{}, refusal
	}
	if err != nil {
		return Result{}, fmt.Errorf("%w: refused draw: look up its key: %v", draw.ErrUnavailable, err)
	}
	return r.result(ctx, d, o)
}

// Unresolved answers from the key's marker when Redis still has it, waiting for its order
// should it still be committing; otherwise (no order, or the marker expired, was lost or
// went with a retired activity's counters) SQL answers for (user, key). Only keyed draws
// on activities that take none cost that lookup.
func (r *replayer) Unresolved(ctx context.Context, d *Draw, refusal error) (Result, error) {
	orderID, err := r.ledger.KeyOrder(ctx, d.View.Activity.ID(), d.Req.UserID, d.Req.IdempotencyKey)
	if err == nil && orderID > 0 {
		return r.Replay(ctx, d, orderID)
	}
	return r.fromSQL(ctx, d, refusal)
}

// Rerouted asks SQL for (user, key) whatever the ledger says: the marker it could read
// belongs to the activity the tree chose this time, not necessarily to the first draw's.
// Only refused routed draws that carry a key pay the lookup.
func (r *replayer) Rerouted(ctx context.Context, d *Draw, refusal error) (Result, error) {
	return r.fromSQL(ctx, d, refusal)
}

// result answers with the order and the chances left in the order's own activity, which
// is not the one asked for when a key is repeated with another activity, nor the one a
// tree routed it to this time (if any).
func (r *replayer) result(ctx context.Context, d *Draw, o draw.Order) (Result, error) {
	if o.UserID != d.Req.UserID {
		return Result{}, draw.ErrOrderNotFound
	}
	var a *activity.Activity
	if d.View != nil {
		a = d.View.Activity
	}
	if (a == nil || o.ActivityID != a.ID()) && r.catalog != nil {
		v, err := r.catalog.View(ctx, o.ActivityID)
		if err != nil {
			return Result{}, fmt.Errorf("%w: replay: activity %d: %v", draw.ErrUnavailable, o.ActivityID, err)
		}
		a = v.Activity
	}
	if a == nil {
		return Result{}, fmt.Errorf("%w: replay: activity %d not known", draw.ErrUnavailable, o.ActivityID)
	}
	total, today, err := quota(ctx, r.ledger, a, d.Req.UserID, d.Now)
	if err != nil {
		return Result{}, fmt.Errorf("%w: quota: %v", draw.ErrUnavailable, err)
	}
	return Result{Order: o, LeftTotal: total, LeftToday: today, Replayed: true}, nil
}
