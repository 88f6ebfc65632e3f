package jobs_test

import (
	"context"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/application/jobs"
	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/strategy"
	"github.com/lottery-go/lottery/infrastructure/persistence"
	"github.com/lottery-go/lottery/infrastructure/redisstore"
	"github.com/lottery-go/lottery/internal/testkit"
)

var lastID atomic.Int64

func nextID() int64 { return 1<<50 + lastID.Add(1) }

// repoIDs hands nextID to repositories, which take a fallible id source.
func repoIDs() (int64, error) { return nextID(), nil }

// world is SQL and a ledger over it, with one clock.
type world struct {
	sql        testkit.SQLEnv
	redis      testkit.RedisEnv
	clock      *testkit.Clock
	activities *persistence.ActivityRepo
	truth      *persistence.Truth
	ledger     *redisstore.Ledger
}

// eachWorld runs fn on every SQL backend paired with every Redis backend.
func eachWorld(t *testing.T, now time.Time, fn func(t *testing.T, w *world)) {
	testkit.EachSQL(t, func(t *testing.T, sqlEnv testkit.SQLEnv) {
		testkit.EachRedis(t, func(t *testing.T, redisEnv testkit.RedisEnv) {
			w := &world{sql: sqlEnv, redis: redisEnv, clock: testkit.NewClock(now)}
			w.activities = persistence.NewActivityRepo(sqlEnv.DB, repoIDs)
			w.truth = persistence.NewTruth(sqlEnv.DB, w.activities, w.clock.Now)
			w.ledger = redisstore.NewLedger(redisEnv.Client, w.truth, redisstore.Options{Prefix: redisEnv.Prefix, ReloadGrace: 20 * time.Millisecond, RestartCheck: -1})
			t.Cleanup(func() { _ = w.ledger.Close() })
			fn(t, w)
		})
	})
}

// activity stores an activity over [begin, end) with prizes and moves it to state.
func (w *world) activity(t *testing.T, begin, end time.Time, state activity.State, prizes ...strategy.Prize) *activity.Activity {
	t.Helper()
	ctx := context.Background()
	for i := range prizes {
		prizes[i].ID, prizes[i].AwardID = nextID(), 7
	}
	if len(prizes) == 0 {
		prizes = []strategy.Prize{{ID: nextID(), AwardID: 7, Probability: 1000, Stock: 10}}
	}
	st, err := strategy.New(strategy.ModeFixed, prizes)
	require.NoError(t, err)
	a, err := activity.New(nextID(), activity.Params{Name: "jobs", BeginAt: begin, EndAt: end, TimeZone: "UTC",
		Stock: 1000, Strategy: st}, "marketer", begin.Add(-time.Hour))
	require.NoError(t, err)
	require.NoError(t, w.activities.Create(ctx, a))
	steps := map[activity.State][]activity.Action{
		activity.StateApproved: {activity.ActionSubmit, activity.ActionApprove},
		activity.StateRunning:  {activity.ActionSubmit, activity.ActionApprove, activity.ActionStart},
		activity.StatePaused:   {activity.ActionSubmit, activity.ActionApprove, activity.ActionStart, activity.ActionPause},
	}
	for _, act := range steps[state] {
		require.NoError(t, w.activities.Update(ctx, a.ID(), func(x *activity.Activity) error {
			return x.Transition(act, activity.Actor{ID: "admin", Admin: true}, begin)
		}))
	}
	got, err := w.activities.Get(ctx, a.ID())
	require.NoError(t, err)
	require.Equal(t, state, got.State())
	return got
}

// load makes the ledger load the activity now.
func (w *world) load(t *testing.T, a *activity.Activity) {
	t.Helper()
	_, _, err := w.ledger.Quota(context.Background(), a.ID(), "nobody", a.Day(w.clock.Now()), 0, 0)
	require.NoError(t, err)
}

// ledgerPort adapts the Redis ledger to jobs.Ledger, as the command's wiring does.
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

// gauge records drift: the last value of each counter, and of each activity's.
type gauge struct {
	mu        sync.Mutex
	m         map[string]int64
	of        map[int64]map[string]int64
	forgotten int
}

func (g *gauge) Set(id int64, counter string, d int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.m == nil {
		g.m, g.of = map[string]int64{}, map[int64]map[string]int64{}
	}
	g.m[counter] = d
	if g.of[id] == nil {
		g.of[id] = map[string]int64{}
	}
	g.of[id][counter] = d
}

// getOf is the last value of an activity's counter.
func (g *gauge) getOf(id int64, counter string) int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.of[id][counter]
}

func (g *gauge) Forget(id int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.forgotten++
	for counter := range g.of[id] {
		delete(g.m, counter)
	}
	delete(g.of, id)
}

func (g *gauge) ForgetAll() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.m, g.of = nil, nil
}

func (g *gauge) get(counter string) int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.m[counter]
}

// feed counts announcements.
type feed struct{ n atomic.Int64 }

func (f *feed) Publish(context.Context) error { f.n.Add(1); return nil }
