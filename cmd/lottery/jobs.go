package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"

	"github.com/lottery-go/lottery/application/jobs"
	"github.com/lottery-go/lottery/infrastructure/changefeed"
	"github.com/lottery-go/lottery/infrastructure/config"
	"github.com/lottery-go/lottery/infrastructure/messaging"
	"github.com/lottery-go/lottery/infrastructure/persistence"
	"github.com/lottery-go/lottery/infrastructure/redisstore"
	"github.com/lottery-go/lottery/interfaces/scheduler"
)

// leaseTTL is how long a job's lease outlives a process that died holding it.
const leaseTTL = 30 * time.Second

func newJobRunner(s *system) *scheduler.Runner {
	return scheduler.NewRunner(scheduler.NewLeases(s.redis, s.cfg.Redis.Prefix, leaseTTL),
		scheduler.NewHistory(s.redis, s.cfg.Redis.Prefix),
		scheduler.RunnerOptions{Registerer: s.registry, Log: s.log})
}

// schedules maps each job to its configured schedule.
func schedules(c config.Jobs) map[string]string {
	return map[string]string{
		jobs.NameOutbox: c.Outbox, jobs.NameRecovery: c.Recovery, jobs.NameRelease: c.Release,
		jobs.NameReconcile: c.Reconcile, jobs.NameStates: c.States,
	}
}

// jobDeps are the adapters the jobs work on.
type jobDeps struct {
	activities *persistence.ActivityRepo
	orders     *persistence.OrderRepo
	ledger     *redisstore.Ledger
	feed       jobs.Feed
	relay      *messaging.Relay
}

func (e *engine) jobDeps(relay *messaging.Relay) jobDeps {
	// The state timers start activities: warm their counters as the admin API does.
	return jobDeps{activities: e.activities, orders: e.orders, ledger: e.ledger, feed: warmingFeed{e: e}, relay: relay}
}

// jobEntries builds every scheduled job with its configured schedule.
func jobEntries(s *system, d jobDeps, drift jobs.DriftGauge) []scheduler.Entry {
	truth := persistence.NewTruth(s.db, d.activities, time.Now)
	all := []jobs.Job{
		&jobs.Outbox{Relay: d.relay, Backlog: persistence.NewOutboxRepo(s.db)},
		&jobs.Recovery{Journal: d.ledger, Orders: d.orders, OlderThan: recoverAfter(s.cfg.Draw)},
		&jobs.Release{Activities: d.activities, Pools: d.ledger, Releases: persistence.NewReleaseRepo(s.db),
			NextRun: scheduler.NextRun(s.cfg.Jobs.Release, time.Local)},
		&jobs.Reconcile{Ledger: ledgerPort{d.ledger}, Truth: truth, Activities: d.activities, Drift: drift, Log: s.log},
		&jobs.States{Activities: d.activities, Feed: d.feed, Starter: ledgerStarter{activities: d.activities, ledger: d.ledger},
			NextRun: scheduler.NextRun(s.cfg.Jobs.States, time.Local)},
	}
	spec := schedules(s.cfg.Jobs)
	out := make([]scheduler.Entry, len(all))
	for i, j := range all {
		out[i] = scheduler.Entry{Job: j, Spec: spec[j.Name()]}
	}
	return out
}

// ledgerPort adapts the Redis ledger to what reconciliation reads.
type ledgerPort struct{ *redisstore.Ledger }

func (l ledgerPort) Counters(ctx context.Context, id int64, day string, users []string) (jobs.Live, bool, error) {
	c, loaded, err := l.Ledger.Counters(ctx, id)
	if err != nil || !loaded {
		return jobs.Live{}, loaded, err
	}
	wins, err := l.Ledger.WinsOnDay(ctx, id, slices.Collect(maps.Keys(c.PoolLeft)), day)
	if err != nil {
		return jobs.Live{}, true, err
	}
	counts, err := l.Ledger.UserCounts(ctx, id, day, users)
	return jobs.Live{StockLeft: c.StockLeft, PoolLeft: c.PoolLeft, Released: c.Released, WinsOnDay: wins, Users: counts}, true, err
}

func (l ledgerPort) Journal(ctx context.Context, id int64) (jobs.Activity, error) {
	st, err := l.Ledger.JournalState(ctx, id)
	return jobs.Activity{Pending: st.Pending, LastAdmission: st.LastAdmission, Now: st.Now}, err
}

func jobsCmd(load func() (cfgAndLog, error)) *cobra.Command {
	return groupCmd("jobs", "List the scheduled jobs, or run one by hand", jobsListCmd(load), jobsRunCmd(load))
}

func jobsListCmd(load func() (cfgAndLog, error)) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "Each job with its schedule and last run",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, err := load()
			if err != nil {
				return err
			}
			return listJobs(cmd.Context(), cl.cfg, cmd.OutOrStdout())
		},
	}
}

func listJobs(ctx context.Context, cfg config.Config, out interface{ Write([]byte) (int, error) }) error {
	var history *scheduler.History
	if cfg.Redis.Addr != "" {
		rdb := redis.NewClient(&redis.Options{Network: cfg.Redis.Network(), Addr: cfg.Redis.Addr, Password: cfg.Redis.Password, DB: cfg.Redis.DB})
		defer rdb.Close()
		history = scheduler.NewHistory(rdb, cfg.Redis.Prefix)
	}
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "JOB\tSCHEDULE\tLAST RUN")
	spec := schedules(cfg.Jobs)
	for _, name := range jobs.Names {
		last := "unknown (embedded Redis is private to the server)"
		if history != nil {
			r, ok, err := history.Last(ctx, name)
			switch {
			case err != nil:
				return err
			case !ok:
				last = "never"
			default:
				last = fmt.Sprintf("%s %s in %v", r.At.Local().Format(time.RFC3339), r.Outcome, r.Took)
				if r.Error != "" {
					last += ": " + r.Error
				}
			}
		}
		fmt.Fprintf(w, "%s\t%s\t%s\n", name, spec[name], last)
	}
	return w.Flush()
}

func jobsRunCmd(load func() (cfgAndLog, error)) *cobra.Command {
	return &cobra.Command{
		Use:   "run NAME",
		Short: "Run one job once now, taking its lease like the scheduler does",
		Long: "Run one job once now, taking its lease like the scheduler does. NAME is one of: " +
			strings.Join(jobs.Names, ", ") + ".",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("name one job: %s", strings.Join(jobs.Names, ", "))
			}
			return nil
		},
		ValidArgs: jobs.Names,
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := load()
			if err != nil {
				return err
			}
			return runJob(cmd.Context(), cl, args[0])
		},
	}
}

func runJob(ctx context.Context, cl cfgAndLog, name string) error {
	if !knownJob(name) {
		return fmt.Errorf("unknown job %q (want one of %s)", name, strings.Join(jobs.Names, ", "))
	}
	cfg := cl.cfg
	if cfg.Redis.Addr == "" || cfg.NATS.URL == "" {
		// The embedded Redis and NATS live inside the server process: a second process
		// would work on private, empty copies.
		return fmt.Errorf("jobs run needs the deployment's Redis and NATS (redis.addr, nats.url); in the embedded mode the server's own scheduler runs the jobs")
	}
	cfg.Migrate = false
	// A configured node_id is the server's: a one-off run beside it leases a free one.
	cfg.NodeID = -1
	sys, err := openSystem(ctx, cfg, cl.log)
	if err != nil {
		return err
	}
	defer sys.Close()
	d, err := jobDepsOf(ctx, sys)
	if err != nil {
		return err
	}
	for _, e := range jobEntries(sys, d, scheduler.NewDriftGauge(nil)) {
		if e.Job.Name() != name {
			continue
		}
		runner := newJobRunner(sys)
		if err := runOnce(ctx, runner, e.Job); err != nil {
			return err
		}
		rec, ok := e.Job.(*jobs.Recovery)
		if !ok {
			return nil
		}
		// Recovery ages entries on its own clock from the run that first saw them: a
		// one-off run looks again once those it saw are due.
		watched, dueIn := rec.Watched()
		if watched == 0 {
			return nil
		}
		printf("%s: %d journal entries pending; looking again in %s, when those still pending are due\n", name, watched, dueIn)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(dueIn):
		}
		return runOnce(ctx, runner, e.Job)
	}
	return nil
}

func runOnce(ctx context.Context, runner *scheduler.Runner, j jobs.Job) error {
	outcome, rep, err := runner.Run(ctx, j)
	printf("%s: %s %s\n", j.Name(), outcome, formatReport(rep))
	if outcome == scheduler.OutcomeSkipped {
		return fmt.Errorf("another process holds the lease of %s; try again when its run is over", j.Name())
	}
	return err
}

// jobDepsOf builds only what the jobs need, without the draw path of a server.
func jobDepsOf(ctx context.Context, s *system) (jobDeps, error) {
	d := jobDeps{activities: persistence.NewActivityRepo(s.db, s.ids.Next), orders: persistence.NewOrderRepo(s.db)}
	d.ledger = redisstore.NewLedger(s.redis, persistence.NewTruth(s.db, d.activities, time.Now),
		redisstore.Options{Prefix: s.cfg.Redis.Prefix, ReloadGrace: s.cfg.Draw.ReloadGrace,
			IdempotencyTTL: s.cfg.Draw.IdempotencyTTL, Log: s.log, RestartCheck: s.restartCheck()})
	s.onClose(func() { _ = d.ledger.Close() })
	d.feed = changefeed.New(s.redis, s.cfg.Redis.Prefix, time.Second, s.log)
	var err error
	d.relay, err = newRelay(ctx, s)
	return d, err
}

func knownJob(name string) bool {
	for _, n := range jobs.Names {
		if n == name {
			return true
		}
	}
	return false
}

func formatReport(r jobs.Report) string {
	keys := make([]string, 0, len(r))
	for k := range r {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, r[k])
	}
	return strings.Join(parts, " ")
}
