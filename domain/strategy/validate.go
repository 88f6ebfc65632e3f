package strategy

import (
	"fmt"

	"github.com/lottery-go/lottery/domain/check"
)

func validate(mode Mode, prizes []Prize) error {
	var l check.List
	if mode != ModeFixed && mode != ModeRenormalize {
		l.Add("mode", check.CodeUnknown, fmt.Sprintf("mode must be %q or %q", ModeFixed, ModeRenormalize))
	}
	switch {
	case len(prizes) == 0:
		l.Add("prizes", check.CodeRequired, "at least one prize is required")
	case len(prizes) > MaxPrizes:
		l.Add("prizes", check.CodeTooMany, fmt.Sprintf("at most %d prizes are allowed", MaxPrizes))
	}
	var sum PPM
	seen := make(map[int64]int, len(prizes))
	for i, p := range prizes {
		validatePrize(&l, check.Index("prizes", i), p)
		if p.Probability > 0 && p.Probability <= One {
			sum += p.Probability // bounded: at most MaxPrizes × One before the check below
		}
		if p.ID != 0 {
			if first, dup := seen[p.ID]; dup {
				l.Add(check.Index("prizes", i)+".id", check.CodeDuplicate,
					fmt.Sprintf("id is already used by prizes[%d]", first))
			} else {
				seen[p.ID] = i
			}
		}
	}
	if sum > One {
		l.Add("prizes", check.CodeSumExceedsOne,
			fmt.Sprintf("probabilities sum to %s, more than 1", sum))
	}
	return l.Err()
}

func validatePrize(l *check.List, path string, p Prize) {
	if p.ID < 0 {
		l.Add(path+".id", check.CodeOutOfRange, "id must not be negative")
	}
	switch {
	case p.AwardID == 0:
		l.Add(path+".award_id", check.CodeRequired, "award_id is required")
	case p.AwardID < 0:
		l.Add(path+".award_id", check.CodeOutOfRange, "award_id must be positive")
	}
	if p.Probability <= 0 || p.Probability > One {
		l.Add(path+".probability", check.CodeOutOfRange, "probability must be above 0 and at most 1")
	}
	if p.Stock < 0 {
		l.Add(path+".stock", check.CodeOutOfRange, "stock must not be negative")
	}
	if p.DailyQuota < 0 {
		l.Add(path+".daily_quota", check.CodeOutOfRange, "daily_quota must not be negative (0 means none)")
	}
	if p.Release != nil {
		validateRelease(l, path+".release", *p.Release, p.Stock)
	}
}

func validateRelease(l *check.List, path string, r ReleasePlan, stock int64) {
	switch r.Kind {
	case ReleaseEven:
		if len(r.Slots) > 0 {
			l.Add(path+".slots", check.CodeNotAllowed, "an even plan has no slots")
		}
		return
	case ReleaseSlots:
	default:
		l.Add(path+".plan", check.CodeUnknown, fmt.Sprintf("plan must be %q or %q", ReleaseEven, ReleaseSlots))
		return
	}
	if len(r.Slots) == 0 {
		l.Add(path+".slots", check.CodeRequired, "a slots plan needs at least one slot")
		return
	}
	var sum int64
	exceeded := stock < 0 // a negative stock is reported on the prize itself
	for j, s := range r.Slots {
		sp := check.Index(path+".slots", j)
		if s.At.IsZero() {
			l.Add(sp+".at", check.CodeRequired, "at is required")
		} else if j > 0 && !s.At.After(r.Slots[j-1].At) {
			l.Add(sp+".at", check.CodeUnsorted, "slots must be in strictly increasing time order")
		}
		if s.Amount <= 0 {
			l.Add(sp+".amount", check.CodeOutOfRange, "amount must be positive")
		} else if !exceeded {
			// Compared as a difference so that huge amounts cannot overflow the sum.
			exceeded = s.Amount > stock-sum
			sum += s.Amount
		}
	}
	if exceeded && stock >= 0 {
		l.Add(path+".slots", check.CodeExceedsStock,
			fmt.Sprintf("slots release more than the stock of %d", stock))
	}
}
