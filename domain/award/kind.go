// Package award describes what a winner receives: the award kinds with the content each
// needs, the Granter port through which a win is delivered, and the redeem-code pool.
package award

import (
	"errors"
	"fmt"
)

// Kind is how an award is delivered.
type Kind string

const (
	// KindText shows a text to the winner.
	KindText Kind = "text"
	// KindCoupon is issued by calling the merchant's webhook with a template id.
	KindCoupon Kind = "coupon"
	// KindRedeemCode hands out one unique code from an uploaded pool per winner.
	KindRedeemCode Kind = "redeem_code"
	// KindPoints credits points to the winner's points ledger.
	KindPoints Kind = "points"
	// KindPhysical is shipped once the winner submits an address.
	KindPhysical Kind = "physical"
)

// Kinds lists every kind, in the order the documentation presents them.
var Kinds = []Kind{KindText, KindCoupon, KindRedeemCode, KindPoints, KindPhysical}

// ErrUnknownKind is returned by ParseKind.
var ErrUnknownKind = errors.New("unknown award kind")

// ParseKind accepts exactly the wire names; no case folding, so that a stored kind always
// equals what was sent.
func ParseKind(s string) (Kind, error) {
	k := Kind(s)
	if !k.Valid() {
		return "", fmt.Errorf("%w: %q", ErrUnknownKind, s)
	}
	return k, nil
}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool {
	switch k {
	case KindText, KindCoupon, KindRedeemCode, KindPoints, KindPhysical:
		return true
	}
	return false
}
