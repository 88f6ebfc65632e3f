package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/lottery-go/lottery/application/drawing"
	"github.com/lottery-go/lottery/application/granting"
	"github.com/lottery-go/lottery/application/jobs"
	"github.com/lottery-go/lottery/application/routing"
	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/infrastructure/changefeed"
	"github.com/lottery-go/lottery/infrastructure/config"
	"github.com/lottery-go/lottery/infrastructure/messaging"
	"github.com/lottery-go/lottery/infrastructure/persistence"
	"github.com/lottery-go/lottery/infrastructure/redisstore"
)

// engine is the draw path of one process: repositories, the Redis ledger, the order writer
// and the in-memory catalog kept fresh by the change feed.
type engine struct {
	log        *slog.Logger
	activities *persistence.ActivityRepo
	awards     *persistence.AwardRepo
	blacklist  *persistence.BlacklistRepo
	orders     *persistence.OrderRepo
	ruleTrees  *persistence.RuleTreeRepo
	profiles   *persistence.ProfileRepo
	router     *routing.Router
	ledger     *redisstore.Ledger
	writer     *persistence.OrderWriter
	settler    *drawing.Settler
	catalog    *drawing.Catalog
	grantAward *granting.CachedAwards // the awards grants read, dropped with the catalog
	feed       *changefeed.Feed
	profiled   *changefeed.Keys // users whose profile changed
	relay      *messaging.Relay
	draws      *drawing.Service
	warm       struct {
		ctx            context.Context // ends as the process closes, before the ledger
		mu             sync.Mutex
		running, again bool
	}
}

func buildEngine(ctx context.Context, s *system) (*engine, error) {
	cfg := s.cfg
	e := &engine{
		log:        s.log,
		activities: persistence.NewActivityRepo(s.db, s.ids.Next),
		awards:     persistence.NewAwardRepo(s.db),
		blacklist:  persistence.NewBlacklistRepo(s.db),
		orders:     persistence.NewOrderRepo(s.db),
	}
	truth := persistence.NewTruth(s.db, e.activities, time.Now)
	e.ledger = redisstore.NewLedger(s.redis, truth, redisstore.Options{Prefix: cfg.Redis.Prefix, ReloadGrace: cfg.Draw.ReloadGrace,
		IdempotencyTTL: cfg.Draw.IdempotencyTTL, Log: s.log, RestartCheck: s.restartCheck()})
	s.onClose(func() { _ = e.ledger.Close() })
	var stopWarming context.CancelFunc
	e.warm.ctx, stopWarming = context.WithCancel(context.WithoutCancel(ctx))
	s.onClose(stopWarming)
	w, err := persistence.NewOrderWriter(s.db, persistence.WriterOptions{
		PerRequest:     cfg.Persist == config.PersistPerRequest,
		Outbox:         messaging.GrantEncoder(cfg.NATS.Prefix),
		AttemptTimeout: commitAttempt(cfg.Draw),
	})
	if err != nil {
		return nil, err
	}
	e.writer = w
	e.settler = drawing.NewSettler(e.ledger, s.log)
	s.onClose(e.settler.Close)

	e.catalog = drawing.NewCatalog(e.activities, e.awards)
	e.grantAward = granting.NewCachedAwards(e.awards, time.Second)
	e.feed = changefeed.New(s.redis, cfg.Redis.Prefix, 250*time.Millisecond, s.log)
	followCtx, stopFollowing := context.WithCancel(context.WithoutCancel(ctx))
	s.onClose(stopFollowing)
	e.ruleTrees = persistence.NewRuleTreeRepo(s.db)
	e.profiles = persistence.NewProfileRepo(s.db)
	e.router = routing.New(e.ruleTrees, e.profiles, routing.Options{Log: s.log})
	e.feed.Follow(followCtx, e.dropCaches)
	// A profile stored drops that user's profile only: a CRM sync storing profiles all
	// day must not keep every process's trees, catalog and profiles cold.
	e.profiled = changefeed.NewKeys(s.redis, cfg.Redis.Prefix, "profiles", 250*time.Millisecond, s.log)
	e.profiled.Follow(followCtx, e.router.InvalidateProfile, e.router.InvalidateProfiles)

	if e.relay, err = newRelay(ctx, s); err != nil {
		w.Close()
		return nil, err
	}
	// Closers run last first: the writer commits what is queued before the settler and
	// the relay stop, which the draws it answers hand their orders to next.
	s.onClose(w.Close)
	steps := drawing.NewLottery(e.ledger, e.writer, e.settler, e.relay, s.ids.Next, drawing.LotteryOptions{
		Rate:         draw.RateLimit{PerUser: cfg.Draw.RatePerUser, PerIP: cfg.Draw.RatePerIP, Burst: cfg.Draw.RateBurst},
		CommitWithin: commitWithin(cfg.Draw),
		MaxAge:       drawMaxAge(cfg.Draw),
	})
	e.draws = drawing.NewService(drawing.Deps{
		Catalog: e.catalog, Ledger: e.ledger, Orders: e.orders, Steps: steps, Router: e.router, Log: s.log,
	})
	return e, nil
}

// commitWithin is how long after its admission an order may still be committed: half the
// grace before lost counters are rebuilt from SQL, so a rebuild sees every order admitted
// before the loss.
func commitWithin(d config.Draw) time.Duration { return d.ReloadGrace / 2 }

// commitAttempt bounds one attempt to write a batch of orders: a quarter of the grace (at
// most persistence.CommitTimeout). An attempt starts by an order's deadline, half the grace
// after its admission, so its rows are written by three quarters of the grace, and a
// rebuild of lost counters, which waits the whole grace, reads every order admitted before
// the loss (barring a COMMIT that stalls for the last quarter).
func commitAttempt(d config.Draw) time.Duration {
	return min(persistence.CommitTimeout, commitWithin(d)/2)
}

// recoverMargin is what admission recovery waits beyond the last moment an order could
// still commit, for clocks and a server finishing a COMMIT it had received.
const recoverMargin = 10 * time.Second

// drawMaxAge is how long after its draw time an order may still be committed: a draw may
// wait for its activity's counters to be rebuilt before its admission (the grace and a
// load), and its order then commits within commitWithin. The order writer refuses a later
// commit (a draw that waited for a second rebuild, say), so the bound holds however the
// wait went.
func drawMaxAge(d config.Draw) time.Duration {
	return d.ReloadGrace + redisstore.DefaultLoadTimeout + commitWithin(d)
}

// ordersFinalAfter is how long after its draw time an order is in SQL or never will be:
// drawMaxAge and one commit attempt begun by then; recoverMargin covers the clocks of
// different processes.
func ordersFinalAfter(d config.Draw) time.Duration {
	return drawMaxAge(d) + commitAttempt(d) + recoverMargin
}

// recoverAfter is the age from which admission recovery takes a journal entry for a
// crash's leftover: past the order's commit deadline and one commit attempt begun just
// before it. (Recovery also asks SQL with a read that waits for a commit under way, so a
// COMMIT that stalls beyond this is seen as it ends.)
func recoverAfter(d config.Draw) time.Duration {
	return max(jobs.DefaultRecoverAfter, commitWithin(d)+commitAttempt(d)+recoverMargin)
}

// dropCaches forgets what the admin API may have changed: activities, awards, rule trees.
func (e *engine) dropCaches() {
	e.catalog.InvalidateAll()
	e.grantAward.InvalidateAll()
	e.router.InvalidateAll()
}
