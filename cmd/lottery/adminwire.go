package main

import (
	"context"

	"github.com/lottery-go/lottery/application/admin"
	"github.com/lottery-go/lottery/application/granting"
	"github.com/lottery-go/lottery/application/support"
	"github.com/lottery-go/lottery/infrastructure/messaging"
	"github.com/lottery-go/lottery/infrastructure/persistence"
	"github.com/lottery-go/lottery/infrastructure/redisstore"
)

// liveCounters shows the ledger's counters in activity stats.
type liveCounters struct{ ledger *redisstore.Ledger }

func (l liveCounters) Counters(ctx context.Context, activityID int64) (admin.Live, bool, error) {
	c, loaded, err := l.ledger.Counters(ctx, activityID)
	return admin.Live{StockLeft: c.StockLeft, PoolLeft: c.PoolLeft}, loaded, err
}

// notifier tells every process about admin changes: caches drop what changed, and the
// ledger's per-activity blacklist copies follow the blacklist.
type notifier struct {
	feed   warmingFeed
	ledger *redisstore.Ledger
}

func (n notifier) ActivityChanged(ctx context.Context, _ int64) error { return n.feed.Publish(ctx) }

func (n notifier) BlacklistChanged(ctx context.Context, userID string, listed bool) error {
	if listed {
		return n.ledger.BlacklistAdd(ctx, userID)
	}
	return n.ledger.BlacklistRemove(ctx, userID)
}

// RoutingChanged tells every process's router to drop its compiled trees and profiles.
func (n notifier) RoutingChanged(ctx context.Context) error { return n.feed.Publish(ctx) }

func buildAdmin(s *system, e *engine) *admin.Service {
	return admin.New(admin.Deps{
		Awards:     e.awards,
		Activities: e.activities,
		Blacklist:  e.blacklist,
		Orders:     persistence.NewOrderStats(s.db),
		Live:       liveCounters{ledger: e.ledger},
		Notifier:   notifier{feed: warmingFeed{e: e}, ledger: e.ledger},
		RuleTrees:  e.ruleTrees,
		Profiles:   e.profiles,
		Routing:    notifier{feed: warmingFeed{e: e}, ledger: e.ledger},
		Starter:    ledgerStarter{activities: e.activities, ledger: e.ledger},
		IDs:        s.ids.Next,
		Logger:     s.log,
	})
}

// buildSupport wires the order desk: events encoded as the order writer does, and grants
// sent again delivered by this process's grant use case, so the admin sees the outcome.
func buildSupport(s *system, e *engine, g *granting.Service) *support.Service {
	return support.New(support.Deps{
		Orders: e.orders,
		Grants: persistence.NewGrantRepo(s.db),
		Encode: messaging.GrantEncoder(s.cfg.NATS.Prefix),
		Deliver: func(ctx context.Context, orderID int64) error {
			return g.Grant(ctx, granting.Request{OrderID: orderID, Attempt: 1, Last: true})
		},
		Log: s.log,
	})
}
