package main

import (
	"context"
	"errors"
	"time"

	"github.com/lottery-go/lottery/application/admin"
	"github.com/lottery-go/lottery/application/granting"
	"github.com/lottery-go/lottery/application/support"
	"github.com/lottery-go/lottery/infrastructure/config"
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

// ProfileChanged drops the user's profile here at once and in every other process
// within the feed's poll.
func (n notifier) ProfileChanged(ctx context.Context, userID string) error {
	n.feed.e.router.InvalidateProfile(userID)
	return n.feed.e.profiled.Publish(ctx, userID)
}

// ProfilesChanged drops every profile, here at once and elsewhere within the poll.
func (n notifier) ProfilesChanged(ctx context.Context) error {
	n.feed.e.router.InvalidateProfiles()
	return n.feed.e.profiled.PublishAll(ctx)
}

// noCoupons says why coupons cannot be granted with these settings, or "".
func noCoupons(g config.Grants) string {
	if g.WebhookSecret == "" {
		return "no webhook secret is configured (grants.webhook_secret, LOTTERY_GRANTS_WEBHOOK_SECRET)"
	}
	return ""
}

// webhookHost is the admin's check of a coupon's webhook URL: none where grants may call
// private addresses.
func webhookHost(g config.Grants) func(string) error {
	if g.WebhookPrivate {
		return nil
	}
	return granting.CheckWebhookHost
}

func buildAdmin(s *system, e *engine) *admin.Service {
	return admin.New(admin.Deps{
		Awards:      e.awards,
		Activities:  e.activities,
		Blacklist:   e.blacklist,
		Orders:      persistence.NewOrderStats(s.db),
		Live:        liveCounters{ledger: e.ledger},
		Notifier:    notifier{feed: warmingFeed{e: e}, ledger: e.ledger},
		RuleTrees:   e.ruleTrees,
		Profiles:    e.profiles,
		Routing:     notifier{feed: warmingFeed{e: e}, ledger: e.ledger},
		Starter:     ledgerStarter{activities: e.activities, ledger: e.ledger},
		NoCoupons:   noCoupons(s.cfg.Grants),
		WebhookHost: webhookHost(s.cfg.Grants),
		IDs:         s.ids.Next,
		Logger:      s.log,
	})
}

// buildSupport wires the order desk: grants sent again are delivered by this process's
// grant use case, so the admin sees the outcome (and the process needs the grants.*
// settings a granter has). It reads the award from SQL, past every cache: the admin may
// have repaired it a moment before.
func buildSupport(s *system, e *engine, g *granting.Service) *support.Service {
	g = g.ReadingAwards(e.awards)
	return support.New(support.Deps{
		Orders:      e.orders,
		Grants:      persistence.NewGrantRepo(s.db),
		Encode:      messaging.ReopenedGrantEncoder(s.cfg.NATS.Prefix),
		Deliver:     retryDelivery(s, g),
		Queue:       queueReopened(s),
		Log:         s.log,
		FinalAfter:  ordersFinalAfter(s.cfg.Draw),
		GiveUpAfter: s.cfg.Grants.GiveUpAfter,
	})
}

// queueReopened makes the events of grants sent again in bulk due for the outbox job's
// next run, as a granter hands back a grant that waits; nil when this deployment runs no
// outbox job, whose look for forgotten entries is then what finds them.
func queueReopened(s *system) func(ctx context.Context, orderIDs []int64) error {
	if s.cfg.Jobs.Outbox == config.JobOff {
		return nil
	}
	outbox := persistence.NewOutboxRepo(s.db)
	return func(ctx context.Context, orderIDs []int64) error {
		// No last error: a grant reopened has not failed since (its retries tell who sent it).
		return outbox.Defer(ctx, orderIDs, 0, time.Now(), "")
	}
}

// retryDelivery grants an order sent again at once. Not as the last attempt: a passing
// failure leaves the grant pending, handed to the outbox for its next attempt after the
// consumer's first backoff, as a granter would; a lasting one fails it at once. Left
// pending as reopened instead, its event would wait for the outbox job to find it
// forgotten, which holds back while the stream keeps any older message: up to an hour.
func retryDelivery(s *system, g *granting.Service) func(ctx context.Context, orderID int64) error {
	outbox := persistence.NewOutboxRepo(s.db)
	return func(ctx context.Context, orderID int64) error {
		err := g.Grant(ctx, granting.Request{OrderID: orderID, Attempt: 1, Since: time.Now()})
		if err == nil || s.cfg.Jobs.Outbox == config.JobOff {
			return err
		}
		next := time.Now().Add(s.cfg.Grants.Backoff[0]) // the configuration always has one
		if derr := outbox.Defer(ctx, []int64{orderID}, 1, next, err.Error()); derr != nil {
			return errors.Join(err, derr)
		}
		return err
	}
}
