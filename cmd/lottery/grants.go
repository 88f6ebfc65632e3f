package main

import (
	"context"
	"fmt"
	"time"

	"github.com/lottery-go/lottery/application/granting"
	"github.com/lottery-go/lottery/domain/award"
	"github.com/lottery-go/lottery/infrastructure/config"
	"github.com/lottery-go/lottery/infrastructure/messaging"
	"github.com/lottery-go/lottery/infrastructure/persistence"
	"github.com/lottery-go/lottery/interfaces/consumer"
	"github.com/lottery-go/lottery/interfaces/scheduler"
)

// publishWait bounds how long one relay batch waits for JetStream's acks.
const publishWait = 5 * time.Second

// newRelay ensures the grant stream and builds the outbox relay the draw flow hands wins
// to. Its loop runs only in processes with the api role (see startDelivery); others use it
// for compensation.
func newRelay(ctx context.Context, s *system) (*messaging.Relay, error) {
	if err := messaging.EnsureStream(ctx, s.nats.JS, s.cfg.NATS.Prefix); err != nil {
		return nil, err
	}
	pub, err := messaging.NewPublisher(s.nats, s.cfg.NATS.Prefix, publishWait)
	if err != nil {
		return nil, err
	}
	relay := messaging.NewRelay(persistence.NewOutboxRepo(s.db), pub, messaging.RelayOptions{
		Encode: messaging.GrantEncoder(s.cfg.NATS.Prefix), Log: s.log, Registerer: s.registry})
	s.onClose(relay.Close)
	return relay, nil
}

// delivery is the award path of one process: the grant use case (REST needs it for
// addresses and points) and whatever of relay, consumer and scheduler its roles run.
type delivery struct {
	granting *granting.Service
}

// startDelivery starts, by role: api the relay loop, granter the grant consumer,
// scheduler the jobs. Everything started is stopped by s.Close, before the adapters.
func startDelivery(ctx context.Context, s *system, e *engine, relay *messaging.Relay) (*delivery, error) {
	d := &delivery{granting: newGranting(s, e)}
	if s.cfg.HasRole(config.RoleAPI) {
		relay.Start() // what a process left unpublished, compensation republishes
	}
	if s.cfg.HasRole(config.RoleGranter) {
		outbox := persistence.NewOutboxRepo(s.db)
		// It stops after the HTTP drain, within the shutdown budget's last fifth.
		opts := messaging.ConsumerOptions{Log: s.log, Postpone: outbox.Postpone, StopWithin: s.cfg.HTTP.ShutdownTimeout / 10,
			MaxDeliver: s.cfg.Grants.MaxAttempts, Backoff: s.cfg.Grants.Backoff}
		if s.cfg.Jobs.Outbox != config.JobOff {
			// Failed grants wait in the outbox, which the outbox job publishes again;
			// without that job the stream must bring them back itself.
			opts.Defer = outbox.Defer
		}
		g, err := consumer.StartGrants(context.WithoutCancel(ctx), s.nats, s.cfg.NATS.Prefix, d.granting, opts)
		if err != nil {
			return nil, fmt.Errorf("start grant consumer: %w", err)
		}
		s.onClose(g.Stop)
	}
	if s.cfg.HasRole(config.RoleScheduler) {
		runner := newJobRunner(s)
		sch, err := scheduler.New(runner, jobEntries(s, e.jobDeps(relay), scheduler.NewDriftGauge(s.registry)), s.log)
		if err != nil {
			return nil, err
		}
		sch.Start()
		s.onClose(sch.Stop)
	}
	return d, nil
}

func newGranting(s *system, e *engine) *granting.Service {
	points := persistence.NewPointsRepo(s.db)
	if s.cfg.Grants.WebhookSecret == "" {
		s.log.Warn("grants.webhook_secret is not set: coupon awards cannot be granted")
	}
	return granting.New(granting.Deps{
		Orders: e.orders, Awards: e.grantAward, Grants: persistence.NewGrantRepo(s.db), Points: points,
		Granters: []award.Granter{
			granting.Text{}, granting.Physical{},
			granting.RedeemCode{Pool: persistence.NewCodePool(s.db), Now: time.Now},
			granting.Points{Ledger: points, Now: time.Now},
			granting.NewCoupon(granting.CouponOptions{Secret: s.cfg.Grants.WebhookSecret,
				Client: granting.NewWebhookClient(s.cfg.Grants.WebhookPrivate), Timeout: s.cfg.Grants.WebhookTimeout, Log: s.log}),
		},
		Observer:    consumer.NewObserver(s.registry),
		Log:         s.log,
		GiveUpAfter: s.cfg.Grants.GiveUpAfter,
	})
}
