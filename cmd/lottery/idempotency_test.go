package main

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/application/drawing"
	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/domain/strategy"
)

// A client whose answer was lost repeats its key. When Redis has lost the key's marker
// meanwhile (its data, or the marker's TTL), the repeat must still get the first order,
// not a refusal for the chance that order used, or for the stock gone since. A user who
// never drew there is refused as sold out without a look-up.
func TestRepeatedKeyAfterRedisLostItsMarker(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		stock     int64
		lim       activity.Limits
		refusal   error
		leftToday int64
	}{
		"total":    {100, activity.Limits{PerUserTotal: 1, PerUserDaily: 1}, draw.ErrQuotaExhausted, 0},
		"daily":    {100, activity.Limits{PerUserTotal: 5, PerUserDaily: 1}, draw.ErrQuotaExhausted, 0},
		"sold-out": {1, activity.Limits{PerUserTotal: 5, PerUserDaily: 5}, draw.ErrSoldOut, 4},
	} {
		eachDrawStack(t, "forgotten-key-"+name, func(t *testing.T, cfgs stackConfigs) {
			cfgs.first.Draw.ReloadGrace = 2 * time.Second // an order write may take a quarter of it: under the race detector on a busy machine, one took over 100 ms
			in := newInstance(t, cfgs.first)
			a := runningActivity(t, in, strategy.ModeFixed, tc.stock, tc.lim, invariantPrizes)
			ctx := context.Background()
			req := drawing.Request{UserID: "ulla", ActivityID: a.ID(), IdempotencyKey: "lost-answer"}
			first, err := in.eng.draws.Draw(ctx, req)
			require.NoError(t, err)
			_, err = in.eng.draws.Draw(ctx, drawing.Request{UserID: "ulla", ActivityID: a.ID(), IdempotencyKey: "next"})
			require.ErrorIs(t, err, tc.refusal, "refused while the markers are intact")
			lost, err := in.eng.ledger.MarkersMayBeLost(ctx, a.ID())
			require.NoError(t, err)
			require.False(t, lost, "so no refusal asked SQL")

			cfgs.flushRedis()
			again, err := in.eng.draws.Draw(ctx, req)
			require.NoError(t, err, "the repeat after Redis forgot the key")
			assert.True(t, again.Replayed)
			assert.Equal(t, first.Order.ID, again.Order.ID)
			assert.Equal(t, first.Order.Outcome, again.Order.Outcome)
			assert.Equal(t, tc.leftToday, again.LeftToday, "the chance the order used stays used")

			_, err = in.eng.draws.Draw(ctx, drawing.Request{UserID: "ulla", ActivityID: a.ID(), IdempotencyKey: "new"})
			assert.ErrorIs(t, err, tc.refusal, "a new key is refused: no second draw")
			_, err = in.eng.draws.Draw(ctx, drawing.Request{UserID: "ulla", ActivityID: a.ID()})
			assert.ErrorIs(t, err, tc.refusal, "and so is a draw without a key")
			if tc.refusal == draw.ErrSoldOut {
				_, err = in.eng.draws.Draw(ctx, drawing.Request{UserID: "nina", ActivityID: a.ID(), IdempotencyKey: "lost-answer"})
				assert.ErrorIs(t, err, draw.ErrSoldOut)
				assert.NotErrorIs(t, err, draw.ErrSoldOutDrawnBefore, "nina never drew here")
			}

			var orders int64
			require.NoError(t, in.sys.db.Gorm.Raw(`SELECT COUNT(*) FROM orders WHERE activity_id = ?`, a.ID()).Scan(&orders).Error)
			assert.Equal(t, int64(1), orders)
		})
	}
}
