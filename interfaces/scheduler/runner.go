package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lottery-go/lottery/application/jobs"
)

// Outcome is how a run ended.
type Outcome string

const (
	OutcomeOK      Outcome = "ok"
	OutcomeError   Outcome = "error"
	OutcomePanic   Outcome = "panic"
	OutcomeSkipped Outcome = "skipped" // another process held the lease
)

// RunnerOptions configure a Runner; zero values take the defaults noted.
type RunnerOptions struct {
	// Timeout bounds one run. Default 5 minutes.
	Timeout time.Duration
	// Registerer receives the run metrics when set.
	Registerer prometheus.Registerer
	// Log defaults to slog.Default().
	Log *slog.Logger
}

// Runner runs one job once under its lease, and reports the run.
type Runner struct {
	leases  *Leases
	history *History
	metrics *metrics
	opts    RunnerOptions
}

// NewRunner builds a runner; history may be nil.
func NewRunner(leases *Leases, history *History, opts RunnerOptions) *Runner {
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Minute
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	return &Runner{leases: leases, history: history, metrics: newMetrics(opts.Registerer), opts: opts}
}

// Run takes the job's lease and runs it; without the lease it returns OutcomeSkipped and
// does nothing. A panic in the job is recovered and reported as OutcomePanic. The job's
// context ends when the lease is lost.
func (r *Runner) Run(ctx context.Context, j jobs.Job) (Outcome, jobs.Report, error) {
	name := j.Name()
	lease, held, err := r.leases.Acquire(ctx, name)
	if err != nil {
		r.metrics.runs.WithLabelValues(name, string(OutcomeError)).Inc()
		r.opts.Log.ErrorContext(ctx, "job lease unavailable", "job", name, "err", err)
		return OutcomeError, nil, err
	}
	if !held {
		r.metrics.runs.WithLabelValues(name, string(OutcomeSkipped)).Inc()
		r.handOver(j)
		r.opts.Log.DebugContext(ctx, "job skipped: another process holds its lease", "job", name)
		return OutcomeSkipped, nil, nil
	}
	defer lease.Release()
	ctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancel()
	go func() {
		select {
		case <-lease.Lost():
			cancel()
		case <-ctx.Done():
		}
	}()

	start := time.Now()
	outcome, rep, err := runSafely(ctx, j)
	took := time.Since(start)
	r.metrics.runs.WithLabelValues(name, string(outcome)).Inc()
	r.metrics.duration.WithLabelValues(name).Observe(took.Seconds())
	attrs := []any{"job", name, "outcome", outcome, "took", took.Round(time.Millisecond).String()}
	for k, v := range rep {
		attrs = append(attrs, k, v)
		r.metrics.report.WithLabelValues(name, k).Set(float64(v))
	}
	run := Run{At: start, Outcome: outcome, Took: took}
	if err != nil {
		run.Error = err.Error()
		r.opts.Log.ErrorContext(ctx, "job run failed", append(attrs, "err", err)...)
	} else {
		// A run that found nothing to do is logged at debug level: jobs run every few
		// seconds, and a log full of empty runs hides the ones that did something.
		r.opts.Log.Log(ctx, runLevel(rep), "job run", attrs...)
	}
	if r.history != nil {
		if herr := r.history.Record(context.WithoutCancel(ctx), name, run); herr != nil {
			r.opts.Log.WarnContext(ctx, "job run not recorded", "job", name, "err", herr)
		}
	}
	return outcome, rep, err
}

// handOver drops what this process's runs of j exported: another process runs it now, and
// a value kept from before (a backlog, a drift) would go stale beside that one's.
func (r *Runner) handOver(j jobs.Job) {
	r.metrics.report.DeletePartialMatch(prometheus.Labels{"job": j.Name()})
	if h, ok := j.(jobs.HandedOver); ok {
		h.HandedOver()
	}
}

// runLevel is info for a run that did something, debug for one that only looked (an
// activity reconciled without drift, a pool with nothing to release).
func runLevel(rep jobs.Report) slog.Level {
	if rep.DidSomething() {
		return slog.LevelInfo
	}
	return slog.LevelDebug
}

func runSafely(ctx context.Context, j jobs.Job) (outcome Outcome, rep jobs.Report, err error) {
	defer func() {
		if p := recover(); p != nil {
			outcome, err = OutcomePanic, fmt.Errorf("job %s panicked: %v\n%s", j.Name(), p, debug.Stack())
		}
	}()
	rep, err = j.Run(ctx)
	if err != nil {
		return OutcomeError, rep, err
	}
	return OutcomeOK, rep, nil
}
