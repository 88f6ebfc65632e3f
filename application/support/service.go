// Package support serves the people who answer winners and ship prizes: it finds orders
// by activity, user, outcome and grant state, shows why a grant failed, and sends a failed
// grant again once its cause is fixed (codes uploaded, a webhook repaired).
package support

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/lottery-go/lottery/domain/draw"
)

// Orders reads committed orders.
type Orders interface {
	Get(ctx context.Context, id int64) (draw.Order, error)
	Search(ctx context.Context, q draw.OrderSearch) ([]draw.Order, error)
}

// Grants reopens failed grants and tells their retries and how a pending one's delivery
// goes.
type Grants interface {
	// Reopen makes a failed grant pending with its event back in the outbox and records
	// who sent it again, in one transaction; draw.ErrGrantNotFailed when the grant is not
	// failed.
	Reopen(ctx context.Context, orderID int64, by string, subject string, payload []byte, at time.Time) error
	// Retries lists the retries of an order's grant, oldest first.
	Retries(ctx context.Context, orderID int64) ([]draw.GrantRetry, error)
	// Delivery reads the outbox entry of an order's grant; false when it has none (the
	// grant was decided, or the order is no win).
	Delivery(ctx context.Context, orderID int64) (draw.GrantDelivery, bool, error)
}

// OrderDetail is one order with the story of its grant: every time it was sent again,
// oldest first, and while it is pending, how its delivery is going (nil when the grant is
// not pending or its outbox entry is gone).
type OrderDetail struct {
	Order    draw.Order
	Retries  []draw.GrantRetry
	Delivery *draw.GrantDelivery
}

// Deps are the ports a Service works with. Encode encodes the grant event of an order
// reopened at a time: a new event, which the queue must not take for a repeat of the first.
// Deliver grants a pending order at once: nil once the grant or a failure for good is
// recorded, an error when the delivery should be tried again later (the outbox has the
// event for that). Now and Log default to the wall clock and slog.Default().
type Deps struct {
	Orders  Orders
	Grants  Grants
	Encode  func(o draw.Order, reopenedAt time.Time) (subject string, payload []byte)
	Deliver func(ctx context.Context, orderID int64) error
	// Queue, when set, makes the outbox entries of reopened orders due at once, for the
	// outbox job's next run: a reopened entry is otherwise left to the job's look for
	// forgotten ones, which holds back while the stream keeps any older message.
	Queue func(ctx context.Context, orderIDs []int64) error
	Now   func() time.Time
	Log   *slog.Logger
	// FinalAfter is how long after its draw an order is committed or never will be (the
	// admission recovery's wait); 0: as soon as drawn (tests).
	FinalAfter time.Duration
	// GiveUpAfter is how long after its wait began a pending grant gives up, as the
	// granters are told (grants.give_up_after); 0 or less (off): never.
	GiveUpAfter time.Duration
}

// Service runs the support use cases.
type Service struct {
	d Deps
}

// New returns a Service over d.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	return &Service{d: d}
}

// FinalBefore is the draw time before which the set of orders is final: every order drawn
// earlier is committed, or undone and never will be. An order is saved a moment after its
// id and draw time are given, so a read of the newest orders may miss one still on its
// way; an export up to FinalBefore never does.
func (s *Service) FinalBefore() time.Time { return s.d.Now().Add(-s.d.FinalAfter) }

// Order returns one order, whoever drew it, with the retries of its grant and, while the
// grant is pending, how its delivery is going.
func (s *Service) Order(ctx context.Context, id int64) (OrderDetail, error) {
	o, err := s.d.Orders.Get(ctx, id)
	if err != nil {
		return OrderDetail{}, err
	}
	retries, err := s.d.Grants.Retries(ctx, id)
	if err != nil {
		return OrderDetail{Order: o}, err
	}
	delivery, err := s.delivery(ctx, o)
	return OrderDetail{Order: o, Retries: retries, Delivery: delivery}, err
}

// delivery reads how the grant of o is being delivered, and when it gives up: only a
// pending grant has a delivery to tell, so no other costs a read.
func (s *Service) delivery(ctx context.Context, o draw.Order) (*draw.GrantDelivery, error) {
	if o.GrantState != draw.GrantPending {
		return nil, nil
	}
	d, ok, err := s.d.Grants.Delivery(ctx, o.ID)
	if err != nil || !ok {
		return nil, err
	}
	d.GivesUpAt = draw.GivesUpAt(d.Since, s.d.GiveUpAfter)
	return &d, nil
}

// Orders returns the orders q selects, newest first.
func (s *Service) Orders(ctx context.Context, q draw.OrderSearch) ([]draw.Order, error) {
	return s.d.Orders.Search(ctx, q)
}

// RetryGrant delivers the award of an order whose grant failed once more, on behalf of
// by, and returns the order as it then stands: granted (or awaiting its address), failed
// again when the cause is still there, or pending when the delivery met a passing error
// (a merchant answering 503) and goes on like any grant's, through the outbox. The grant
// is first made pending with its event back in the outbox, so that a crash mid-way leaves
// it to the compensation job rather than lost; it is delivered exactly once like any other
// (a coupon webhook receives the same order id, so the merchant can tell a repeat from a
// new win). It returns the order as Order does, with this retry in its history; an order
// that is not a failed win is returned as it is with draw.ErrGrantNotFailed.
func (s *Service) RetryGrant(ctx context.Context, id int64, by string) (OrderDetail, error) {
	o, err := s.d.Orders.Get(ctx, id)
	if err != nil {
		return OrderDetail{}, err
	}
	if !o.Won() || o.GrantState != draw.GrantFailed {
		return OrderDetail{Order: o}, fmt.Errorf("order %d is a %s in grant state %s: %w", o.ID, o.Outcome, o.GrantState, draw.ErrGrantNotFailed)
	}
	now := s.d.Now()
	subject, payload := s.d.Encode(o, now)
	if err := s.d.Grants.Reopen(ctx, o.ID, by, subject, payload, now); err != nil {
		return s.current(ctx, o, err)
	}
	s.d.Log.InfoContext(ctx, "failed grant sent again", "order_id", o.ID, "user_id", o.UserID,
		"kind", o.AwardKind, "by", by, "failed_with", o.GrantError)
	if err := s.d.Deliver(ctx, o.ID); err != nil {
		s.d.Log.WarnContext(ctx, "grant sent again will be retried", "order_id", o.ID, "err", err)
	}
	return s.Order(ctx, o.ID)
}

// RetryGrants sends again, on behalf of by, the failed grants of the wins q selects, up
// to q.Limit of them, newest first: each is made pending with its event back in the
// outbox, as RetryGrant does, and the outbox job publishes them on its next runs (they
// are not delivered here, one by one, as a single retry is). It returns the orders sent
// again (one a concurrent retry took meanwhile is left out) and whether more failed
// grants are selected. On an error, those sent before it stay sent.
func (s *Service) RetryGrants(ctx context.Context, q draw.OrderSearch, by string) (reopened []int64, more bool, err error) {
	limit := q.Limit
	q.Outcome, q.GrantState, q.Limit = draw.OutcomeWin, draw.GrantFailed, limit+1
	orders, err := s.d.Orders.Search(ctx, q)
	if err != nil {
		return nil, false, err
	}
	if more = len(orders) > limit; more {
		orders = orders[:limit]
	}
	defer func() { s.sentAgain(ctx, q.ActivityID, reopened, by) }()
	for _, o := range orders {
		now := s.d.Now()
		subject, payload := s.d.Encode(o, now)
		switch err := s.d.Grants.Reopen(ctx, o.ID, by, subject, payload, now); {
		case errors.Is(err, draw.ErrGrantNotFailed):
		case err != nil:
			return reopened, more, fmt.Errorf("send the grant of order %d again: %w", o.ID, err)
		default:
			reopened = append(reopened, o.ID)
		}
	}
	return reopened, more, nil
}

// sentAgain logs the grants of an activity reopened in bulk and makes their events due at
// once; without Deps.Queue, or should it fail, they are still in the outbox, found later.
func (s *Service) sentAgain(ctx context.Context, activityID int64, ids []int64, by string) {
	if len(ids) == 0 {
		return
	}
	s.d.Log.InfoContext(ctx, "failed grants sent again", "orders", len(ids), "activity_id", activityID,
		"first_order_id", ids[0], "by", by)
	if s.d.Queue == nil {
		return
	}
	if err := s.d.Queue(ctx, ids); err != nil {
		s.d.Log.WarnContext(ctx, "failed grants sent again wait for the outbox job to find them", "orders", len(ids), "err", err)
	}
}

// current returns the order as it now stands with err: a concurrent retry may have
// reopened it meanwhile.
func (s *Service) current(ctx context.Context, o draw.Order, err error) (OrderDetail, error) {
	if now, gerr := s.d.Orders.Get(ctx, o.ID); gerr == nil {
		return OrderDetail{Order: now}, err
	}
	return OrderDetail{Order: o}, err
}
