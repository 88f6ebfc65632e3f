package scheduler

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the scheduler's Prometheus series.
type metrics struct {
	runs     *prometheus.CounterVec
	duration *prometheus.HistogramVec
	report   *prometheus.GaugeVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lottery_job_runs_total",
			Help: "Scheduled job runs by outcome: ok, error, panic, or skipped (another process held the lease).",
		}, []string{"job", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "lottery_job_duration_seconds",
			Help:    "Duration of scheduled job runs that took the lease.",
			Buckets: prometheus.ExponentialBuckets(0.005, 4, 8), // 5 ms .. ~80 s
		}, []string{"job"}),
		report: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "lottery_job_report",
			Help: "What the last run of a job in this process reported, by item: e.g. recovery undone, " +
				"outbox republished and backlog (entries waiting) and oldest_seconds, reconcile drifting and repaired; " +
				"dropped once another process runs the job.",
		}, []string{"job", "item"}),
	}
	if reg != nil {
		reg.MustRegister(m.runs, m.duration, m.report)
	}
	return m
}

// DriftGauge exports lottery_counter_drift{activity,counter}: live ledger counter minus
// what SQL says, as found by the last reconcile run.
type DriftGauge struct {
	g *prometheus.GaugeVec
}

// NewDriftGauge registers the gauge with reg.
func NewDriftGauge(reg prometheus.Registerer) *DriftGauge {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "lottery_counter_drift",
		Help: "Ledger counter minus SQL truth per activity and counter (stock, pool:<prize>, day:<prize> for its wins today; users: how many of the 50 users of the latest orders have counts that differ; blacklist: users the run added to or removed from the blacklist copy) at the last reconcile; 0 once quiet.",
	}, []string{"activity", "counter"})
	if reg != nil {
		reg.MustRegister(g)
	}
	return &DriftGauge{g: g}
}

// Set implements jobs.DriftGauge.
func (d *DriftGauge) Set(activityID int64, counter string, drift int64) {
	d.g.WithLabelValues(strconv.FormatInt(activityID, 10), counter).Set(float64(drift))
}

// Forget implements jobs.DriftGauge: a retired activity's series go.
func (d *DriftGauge) Forget(activityID int64) {
	d.g.DeletePartialMatch(prometheus.Labels{"activity": strconv.FormatInt(activityID, 10)})
}

// ForgetAll implements jobs.DriftGauge.
func (d *DriftGauge) ForgetAll() { d.g.Reset() }
