package granting

import (
	"context"
	"strconv"
	"time"

	"github.com/lottery-go/lottery/domain/award"
)

// describer is a Granter whose whole delivery is the grant record and the points it
// credits: the Service writes such a grant, points included, in the transaction that
// settles its order, many at once in GrantAll. Its Grant is the same delivery for a
// caller that holds it only as a Granter.
type describer interface {
	describe(g award.Grant) (d award.Delivered, credit int64)
}

// Text shows the award's text: granted at once.
type Text struct{}

func (Text) Kind() award.Kind { return award.KindText }

func (t Text) Grant(_ context.Context, g award.Grant) (award.Delivered, error) {
	d, _ := t.describe(g)
	return d, nil
}

func (Text) describe(g award.Grant) (award.Delivered, int64) {
	return award.Delivered{State: award.StateGranted, Payload: map[string]string{"text": g.Content.Text}}, 0
}

// Physical waits for the winner's shipping address (see Service.SubmitAddress).
type Physical struct{}

func (Physical) Kind() award.Kind { return award.KindPhysical }

func (p Physical) Grant(_ context.Context, g award.Grant) (award.Delivered, error) {
	d, _ := p.describe(g)
	return d, nil
}

func (Physical) describe(g award.Grant) (award.Delivered, int64) {
	return award.Delivered{State: award.StateAwaitingAddress, Payload: map[string]string{"sku": g.Content.SKU}}, 0
}

// RedeemCode hands out one code of the award's pool; the pool keeps it the order's.
type RedeemCode struct {
	Pool award.CodePool
	Now  func() time.Time
}

func (RedeemCode) Kind() award.Kind { return award.KindRedeemCode }

func (r RedeemCode) Grant(ctx context.Context, g award.Grant) (award.Delivered, error) {
	code, err := r.Pool.Claim(ctx, g.AwardID, g.OrderID, r.Now())
	if err != nil {
		return award.Delivered{}, err
	}
	return award.Delivered{State: award.StateGranted, Payload: map[string]string{"code": code}}, nil
}

// Points credits the award's points once per order.
type Points struct {
	Ledger award.PointsLedger
	Now    func() time.Time
}

func (Points) Kind() award.Kind { return award.KindPoints }

// pointsReason is what a win's entry in the points ledger says.
const pointsReason = "lottery win"

func (p Points) Grant(ctx context.Context, g award.Grant) (award.Delivered, error) {
	d, credit := p.describe(g)
	err := p.Ledger.Credit(ctx, award.PointsEntry{
		UserID: g.UserID, OrderID: g.OrderID, Delta: credit, Reason: pointsReason, At: p.Now(),
	})
	if err != nil {
		return award.Delivered{}, err
	}
	return d, nil
}

func (Points) describe(g award.Grant) (award.Delivered, int64) {
	return award.Delivered{State: award.StateGranted, Payload: map[string]string{"points": strconv.FormatInt(g.Content.Points, 10)}}, g.Content.Points
}
