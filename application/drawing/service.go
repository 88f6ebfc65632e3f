package drawing

import (
	"context"
	"log/slog"
	"time"

	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/draw"
)

// Service is what the API offers users: draw, read their orders, see an activity and their
// chances left.
type Service struct {
	flow    *Flow
	catalog *Catalog
	orders  draw.Orders
	ledger  draw.Ledger
	now     func() time.Time
}

// Deps are the ports the service runs on.
type Deps struct {
	Catalog *Catalog
	Ledger  draw.Ledger
	Orders  draw.Orders
	Steps   Steps
	Router  Router // nil until rule trees are wired
	Log     *slog.Logger
}

// NewService wires the flow with the default steps for every kind.
func NewService(d Deps) *Service {
	rp := &replayer{orders: d.Orders, ledger: d.Ledger, catalog: d.Catalog, wait: 3 * time.Second}
	flow := NewFlow(&resolver{catalog: d.Catalog, router: d.Router}, rp, d.Steps, d.Log)
	return &Service{flow: flow, catalog: d.Catalog, orders: d.Orders, ledger: d.Ledger, now: time.Now}
}

// Flow exposes the driver, to plug steps for other activity kinds.
func (s *Service) Flow() *Flow { return s.flow }

// Draw runs one draw.
func (s *Service) Draw(ctx context.Context, req Request) (Result, error) {
	return s.flow.Run(ctx, req)
}

// Order returns one of the user's orders; someone else's is not found.
func (s *Service) Order(ctx context.Context, userID string, id int64) (draw.Order, error) {
	o, err := s.orders.Get(ctx, id)
	if err != nil {
		return draw.Order{}, err
	}
	if o.UserID != userID {
		return draw.Order{}, draw.ErrOrderNotFound
	}
	return o, nil
}

// Orders lists the user's orders, newest first.
func (s *Service) Orders(ctx context.Context, q draw.OrderQuery) ([]draw.Order, error) {
	return s.orders.List(ctx, q)
}

// Activity is the public view of an activity.
func (s *Service) Activity(ctx context.Context, id int64) (*activity.Activity, error) {
	v, err := s.catalog.View(ctx, id)
	if err != nil {
		return nil, err
	}
	return v.Activity, nil
}

// Chances is what is left of a user's chances in an activity (-1 = unlimited), and whether
// its stock is gone, which leaves no chance whatever the user's limits say.
type Chances struct {
	LeftTotal, LeftToday int64
	SoldOut              bool
	// Blacklisted users have no chance left, whatever their limits say.
	Blacklisted bool
}

// Quota is what is left of the user's chances in an activity today.
func (s *Service) Quota(ctx context.Context, userID string, activityID int64) (Chances, error) {
	v, err := s.catalog.View(ctx, activityID)
	if err != nil {
		return Chances{}, err
	}
	var c Chances
	if c.LeftTotal, c.LeftToday, err = quota(ctx, s.ledger, v.Activity, userID, s.now()); err != nil {
		return Chances{}, err
	}
	// Read after the user's counts, which load the counters when they are not loaded.
	stock, loaded, err := s.ledger.StockLeft(ctx, activityID)
	if err != nil {
		return Chances{}, err
	}
	c.SoldOut = loaded && stock <= 0
	if !loaded {
		return c, nil
	}
	if c.Blacklisted, err = s.ledger.Blacklisted(ctx, activityID, userID); err != nil {
		return Chances{}, err
	}
	if c.Blacklisted {
		c.LeftTotal, c.LeftToday = 0, 0
	}
	return c, nil
}

// quota is what is left of the user's chances in a: none once it is closed (its counters
// may be retired from Redis and are not reloaded to say so) or its window has ended, even
// before the state timer closes it. Before the window begins, and while paused, the
// chances it will offer are shown.
func quota(ctx context.Context, l draw.Ledger, a *activity.Activity, userID string, now time.Time) (total, today int64, err error) {
	if a.State() == activity.StateClosed || !now.Before(a.EndAt()) {
		return 0, 0, nil
	}
	lim := a.Limits()
	if a.State() == activity.StateApproved {
		// It never ran, so no draw counts yet: its limits whole, without loading counters
		// (a load waits the reload grace, seconds for a page that only looks).
		return whole(lim.PerUserTotal), whole(lim.PerUserDaily), nil
	}
	return l.Quota(ctx, a.ID(), userID, a.Day(now), lim.PerUserTotal, lim.PerUserDaily)
}

// whole is a limit's chances before any draw: -1 for no limit, as the ledger says.
func whole(limit int64) int64 {
	if limit <= 0 {
		return -1
	}
	return limit
}
