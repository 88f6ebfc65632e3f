package activity

import (
	"fmt"
	"regexp"
	"time"

	"github.com/lottery-go/lottery/domain/check"
	"github.com/lottery-go/lottery/domain/strategy"
)

// KindLottery is the default activity kind.
const KindLottery = "lottery"

const maxNameRunes = 100

var kindPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// Limits caps the draws of one user in one activity. 0 means unlimited.
type Limits struct {
	PerUserTotal int64
	PerUserDaily int64
}

// Params is everything a marketer edits about an activity.
type Params struct {
	Name     string
	Kind     string // empty means KindLottery
	BeginAt  time.Time
	EndAt    time.Time
	TimeZone string // IANA name; defines the local day for daily limits and quotas
	Stock    int64  // draws the activity can serve in total
	Limits   Limits
	Strategy *strategy.Strategy
}

// check records p's problems in l and returns its time zone. Prize stocks are not compared with the
// activity stock: a prize larger than the activity simply cannot sell out, which is a
// legitimate way to say "unlimited".
func (p *Params) check(l *check.List) *time.Location {
	l.Text("name", p.Name, true, maxNameRunes, false)
	if p.Kind == "" {
		p.Kind = KindLottery
	}
	if !kindPattern.MatchString(p.Kind) {
		l.Add("kind", check.CodeInvalid, "kind must be a lowercase identifier such as "+KindLottery)
	}
	validateWindow(l, p.BeginAt, p.EndAt)
	loc := validateZone(l, p.TimeZone)
	if p.Stock < 0 {
		l.Add("stock", check.CodeOutOfRange, "stock must not be negative")
	}
	validateLimits(l, p.Limits)
	if p.Strategy == nil {
		l.Add("strategy", check.CodeRequired, "strategy is required")
	} else if !p.BeginAt.IsZero() && p.EndAt.After(p.BeginAt) {
		validateSlots(l, p.Strategy, p.BeginAt, p.EndAt)
	}
	return loc
}

func validateWindow(l *check.List, begin, end time.Time) {
	if begin.IsZero() {
		l.Add("begin_at", check.CodeRequired, "begin_at is required")
	}
	if end.IsZero() {
		l.Add("end_at", check.CodeRequired, "end_at is required")
	}
	if !begin.IsZero() && !end.IsZero() && !end.After(begin) {
		l.Add("end_at", check.CodeOutOfRange, "end_at must be after begin_at")
	}
}

func validateZone(l *check.List, name string) *time.Location {
	// "Local" is whatever the server happens to run in; "" would silently mean UTC.
	if name == "" {
		l.Add("time_zone", check.CodeRequired, "time_zone is required, e.g. Asia/Shanghai or UTC")
		return nil
	}
	if name == "Local" {
		l.Add("time_zone", check.CodeInvalidTimeZone, "time_zone must be an IANA zone name, not Local")
		return nil
	}
	loc, err := loadZone(name)
	if err != nil {
		l.Add("time_zone", check.CodeInvalidTimeZone, fmt.Sprintf("unknown time zone %q", name))
		return nil
	}
	return loc
}

func validateLimits(l *check.List, lim Limits) {
	if lim.PerUserTotal < 0 {
		l.Add("limits.per_user_total", check.CodeOutOfRange, "per_user_total must be at least 1, or 0 for unlimited")
	}
	if lim.PerUserDaily < 0 {
		l.Add("limits.per_user_daily", check.CodeOutOfRange, "per_user_daily must be at least 1, or 0 for unlimited")
	}
	if lim.PerUserTotal > 0 && lim.PerUserDaily > lim.PerUserTotal {
		l.Add("limits.per_user_daily", check.CodeExceedsTotal, "per_user_daily must not exceed per_user_total")
	}
}

// validateSlots wants explicit release slots inside the window: a slot before begin_at
// would be released by nobody's job, one after end_at never.
func validateSlots(l *check.List, s *strategy.Strategy, begin, end time.Time) {
	for i := range s.Len() {
		p := s.At(i)
		if p.Release == nil || p.Release.Kind != strategy.ReleaseSlots {
			continue
		}
		for j, slot := range p.Release.Slots {
			if slot.At.Before(begin) || !slot.At.Before(end) {
				field := check.Index(check.Index("strategy.prizes", i)+".release.slots", j) + ".at"
				l.Add(field, check.CodeOutOfRange, "release slot must lie within [begin_at, end_at)")
			}
		}
	}
}
