package bench

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Status is the verdict on one invariant.
type Status string

const (
	StatusOK         Status = "ok"
	StatusViolated   Status = "violated"
	StatusPending    Status = "pending"     // not reached yet within the wait, e.g. grants
	StatusNotChecked Status = "not_checked" // no way to check it in this run
)

// Check is the verdict on one invariant, with what was seen.
type Check struct {
	Name   string `json:"name"`
	Status Status `json:"status"`
	Detail string `json:"detail"`
}

// verdict collects the violations an invariant check finds.
type verdict struct {
	name     string
	problems []string
	seen     []string
}

func (v *verdict) fail(format string, args ...any) {
	v.problems = append(v.problems, fmt.Sprintf(format, args...))
}
func (v *verdict) note(format string, args ...any) {
	v.seen = append(v.seen, fmt.Sprintf(format, args...))
}

func (v *verdict) check() Check {
	if len(v.problems) > 0 {
		return Check{Name: v.name, Status: StatusViolated, Detail: strings.Join(v.problems, "; ")}
	}
	return Check{Name: v.name, Status: StatusOK, Detail: strings.Join(v.seen, "; ")}
}

// checkStock is invariant 1: orders ≤ activity stock; wins per prize ≤ its stock, ≤ its
// daily quota on any day, and ≤ what its release plan has put in so far.
func (s *Store) checkStock(ctx context.Context, activityID int64, f facts) (Check, error) {
	v := verdict{name: "1 stock: orders ≤ activity stock, wins ≤ prize stock and daily quota"}
	orders, err := s.count(ctx, "orders", `SELECT COUNT(*) FROM orders WHERE activity_id = ?`, activityID)
	if err != nil {
		return Check{}, err
	}
	if orders > f.stock {
		v.fail("%d orders > activity stock %d", orders, f.stock)
	}
	v.note("%d orders of stock %d", orders, f.stock)
	total, worstDay, err := s.winsByPrize(ctx, activityID)
	if err != nil {
		return Check{}, err
	}
	known := map[int64]bool{}
	for _, p := range f.prizes {
		known[p.id] = true
		w := total[p.id]
		v.note("prize %d: %d wins of stock %d", p.id, w, p.stock)
		if w > p.stock {
			v.fail("prize %d: %d wins > stock %d", p.id, w, p.stock)
		}
		if p.dailyQuota > 0 && worstDay[p.id] > p.dailyQuota {
			v.fail("prize %d: %d wins in one day > daily quota %d", p.id, worstDay[p.id], p.dailyQuota)
		}
		if p.released >= 0 && w > p.released {
			v.fail("prize %d: %d wins > %d released so far", p.id, w, p.released)
		}
	}
	for id, w := range total {
		if !known[id] {
			v.fail("%d wins of prize %d, which is not a prize of this activity", w, id)
		}
	}
	return v.check(), nil
}

// winsByPrize returns each prize's wins in total and on its busiest day.
func (s *Store) winsByPrize(ctx context.Context, activityID int64) (total, worstDay map[int64]int64, err error) {
	rows, err := s.db.QueryContext(ctx, `SELECT prize_id, COUNT(*) FROM orders
		WHERE activity_id = ? AND outcome = 'win' GROUP BY prize_id, day`, activityID)
	if err != nil {
		return nil, nil, fmt.Errorf("count wins per prize: %w", err)
	}
	defer rows.Close()
	total, worstDay = map[int64]int64{}, map[int64]int64{}
	for rows.Next() {
		var id, n int64
		if err := rows.Scan(&id, &n); err != nil {
			return nil, nil, fmt.Errorf("count wins per prize: %w", err)
		}
		total[id] += n
		worstDay[id] = max(worstDay[id], n)
	}
	return total, worstDay, rows.Err()
}

// checkUserLimits is invariant 2: no user has more orders than the total limit, nor more
// on one local day (the orders' day column) than the daily limit.
func (s *Store) checkUserLimits(ctx context.Context, activityID int64, f facts) (Check, error) {
	v := verdict{name: "2 user limits: orders per user ≤ total limit, per local day ≤ daily limit"}
	worstTotal, err := s.count(ctx, "orders per user", `SELECT COALESCE(MAX(n), 0) FROM
		(SELECT COUNT(*) AS n FROM orders WHERE activity_id = ? GROUP BY user_id) u`, activityID)
	if err != nil {
		return Check{}, err
	}
	worstDay, err := s.count(ctx, "orders per user and day", `SELECT COALESCE(MAX(n), 0) FROM
		(SELECT COUNT(*) AS n FROM orders WHERE activity_id = ? GROUP BY user_id, day) u`, activityID)
	if err != nil {
		return Check{}, err
	}
	v.note("busiest user: %d orders (limit %s), %d in one day (limit %s)", worstTotal, limit(f.perUserTotal), worstDay, limit(f.perUserDaily))
	if f.perUserTotal > 0 && worstTotal > f.perUserTotal {
		over, err := s.count(ctx, "users over the total limit", `SELECT COUNT(*) FROM
			(SELECT user_id FROM orders WHERE activity_id = ? GROUP BY user_id HAVING COUNT(*) > ?) u`, activityID, f.perUserTotal)
		if err != nil {
			return Check{}, err
		}
		v.fail("%d users over the total limit %d (worst %d)", over, f.perUserTotal, worstTotal)
	}
	if f.perUserDaily > 0 && worstDay > f.perUserDaily {
		v.fail("a user has %d orders in one day > daily limit %d", worstDay, f.perUserDaily)
	}
	wrong, example, err := s.wrongDays(ctx, activityID, f.timeZone)
	if err != nil {
		return Check{}, err
	}
	if wrong > 0 {
		v.fail("%d orders are counted on another day than their local day in %s, e.g. %s", wrong, f.timeZone, example)
	} else {
		v.note("every order's day is its local day in %s", f.timeZone)
	}
	return v.check(), nil
}

// wrongDays counts the orders whose day is not the date of their draw time in the
// activity's time zone. The per-day limits and quotas are checked by the day column the
// server wrote, so a day computed in the wrong zone would otherwise pass unseen. (The
// draw time is kept to the microsecond, truncated, which never crosses a midnight.)
func (s *Store) wrongDays(ctx context.Context, activityID int64, zone string) (int64, string, error) {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return 0, "", fmt.Errorf("activity %d: time zone %q: %w", activityID, zone, err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, day, created_at FROM orders WHERE activity_id = ?`, activityID)
	if err != nil {
		return 0, "", fmt.Errorf("read the orders' days: %w", err)
	}
	defer rows.Close()
	var wrong int64
	var example string
	for rows.Next() {
		var id int64
		var day string
		var at time.Time
		if err := rows.Scan(&id, &day, &at); err != nil {
			return 0, "", fmt.Errorf("read the orders' days: %w", err)
		}
		if local := at.In(loc).Format(time.DateOnly); local != day {
			if wrong++; wrong == 1 {
				example = fmt.Sprintf("order %d drawn at %s, counted on %s", id, at.In(loc).Format(time.RFC3339), day)
			}
		}
	}
	return wrong, example, rows.Err()
}

func limit(n int64) string {
	if n <= 0 {
		return "none"
	}
	return fmt.Sprint(n)
}

// checkIdempotency is invariant 5: one Idempotency-Key never made two orders, in SQL, and
// every deliberate repeat of a key (at once, and once the run was over) was answered
// with the first answer's order, outcome and award.
func (s *Store) checkIdempotency(ctx context.Context, activityID int64, replays []*Replays) (Check, error) {
	v := verdict{name: "5 idempotency: one key, one order"}
	dup, err := s.count(ctx, "repeated keys", `SELECT COUNT(*) FROM (SELECT user_id, idempotency_key FROM orders
		WHERE activity_id = ? AND idempotency_key IS NOT NULL GROUP BY user_id, idempotency_key HAVING COUNT(*) > 1) k`, activityID)
	if err != nil {
		return Check{}, err
	}
	if dup > 0 {
		v.fail("%d keys have more than one order in SQL", dup)
	}
	for i, r := range replays {
		when := []string{"at once", "after the run"}[min(i, 1)]
		v.note("%d repeats %s: %d same order, %d failed (try again)", r.Sent, when, r.Same, r.Failed)
		if r.wrong() > 0 {
			v.fail("%d repeats %s answered otherwise (%d another order, %d refused, %d another outcome or award), e.g. %s",
				r.wrong(), when, r.Different, r.Refused, r.Altered, strings.Join(r.Examples, ", "))
		}
	}
	if dup == 0 {
		v.note("no key has two orders in SQL")
	}
	return v.check(), nil
}
