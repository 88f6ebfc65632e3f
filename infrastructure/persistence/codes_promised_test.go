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
// the codes its wins hold, over the activities submitted, approved, running or paused.
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
		repo := persistence.NewAwardRepo(env.DB)

		promised, err := repo.CodesPromised(ctx, awardID, 0)
		require.NoError(t, err)
		assert.Equal(t, int64(5+3+5), promised, "pending 5, running 5 less 2 held, paused 5; not the draft nor the closed one")
		promised, err = repo.CodesPromised(ctx, awardID, 2)
		require.NoError(t, err)
		assert.Equal(t, int64(3+5), promised, "the activity asking is not counted")
		promised, err = repo.CodesPromised(ctx, awardID+1, 0)
		require.NoError(t, err)
		assert.Zero(t, promised, "another award")
	})
}
