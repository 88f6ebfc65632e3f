package scheduler_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/application/jobs"
	"github.com/lottery-go/lottery/interfaces/scheduler"
	"github.com/lottery-go/lottery/internal/testkit"
)

// job runs fn under a name.
type job struct {
	name string
	fn   func(ctx context.Context) (jobs.Report, error)
}

func (j job) Name() string                                 { return j.name }
func (j job) Run(ctx context.Context) (jobs.Report, error) { return j.fn(ctx) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// instance is one process's runner on a shared Redis.
func instance(env testkit.RedisEnv, reg prometheus.Registerer) *scheduler.Runner {
	return scheduler.NewRunner(scheduler.NewLeases(env.Client, env.Prefix, 3*time.Second),
		scheduler.NewHistory(env.Client, env.Prefix), scheduler.RunnerOptions{Registerer: reg, Log: quiet})
}

func TestTwoInstancesNeverRunOneJobAtOnce(t *testing.T) {
	t.Parallel()
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		t.Parallel()
		a, b := instance(env, nil), instance(env, nil)
		ctx := context.Background()

		// a holds the lease until b has been turned away.
		entered, release := make(chan struct{}), make(chan struct{})
		blocking := job{"outbox", func(context.Context) (jobs.Report, error) {
			close(entered)
			<-release
			return nil, nil
		}}
		done := make(chan scheduler.Outcome)
		go func() {
			out, _, _ := a.Run(ctx, blocking)
			done <- out
		}()
		<-entered
		out, _, err := b.Run(ctx, job{"outbox", func(context.Context) (jobs.Report, error) {
			t.Error("ran while the other instance held the lease")
			return nil, nil
		}})
		require.NoError(t, err)
		assert.Equal(t, scheduler.OutcomeSkipped, out)
		out, _, err = b.Run(ctx, job{"release", func(context.Context) (jobs.Report, error) { return nil, nil }})
		require.NoError(t, err)
		assert.Equal(t, scheduler.OutcomeOK, out, "other jobs have their own lease")
		close(release)
		assert.Equal(t, scheduler.OutcomeOK, <-done)
		out, _, _ = b.Run(ctx, job{"outbox", func(context.Context) (jobs.Report, error) { return nil, nil }})
		assert.Equal(t, scheduler.OutcomeOK, out, "a released lease is free again")

		// Many attempts from both instances at once: never two inside the job.
		var inside, most, ran atomic.Int64
		counting := job{"reconcile", func(context.Context) (jobs.Report, error) {
			n := inside.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			ran.Add(1)
			inside.Add(-1)
			return nil, nil
		}}
		var wg sync.WaitGroup
		for i := range 64 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := a
				if i%2 == 1 {
					r = b
				}
				_, _, err := r.Run(ctx, counting)
				assert.NoError(t, err)
			}()
		}
		wg.Wait()
		assert.Equal(t, int64(1), most.Load())
		assert.Positive(t, ran.Load())
	})
}

func TestRunOutcomesAreCountedAndRecorded(t *testing.T) {
	t.Parallel()
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		t.Parallel()
		reg := prometheus.NewRegistry()
		r := instance(env, reg)
		history := scheduler.NewHistory(env.Client, env.Prefix)
		ctx := context.Background()
		tests := []struct {
			name string
			fn   func(context.Context) (jobs.Report, error)
			want scheduler.Outcome
		}{
			{"ok", func(context.Context) (jobs.Report, error) { return jobs.Report{"n": 3}, nil }, scheduler.OutcomeOK},
			{"error", func(context.Context) (jobs.Report, error) { return nil, errors.New("sql down") }, scheduler.OutcomeError},
			{"panic", func(context.Context) (jobs.Report, error) { panic("boom") }, scheduler.OutcomePanic},
		}
		for _, tt := range tests {
			out, _, err := r.Run(ctx, job{tt.name, tt.fn})
			assert.Equal(t, tt.want, out, tt.name)
			assert.Equal(t, tt.want != scheduler.OutcomeOK, err != nil, tt.name)
			assert.Equal(t, 1.0, runs(t, reg, tt.name, string(tt.want)), tt.name)
			last, ok, err := history.Last(ctx, tt.name)
			require.NoError(t, err)
			require.True(t, ok)
			assert.Equal(t, tt.want, last.Outcome)
			assert.WithinDuration(t, time.Now(), last.At, time.Minute)
		}
		_, ok, err := history.Last(ctx, "never")
		require.NoError(t, err)
		assert.False(t, ok)
		assert.Equal(t, 3, families(t, reg)["lottery_job_duration_seconds"])
		assert.Equal(t, 1, families(t, reg)["lottery_job_report"], "the ok run's report: n")
	})
}

// runs reads lottery_job_runs_total{job,outcome} from reg.
func runs(t *testing.T, reg *prometheus.Registry, jobName, outcome string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() != "lottery_job_runs_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["job"] == jobName && labels["outcome"] == outcome {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// families counts the series of each metric in reg.
func families(t *testing.T, reg *prometheus.Registry) map[string]int {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	out := map[string]int{}
	for _, mf := range mfs {
		out[mf.GetName()] = len(mf.GetMetric())
	}
	return out
}

func TestSchedulerRunsOnScheduleAndSkipsOff(t *testing.T) {
	t.Parallel()
	env := testkit.EmbeddedRedis(t)
	var on, off atomic.Int64
	s, err := scheduler.New(instance(env, nil), []scheduler.Entry{
		{Job: job{"states", func(context.Context) (jobs.Report, error) { on.Add(1); return nil, nil }}, Spec: "* * * * * *"},
		{Job: job{"release", func(context.Context) (jobs.Report, error) { off.Add(1); return nil, nil }}, Spec: scheduler.Off},
	}, quiet)
	require.NoError(t, err)
	s.Start()
	require.Eventually(t, func() bool { return on.Load() >= 2 }, 5*time.Second, 20*time.Millisecond)
	s.Stop()
	assert.Zero(t, off.Load())

	_, err = scheduler.New(instance(env, nil), []scheduler.Entry{{Job: job{"x", nil}, Spec: "*/5 * * * *"}}, quiet)
	require.Error(t, err, "five fields: the seconds field is required")
}

func TestStopCancelsARunningJob(t *testing.T) {
	t.Parallel()
	env := testkit.EmbeddedRedis(t)
	started := make(chan struct{})
	var once sync.Once
	s, err := scheduler.New(instance(env, nil), []scheduler.Entry{
		{Job: job{"outbox", func(ctx context.Context) (jobs.Report, error) {
			once.Do(func() { close(started) })
			<-ctx.Done()
			return nil, ctx.Err()
		}}, Spec: "@every 1s"},
	}, quiet)
	require.NoError(t, err)
	s.Start()
	<-started
	s.Stop() // returns only once the job has
}

// A lease whose renewals keep failing (Redis unreachable) is given up before it can run
// out, so no other process takes the job while this one still runs it.
func TestALeaseThatCannotBeRenewedIsLost(t *testing.T) {
	t.Parallel()
	env := testkit.EmbeddedRedis(t)
	own := redis.NewClient(&redis.Options{Addr: env.Addr})
	leases := scheduler.NewLeases(own, env.Prefix, 600*time.Millisecond)
	lease, held, err := leases.Acquire(context.Background(), "outbox")
	require.NoError(t, err)
	require.True(t, held)
	defer lease.Release()
	require.NoError(t, own.Close()) // every renewal fails from now on

	select {
	case <-lease.Lost():
	case <-time.After(10 * time.Second):
		t.Fatal("the lease was kept without being renewed")
	}
}

// handedJob counts the times it was told another process runs it.
type handedJob struct {
	job
	handed *atomic.Int32
}

func (j handedJob) HandedOver() { j.handed.Add(1) }

// A process that finds another holding a job's lease drops what its own last run of the
// job exported: a backlog or drift from before would go stale beside the other's.
func TestAJobRunElsewhereDropsWhatThisProcessReported(t *testing.T) {
	t.Parallel()
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		t.Parallel()
		reg := prometheus.NewRegistry()
		a, b := instance(env, reg), instance(env, nil)
		ctx := context.Background()
		handed := new(atomic.Int32)
		outbox := handedJob{job{"outbox", func(context.Context) (jobs.Report, error) {
			return jobs.Report{"backlog": 5}, nil
		}}, handed}
		other := job{"release", func(context.Context) (jobs.Report, error) { return jobs.Report{"released": 1}, nil }}
		for _, j := range []jobs.Job{outbox, other} {
			out, _, err := a.Run(ctx, j)
			require.NoError(t, err)
			require.Equal(t, scheduler.OutcomeOK, out)
		}
		require.Equal(t, 2, families(t, reg)["lottery_job_report"])

		entered, release := make(chan struct{}), make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, _, _ = b.Run(ctx, job{"outbox", func(context.Context) (jobs.Report, error) {
				close(entered)
				<-release
				return nil, nil
			}})
		}()
		<-entered
		out, _, err := a.Run(ctx, outbox)
		close(release)
		<-done
		require.NoError(t, err)
		require.Equal(t, scheduler.OutcomeSkipped, out)
		assert.Equal(t, 1, families(t, reg)["lottery_job_report"], "release's report stays, outbox's went")
		assert.Equal(t, int32(1), handed.Load())
	})
}
