package support_test

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/application/support"
	"github.com/lottery-go/lottery/domain/draw"
)

// desk is an order store in memory whose Reopen compares and sets like the SQL one.
type desk struct {
	orders     map[int64]draw.Order
	outbox     map[int64]string
	deliveries map[int64]draw.GrantDelivery // of the outbox entries that have one to tell
	reads      []int64                      // the orders whose delivery was read
	reopens    int
	searched   []draw.OrderSearch
}

func (d *desk) Get(_ context.Context, id int64) (draw.Order, error) {
	o, ok := d.orders[id]
	if !ok {
		return draw.Order{}, draw.ErrOrderNotFound
	}
	return o, nil
}

// Search returns the failed wins, id descending, up to q.Limit; it records q.
func (d *desk) Search(_ context.Context, q draw.OrderSearch) ([]draw.Order, error) {
	d.searched = append(d.searched, q)
	var out []draw.Order
	for _, o := range d.orders {
		if o.Won() && o.GrantState == q.GrantState {
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(a, b draw.Order) int { return cmp.Compare(b.ID, a.ID) })
	return out[:min(len(out), q.Limit)], nil
}

func (d *desk) Reopen(_ context.Context, id int64, _ string, subject string, _ []byte, _ time.Time) error {
	d.reopens++
	o := d.orders[id]
	if o.GrantState != draw.GrantFailed {
		return draw.ErrGrantNotFailed
	}
	o.GrantState, o.GrantError, o.MQState = draw.GrantPending, "", draw.MQPending
	d.orders[id], d.outbox[id] = o, subject
	return nil
}

func (d *desk) Retries(context.Context, int64) ([]draw.GrantRetry, error) { return nil, nil }

func (d *desk) Delivery(_ context.Context, id int64) (draw.GrantDelivery, bool, error) {
	d.reads = append(d.reads, id)
	if _, ok := d.outbox[id]; !ok {
		return draw.GrantDelivery{}, false, nil
	}
	return d.deliveries[id], true, nil
}

func newDesk(orders ...draw.Order) *desk {
	d := &desk{orders: map[int64]draw.Order{}, outbox: map[int64]string{}, deliveries: map[int64]draw.GrantDelivery{}}
	for _, o := range orders {
		d.orders[o.ID] = o
	}
	return d
}

func encode(o draw.Order, at time.Time) (string, []byte) {
	return "grant." + o.AwardKind, []byte(at.Format(time.RFC3339Nano))
}

func TestRetryGrantDeliversAtOnceAndAnswersHowItWent(t *testing.T) {
	d := newDesk(draw.Order{ID: 1, Outcome: draw.OutcomeWin, AwardKind: "coupon", GrantState: draw.GrantFailed, GrantError: "410"})
	svc := support.New(support.Deps{Orders: d, Grants: d, Encode: encode, Deliver: func(_ context.Context, id int64) error {
		o := d.orders[id]
		require.Equal(t, draw.GrantPending, o.GrantState, "delivered only once reopened")
		o.GrantState, o.MQState = draw.GrantGranted, draw.MQSent
		d.orders[id] = o
		delete(d.outbox, id)
		return nil
	}})
	got, err := svc.RetryGrant(context.Background(), 1, "ada")
	require.NoError(t, err)
	assert.Equal(t, draw.GrantGranted, got.Order.GrantState)
	assert.Nil(t, got.Delivery, "a granted order has no delivery to tell")
	assert.Empty(t, d.outbox)
}

// A passing failure (a merchant answering 503) or one to record the outcome leaves the
// grant pending with its event in the outbox, whose retries go on with their backoff.
func TestRetryGrantLeavesAPassingFailureToTheOutbox(t *testing.T) {
	d := newDesk(draw.Order{ID: 1, Outcome: draw.OutcomeWin, AwardKind: "coupon", GrantState: draw.GrantFailed})
	svc := support.New(support.Deps{Orders: d, Grants: d, Encode: encode, Deliver: func(context.Context, int64) error {
		return errors.New("database went away")
	}})
	got, err := svc.RetryGrant(context.Background(), 1, "ada")
	require.NoError(t, err, "the grant is on its way: the outbox holds its event")
	assert.Equal(t, draw.GrantPending, got.Order.GrantState)
	assert.Equal(t, &draw.GrantDelivery{}, got.Delivery, "its delivery is told: queued")
	assert.Equal(t, map[int64]string{1: "grant.coupon"}, d.outbox)
}

// Failed grants sent again in bulk are reopened up to the limit, newest first, and queued
// for the outbox job in one call; the answer says whether more are left.
func TestRetryGrantsReopensUpToTheLimitAndQueuesThem(t *testing.T) {
	failed := func(id int64) draw.Order {
		return draw.Order{ID: id, ActivityID: 7, Outcome: draw.OutcomeWin, AwardKind: "coupon", GrantState: draw.GrantFailed}
	}
	d := newDesk(failed(1), failed(2), failed(3), draw.Order{ID: 4, Outcome: draw.OutcomeWin, GrantState: draw.GrantGranted})
	var queued [][]int64
	svc := support.New(support.Deps{Orders: d, Grants: d, Encode: encode,
		Deliver: func(context.Context, int64) error { t.Fatal("a bulk retry delivers nothing itself"); return nil },
		Queue: func(_ context.Context, ids []int64) error {
			queued = append(queued, ids)
			return nil
		}})
	ids, more, err := svc.RetryGrants(context.Background(), draw.OrderSearch{ActivityID: 7, Limit: 2}, "ada")
	require.NoError(t, err)
	assert.Equal(t, []int64{3, 2}, ids)
	assert.True(t, more)
	assert.Equal(t, [][]int64{{3, 2}}, queued)
	q := d.searched[0]
	assert.Equal(t, [3]any{draw.OutcomeWin, draw.GrantFailed, 3}, [3]any{q.Outcome, q.GrantState, q.Limit}, "failed wins, one more than the limit")

	ids, more, err = svc.RetryGrants(context.Background(), draw.OrderSearch{ActivityID: 7, Limit: 2}, "ada")
	require.NoError(t, err)
	assert.Equal(t, []int64{1}, ids)
	assert.False(t, more)
	ids, _, err = svc.RetryGrants(context.Background(), draw.OrderSearch{ActivityID: 7, Limit: 2}, "ada")
	require.NoError(t, err)
	assert.Empty(t, ids)
	assert.Len(t, queued, 2, "nothing to queue the last time")
}

func TestRetryGrantRefusesWhatHasNotFailed(t *testing.T) {
	d := newDesk(
		draw.Order{ID: 1, Outcome: draw.OutcomeLose, GrantState: draw.GrantNone},
		draw.Order{ID: 2, Outcome: draw.OutcomeWin, GrantState: draw.GrantPending},
		draw.Order{ID: 3, Outcome: draw.OutcomeWin, GrantState: draw.GrantGranted},
	)
	svc := support.New(support.Deps{Orders: d, Grants: d, Encode: encode, Deliver: func(context.Context, int64) error {
		t.Fatal("nothing may be delivered")
		return nil
	}})
	for id := int64(1); id <= 3; id++ {
		got, err := svc.RetryGrant(context.Background(), id, "ada")
		assert.ErrorIs(t, err, draw.ErrGrantNotFailed, "order %d", id)
		assert.Equal(t, d.orders[id], got.Order, "the order as it stands, for the answer to show")
	}
	_, err := svc.RetryGrant(context.Background(), 9, "ada")
	assert.ErrorIs(t, err, draw.ErrOrderNotFound)
	assert.Zero(t, d.reopens, "refused before anything is written")
}

// TestOrderTellsAPendingGrantsDelivery: the order desk shows how the delivery of a pending
// grant is going and when it gives up, and reads it for no other grant.
func TestOrderTellsAPendingGrantsDelivery(t *testing.T) {
	since := time.Date(2026, 11, 10, 23, 0, 0, 0, time.UTC)
	next := time.Date(2026, 11, 11, 0, 0, 10, 0, time.UTC)
	d := newDesk(
		draw.Order{ID: 1, Outcome: draw.OutcomeWin, GrantState: draw.GrantPending},
		draw.Order{ID: 2, Outcome: draw.OutcomeWin, GrantState: draw.GrantPending},
		draw.Order{ID: 3, Outcome: draw.OutcomeWin, GrantState: draw.GrantFailed, GrantError: "410"},
		draw.Order{ID: 4, Outcome: draw.OutcomeWin, GrantState: draw.GrantGranted},
		draw.Order{ID: 5, Outcome: draw.OutcomeLose, GrantState: draw.GrantNone},
	)
	failing := draw.GrantDelivery{Attempts: 2, LastError: "coupon webhook answered 503 Service Unavailable", NextAttemptAt: next, Since: since}
	d.outbox[1], d.deliveries[1] = "grant.coupon", failing
	d.outbox[3] = "grant.coupon" // left by an older version: the grant failed all the same
	svc := support.New(support.Deps{Orders: d, Grants: d, GiveUpAfter: 24 * time.Hour})
	ctx := context.Background()

	got, err := svc.Order(ctx, 1)
	require.NoError(t, err)
	want := failing
	want.GivesUpAt = since.Add(24 * time.Hour)
	assert.Equal(t, &want, got.Delivery)
	assert.Equal(t, d.orders[1], got.Order)
	for _, never := range []time.Duration{-1, 0} { // off, or not set
		got, err := support.New(support.Deps{Orders: d, Grants: d, GiveUpAfter: never}).Order(ctx, 1)
		require.NoError(t, err)
		assert.Equal(t, &failing, got.Delivery, "never gives up: no time to tell")
	}
	got, err = svc.Order(ctx, 2)
	require.NoError(t, err)
	assert.Nil(t, got.Delivery, "pending, with its entry gone: granted meanwhile")
	for id := int64(3); id <= 5; id++ {
		got, err := svc.Order(ctx, id)
		require.NoError(t, err)
		assert.Nil(t, got.Delivery, "order %d", id)
	}
	assert.Equal(t, []int64{1, 1, 1, 2}, d.reads, "only pending grants cost a read")
	_, err = svc.Order(ctx, 9)
	assert.ErrorIs(t, err, draw.ErrOrderNotFound)
}
