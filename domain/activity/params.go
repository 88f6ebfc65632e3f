package activity

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/lottery-go/lottery/domain/check"
	"github.com/lottery-go/lottery/domain/strategy"
)

// KindLottery is the default activity kind.
const KindLottery = "lottery"

const maxNameRunes = 100

// EarliestYear and LatestYear bound the years of begin_at and end_at, in UTC and in the
// activity's own zone alike. Above 9999 neither store can keep the time (MariaDB's
// DATETIME refuses it, the SQLite driver writes a year it cannot read back) nor can JSON
// show it in RFC 3339; below 2000 no campaign is planned, and the zero instant is how an
// absent time reads.
const (
	EarliestYear = 2000
	LatestYear   = 9999
)

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
	p.Name = strings.TrimSpace(p.Name) // "  Wheel " and "Wheel" are one name
	l.Text("name", p.Name, true, maxNameRunes, false)
	if p.Kind == "" {
		p.Kind = KindLottery
	}
	if !kindPattern.MatchString(p.Kind) {
		l.Add("kind", check.CodeInvalid, "kind must be a lowercase identifier such as "+KindLottery)
	}
	// The window is checked in the zone, but reported first, as the fields are written.
	var zone check.List
	loc := validateZone(&zone, p.TimeZone)
	windowOK := validateWindow(l, p.BeginAt, p.EndAt, loc)
	l.Merge("", zone.Err())
	if p.Stock < 1 {
		l.Add("stock", check.CodeOutOfRange, "stock must be at least 1: it is the number of draws the activity can serve")
	}
	atMostMaxCount(l, "stock", p.Stock)
	validateLimits(l, p.Limits)
	if p.Strategy == nil {
		l.Add("strategy", check.CodeRequired, "strategy is required")
	} else {
		validatePrizeStocks(l, p.Strategy)
		if windowOK {
			validateSlots(l, p.Strategy, p.BeginAt, p.EndAt)
		}
	}
	return loc
}

// validateWindow checks [begin, end) and reports whether it is valid. loc is the
// activity's zone, nil when it is unknown.
func validateWindow(l *check.List, begin, end time.Time, loc *time.Location) bool {
	okBegin := validateInstant(l, "begin_at", begin, loc)
	okEnd := validateInstant(l, "end_at", end, loc)
	if okBegin && okEnd && !end.After(begin) {
		l.Add("end_at", check.CodeOutOfRange, "end_at must be after begin_at")
		return false
	}
	return okBegin && okEnd
}

// validateInstant wants t present and within the accepted years, both in UTC, as it is
// stored, and in the activity's zone, as it is shown.
func validateInstant(l *check.List, field string, t time.Time, loc *time.Location) bool {
	if t.IsZero() {
		l.Add(field, check.CodeRequired, field+" is required")
		return false
	}
	if !inYears(t.UTC()) || (loc != nil && !inYears(t.In(loc))) {
		l.Add(field, check.CodeOutOfRange, TimeRangeMessage(field)+", both in UTC and in the activity's time zone")
		return false
	}
	return true
}

// TimeRangeMessage is how a time outside the accepted years is refused.
func TimeRangeMessage(field string) string {
	return fmt.Sprintf("%s must lie in the years %d to %d", field, EarliestYear, LatestYear)
}

func inYears(t time.Time) bool {
	y := t.Year()
	return y >= EarliestYear && y <= LatestYear
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
	atMostMaxCount(l, "limits.per_user_total", lim.PerUserTotal)
	atMostMaxCount(l, "limits.per_user_daily", lim.PerUserDaily)
	if lim.PerUserTotal > 0 && lim.PerUserDaily > lim.PerUserTotal {
		l.Add("limits.per_user_daily", check.CodeExceedsTotal, "per_user_daily must not exceed per_user_total")
	}
}

// validatePrizeStocks wants every prize winnable. A prize without stock is never drawn,
// and it can never be topped up either, since a submitted activity is no longer editable:
// leaving it out says the same thing plainly. (strategy.New allows 0, as it also rebuilds
// stored strategies, which must stay readable.)
func validatePrizeStocks(l *check.List, s *strategy.Strategy) {
	for i := range s.Len() {
		p, path := s.At(i), check.Index("strategy.prizes", i)
		if p.Stock < 1 {
			l.Add(path+".stock", check.CodeOutOfRange,
				"a prize's stock must be at least 1; a prize that can never be won is left out")
		}
		atMostMaxCount(l, path+".stock", p.Stock)
		atMostMaxCount(l, path+".daily_quota", p.DailyQuota)
	}
}

// MaxCount bounds every stock, quota and limit: counts are exact in Redis's scripts (whose
// numbers are doubles) and in every JSON client far beyond it, and no campaign comes near.
const MaxCount = 1_000_000_000_000

// atMostMaxCount refuses a count above MaxCount.
func atMostMaxCount(l *check.List, field string, n int64) {
	if n > MaxCount {
		l.Add(field, check.CodeOutOfRange, fmt.Sprintf("%s must be at most %d (a trillion)", field[strings.LastIndexByte(field, '.')+1:], int64(MaxCount)))
	}
}

// validateSlots wants explicit release slots inside the window (a slot before begin_at
// would be released by nobody's job, one after end_at never) that release the whole
// stock: units no slot releases could never be won. (strategy.New refuses only slots
// above the stock, as stored strategies must stay readable.)
func validateSlots(l *check.List, s *strategy.Strategy, begin, end time.Time) {
	for i := range s.Len() {
		p := s.At(i)
		if p.Release == nil || p.Release.Kind != strategy.ReleaseSlots {
			continue
		}
		path := check.Index("strategy.prizes", i) + ".release.slots"
		var sum int64
		for j, slot := range p.Release.Slots {
			if slot.At.Before(begin) || !slot.At.Before(end) {
				l.Add(check.Index(path, j)+".at", check.CodeOutOfRange, "release slot must lie within [begin_at, end_at)")
			}
			if slot.Amount > 0 && sum < p.Stock {
				sum += min(slot.Amount, p.Stock-sum) // capped: huge amounts cannot overflow
			}
		}
		if sum < p.Stock && p.Stock >= 1 {
			l.Add(path, check.CodeBelowStock, fmt.Sprintf(
				"slots release %d of the prize's stock of %d; they must add up to it, or the rest could never be won", sum, p.Stock))
		}
	}
}
