// Package consumer subscribes the granting use case to the grant events on the queue.
package consumer

import (
	"context"
	"log/slog"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lottery-go/lottery/application/granting"
	"github.com/lottery-go/lottery/domain/award"
	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/infrastructure/messaging"
)

// Grants is the running grant consumer of one process.
type Grants struct {
	sub *messaging.Subscription
}

// StartGrants hands the grant events to svc, in batches, until ctx ends or Stop. Cancelling ctx aborts
// grants in progress (their events come back); Stop lets them finish.
func StartGrants(ctx context.Context, conn *messaging.Conn, prefix string, svc *granting.Service, opts messaging.ConsumerOptions) (*Grants, error) {
	log := opts.Log
	if log == nil {
		log = slog.Default()
	}
	sub, err := messaging.Subscribe(ctx, conn, prefix, opts, func(ctx context.Context, ds []messaging.Delivery) []error {
		errs := make([]error, len(ds))
		rs := make([]granting.Request, 0, len(ds))
		at := make([]int, 0, len(ds))
		for i, d := range ds {
			id, err := strconv.ParseInt(d.Event.OrderID, 10, 64)
			if err != nil {
				log.ErrorContext(ctx, "grant event without an order id; dropped", "order_id", d.Event.OrderID)
				continue
			}
			rs, at = append(rs, granting.Request{OrderID: id, Attempt: d.Attempt, Last: d.Last}), append(at, i)
		}
		for j, err := range svc.GrantAll(ctx, rs) {
			errs[at[j]] = err
		}
		return errs
	})
	if err != nil {
		return nil, err
	}
	return &Grants{sub: sub}, nil
}

// Stop takes no more events and waits for the grants in progress.
func (g *Grants) Stop() { g.sub.Stop() }

// Observer counts grant outcomes in Prometheus; it implements granting.Observer.
type Observer struct {
	granted *prometheus.CounterVec
	failed  *prometheus.CounterVec
}

// NewObserver registers lottery_grants_total{kind,state} and
// lottery_grant_failures_total{kind,reason} with reg.
func NewObserver(reg prometheus.Registerer) *Observer {
	o := &Observer{
		granted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lottery_grants_total",
			Help: "Grants recorded, by award kind and resulting state (granted, awaiting_address).",
		}, []string{"kind", "state"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lottery_grant_failures_total",
			Help: "Grants failed for good, by award kind and reason (pool_empty, refused, retries_exhausted, ...).",
		}, []string{"kind", "reason"}),
	}
	reg.MustRegister(o.granted, o.failed)
	// Every series exists from the start at 0, so a dashboard shows a rate and an alert
	// on an increase fires on the first failure, not on the second.
	for _, k := range award.Kinds {
		o.granted.WithLabelValues(string(k), string(draw.GrantGranted))
		for _, r := range granting.Reasons(k) {
			o.failed.WithLabelValues(string(k), r)
		}
	}
	o.granted.WithLabelValues(string(award.KindPhysical), string(draw.GrantAwaitingAddress))
	return o
}

// Granted counts a recorded grant.
func (o *Observer) Granted(kind award.Kind, state draw.GrantState) {
	o.granted.WithLabelValues(string(kind), string(state)).Inc()
}

// Failed counts a grant failed for good.
func (o *Observer) Failed(kind award.Kind, reason string) {
	o.failed.WithLabelValues(string(kind), reason).Inc()
}
