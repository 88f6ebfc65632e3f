package admin_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/application/admin"
	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/award"
	"github.com/lottery-go/lottery/domain/check"
	"github.com/lottery-go/lottery/domain/strategy"
	"github.com/lottery-go/lottery/infrastructure/idgen"
	"github.com/lottery-go/lottery/infrastructure/persistence"
	"github.com/lottery-go/lottery/internal/testkit"
)

// recorder is a Notifier that remembers what it was told and can be made to fail.
type recorder struct {
	mu     sync.Mutex
	events []string
	fail   bool
	told   int // events taken while not failing
}

func (r *recorder) ActivityChanged(context.Context, int64) error {
	return r.add("activity")
}

func (r *recorder) BlacklistChanged(_ context.Context, userID string, listed bool) error {
	if listed {
		return r.add("listed " + userID)
	}
	return r.add("unlisted " + userID)
}

func (r *recorder) add(e string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
	if r.fail {
		return errors.New("cache unreachable")
	}
	r.told++
	return nil
}

// live is a LiveCounters with fixed answers.
type live struct {
	c      admin.Live
	loaded bool
	err    error
}

func (l live) Counters(context.Context, int64) (admin.Live, bool, error) { return l.c, l.loaded, l.err }

func newService(t *testing.T, n admin.Notifier, lc admin.LiveCounters) *admin.Service {
	return newServiceWith(t, func(d *admin.Deps) { d.Notifier, d.Live = n, lc })
}

// newServiceWith is a service on SQLite with what set changes in its dependencies.
func newServiceWith(t *testing.T, set func(*admin.Deps)) *admin.Service {
	t.Helper()
	env := testkit.SQLite(t)
	gen, err := idgen.New(2)
	require.NoError(t, err)
	d := admin.Deps{
		Awards:     persistence.NewAwardRepo(env.DB),
		Activities: persistence.NewActivityRepo(env.DB, gen.Next),
		Blacklist:  persistence.NewBlacklistRepo(env.DB),
		Orders:     persistence.NewOrderStats(env.DB),
		IDs:        gen.Next,
		Now:        func() time.Time { return inTheWindow },
		Logger:     slog.New(slog.DiscardHandler),
	}
	set(&d)
	return admin.New(d)
}

// inTheWindow is the services' clock: within the window of the activities draft makes.
var inTheWindow = time.Date(2026, 11, 11, 0, 30, 0, 0, time.UTC)

func draft(t *testing.T, s *admin.Service) int64 {
	t.Helper()
	ctx := context.Background()
	aw, err := s.CreateAward(ctx, admin.AwardInput{Name: "Points", Kind: "points", Content: award.Content{Points: 10}})
	require.NoError(t, err)
	begin := time.Date(2026, 11, 11, 0, 0, 0, 0, time.UTC)
	id, err := s.CreateActivity(ctx, activity.Actor{ID: "alice", Marketer: true}, admin.ActivityInput{
		Name: "Wheel", BeginAt: begin, EndAt: begin.Add(time.Hour), TimeZone: "UTC", Stock: 10,
		Mode: strategy.ModeFixed, Prizes: []strategy.Prize{{AwardID: aw.ID(), Probability: 100_000, Stock: 3}},
	})
	require.NoError(t, err)
	return id
}

// Every write tells the notifier, whether or not it answers; a blacklist write fails
// with it (see below).
func TestWritesNotifyEvenWhenTheNotifierFails(t *testing.T) {
	t.Parallel()
	for _, fail := range []bool{false, true} {
		t.Run(map[bool]string{false: "notifier ok", true: "notifier fails"}[fail], func(t *testing.T) {
			t.Parallel()
			rec := &recorder{fail: fail}
			s := submitTold(t, rec)
			ctx := context.Background()
			_, err := s.Blacklist(ctx, "u1", "bot")
			unlisted := s.Unblacklist(ctx, "u1")
			rec.mu.Lock()
			// A failed activity notice is tried again in the background, so more may follow.
			assert.Subset(t, rec.events, []string{"activity", "listed u1", "unlisted u1"})
			rec.mu.Unlock()
			if !fail {
				require.NoError(t, err)
				require.NoError(t, unlisted)
				return
			}
			// The draw engine's copy of the blacklist is no cache that a reload corrects
			// soon: the request fails, to be repeated (the SQL write was done and is
			// idempotent).
			assert.ErrorIs(t, err, admin.ErrNotPropagated)
			assert.ErrorIs(t, unlisted, admin.ErrNotPropagated)
		})
	}
}

// submitTold is a service telling rec, through which a draft was submitted.
func submitTold(t *testing.T, rec *recorder) *admin.Service {
	t.Helper()
	s := newService(t, rec, nil)
	id := draft(t, s)
	require.NoError(t, s.Transition(context.Background(), id, activity.Actor{ID: "alice", Marketer: true}, activity.ActionSubmit, ""))
	return s
}

// A change saved while the caches could not be told is told again in the background.
func TestAFailedNoticeIsToldAgain(t *testing.T) {
	t.Parallel()
	rec := &recorder{fail: true}
	submitTold(t, rec)
	rec.mu.Lock()
	rec.fail = false
	rec.mu.Unlock()
	require.Eventually(t, func() bool {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		return rec.told == 1
	}, 10*time.Second, 10*time.Millisecond)
}

// starter records the activities it was asked to prepare.
type starter struct {
	mu       sync.Mutex
	prepared []int64
	fail     error
}

func (s *starter) Prepare(_ context.Context, id int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prepared = append(s.prepared, id)
	return s.fail
}

func TestStartPreparesTheFirstDraws(t *testing.T) {
	t.Parallel()
	for _, fail := range []error{nil, errors.New("redis down")} {
		t.Run(fmt.Sprint(fail), func(t *testing.T) {
			t.Parallel()
			st := &starter{fail: fail}
			s := newServiceWith(t, func(d *admin.Deps) { d.Starter = st })
			ctx := context.Background()
			id := draft(t, s)
			alice, bob := activity.Actor{ID: "alice", Marketer: true}, activity.Actor{ID: "bob", Admin: true}
			for _, act := range []activity.Action{activity.ActionSubmit, activity.ActionApprove, activity.ActionStart,
				activity.ActionPause, activity.ActionResume} {
				by := alice
				if act != activity.ActionSubmit {
					by = bob
				}
				require.NoError(t, s.Transition(ctx, id, by, act, ""), "a failed preparation does not stop the start")
			}
			assert.Equal(t, []int64{id}, st.prepared, "prepared for the start only, not the resume")
		})
	}
}

func TestStatsLivePart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		live      admin.LiveCounters
		wantLive  bool
		wantDrift int64
		wantError bool
	}{
		{"not wired", nil, false, 0, false},
		{"not loaded", live{}, false, 0, false},
		{"loaded", live{c: admin.Live{StockLeft: 7, PoolLeft: map[int64]int64{1: 2}}, loaded: true}, true, 3, false},
		{"unreachable", live{err: errors.New("redis down")}, false, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newService(t, nil, tt.live)
			st, err := s.Stats(context.Background(), draft(t, s))
			require.NoError(t, err)
			assert.Equal(t, int64(10), st.StockLeft)
			assert.Equal(t, tt.wantLive, st.Live != nil)
			if st.Live != nil {
				assert.Equal(t, tt.wantDrift, st.Live.Drift)
			}
			assert.Equal(t, tt.wantError, st.LiveError != "")
		})
	}
}

// racer is an activity store where another writer changes the activity between the
// load and the store of the next `races` changes made through it.
type racer struct {
	admin.Activities
	races int
	other func(ctx context.Context, id int64) error
}

func (r *racer) Update(ctx context.Context, id int64, fn func(*activity.Activity) error) error {
	return r.Activities.Update(ctx, id, func(a *activity.Activity) error {
		r.race(ctx, id)
		return fn(a)
	})
}

func (r *racer) Transition(ctx context.Context, id int64, fn func(*activity.Activity) (activity.TrailEntry, error)) error {
	return r.Activities.Transition(ctx, id, func(a *activity.Activity) (activity.TrailEntry, error) {
		r.race(ctx, id)
		return fn(a)
	})
}

func (r *racer) race(ctx context.Context, id int64) {
	if r.races > 0 {
		r.races--
		if err := r.other(ctx, id); err != nil {
			panic(err)
		}
	}
}

func TestAChangeThatLosesARaceIsDecidedAgain(t *testing.T) {
	t.Parallel()
	alice, bob := activity.Actor{ID: "alice", Marketer: true}, activity.Actor{ID: "bob", Admin: true}
	// setUp's racer runs no race until the test sets how many.
	setUp := func(t *testing.T, other func(s admin.Activities) func(context.Context, int64) error) (*admin.Service, *racer) {
		r := &racer{}
		s := newServiceWith(t, func(d *admin.Deps) {
			r.Activities, r.other = d.Activities, other(d.Activities)
			d.Activities = r
		})
		return s, r
	}
	touch := func(s admin.Activities) func(context.Context, int64) error {
		return func(ctx context.Context, id int64) error {
			return s.Update(ctx, id, func(*activity.Activity) error { return nil })
		}
	}
	ctx := context.Background()

	t.Run("applied to the activity as it now is", func(t *testing.T) {
		t.Parallel()
		s, r := setUp(t, touch)
		id := draft(t, s)
		r.races = 2
		in := admin.ActivityInput{Name: "Renamed", BeginAt: time.Date(2026, 11, 11, 0, 0, 0, 0, time.UTC),
			TimeZone: "UTC", Stock: 10, Mode: strategy.ModeFixed}
		in.EndAt = in.BeginAt.Add(time.Hour)
		a, _, err := s.GetActivity(ctx, id)
		require.NoError(t, err)
		in.Prizes = a.Strategy().Prizes()
		require.NoError(t, s.UpdateActivity(ctx, alice, id, in))
		r.races = 2
		require.NoError(t, s.Transition(ctx, id, alice, activity.ActionSubmit, ""))
		a, _, err = s.GetActivity(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, "Renamed", a.Name())
		assert.Equal(t, activity.StatePendingReview, a.State())
		assert.Zero(t, r.races, "both races were run")
	})
	t.Run("an action the other writer took is illegal, not a conflict", func(t *testing.T) {
		t.Parallel()
		approve := func(s admin.Activities) func(context.Context, int64) error {
			return func(ctx context.Context, id int64) error {
				return s.Transition(ctx, id, func(a *activity.Activity) (activity.TrailEntry, error) {
					return activity.TrailEntry{Action: activity.ActionApprove, From: a.State(), To: activity.StateApproved,
						Actor: "carol", At: inTheWindow}, a.Transition(activity.ActionApprove, activity.Actor{ID: "carol", Admin: true}, inTheWindow)
				})
			}
		}
		s, r := setUp(t, approve)
		id := draft(t, s)
		require.NoError(t, s.Transition(ctx, id, alice, activity.ActionSubmit, ""))
		r.races = 1
		err := s.Transition(ctx, id, bob, activity.ActionApprove, "")
		require.ErrorIs(t, err, activity.ErrIllegalTransition)
	})
	t.Run("an endless race ends as a conflict", func(t *testing.T) {
		t.Parallel()
		s, r := setUp(t, touch)
		id := draft(t, s)
		r.races = 1000
		err := s.Transition(ctx, id, alice, activity.ActionSubmit, "")
		require.ErrorIs(t, err, activity.ErrConcurrentChange)
		assert.Equal(t, 1000-5, r.races, "given up after a few attempts")
	})
}

// An admin's edit of an award that submitted activities give reaches every process's
// catalog, which stamps new orders with the award's name; an award nobody gives yet needs
// no notice.
func TestAwardEditsOfGivenAwardsAreTold(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rec := &recorder{}
	s := newService(t, rec, nil)
	idle, err := s.CreateAward(ctx, admin.AwardInput{Name: "Idle", Kind: "points", Content: award.Content{Points: 5}})
	require.NoError(t, err)
	_, err = s.UpdateAward(ctx, activity.Actor{ID: "bob", Admin: true}, idle.ID(), admin.AwardInput{Name: "Still idle", Content: award.Content{Points: 5}})
	require.NoError(t, err)
	assert.Empty(t, rec.events)

	id := draft(t, s)
	require.NoError(t, s.Transition(ctx, id, activity.Actor{ID: "alice", Marketer: true}, activity.ActionSubmit, ""))
	a, _, err := s.GetActivity(ctx, id)
	require.NoError(t, err)
	given := a.Strategy().At(0).AwardID
	rec.mu.Lock()
	rec.events = nil
	rec.mu.Unlock()
	_, err = s.UpdateAward(ctx, activity.Actor{ID: "bob", Admin: true}, given, admin.AwardInput{Name: "Points, renamed", Content: award.Content{Points: 10}})
	require.NoError(t, err)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	assert.Equal(t, []string{"activity"}, rec.events)
}

// A coupon's webhook URL that this deployment's grants would refuse to call is refused when
// the award is written, with nothing stored; content kept as stored is not checked again,
// so an award written before may still be renamed.
func TestCouponWebhookHostsGrantsRefuseAreRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	checking := false
	s := newServiceWith(t, func(d *admin.Deps) {
		d.WebhookHost = func(raw string) error {
			if checking && strings.Contains(raw, "10.0.0.1") {
				return errors.New("not public: 10.0.0.1")
			}
			return nil
		}
	})
	private := award.Content{WebhookURL: "http://10.0.0.1/coupons", TemplateID: "T1"}
	old, err := s.CreateAward(ctx, admin.AwardInput{Name: "Old coupon", Kind: award.KindCoupon, Content: private})
	require.NoError(t, err)
	checking = true
	bob := activity.Actor{ID: "bob", Admin: true}

	_, err = s.CreateAward(ctx, admin.AwardInput{Name: "New coupon", Kind: award.KindCoupon, Content: private})
	assert.Equal(t, []check.Problem{{Field: "content.webhook_url", Code: check.CodeNotAllowed,
		Message: "not public: 10.0.0.1; grants call public addresses only unless grants.webhook_private is set"}}, check.Problems(err))
	_, err = s.UpdateAward(ctx, bob, old.ID(), admin.AwardInput{Name: "Old coupon", Content: private})
	assert.ErrorIs(t, err, check.ErrInvalid)
	items, _, err := s.ListAwards(ctx, admin.Page{Limit: 10})
	require.NoError(t, err)
	assert.Len(t, items, 1, "the refused award was not stored")

	renamed, err := s.UpdateAward(ctx, bob, old.ID(), admin.AwardInput{Name: "Renamed", KeepContent: true})
	require.NoError(t, err)
	assert.Equal(t, "Renamed", renamed.Name())
	public := award.Content{WebhookURL: "https://shop.example/coupons", TemplateID: "T1"}
	_, err = s.UpdateAward(ctx, bob, old.ID(), admin.AwardInput{Name: "Renamed", Content: public})
	require.NoError(t, err)
	_, err = s.CreateAward(ctx, admin.AwardInput{Name: "Points", Kind: award.KindPoints, Content: award.Content{Points: 5}})
	require.NoError(t, err, "other kinds are not asked")
}
