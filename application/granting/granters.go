package granting

import (
	"context"
	"strconv"
	"time"

	"github.com/lottery-go/lottery/domain/award"
)

// Text shows the award's text: granted at once.
type Text struct{}

func (Text) Kind() award.Kind { return award.KindText }

func (Text) Grant(_ context.Context, g award.Grant) (award.Delivered, error) {
	return award.Delivered{State: award.StateGranted, Payload: map[string]string{"text": g.Content.Text}}, nil
}

// Physical waits for the winner's shipping address (see Service.SubmitAddress).
type Physical struct{}

func (Physical) Kind() award.Kind { return award.KindPhysical }

func (Physical) Grant(_ context.Context, g award.Grant) (award.Delivered, error) {
	return award.Delivered{State: award.StateAwaitingAddress, Payload: map[string]string{"sku": g.Content.SKU}}, nil
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

func (p Points) Grant(ctx context.Context, g award.Grant) (award.Delivered, error) {
	err := p.Ledger.Credit(ctx, award.PointsEntry{
		UserID: g.UserID, OrderID: g.OrderID, Delta: g.Content.Points, Reason: "lottery win", At: p.Now(),
	})
	if err != nil {
		return award.Delivered{}, err
	}
	return award.Delivered{State: award.StateGranted, Payload: map[string]string{"points": strconv.FormatInt(g.Content.Points, 10)}}, nil
}
