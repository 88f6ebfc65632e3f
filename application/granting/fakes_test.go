package granting_test

import (
	"context"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/award"
	"github.com/lottery-go/lottery/domain/draw"
)

// store plays SQL for orders, awards, grants, codes and points.
type store struct {
	mu     sync.Mutex
	orders map[int64]draw.Order
	awards map[int64]*award.Award
	codes  []string
	claims map[int64]string
	points []award.PointsEntry
	failed []string // observer reasons
	fails  error    // returned by Fail when set

	together     int             // RecordAll calls of more than one grant that wrote
	togetherErr  error           // returned by RecordAll of more than one grant when set
	grantedCount int             // Observer.Granted calls
	took         []time.Duration // Observer.Took calls
	retries      []bool          // Observer.Retrying calls: tried
}

func newStore() *store {
	return &store{orders: map[int64]draw.Order{}, awards: map[int64]*award.Award{}, claims: map[int64]string{}}
}

var at = time.Date(2026, 11, 11, 10, 0, 0, 0, time.UTC)

// comesBackOrFails checks order 1 after a delivery that met err. With failure "" its grant
// comes back for another delivery (err is back) and stays pending; otherwise it failed for
// good with failure in its error and reason observed, and comesBackOrFails says so.
func (s *store) comesBackOrFails(t *testing.T, err, back error, failure, reason string) (failed bool) {
	t.Helper()
	o, _ := s.Get(context.Background(), 1)
	if failure == "" {
		require.ErrorIs(t, err, back)
		assert.Equal(t, draw.GrantPending, o.GrantState)
		assert.Empty(t, s.failed)
		return false
	}
	require.NoError(t, err)
	assert.Equal(t, draw.GrantFailed, o.GrantState)
	assert.Contains(t, o.GrantError, failure)
	assert.Equal(t, []string{reason}, s.failed)
	return true
}

func (s *store) addWin(id int64, user string, a *award.Award) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.awards[a.ID()] = a
	s.orders[id] = draw.Order{ID: id, UserID: user, Outcome: draw.OutcomeWin, AwardID: a.ID(), AwardName: a.Name(),
		AwardKind: string(a.Kind()), GrantState: draw.GrantPending, MQState: draw.MQSent, CreatedAt: at}
}

func (s *store) Get(_ context.Context, id int64) (draw.Order, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[id]
	if !ok {
		return draw.Order{}, draw.ErrOrderNotFound
	}
	o.Delivered = maps.Clone(o.Delivered)
	return o, nil
}

func (s *store) GetMany(ctx context.Context, ids []int64) ([]draw.Order, error) {
	var out []draw.Order
	for _, id := range ids {
		if o, err := s.Get(ctx, id); err == nil {
			out = append(out, o)
		}
	}
	return out, nil
}

func (s *store) ByIdempotencyKey(context.Context, string, string) (draw.Order, error) {
	return draw.Order{}, draw.ErrOrderNotFound
}

func (s *store) List(context.Context, draw.OrderQuery) ([]draw.Order, error) { return nil, nil }

type awardsOf struct{ s *store }

func (a awardsOf) Get(_ context.Context, id int64) (*award.Award, error) {
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	if aw, ok := a.s.awards[id]; ok {
		return aw, nil
	}
	return nil, award.ErrNotFound
}

func (s *store) Record(_ context.Context, r draw.GrantRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[r.OrderID]
	if o.GrantState != draw.GrantPending {
		return draw.ErrAlreadyGranted
	}
	o.GrantState, o.Delivered = r.State, maps.Clone(r.Payload)
	s.orders[r.OrderID] = o
	return nil
}

func (s *store) RecordAll(_ context.Context, rs []draw.GrantRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.togetherErr != nil && len(rs) > 1 {
		return s.togetherErr
	}
	seen := map[int64]bool{}
	for _, r := range rs {
		if s.orders[r.OrderID].GrantState != draw.GrantPending || seen[r.OrderID] {
			return draw.ErrAlreadyGranted
		}
		seen[r.OrderID] = true
	}
	for _, r := range rs {
		o := s.orders[r.OrderID]
		o.GrantState, o.Delivered = r.State, maps.Clone(r.Payload)
		s.orders[r.OrderID] = o
		if r.Credit != 0 {
			s.points = append(s.points, award.PointsEntry{ID: int64(len(s.points) + 1), UserID: r.UserID,
				OrderID: r.OrderID, Delta: r.Credit, Reason: r.CreditReason, At: r.At})
		}
	}
	if len(rs) > 1 {
		s.together++
	}
	return nil
}

func (s *store) Fail(_ context.Context, orderID int64, reason string, _ time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fails != nil {
		return s.fails
	}
	o := s.orders[orderID]
	if o.GrantState != draw.GrantPending {
		return draw.ErrAlreadyGranted
	}
	o.GrantState, o.GrantError = draw.GrantFailed, reason
	s.orders[orderID] = o
	return nil
}

func (s *store) Ship(_ context.Context, orderID int64, _ string, payload map[string]string, _ time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[orderID]
	if o.GrantState != draw.GrantAwaitingAddress {
		return draw.ErrAddressNotExpected
	}
	o.GrantState, o.Delivered = draw.GrantGranted, maps.Clone(payload)
	s.orders[orderID] = o
	return nil
}

func (s *store) Claim(_ context.Context, _ int64, orderID int64, _ time.Time) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.claims[orderID]; ok {
		return c, nil
	}
	if len(s.codes) == 0 {
		return "", award.ErrPoolEmpty
	}
	c := s.codes[0]
	s.codes = s.codes[1:]
	s.claims[orderID] = c
	return c, nil
}

func (s *store) Credit(_ context.Context, e award.PointsEntry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.points {
		if p.OrderID == e.OrderID {
			return nil
		}
	}
	e.ID = int64(len(s.points) + 1)
	s.points = append(s.points, e)
	return nil
}

func (s *store) Balance(_ context.Context, user string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var sum int64
	for _, p := range s.points {
		if p.UserID == user {
			sum += p.Delta
		}
	}
	return sum, nil
}

func (s *store) Entries(_ context.Context, user string, before int64, limit int) ([]award.PointsEntry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []award.PointsEntry
	for i := len(s.points) - 1; i >= 0 && len(out) < limit; i-- {
		if p := s.points[i]; p.UserID == user && (before == 0 || p.ID < before) {
			out = append(out, p)
		}
	}
	return out, nil
}

func (s *store) Granted(award.Kind, draw.GrantState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.grantedCount++
}

func (s *store) Took(_ award.Kind, sinceWin time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.took = append(s.took, sinceWin)
}

func (s *store) Retrying(_ award.Kind, tried bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.retries = append(s.retries, tried)
}

func (s *store) Failed(_ award.Kind, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failed = append(s.failed, reason)
}
