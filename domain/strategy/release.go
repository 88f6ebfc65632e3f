package strategy

import (
	"math"
	"math/bits"
	"time"
)

// ReleaseKind says how a prize's stock becomes available over the activity window.
type ReleaseKind string

const (
	// ReleaseEven releases the stock linearly over the window, a unit at the start of
	// each of its equal shares of the window: one at begin, all of it before end.
	ReleaseEven ReleaseKind = "even"
	// ReleaseSlots releases explicit amounts at explicit instants.
	ReleaseSlots ReleaseKind = "slots"
)

// ReleasePlan spreads a prize's stock over time so that early users cannot drain it.
type ReleasePlan struct {
	Kind  ReleaseKind
	Slots []ReleaseSlot
}

// ReleaseSlot releases Amount more units at instant At.
type ReleaseSlot struct {
	At     time.Time
	Amount int64
}

// ReleasedBy is how many of stock units are released by instant t for a window
// [begin, end). It is monotone non-decreasing in t and never exceeds stock, which is what
// lets the pool-release job only ever top up.
func (p ReleasePlan) ReleasedBy(stock int64, begin, end, t time.Time) int64 {
	if stock <= 0 {
		return 0
	}
	if p.Kind == ReleaseSlots {
		var sum int64
		for _, s := range p.Slots {
			if s.At.After(t) {
				break // slots are sorted by New
			}
			sum += max(s.Amount, 0)
			if sum >= stock {
				return stock
			}
		}
		return sum
	}
	if !t.Before(end) {
		return stock
	}
	if t.Before(begin) {
		return 0
	}
	// Unit i (from 0) is released at the start of its share of the window, begin +
	// i·window/stock: the first at begin, the last well before end, when draws stop.
	elapsed, window := t.Sub(begin), end.Sub(begin)
	if window == math.MaxInt64 {
		// A window over ~292 years, which a Duration cannot hold: in milliseconds.
		elapsed = time.Duration(t.UnixMilli() - begin.UnixMilli())
		window = time.Duration(end.UnixMilli() - begin.UnixMilli())
	}
	return min(evenShare(stock, elapsed, window)+1, stock)
}

// evenShare is floor(stock*elapsed/window) in 128-bit arithmetic: a stock of millions over
// a window of months in nanoseconds overflows int64. 0 ≤ elapsed < window, so the quotient
// is below stock (adding one stays within it) and fits.
func evenShare(stock int64, elapsed, window time.Duration) int64 {
	hi, lo := bits.Mul64(uint64(stock), uint64(elapsed))
	q, _ := bits.Div64(hi, lo, uint64(window))
	return int64(q)
}

func (p ReleasePlan) clone() *ReleasePlan {
	c := p
	c.Slots = append([]ReleaseSlot(nil), p.Slots...)
	return &c
}
