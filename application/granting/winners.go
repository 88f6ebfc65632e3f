package granting

import (
	"context"
	"fmt"
	"maps"

	"github.com/lottery-go/lottery/domain/award"
	"github.com/lottery-go/lottery/domain/check"
	"github.com/lottery-go/lottery/domain/draw"
)

// MaxAddressRunes bounds a shipping address.
const MaxAddressRunes = 1000

// SubmitAddress stores the shipping address of the user's physical win and completes its
// grant. Someone else's order is draw.ErrOrderNotFound; an order that is not a physical
// win awaiting its address is draw.ErrAddressNotExpected; a blank or over-long address is
// a *check.Error on "address".
func (s *Service) SubmitAddress(ctx context.Context, userID string, orderID int64, address string) (draw.Order, error) {
	var l check.List
	l.Text("address", address, true, MaxAddressRunes, true)
	if err := l.Err(); err != nil {
		return draw.Order{}, err
	}
	o, err := s.d.Orders.Get(ctx, orderID)
	if err != nil {
		return draw.Order{}, err
	}
	if o.UserID != userID {
		return draw.Order{}, draw.ErrOrderNotFound
	}
	if shipsTo(o, address) {
		return o, nil // a repeat of the request that shipped it, whose answer was lost
	}
	if o, err = s.grantedFirst(ctx, o); err != nil {
		return draw.Order{}, err
	}
	if err := awaitsAddress(o); err != nil {
		return draw.Order{}, err
	}
	payload := maps.Clone(o.Delivered)
	if payload == nil {
		payload = map[string]string{}
	}
	payload["address"] = address
	if err := s.d.Grants.Ship(ctx, o.ID, address, payload, s.d.Now()); err != nil {
		if again, gerr := s.d.Orders.Get(ctx, o.ID); gerr == nil && shipsTo(again, address) {
			return again, nil // the same address, sent twice at once
		}
		return draw.Order{}, err
	}
	if s.d.Observer != nil {
		s.d.Observer.Granted(award.KindPhysical, draw.GrantGranted)
	}
	return s.d.Orders.Get(ctx, o.ID)
}

// grantedFirst grants a physical win whose grant is still pending (its event waits behind
// others, or its granter is away) and returns the order as it then stands: the winner who
// has the answer of the draw may send the address at once.
func (s *Service) grantedFirst(ctx context.Context, o draw.Order) (draw.Order, error) {
	if !o.Won() || award.Kind(o.AwardKind) != award.KindPhysical || o.GrantState != draw.GrantPending {
		return o, nil
	}
	if err := s.Grant(ctx, Request{OrderID: o.ID, Attempt: 1}); err != nil {
		return draw.Order{}, err
	}
	return s.d.Orders.Get(ctx, o.ID)
}

// shipsTo tells a physical win already shipping to address.
func shipsTo(o draw.Order, address string) bool {
	return award.Kind(o.AwardKind) == award.KindPhysical && o.GrantState == draw.GrantGranted && o.Delivered["address"] == address
}

// awaitsAddress refuses an order that is not a physical win waiting for its address,
// saying what it is instead.
func awaitsAddress(o draw.Order) error {
	switch {
	case !o.Won():
		return fmt.Errorf("order %d won no prize: %w", o.ID, draw.ErrAddressNotExpected)
	case award.Kind(o.AwardKind) != award.KindPhysical:
		return fmt.Errorf("order %d won a %s award, which is not shipped: %w", o.ID, o.AwardKind, draw.ErrAddressNotExpected)
	case o.GrantState != draw.GrantAwaitingAddress:
		return fmt.Errorf("order %d is %s, not awaiting an address: %w", o.ID, o.GrantState, draw.ErrAddressNotExpected)
	}
	return nil
}

// Points returns the user's balance and a page of their points entries, newest first,
// with ids below beforeID (0 = from the newest).
func (s *Service) Points(ctx context.Context, userID string, beforeID int64, limit int) (int64, []award.PointsEntry, error) {
	balance, err := s.d.Points.Balance(ctx, userID)
	if err != nil {
		return 0, nil, err
	}
	entries, err := s.d.Points.Entries(ctx, userID, beforeID, limit)
	if err != nil {
		return 0, nil, err
	}
	return balance, entries, nil
}
