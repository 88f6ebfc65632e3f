// Package consumer subscribes the granting use case to the grant events on the queue.
package consumer

import (
	"context"
	"log/slog"
	"strconv"
	"time"

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
			r := granting.Request{OrderID: id, Attempt: d.Attempt, Last: d.Last, Since: d.Event.WaitingSince()}
			rs, at = append(rs, r), append(at, i)
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
	granted  *prometheus.CounterVec
	failed   *prometheus.CounterVec
	retries  *prometheus.CounterVec
	sinceWin *prometheus.HistogramVec
}

// Causes of a retry, the label of lottery_grant_retries_total.
const (
	causeFailed   = "failed"    // tried, and failed: the grant used up an attempt
	causeNotTried = "not_tried" // not tried (its merchant is paused): no attempt used
)

// NewObserver registers lottery_grants_total{kind,state},
// lottery_grant_failures_total{kind,reason}, lottery_grant_retries_total{kind,cause} and
// lottery_grant_seconds{kind} with reg.
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
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lottery_grant_retries_total",
			Help: "Grant deliveries that failed and come back, by award kind and cause: failed (an attempt used up) or not_tried (the merchant is paused; no attempt used).",
		}, []string{"kind", "cause"}),
		sinceWin: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "lottery_grant_seconds",
			Help:    "Time from a win's draw to its grant by the granter (a physical award's to awaiting its address), by award kind.",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600},
		}, []string{"kind"}),
	}
	reg.MustRegister(o.granted, o.failed, o.retries, o.sinceWin)
	// Every series exists from the start at 0, so a dashboard shows a rate and an alert
	// on an increase fires on the first failure, not on the second.
	for _, k := range award.Kinds {
		o.granted.WithLabelValues(string(k), string(draw.GrantGranted))
		for _, r := range granting.Reasons(k) {
			o.failed.WithLabelValues(string(k), r)
		}
		o.retries.WithLabelValues(string(k), causeFailed)
		o.retries.WithLabelValues(string(k), causeNotTried)
		o.sinceWin.WithLabelValues(string(k))
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

// Took observes how long after its draw a win was delivered.
func (o *Observer) Took(kind award.Kind, sinceWin time.Duration) {
	o.sinceWin.WithLabelValues(string(kind)).Observe(max(sinceWin, 0).Seconds())
}

// Retrying counts a grant that comes back.
func (o *Observer) Retrying(kind award.Kind, tried bool) {
	cause := causeFailed
	if !tried {
		cause = causeNotTried
	}
	o.retries.WithLabelValues(string(kind), cause).Inc()
}
