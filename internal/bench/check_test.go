package bench

import (
	"context"
	"database/sql"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/internal/testkit"
)

// world is an activity and its rows, written straight into SQL.
type world struct {
	stock, total, daily int64
	quota               int64 // daily quota of prize 11
	released            int64 // of prize 11; 0 = no release row
	orders              []row
	grants              []int64 // order ids granted
	wrongGrant          bool    // grant order 1 with another award
}

// row is one order: prize 0 lost, 11 or 12 won that prize (awards 101, 102).
type row struct {
	id    int64
	user  string
	day   string
	prize int64
	at    time.Time // when drawn; zero: 09:00 UTC on day
}

const activityID = 1

func (w world) insert(t *testing.T, db *sql.DB) {
	t.Helper()
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	exec := func(q string, args ...any) {
		t.Helper()
		_, err := db.Exec(q, args...)
		require.NoError(t, err, q)
	}
	exec(`INSERT INTO activities (id, name, kind, state, begin_at, end_at, time_zone, stock, per_user_total, per_user_daily,
		created_by, version, created_at, updated_at) VALUES (?, 'a', 'lottery', 'running', ?, ?, 'UTC', ?, ?, ?, 'm', 1, ?, ?)`,
		activityID, now, now.Add(time.Hour), w.stock, w.total, w.daily, now, now)
	exec(`INSERT INTO strategies (id, activity_id, mode, created_at) VALUES (2, ?, 'fixed', ?)`, activityID, now)
	exec(`INSERT INTO prize_slots (id, strategy_id, activity_id, position, award_id, probability_ppm, stock, daily_quota, release_plan)
		VALUES (11, 2, ?, 0, 101, 100000, 5, ?, ''), (12, 2, ?, 1, 102, 400000, 100, 0, '')`, activityID, w.quota, activityID)
	if w.released > 0 {
		exec(`INSERT INTO prize_releases (prize_id, released, updated_at) VALUES (11, ?, ?)`, w.released, now)
	}
	for _, o := range w.orders {
		outcome, grant, mq := "lose", "none", "none"
		var prize, awardID any
		if o.prize != 0 {
			outcome, grant, mq, prize, awardID = "win", "pending", "pending", o.prize, o.prize+90
		}
		exec(`INSERT INTO orders (id, activity_id, strategy_id, user_id, day, outcome, prize_id, award_id, award_name, award_kind,
			idempotency_key, grant_state, grant_error, mq_state, created_at, updated_at)
			VALUES (?, ?, 2, ?, ?, ?, ?, ?, '', '', ?, ?, '', ?, ?, ?)`,
			o.id, activityID, o.user, o.day, outcome, prize, awardID, "k"+o.user+string(rune('a'+o.id)), grant, mq, o.drawnAt(t), now)
	}
	for _, id := range w.grants {
		award := int64(101)
		for _, o := range w.orders {
			if o.id == id && o.prize != 0 {
				award = o.prize + 90
			}
		}
		if w.wrongGrant && id == 1 {
			award = 999
		}
		exec(`INSERT INTO grants (order_id, award_id, user_id, kind, state, payload, created_at, updated_at)
			VALUES (?, ?, (SELECT user_id FROM orders WHERE id = ?), 'text', 'granted', '{}', ?, ?)`, id, award, id, now, now)
	}
}

// drawnAt is when o was drawn: o.at, or 09:00 UTC (the test activity's zone) on its day.
func (o row) drawnAt(t *testing.T) time.Time {
	t.Helper()
	if !o.at.IsZero() {
		return o.at
	}
	at, err := time.Parse(time.DateOnly, o.day)
	require.NoError(t, err)
	return at.Add(9 * time.Hour)
}

// cleanWorld is within every limit: users b-1 and b-2, two days, two wins, both granted.
func cleanWorld() world {
	return world{stock: 10, total: 3, daily: 2, quota: 3, orders: []row{
		{id: 1, user: "b-1", day: "2026-11-22", prize: 11}, {id: 2, user: "b-1", day: "2026-11-22", prize: 0},
		{id: 3, user: "b-2", day: "2026-11-22", prize: 12}, {id: 4, user: "b-2", day: "2026-11-23", prize: 0},
	}, grants: []int64{1, 3}}
}

func TestInvariantChecksOverSQL(t *testing.T) {
	t.Parallel()
	allAcked := func(w world) *tally {
		tl := newTally()
		for _, o := range w.orders {
			tl.acked = append(tl.acked, o.id)
			if o.prize != 0 {
				tl.won = append(tl.won, o.id)
			}
		}
		return tl
	}
	cases := []struct {
		name   string
		world  func() world
		answer func(w world) *tally
		want   map[byte]Status // by invariant number; the rest must be ok or not checked
	}{
		{"within every limit", cleanWorld, allAcked, nil},
		{"oversold activity", func() world { w := cleanWorld(); w.stock = 3; return w }, allAcked,
			map[byte]Status{'1': StatusViolated}},
		{"prize over its daily quota", func() world {
			w := cleanWorld()
			w.quota = 1
			w.orders[1].prize = 11
			w.grants = append(w.grants, 2)
			return w
		}, allAcked,
			map[byte]Status{'1': StatusViolated}},
		{"prize over its release", func() world {
			w := cleanWorld()
			w.released = 1
			w.orders[1].prize = 11
			w.grants = append(w.grants, 2)
			return w
		}, allAcked,
			map[byte]Status{'1': StatusViolated}},
		{"user over the total limit", func() world {
			w := cleanWorld()
			w.orders = append(w.orders, row{id: 5, user: "b-2", day: "2026-11-24", prize: 0}, row{id: 6, user: "b-2", day: "2026-11-25", prize: 0})
			return w
		}, allAcked, map[byte]Status{'2': StatusViolated}},
		{"user over the daily limit", func() world {
			w := cleanWorld()
			w.orders = append(w.orders, row{id: 5, user: "b-1", day: "2026-11-22", prize: 0})
			return w
		}, allAcked, map[byte]Status{'2': StatusViolated}},
		{"a win not granted", func() world { w := cleanWorld(); w.grants = []int64{1}; return w }, allAcked,
			map[byte]Status{'3': StatusViolated}},
		{"nothing granted at all", func() world { w := cleanWorld(); w.grants = nil; return w }, allAcked,
			map[byte]Status{'3': StatusPending}},
		{"a grant of the wrong award", func() world { w := cleanWorld(); w.wrongGrant = true; return w }, allAcked,
			map[byte]Status{'3': StatusViolated}},
		{"a lose granted", func() world { w := cleanWorld(); w.grants = append(w.grants, 2); return w }, allAcked,
			map[byte]Status{'3': StatusViolated}},
		{"an acknowledged order missing", cleanWorld, func(w world) *tally {
			tl := allAcked(w)
			tl.acked = append(tl.acked, 99)
			return tl
		}, map[byte]Status{'4': StatusViolated}},
		{"an unacknowledged order without an unknown answer", cleanWorld, func(w world) *tally {
			tl := allAcked(w)
			tl.acked = tl.acked[1:]
			tl.won = tl.won[1:]
			return tl
		}, map[byte]Status{'4': StatusViolated}},
		{"an unacknowledged order after a 5xx", cleanWorld, func(w world) *tally {
			tl := allAcked(w)
			tl.acked, tl.won, tl.unknown = tl.acked[1:], tl.won[1:], 1
			return tl
		}, nil},
		{"told lose, stored win", cleanWorld, func(w world) *tally {
			tl := allAcked(w)
			tl.won = tl.won[1:]
			return tl
		}, map[byte]Status{'4': StatusViolated}},
		{"drawn a microsecond before midnight", func() world {
			w := cleanWorld()
			w.orders[1].at = time.Date(2026, 11, 22, 23, 59, 59, 999999000, time.UTC)
			return w
		}, allAcked, nil},
		{"an order counted on another day", func() world {
			w := cleanWorld()
			w.orders[1].at = time.Date(2026, 11, 23, 0, 0, 0, 1000, time.UTC)
			return w
		}, allAcked, map[byte]Status{'2': StatusViolated}},
		{"a key refused when repeated after the run", cleanWorld, func(w world) *tally {
			tl := allAcked(w)
			tl.late = Replays{Sent: 2, Same: 1, Refused: 1, Examples: []string{"k: 1 then activity_sold_out"}}
			return tl
		}, map[byte]Status{'5': StatusViolated}},
		{"a repeated key answered with another order", cleanWorld, func(w world) *tally {
			tl := allAcked(w)
			tl.replays = Replays{Sent: 2, Same: 1, Different: 1, Examples: []string{"k: 1 then 2"}}
			return tl
		}, map[byte]Status{'5': StatusViolated}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
				t.Parallel()
				raw := env.DB.SQL
				w := c.world()
				w.insert(t, raw)
				tl := c.answer(w)
				slices.Sort(tl.acked)
				r := &Report{}
				require.NoError(t, NewStore(raw, env.Name).verify(context.Background(), r, activityID, &runView{prefix: "b-", t: tl}, time.Millisecond))
				require.Len(t, r.Invariants, 6)
				violated := 0
				for _, ch := range r.Invariants {
					want, named := c.want[ch.Name[0]]
					switch {
					case named:
						assert.Equal(t, want, ch.Status, "%s: %s", ch.Name, ch.Detail)
					case ch.Name[0] == '6':
						assert.Equal(t, StatusNotChecked, ch.Status, "a handful of draws says nothing about odds")
					default:
						assert.Equal(t, StatusOK, ch.Status, "%s: %s", ch.Name, ch.Detail)
					}
					if ch.Status == StatusViolated {
						violated++
					}
				}
				assert.Equal(t, violated, r.Violations)
			})
		})
	}
}

func TestCheckOnlyNeedsNoRun(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		raw := env.DB.SQL
		cleanWorld().insert(t, raw)
		r, err := CheckOnly(context.Background(), NewStore(raw, env.Name), activityID, time.Millisecond)
		require.NoError(t, err)
		assert.Zero(t, r.Violations)
		assert.Equal(t, StatusNotChecked, r.Invariants[3].Status, "nothing lost needs the answers")
		assert.Equal(t, []int64{1, 1, 2}, []int64{r.Odds.Prizes[0].Observed, r.Odds.Prizes[1].Observed, r.Odds.Prizes[2].Observed},
			"wins per award and the rest, from SQL")

		_, err = CheckOnly(context.Background(), NewStore(raw, env.Name), 424242, time.Millisecond)
		assert.ErrorContains(t, err, "not in this database")
	})
}
