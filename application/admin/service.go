// Package admin holds the use cases of marketers and admins: awards and their redeem-code
// pools, activities with their strategy and review life cycle, statistics and simulation,
// rule trees, user profiles, and the blacklist. It depends on domain ports only; the
// adapters are wired in cmd.
package admin

import (
	"context"
	"log/slog"
	"time"

	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/award"
	"github.com/lottery-go/lottery/domain/ruletree"
	"github.com/lottery-go/lottery/domain/user"
)

// Activities is activity.Repository plus the review trail.
type Activities interface {
	activity.Repository
	// Transition is Update for a change of state: fn applies it and returns the trail
	// entry, stored in the same transaction as the new state.
	Transition(ctx context.Context, id int64, fn func(*activity.Activity) (activity.TrailEntry, error)) error
	// Trail lists an activity's transitions, oldest first.
	Trail(ctx context.Context, id int64) ([]activity.TrailEntry, error)
}

// OrderCounts reads committed orders: the SQL truth of an activity's statistics.
type OrderCounts interface {
	// OrderCounts returns the orders of an activity and its wins per prize id, as one
	// consistent snapshot.
	OrderCounts(ctx context.Context, activityID int64) (draws int64, wins map[int64]int64, err error)
}

// Notifier hears of every successful write, so caches of activities and of the blacklist
// (the draw engine's) can be dropped at once instead of when they expire.
type Notifier interface {
	ActivityChanged(ctx context.Context, id int64) error
	BlacklistChanged(ctx context.Context, userID string, listed bool) error
}

// Deps are the adapters a Service works with. Live, Notifier and Routing may be nil; Now
// and Logger default to the wall clock and slog.Default().
type Deps struct {
	Awards     award.Repository
	Activities Activities
	Blacklist  user.Blacklist
	Orders     OrderCounts
	Live       LiveCounters
	Notifier   Notifier
	RuleTrees  ruletree.Repository
	Profiles   user.ProfileRepository
	Routing    RoutingNotifier
	Starter    activity.Starter // optional
	// NoCoupons, when set, says why coupon awards cannot be granted in this deployment
	// (no webhook secret): an activity giving one is not submitted, approved or started.
	NoCoupons string
	// WebhookHost, when set, refuses a coupon's webhook URL that grants would not call
	// (a private address, say), naming why; nil lets any URL through.
	WebhookHost func(rawURL string) error
	IDs         func() (int64, error) // new ids; an error when none can be made safely now
	Now         func() time.Time
	Logger      *slog.Logger
}

// Service runs the admin use cases.
type Service struct {
	d     Deps
	stats statsFlights
}

// New returns a Service over d.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	return &Service{d: d}
}

// now is UTC at the microsecond precision SQL keeps, so what a write returns equals what
// a later read returns.
func (s *Service) now() time.Time {
	return s.d.Now().UTC().Truncate(time.Microsecond)
}

// Page asks for up to Limit items with ids greater than After.
type Page struct {
	After int64
	Limit int
}

// notify tells the Notifier about a committed write. A failure is logged and tried again
// in the background (tell), not returned: the write is already the truth in SQL, which
// the draw engine reloads from, and failing the request would invite a retry that cannot
// succeed (the transition is now illegal).
func (s *Service) notify(ctx context.Context, what string, fn func(context.Context, Notifier) error) {
	if s.d.Notifier == nil {
		return
	}
	s.tell(ctx, what, func(ctx context.Context) error { return fn(ctx, s.d.Notifier) })
}

// tell runs fn, which tells the other processes of a saved change, and when that fails
// runs it again in the background, backing off for about half a minute: a change saved
// while Redis blinked must still reach every process's caches, not wait for the next one.
func (s *Service) tell(ctx context.Context, what string, fn func(context.Context) error) {
	err := fn(ctx)
	if err == nil {
		return
	}
	s.d.Logger.WarnContext(ctx, "change saved but caches were not told; trying again", "change", what, "err", err)
	go func() {
		for wait := 500 * time.Millisecond; wait <= 16*time.Second; wait *= 2 {
			<-time.After(wait)
			c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			err = fn(c)
			cancel()
			if err == nil {
				s.d.Logger.Info("caches told of a saved change after all", "change", what)
				return
			}
		}
		s.d.Logger.Error("change saved but caches were not told; they catch up with the next change", "change", what, "err", err)
	}()
}
