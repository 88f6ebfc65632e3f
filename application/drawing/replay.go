package drawing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lottery-go/lottery/domain/draw"
)

// replayer answers a repeated idempotency key with the order it produced first.
type replayer struct {
	orders draw.Orders
	ledger draw.Ledger
	wait   time.Duration
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

func (r *replayer) result(ctx context.Context, d *Draw, o draw.Order) (Result, error) {
	if o.UserID != d.Req.UserID {
		return Result{}, draw.ErrOrderNotFound
	}
	lim := d.View.Activity.Limits()
	total, today, err := r.ledger.Quota(ctx, d.View.Activity.ID(), d.Req.UserID,
		d.View.Activity.Day(d.Now), lim.PerUserTotal, lim.PerUserDaily)
	if err != nil {
		return Result{}, fmt.Errorf("%w: quota: %v", draw.ErrUnavailable, err)
	}
	return Result{Order: o, LeftTotal: total, LeftToday: today, Replayed: true}, nil
}
