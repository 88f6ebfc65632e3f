package drawing

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/draw"
)

// keyOrders plays SQL for one idempotency key: its order, or err.
type keyOrders struct {
	draw.Orders
	order  draw.Order
	err    error
	lookup int
}

func (o *keyOrders) ByIdempotencyKey(context.Context, string, string) (draw.Order, error) {
	o.lookup++
	return o.order, o.err
}

func (o *keyOrders) Get(context.Context, int64) (draw.Order, error) { return o.order, o.err }

// markLedger says whether keys' markers may be lost, and that the user has no chance left.
type markLedger struct {
	draw.Ledger
	lost bool
	err  error
	// KeyOrder's answer
	keyOrder int64
	keyErr   error
}

func (l markLedger) KeyOrder(context.Context, int64, string, string) (int64, error) {
	return l.keyOrder, l.keyErr
}

func (l markLedger) MarkersMayBeLost(context.Context, int64) (bool, error) { return l.lost, l.err }
func (markLedger) Quota(context.Context, int64, string, string, int64, int64) (int64, int64, error) {
	return 0, 0, nil
}

// keyCase is one answer to a repeated key: what the ledger and SQL say, how many SQL
// lookups it should cost, and the error expected (nil: the earlier order, replayed).
type keyCase struct {
	name       string
	ledger     markLedger
	orders     keyOrders
	wantLookup int
	wantErr    error
}

// earlierOrder is the order the key made in keyCase.
var earlierOrder = draw.Order{ID: 5, UserID: "u", ActivityID: 9}

// checkKeyAnswers runs each case through answer, as user "u" repeating key "k".
func checkKeyAnswers(t *testing.T, cases []keyCase, answer func(r *replayer, d *Draw) (Result, error)) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			orders := tc.orders
			r := &replayer{orders: &orders, ledger: tc.ledger, wait: time.Second}
			d := &Draw{Req: Request{UserID: "u", IdempotencyKey: "k"}, View: &View{Activity: activityOfKind(t, "lottery")}, Now: time.Now()}
			res, err := answer(r, d)
			assert.Equal(t, tc.wantLookup, orders.lookup)
			if tc.wantErr != nil {
				assert.ErrorIs(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.True(t, res.Replayed)
			assert.Equal(t, earlierOrder.ID, res.Order.ID)
		})
	}
}

func TestRefusedAsksSQLOnlyWhenMarkersMayBeLost(t *testing.T) {
	t.Parallel()
	refusal, earlier := draw.ErrQuotaExhausted, earlierOrder
	checkKeyAnswers(t, []keyCase{
		{"markers intact: the refusal, no lookup", markLedger{}, keyOrders{order: earlier}, 0, refusal},
		{"markers lost, key made an order: that order", markLedger{lost: true}, keyOrders{order: earlier}, 1, nil},
		{"markers lost, key unknown: the refusal", markLedger{lost: true}, keyOrders{err: draw.ErrOrderNotFound}, 1, refusal},
		{"markers lost, SQL down: retryable", markLedger{lost: true}, keyOrders{err: errors.New("connection refused")}, 1, draw.ErrUnavailable},
		{"Redis cannot tell: asks SQL", markLedger{err: errors.New("timeout")}, keyOrders{order: earlier}, 1, nil},
		{"another user's order is not answered", markLedger{lost: true}, keyOrders{order: draw.Order{ID: 6, UserID: "x", ActivityID: 9}}, 1, draw.ErrOrderNotFound},
	}, func(r *replayer, d *Draw) (Result, error) { return r.Refused(context.Background(), d, refusal) })
}

// A key repeated for an activity that stopped taking draws is answered by its marker while
// Redis has it, and by SQL otherwise.
func TestUnresolvedAsksTheMarkerFirst(t *testing.T) {
	t.Parallel()
	refusal, earlier := activity.ErrNotRunning, earlierOrder
	checkKeyAnswers(t, []keyCase{
		{"marker names the order", markLedger{keyOrder: 5}, keyOrders{order: earlier}, 0, nil},
		{"no marker (expired, lost, retired): SQL has the order", markLedger{}, keyOrders{order: earlier}, 1, nil},
		{"no marker, SQL has none: the refusal", markLedger{}, keyOrders{err: draw.ErrOrderNotFound}, 1, refusal},
		{"Redis down: SQL answers", markLedger{keyErr: errors.New("timeout")}, keyOrders{order: earlier}, 1, nil},
		{"SQL down too: retryable", markLedger{keyErr: errors.New("timeout")}, keyOrders{err: errors.New("refused")}, 1, draw.ErrUnavailable},
	}, func(r *replayer, d *Draw) (Result, error) { return r.Unresolved(context.Background(), d, refusal) })
}

// chancesLedger says the user has chances left.
type chancesLedger struct{ draw.Ledger }

func (chancesLedger) Quota(context.Context, int64, string, string, int64, int64) (int64, int64, error) {
	return 4, 1, nil
}

// Chances are shown before the window and while it lasts; none once it has ended, even
// before the state timer closes the activity.
func TestQuotaFollowsTheWindow(t *testing.T) {
	t.Parallel()
	a := activityOfKind(t, "lottery") // over [now, now+1h); only its window matters here
	for _, c := range []struct {
		name        string
		at          time.Duration
		total, left int64
	}{
		{"before the window", -time.Hour, 4, 1},
		{"in the window", 30 * time.Minute, 4, 1},
		{"at its end", time.Hour, 0, 0},
		{"after it", 2 * time.Hour, 0, 0},
	} {
		total, today, err := quota(context.Background(), chancesLedger{}, a, "u", a.BeginAt().Add(c.at))
		require.NoError(t, err)
		assert.Equal(t, [2]int64{c.total, c.left}, [2]int64{total, today}, c.name)
	}
}

// An approved activity never ran: its chances are its limits, without a look at counters
// it has not loaded (a load would wait the reload grace).
func TestQuotaOfAnActivityNotYetStartedIsItsLimits(t *testing.T) {
	t.Parallel()
	a := activityOfKind(t, "lottery") // per-user limits: none
	now := a.BeginAt()
	require.NoError(t, a.Transition(activity.ActionSubmit, activity.Actor{ID: "m", Marketer: true}, now))
	require.NoError(t, a.Transition(activity.ActionApprove, activity.Actor{ID: "r", Admin: true}, now))
	total, today, err := quota(context.Background(), struct{ draw.Ledger }{}, a, "u", now.Add(-time.Minute))
	require.NoError(t, err, "the ledger is not asked")
	assert.Equal(t, [2]int64{-1, -1}, [2]int64{total, today})
}
