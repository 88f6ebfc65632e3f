package jobs

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/draw"
)

// Live is what the ledger's counters of one activity say.
type Live struct {
	StockLeft int64
	PoolLeft  map[int64]int64 // prize id → units in the pool
	Released  map[int64]int64 // prize id → units released into the pool so far
	WinsOnDay map[int64]int64 // prize id → wins on the day asked for (daily quotas)
	// Users are the draws counted for each user asked about, in all and on the day
	// (per-user limits); a user without a count has zeros.
	Users map[string]draw.UserCount
}

// Activity is the ledger's journal of one activity: admissions in flight and the last one.
type Activity struct {
	Pending       int64
	LastAdmission time.Time // zero when none ever was
	Now           time.Time // the ledger's clock, which stamped LastAdmission
}

// Ledger is what reconciliation reads and repairs.
type Ledger interface {
	Loaded(ctx context.Context) ([]int64, error)
	// Counters reads the activity's counters, its prizes' wins on day among them, and
	// the counts of users.
	Counters(ctx context.Context, activityID int64, day string, users []string) (Live, bool, error)
	Journal(ctx context.Context, activityID int64) (Activity, error)
	Invalidate(ctx context.Context, activityID int64) error
	// Retire drops a closed, quiet activity's counters and unregisters it; false when
	// it is busy (being loaded, or an admission came after all) and is left for later.
	Retire(ctx context.Context, activityID int64) (bool, error)
	// RepairBlacklist makes the activity's copy of the blacklist what want reads, unless
	// a blacklisting came meanwhile, and returns how many users it added or removed.
	RepairBlacklist(ctx context.Context, activityID int64, want func(context.Context) ([]string, error)) (int, error)
}

// Totals is the SQL side of the comparison: the activity's stock left and its prizes'
// pools as committed orders define them (the snapshot without its users), and a sample of
// its users' counts.
type Totals interface {
	Totals(ctx context.Context, activityID int64, day string) (draw.Snapshot, error)
	// RecentUsers are up to n users of the activity's latest orders.
	RecentUsers(ctx context.Context, activityID int64, n int) ([]string, error)
	// UserCounts counts users' orders, in all and on day; a user without any is absent.
	UserCounts(ctx context.Context, activityID int64, day string, users []string) (map[string]draw.UserCount, error)
	// Blacklist reads every blacklisted user.
	Blacklist(ctx context.Context) ([]string, error)
}

// DriftGauge exports drift per activity and counter ("stock", "pool:<prize id>",
// "day:<prize id>"; "users" is how many of the sampled users' counts differ, "blacklist"
// how many users the last run added to or removed from the blacklist copy).
type DriftGauge interface {
	Set(activityID int64, counter string, drift int64)
	// Forget drops an activity's counters: retired, repaired or no longer loaded.
	Forget(activityID int64)
	// ForgetAll drops every activity's counters: another process reconciles now.
	ForgetAll()
}

// DefaultQuietFor is how long an activity must have admitted nothing before drift counts
// as real: far longer than an order takes to commit (a second at most), so every
// admission is settled or undone by then.
const DefaultQuietFor = 10 * time.Second

// SampledUsers is how many users of an activity's latest orders each run compares: every
// user's counters would mean reading every order, which the statistics of a large
// activity cannot afford every few seconds.
const SampledUsers = 50

// Reconcile compares the ledger's counters with SQL for every loaded activity and exports
// the difference (live minus SQL). It repairs an activity, by dropping its counters so the
// next draw rebuilds them from SQL, only when the activity is quiet:
//
//   - its journal is empty: no admission is between Redis and SQL, and
//   - its last admission is at least QuietFor old by the ledger's clock, and
//   - neither changed while the counters and SQL were read (the same journal before and
//     after), so both reads saw the same set of orders.
//
// Besides the stock, the pools and today's wins of each prize, it compares the counts of
// the users of the activity's latest orders (SampledUsers of them), which the per-user
// limits are held to.
//
// Under traffic, drift includes the admissions in flight and is only reported: repairing
// then would throw away counters that are right.
//
// A closed activity is not compared but retired once quiet: its counters leave Redis and
// it leaves the set of loaded activities, which would otherwise grow with every activity
// that ever ran, and this job with it.
type Reconcile struct {
	Ledger     Ledger
	Truth      Totals
	Activities Activities
	Drift      DriftGauge
	QuietFor   time.Duration // default DefaultQuietFor
	Now        func() time.Time
	Log        *slog.Logger
}

func (*Reconcile) Name() string { return NameReconcile }

// HandedOver implements HandedOver: the drift this process found last is no longer news.
func (j *Reconcile) HandedOver() { j.Drift.ForgetAll() }

func (j *Reconcile) Run(ctx context.Context) (Report, error) {
	ids, err := j.Ledger.Loaded(ctx)
	if err != nil {
		return nil, err
	}
	rep := Report{"activities": 0, "drifting": 0, "repaired": 0, "retired": 0}
	// One activity that cannot be reconciled (ids come sorted) must not keep the ones
	// after it from being compared, repaired and retired, run after run.
	var errs activityErrors
	for _, id := range ids {
		out, err := j.one(ctx, id)
		if err != nil {
			if ctx.Err() != nil {
				return rep, errs.join(err)
			}
			errs.add(id, err)
			continue
		}
		if out == retired {
			rep["retired"]++
			continue
		}
		rep["activities"]++
		if out >= drifting {
			rep["drifting"]++
		}
		if out == repaired {
			rep["repaired"]++
		}
	}
	return rep, errs.join()
}

// outcome is what reconciling one activity came to.
type outcome int

const (
	equal outcome = iota
	drifting
	repaired
	retired
)

func (j *Reconcile) one(ctx context.Context, id int64) (outcome, error) {
	a, err := j.Activities.Get(ctx, id)
	if errors.Is(err, activity.ErrNotFound) {
		return equal, nil
	}
	if err != nil {
		return equal, err
	}
	before, err := j.Ledger.Journal(ctx, id)
	if err != nil {
		return equal, err
	}
	if a.State() == activity.StateClosed {
		return j.retire(ctx, id, before)
	}
	// The blacklist copy is repaired at once, quiet or not: no admission in flight makes
	// it differ, only a copy that failed or changes that crossed.
	fixed, err := j.Ledger.RepairBlacklist(ctx, id, j.Truth.Blacklist)
	if err != nil {
		return equal, err
	}
	j.Drift.Set(id, "blacklist", int64(fixed))
	if fixed > 0 {
		j.log().WarnContext(ctx, "blacklist copy differed from SQL; repaired", "activity_id", id, "users", fixed)
	}
	day := a.Day(clock(j.Now)())
	users, err := j.Truth.RecentUsers(ctx, id, SampledUsers)
	if err != nil {
		return equal, err
	}
	live, loaded, err := j.Ledger.Counters(ctx, id, day, users)
	if err != nil {
		return equal, err
	}
	if !loaded {
		// No counters, no drift: one reported before (say, by the run that repaired it by
		// dropping the counters) must not stand until the next draw, which may never come.
		j.forgetDrift(id, fixed)
		return equal, nil
	}
	snap, err := j.Truth.Totals(ctx, id, day)
	if err != nil {
		return equal, err
	}
	if snap.Users, err = j.Truth.UserCounts(ctx, id, day, users); err != nil {
		return equal, err
	}
	after, err := j.Ledger.Journal(ctx, id)
	if err != nil {
		return equal, err
	}
	drift := false
	for counter, d := range compare(live, snap, users) {
		j.Drift.Set(id, counter, d)
		drift = drift || d != 0
	}
	if !drift {
		return equal, nil
	}
	if !j.quiet(before, after) {
		return drifting, nil
	}
	if err := j.Ledger.Invalidate(ctx, id); err != nil {
		return drifting, err
	}
	j.log().WarnContext(ctx, "counters drifted from SQL while quiet; reloading", "activity_id", id)
	return repaired, nil
}

// retire drops a closed activity's counters once its journal has been quiet for QuietFor:
// an admission taken just before the close is committed or undone by then.
func (j *Reconcile) retire(ctx context.Context, id int64, journal Activity) (outcome, error) {
	if !j.quiet(journal, journal) {
		return equal, nil
	}
	done, err := j.Ledger.Retire(ctx, id)
	if err != nil || !done {
		return equal, err
	}
	j.Drift.Forget(id)
	j.log().InfoContext(ctx, "closed activity's counters dropped from Redis", "activity_id", id)
	return retired, nil
}

// forgetDrift drops an activity's drift series but this run's blacklist repairs.
func (j *Reconcile) forgetDrift(id int64, blacklistFixed int) {
	j.Drift.Forget(id)
	j.Drift.Set(id, "blacklist", int64(blacklistFixed))
}

func (j *Reconcile) quiet(before, after Activity) bool {
	quietFor := j.QuietFor
	if quietFor <= 0 {
		quietFor = DefaultQuietFor
	}
	return before.Pending == 0 && after.Pending == 0 && before.LastAdmission.Equal(after.LastAdmission) &&
		before.Now.Sub(before.LastAdmission) >= quietFor
}

// compare returns live minus SQL per counter. A pool is compared with what SQL says it
// should hold given what the ledger has released: SQL computes its release for now, while
// the ledger holds what the release job gave it, which may trail by one run. A prize's wins
// today ("day:<prize id>") are what its daily quota is held to. "users" counts the sampled
// users whose counts differ (one gauge for them all, not one per user).
func compare(live Live, snap draw.Snapshot, users []string) map[string]int64 {
	out := map[string]int64{"stock": live.StockLeft - snap.StockLeft, "users": 0}
	for _, u := range users {
		if live.Users[u] != snap.Users[u] {
			out["users"]++
		}
	}
	for prize, want := range snap.Prizes {
		id := strconv.FormatInt(prize, 10)
		expected := want.Pool
		if released, ok := live.Released[prize]; ok {
			expected += released - want.Released
		}
		out["pool:"+id] = live.PoolLeft[prize] - expected
		out["day:"+id] = live.WinsOnDay[prize] - want.WinsOnDay
	}
	return out
}

func (j *Reconcile) log() *slog.Logger {
	if j.Log == nil {
		return slog.Default()
	}
	return j.Log
}
