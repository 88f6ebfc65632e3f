package bench

import (
	"context"
	"fmt"
	"time"
)

// grantCounts is the grant table's view of an activity's wins.
type grantCounts struct {
	won, granted, wrong, orphans int64
}

func (s *Store) grantCounts(ctx context.Context, activityID int64) (grantCounts, error) {
	var g grantCounts
	var err error
	if g.won, err = s.count(ctx, "won orders", `SELECT COUNT(*) FROM orders WHERE activity_id = ? AND outcome = 'win'`, activityID); err != nil {
		return g, err
	}
	if g.granted, err = s.count(ctx, "grants", `SELECT COUNT(*) FROM grants g JOIN orders o ON o.id = g.order_id
		WHERE o.activity_id = ?`, activityID); err != nil {
		return g, err
	}
	if g.wrong, err = s.count(ctx, "wrong grants", `SELECT COUNT(*) FROM grants g JOIN orders o ON o.id = g.order_id
		WHERE o.activity_id = ? AND (o.outcome <> 'win' OR g.award_id <> o.award_id OR g.user_id <> o.user_id)`, activityID); err != nil {
		return g, err
	}
	// Grants carry no activity, so this looks at the whole database.
	g.orphans, err = s.count(ctx, "grants without an order", `SELECT COUNT(*) FROM grants g
		LEFT JOIN orders o ON o.id = g.order_id WHERE o.id IS NULL`)
	return g, err
}

// checkGrants is invariant 3: every won order is granted exactly once (the grant table's
// key is the order id, so "once" is a row per won order and none for anything else). The
// grants trail the draws, so it polls until they caught up or wait is over. Nothing
// granted at all within the wait means nothing grants, which is pending, not a verdict.
func (s *Store) checkGrants(ctx context.Context, activityID int64, wait time.Duration) (Check, error) {
	name := "3 grants: every win granted exactly once"
	deadline := time.Now().Add(wait)
	for {
		g, err := s.grantCounts(ctx, activityID)
		if err != nil {
			return Check{}, err
		}
		v := verdict{name: name}
		if g.wrong > 0 {
			v.fail("%d grants for an order that did not win that award for that user", g.wrong)
		}
		if g.orphans > 0 {
			v.fail("%d grants for orders that do not exist", g.orphans)
		}
		caughtUp := g.granted == g.won
		if len(v.problems) > 0 || caughtUp {
			v.note("%d wins, %d granted", g.won, g.granted)
			return v.check(), nil
		}
		if !time.Now().Before(deadline) {
			if g.granted == 0 {
				return Check{Name: name, Status: StatusPending, Detail: fmt.Sprintf(
					"%d wins, none granted within %s: is granting (outbox relay → NATS → granter) running?", g.won, wait)}, nil
			}
			v.fail("%d of %d wins not granted within %s", g.won-g.granted, g.won, wait)
			return v.check(), nil
		}
		select {
		case <-ctx.Done():
			return Check{}, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// checkAcknowledged is "nothing lost": every order the run was answered 200 for is in SQL
// with the outcome it was answered with, and SQL holds no order of the run's users that
// was not acknowledged, beyond the answers that left the outcome unknown (5xx, transport).
func (s *Store) checkAcknowledged(ctx context.Context, activityID int64, userPrefix string, t *tally) (Check, error) {
	v := verdict{name: "4 nothing lost: acknowledged orders = SQL orders of the run"}
	rows, err := s.db.QueryContext(ctx, `SELECT id, outcome FROM orders WHERE activity_id = ? AND user_id LIKE ? ORDER BY id`,
		activityID, userPrefix+"%")
	if err != nil {
		return Check{}, fmt.Errorf("read the run's orders: %w", err)
	}
	defer rows.Close()
	var (
		i, j                        int // next acknowledged id, next acknowledged win
		inSQL, missing, extra, diff int64
	)
	for rows.Next() {
		var id int64
		var outcome string
		if err := rows.Scan(&id, &outcome); err != nil {
			return Check{}, fmt.Errorf("read the run's orders: %w", err)
		}
		inSQL++
		for i < len(t.acked) && t.acked[i] < id {
			i, missing = i+1, missing+1
		}
		for j < len(t.won) && t.won[j] < id {
			j++
		}
		if i >= len(t.acked) || t.acked[i] != id {
			extra++
			continue
		}
		i++
		answeredWin := j < len(t.won) && t.won[j] == id
		if answeredWin != (outcome == "win") {
			diff++
		}
	}
	if err := rows.Err(); err != nil {
		return Check{}, fmt.Errorf("read the run's orders: %w", err)
	}
	missing += int64(len(t.acked) - i)
	v.note("%d acknowledged, %d in SQL, %d unacknowledged orders for %d unknown-outcome answers (5xx, transport)",
		len(t.acked), inSQL, extra, t.unknown)
	if missing > 0 {
		v.fail("%d acknowledged orders are not in SQL", missing)
	}
	if diff > 0 {
		v.fail("%d orders in SQL with another outcome than the client was told", diff)
	}
	if extra > t.unknown {
		v.fail("%d orders in SQL that were never acknowledged, but only %d answers left the outcome unknown", extra, t.unknown)
	}
	return v.check(), nil
}
