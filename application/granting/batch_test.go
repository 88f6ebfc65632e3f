package granting_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/application/granting"
	"github.com/lottery-go/lottery/domain/award"
	"github.com/lottery-go/lottery/domain/draw"
)

// mixedWins stores one win of each kind for orders 1..5 (5 is a coupon) and a lost order 6.
func mixedWins(t *testing.T, s *store) []granting.Request {
	t.Helper()
	s.codes = []string{"C1"}
	s.addWin(1, "u1", mustAward(t, 11, award.KindText, award.Content{Text: "Thanks!"}))
	s.addWin(2, "u2", mustAward(t, 12, award.KindPoints, award.Content{Points: 100}))
	s.addWin(3, "u3", mustAward(t, 13, award.KindPhysical, award.Content{SKU: "MUG"}))
	s.addWin(4, "u4", mustAward(t, 14, award.KindRedeemCode, award.Content{}))
	s.addWin(5, "u5", mustAward(t, 15, award.KindCoupon, award.Content{WebhookURL: "https://x.example/", TemplateID: "t"}))
	s.orders[6] = draw.Order{ID: 6, UserID: "u6", Outcome: draw.OutcomeLose, GrantState: draw.GrantNone}
	rs := make([]granting.Request, 0, 7)
	for _, id := range []int64{1, 2, 3, 4, 5, 6, 404} {
		rs = append(rs, granting.Request{OrderID: id, Attempt: 1})
	}
	return rs
}

func states(s *store) map[int64]draw.GrantState {
	out := map[int64]draw.GrantState{}
	for id, o := range s.orders {
		out[id] = o.GrantState
	}
	return out
}

func TestGrantAllRecordsDescribedKindsTogether(t *testing.T) {
	t.Parallel()
	s := newStore()
	rs := mixedWins(t, s)
	transient := errors.New("webhook timed out")
	svc := newService(s, failing{kind: award.KindCoupon, err: transient})

	errs := svc.GrantAll(context.Background(), rs)
	require.Len(t, errs, len(rs))
	for i, err := range errs {
		if rs[i].OrderID == 5 {
			assert.ErrorIs(t, err, transient, "the coupon's event comes back")
			continue
		}
		assert.NoError(t, err, "order %d", rs[i].OrderID)
	}
	assert.Equal(t, 1, s.together, "text, points and physical in one transaction")
	assert.Equal(t, map[int64]draw.GrantState{1: draw.GrantGranted, 2: draw.GrantGranted, 3: draw.GrantAwaitingAddress,
		4: draw.GrantGranted, 5: draw.GrantPending, 6: draw.GrantNone}, states(s))
	assert.Equal(t, map[string]string{"points": "100"}, s.orders[2].Delivered)
	require.Len(t, s.points, 1)
	assert.Equal(t, award.PointsEntry{ID: 1, UserID: "u2", OrderID: 2, Delta: 100, Reason: "lottery win", At: at}, s.points[0])
	assert.Equal(t, map[string]string{"code": "C1"}, s.orders[4].Delivered)
	assert.Equal(t, 4, s.grantedCount)

	// The same events again change nothing: they are decided.
	errs = svc.GrantAll(context.Background(), rs[:4])
	assert.Equal(t, []error{nil, nil, nil, nil}, errs)
	assert.Equal(t, 1, s.together)
	assert.Len(t, s.points, 1)
}

func TestGrantAllFallsBackToOneByOne(t *testing.T) {
	t.Parallel()
	cases := map[string]func(s *store, rs []granting.Request) []granting.Request{
		"an order granted meanwhile": func(s *store, rs []granting.Request) []granting.Request {
			s.togetherErr = draw.ErrAlreadyGranted
			return rs
		},
		"the transaction fails": func(s *store, rs []granting.Request) []granting.Request {
			s.togetherErr = errors.New("deadlock")
			return rs
		},
		"one order twice in a batch": func(_ *store, rs []granting.Request) []granting.Request {
			return append(rs, rs[1])
		},
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newStore()
			rs := mutate(s, mixedWins(t, s)[:4])
			svc := newService(s)
			for _, err := range svc.GrantAll(context.Background(), rs) {
				assert.NoError(t, err)
			}
			assert.Equal(t, draw.GrantGranted, s.orders[1].GrantState)
			assert.Equal(t, draw.GrantGranted, s.orders[2].GrantState)
			assert.Equal(t, draw.GrantAwaitingAddress, s.orders[3].GrantState)
			assert.Equal(t, draw.GrantGranted, s.orders[4].GrantState)
			assert.Len(t, s.points, 1, "credited once")
		})
	}
}

// A backlog's lot is recorded a thousand orders to a transaction, not in one statement of
// tens of thousands of rows (beyond SQLite's placeholders).
func TestGrantAllRecordsALargeLotInParts(t *testing.T) {
	t.Parallel()
	s := newStore()
	text := mustAward(t, 11, award.KindText, award.Content{Text: "Thanks!"})
	rs := make([]granting.Request, 2500)
	for i := range rs {
		s.addWin(int64(i+1), "u", text)
		rs[i] = granting.Request{OrderID: int64(i + 1), Attempt: 1}
	}
	errs := newService(s).GrantAll(context.Background(), rs)
	assert.Equal(t, make([]error, len(rs)), errs)
	assert.Equal(t, 3, s.together)
	assert.Equal(t, len(rs), s.grantedCount)
}

func TestGrantAllOfOneIsGrant(t *testing.T) {
	t.Parallel()
	s := newStore()
	rs := mixedWins(t, s)
	svc := newService(s)
	assert.Equal(t, []error{nil}, svc.GrantAll(context.Background(), rs[1:2]))
	assert.Zero(t, s.together)
	assert.Equal(t, draw.GrantGranted, s.orders[2].GrantState)
	assert.Empty(t, svc.GrantAll(context.Background(), nil))
}

// panicking is a coupon granter with a bug.
type panicking struct{}

func (panicking) Kind() award.Kind { return award.KindCoupon }

func (panicking) Grant(context.Context, award.Grant) (award.Delivered, error) { panic("bug") }

func TestGrantAllSurvivesAPanickingGranter(t *testing.T) {
	t.Parallel()
	s := newStore()
	rs := mixedWins(t, s)
	errs := newService(s, panicking{}).GrantAll(context.Background(), rs)
	for i, err := range errs {
		if rs[i].OrderID == 5 {
			assert.ErrorContains(t, err, "panicked", "the coupon's event comes back")
			continue
		}
		assert.NoError(t, err)
	}
	assert.Equal(t, draw.GrantGranted, s.orders[4].GrantState, "the others are granted")
	assert.Equal(t, draw.GrantPending, s.orders[5].GrantState)

	// On its last delivery the panic fails the grant for good, as any failure would.
	errs = newService(s, panicking{}).GrantAll(context.Background(), []granting.Request{{OrderID: 5, Attempt: 8, Last: true}})
	assert.Equal(t, []error{nil}, errs)
	assert.Equal(t, draw.GrantFailed, s.orders[5].GrantState)
	assert.Equal(t, []string{granting.ReasonPanicked}, s.failed)
}

// Copies of one order's event in a lot (a republish beside the original) are granted
// once, as the most advanced delivery, and every copy gets that outcome.
func TestGrantAllGrantsEachOrderOnceInALot(t *testing.T) {
	t.Parallel()
	s := newStore()
	mixedWins(t, s)
	transient := errors.New("webhook timed out")
	svc := newService(s, failing{kind: award.KindCoupon, err: transient})
	rs := []granting.Request{{OrderID: 1, Attempt: 1}, {OrderID: 2, Attempt: 1}, {OrderID: 1, Attempt: 2},
		{OrderID: 5, Attempt: 1}, {OrderID: 5, Attempt: 8, Last: true}}

	errs := svc.GrantAll(context.Background(), rs)

	assert.Equal(t, []error{nil, nil, nil, nil, nil}, errs, "the coupon's last delivery decides it for both copies")
	assert.Equal(t, 1, s.together, "orders 1 and 2 in one transaction, each once")
	assert.Equal(t, 2, s.grantedCount)
	assert.Equal(t, draw.GrantFailed, s.orders[5].GrantState)
	assert.Equal(t, []string{granting.ReasonExhausted}, s.failed, "failed once")
}
