package persistence_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/infrastructure/persistence"
	"github.com/lottery-go/lottery/internal/testkit"
)

func TestRecordAllIsAllOrNothing(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		wins := writeWins(t, env, 4, time.Now().UTC())
		grants, orders := persistence.NewGrantRepo(env.DB), persistence.NewOrderRepo(env.DB)
		points := persistence.NewPointsRepo(env.DB)

		text := grantOf(wins[0], draw.GrantGranted, map[string]string{"text": "hi"})
		pts := grantOf(wins[1], draw.GrantGranted, map[string]string{"points": "100"})
		pts.Credit, pts.CreditReason = 100, "lottery win"
		ship := grantOf(wins[2], draw.GrantAwaitingAddress, map[string]string{"sku": "MUG"})
		require.NoError(t, grants.RecordAll(ctx, []draw.GrantRecord{text, pts, ship}))

		got, err := orders.GetMany(ctx, []int64{wins[0].ID, wins[1].ID, wins[2].ID, wins[3].ID, 42})
		require.NoError(t, err)
		state := map[int64]draw.GrantState{}
		for _, o := range got {
			state[o.ID] = o.GrantState
		}
		assert.Equal(t, map[int64]draw.GrantState{wins[0].ID: draw.GrantGranted, wins[1].ID: draw.GrantGranted,
			wins[2].ID: draw.GrantAwaitingAddress, wins[3].ID: draw.GrantPending}, state, "an unknown id is left out")
		for _, w := range wins[:3] {
			o, b := mqState(t, env, w.ID)
			assert.Equal(t, [2]string{"sent", ""}, [2]string{o, b}, "delivered: the outbox entry goes with the grant")
		}
		bal, err := points.Balance(ctx, wins[1].UserID)
		require.NoError(t, err)
		assert.Equal(t, int64(100), bal)

		// A lot holding an order granted already writes nothing, credits included.
		again := grantOf(wins[3], draw.GrantGranted, nil)
		again.Credit = 7
		err = grants.RecordAll(ctx, []draw.GrantRecord{again, pts})
		require.ErrorIs(t, err, draw.ErrAlreadyGranted)
		require.ErrorIs(t, grants.RecordAll(ctx, []draw.GrantRecord{again, again}), draw.ErrAlreadyGranted, "one order twice")
		o, b := mqState(t, env, wins[3].ID)
		assert.Equal(t, [2]string{"pending", "pending"}, [2]string{o, b}, "a refused lot keeps its outbox entries")
		require.NoError(t, grants.Fail(ctx, wins[3].ID, "gone", time.Now()))
		require.ErrorIs(t, grants.RecordAll(ctx, []draw.GrantRecord{again}), draw.ErrAlreadyGranted, "a failed order")
		one, err := orders.Get(ctx, wins[3].ID)
		require.NoError(t, err)
		assert.Equal(t, draw.GrantFailed, one.GrantState)
		assert.Equal(t, int64(3), count(t, env, "grants"))
		assert.Equal(t, int64(1), count(t, env, "points_ledger"))
		require.NoError(t, grants.RecordAll(ctx, nil))
	})
}
