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

func grantOf(o draw.Order, state draw.GrantState, payload map[string]string) draw.GrantRecord {
	return draw.GrantRecord{OrderID: o.ID, AwardID: o.AwardID, UserID: o.UserID, Kind: o.AwardKind,
		State: state, Payload: payload, At: time.Now()}
}

func TestGrantRecordIsOncePerOrder(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		o := writeWins(t, env, 1, time.Now().UTC())[0]
		grants, orders := persistence.NewGrantRepo(env.DB), persistence.NewOrderRepo(env.DB)

		require.NoError(t, grants.Record(ctx, grantOf(o, draw.GrantGranted, map[string]string{"code": "A1"})))
		err := grants.Record(ctx, grantOf(o, draw.GrantGranted, map[string]string{"code": "B2"}))
		require.ErrorIs(t, err, draw.ErrAlreadyGranted)
		require.ErrorIs(t, grants.Fail(ctx, o.ID, "too late", time.Now()), draw.ErrAlreadyGranted, "a granted order is not failed")

		got, err := orders.Get(ctx, o.ID)
		require.NoError(t, err)
		assert.Equal(t, draw.GrantGranted, got.GrantState)
		assert.Empty(t, got.GrantError)
		assert.Equal(t, map[string]string{"code": "A1"}, got.Delivered)
		assert.Equal(t, int64(1), count(t, env, "grants"))
	})
}

func TestGrantFail(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		wins := writeWins(t, env, 2, time.Now().UTC())
		o, o2 := wins[0], wins[1]
		grants, orders := persistence.NewGrantRepo(env.DB), persistence.NewOrderRepo(env.DB)
		require.NoError(t, grants.Fail(ctx, o.ID, "redeem code pool is empty", time.Now()))
		got, err := orders.Get(ctx, o.ID)
		require.NoError(t, err)
		assert.Equal(t, draw.GrantFailed, got.GrantState)
		assert.Equal(t, "redeem code pool is empty", got.GrantError)
		mq, entry := mqState(t, env, o.ID)
		assert.Equal(t, [2]string{"sent", ""}, [2]string{mq, entry}, "delivered, though not granted")
		err = grants.RecordAll(ctx, []draw.GrantRecord{grantOf(o, draw.GrantGranted, nil), grantOf(o2, draw.GrantGranted, nil)})
		require.ErrorIs(t, err, draw.ErrAlreadyGranted, "a lot with a decided order is granted one by one")
		assert.Zero(t, count(t, env, "grants"), "and the refused lot left nothing behind")
		err = grants.Fail(ctx, o.ID, "another delivery's verdict", time.Now())
		require.ErrorIs(t, err, draw.ErrAlreadyGranted, "a failed order is failed once")
		got, err = orders.Get(ctx, o.ID)
		require.NoError(t, err)
		assert.Equal(t, "redeem code pool is empty", got.GrantError, "the first verdict stays")

		// A delivery that happened all the same (another copy's webhook answered) grants it.
		require.NoError(t, grants.Record(ctx, grantOf(o, draw.GrantGranted, map[string]string{"code": "C9"})))
		got, err = orders.Get(ctx, o.ID)
		require.NoError(t, err)
		assert.Equal(t, draw.GrantGranted, got.GrantState)
		assert.Empty(t, got.GrantError)
		assert.Zero(t, count(t, env, "failed_grants"))
	})
}

func TestShipCompletesAPhysicalGrantOnce(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		wins := writeWins(t, env, 2, time.Now().UTC())
		o, other := wins[0], wins[1]
		grants, orders := persistence.NewGrantRepo(env.DB), persistence.NewOrderRepo(env.DB)
		require.NoError(t, grants.Record(ctx, grantOf(o, draw.GrantAwaitingAddress, map[string]string{"sku": "MUG"})))

		require.ErrorIs(t, grants.Ship(ctx, other.ID, "x", nil, time.Now()), draw.ErrAddressNotExpected, "still pending")
		payload := map[string]string{"sku": "MUG", "address": "1 Main St"}
		require.NoError(t, grants.Ship(ctx, o.ID, "1 Main St", payload, time.Now()))
		require.ErrorIs(t, grants.Ship(ctx, o.ID, "2 Side St", nil, time.Now()), draw.ErrAddressNotExpected, "only once")

		got, err := orders.Get(ctx, o.ID)
		require.NoError(t, err)
		assert.Equal(t, draw.GrantGranted, got.GrantState)
		assert.Equal(t, payload, got.Delivered)
		var addr string
		require.NoError(t, env.DB.Gorm.Raw(`SELECT address FROM shipping_addresses WHERE order_id = ?`, o.ID).Scan(&addr).Error)
		assert.Equal(t, "1 Main St", addr)
	})
}
