package persistence_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/infrastructure/persistence"
	"github.com/lottery-go/lottery/internal/testkit"
)

// What other live activities may still take of an award's codes: each prize's stock less
// the codes its wins hold, over the activities submitted, approved, running or paused; and
// the wins of closed activities whose grant is in flight or may be sent again, holding no
// code yet.
func TestCodesPromised(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		db := env.DB.SQL
		now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
		const awardID = 70
		exec := func(q string, args ...any) {
			t.Helper()
			_, err := db.ExecContext(ctx, q, args...)
			require.NoError(t, err, q)
		}
		// Activities 1…5 in these states, each one prize of 5 units giving the award; the
		// running one's prize has two wins holding codes.
		states := []string{"draft", "pending_review", "running", "closed", "paused"}
		for i, state := range states {
			id := int64(i + 1)
			exec(`INSERT INTO activities (id, name, kind, state, begin_at, end_at, time_zone, stock, per_user_total, per_user_daily,
				created_by, version, created_at, updated_at) VALUES (?, 'a', 'lottery', ?, ?, ?, 'UTC', 100, 0, 0, 'm', 1, ?, ?)`,
				id, state, now, now.Add(time.Hour), now, now)
			exec(`INSERT INTO strategies (id, activity_id, mode, created_at) VALUES (?, ?, 'fixed', ?)`, 100+id, id, now)
			exec(`INSERT INTO prize_slots (id, strategy_id, activity_id, position, award_id, probability_ppm, stock, daily_quota, release_plan)
				VALUES (?, ?, ?, 0, ?, 100000, 5, 0, '')`, 200+id, 100+id, id, awardID)
		}
		for o := int64(1); o <= 2; o++ {
			exec(`INSERT INTO orders (id, activity_id, strategy_id, user_id, day, outcome, prize_id, award_id, award_name, award_kind,
				idempotency_key, grant_state, grant_error, mq_state, created_at, updated_at)
				VALUES (?, 3, 103, 'u', '2026-11-24', 'win', 203, ?, '', 'redeem_code', NULL, 'granted', '', 'sent', ?, ?)`,
				1000+o, awardID, now, now)
			exec(`INSERT INTO redeem_codes (award_id, code, order_id, claimed_at, created_at) VALUES (?, ?, ?, ?, ?)`,
				awardID, "HELD-"+string(rune('0'+o)), 1000+o, now, now)
		}
		exec(`INSERT INTO redeem_codes (award_id, code, created_at) VALUES (?, 'FREE-1', ?)`, awardID, now)
		// The closed activity (4) has four wins: granted (a code held), in flight (an outbox
		// entry), failed and to be sent again (failed_grants), and one in flight whose code
		// is already claimed. Two will still take a code.
		for o := int64(1); o <= 4; o++ {
			exec(`INSERT INTO orders (id, activity_id, strategy_id, user_id, day, outcome, prize_id, award_id, award_name, award_kind,
				idempotency_key, grant_state, grant_error, mq_state, created_at, updated_at)
				VALUES (?, 4, 104, 'c', '2026-11-24', 'win', 204, ?, '', 'redeem_code', NULL, 'pending', '', 'sent', ?, ?)`,
				2000+o, awardID, now, now)
		}
		exec(`INSERT INTO redeem_codes (award_id, code, order_id, claimed_at, created_at) VALUES (?, 'CLOSED-1', 2001, ?, ?)`, awardID, now, now)
		exec(`INSERT INTO redeem_codes (award_id, code, order_id, claimed_at, created_at) VALUES (?, 'CLOSED-4', 2004, ?, ?)`, awardID, now, now)
		for _, id := range []int64{2002, 2004} {
			exec(`INSERT INTO outbox (order_id, subject, payload, state, next_attempt_at, created_at) VALUES (?, 's', '{}', 'sent', ?, ?)`, id, now, now)
		}
		exec(`INSERT INTO failed_grants (order_id, activity_id) VALUES (2003, 4)`)
		repo := persistence.NewAwardRepo(env.DB)

		promised, err := repo.CodesPromised(ctx, awardID, 0)
		require.NoError(t, err)
		assert.Equal(t, int64(5+3+5+2), promised, "pending 5, running 5 less 2 held, paused 5, the closed one's 2 waiting wins; not the draft")
		promised, err = repo.CodesPromised(ctx, awardID, 2)
		require.NoError(t, err)
		assert.Equal(t, int64(3+5+2), promised, "the activity asking is not counted")
		promised, err = repo.CodesPromised(ctx, awardID+1, 0)
		require.NoError(t, err)
		assert.Zero(t, promised, "another award")
	})
}
