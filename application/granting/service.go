// Package granting delivers won awards: it takes a grant event, picks the Granter of the
// award's kind and records what the winner received exactly once per order. It also
// serves what winners do afterwards: submit a shipping address, read their points.
package granting

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/lottery-go/lottery/domain/award"
	"github.com/lottery-go/lottery/domain/draw"
)

// Awards reads awards.
type Awards interface {
	Get(ctx context.Context, id int64) (*award.Award, error)
}

// Observer hears how grants go, for metrics.
type Observer interface {
	// Granted: a grant recorded in state.
	Granted(kind award.Kind, state draw.GrantState)
	// Took: a granter delivered a win (a physical one awaits its address) sinceWin after
	// its draw.
	Took(kind award.Kind, sinceWin time.Duration)
	// Failed: a grant failed for good.
	Failed(kind award.Kind, reason string)
	// Retrying: a grant failed and comes back; tried is false when it was not tried (its
	// merchant is paused) and used up no attempt.
	Retrying(kind award.Kind, tried bool)
}

// Reasons a grant fails, as reported to the Observer.
const (
	ReasonPoolEmpty    = "pool_empty"        // no redeem code left
	ReasonRefused      = "refused"           // the granter said retrying cannot help
	ReasonExhausted    = "retries_exhausted" // every delivery failed
	ReasonAwardMissing = "award_missing"     // the award was deleted
	ReasonNoGranter    = "no_granter"        // nothing delivers this kind
	ReasonPanicked     = "granter_panicked"  // the granter panicked on the last delivery
	ReasonGaveUp       = "gave_up"           // still failing GiveUpAfter after its win
)

// Reasons lists every reason a grant of kind can fail for.
func Reasons(kind award.Kind) []string {
	rs := []string{ReasonRefused, ReasonExhausted, ReasonAwardMissing, ReasonNoGranter, ReasonPanicked, ReasonGaveUp}
	if kind == award.KindRedeemCode {
		rs = append(rs, ReasonPoolEmpty)
	}
	return rs
}

// Deps are the ports a Service works with. Observer may be nil; Now and Log default to
// the wall clock and slog.Default(). GiveUpAfter, when positive, is how long after a
// Request's Since a grant that fails again fails for good, whatever attempts it has left
// and though its merchant was not tried (paused): a merchant down for good must not
// keep its grants pending for good.
type Deps struct {
	Orders      draw.Orders
	Awards      Awards
	Grants      draw.Grants
	Points      award.PointsLedger
	Granters    []award.Granter
	Observer    Observer
	Now         func() time.Time
	Log         *slog.Logger
	GiveUpAfter time.Duration
}

// Service runs the grant use cases.
type Service struct {
	d        Deps
	granters map[award.Kind]award.Granter
}

// ReadingAwards returns a copy of s that reads awards from awards: an admin who sends a
// failed grant again right after repairing its award must get the award as saved, not as
// a cache of this or another process still holds it.
func (s *Service) ReadingAwards(awards Awards) *Service {
	c := *s
	c.d.Awards = awards
	return &c
}

// New returns a Service; a kind with two granters is a wiring mistake and panics.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	s := &Service{d: d, granters: make(map[award.Kind]award.Granter, len(d.Granters))}
	for _, g := range d.Granters {
		if _, dup := s.granters[g.Kind()]; dup {
			panic(fmt.Sprintf("granting: two granters for kind %s", g.Kind()))
		}
		s.granters[g.Kind()] = g
	}
	return s
}

// Request is one delivery of a grant event. Last is set on the final delivery: a failure
// is then recorded instead of retried. Since is when the grant began to wait: its win, or
// the last time it was sent again; zero = unknown, and the grant never gives up.
type Request struct {
	OrderID int64
	Attempt int
	Last    bool
	Since   time.Time
}

// Grant delivers the award of a won order once. It returns nil when the event is done
// with (granted, already decided, or failed for good and recorded so) and an error when
// the event should be delivered again.
func (s *Service) Grant(ctx context.Context, r Request) error {
	o, err := s.d.Orders.Get(ctx, r.OrderID)
	if errors.Is(err, draw.ErrOrderNotFound) {
		// The event is written with its order; without one there is nothing to grant.
		s.d.Log.ErrorContext(ctx, "grant event for an unknown order; dropped", "order_id", r.OrderID)
		return nil
	}
	if err != nil {
		return fmt.Errorf("grant order %d: %w", r.OrderID, err)
	}
	if !o.Won() || o.GrantState != draw.GrantPending {
		return nil // a redelivery of an event already decided
	}
	kind := award.Kind(o.AwardKind)
	a, err := s.d.Awards.Get(ctx, o.AwardID)
	switch {
	case errors.Is(err, award.ErrNotFound):
		return s.fail(ctx, o, kind, ReasonAwardMissing, "the award no longer exists")
	case err != nil:
		return s.retryOrFail(ctx, o, kind, r, fmt.Errorf("load award %d: %w", o.AwardID, err))
	}
	kind = a.Kind()
	g, ok := s.granters[kind]
	if !ok {
		return s.fail(ctx, o, kind, ReasonNoGranter, fmt.Sprintf("%s awards cannot be delivered", kind))
	}
	if d, ok := g.(describer); ok {
		// One transaction credits any points and settles the order: an order decided
		// meanwhile (a last delivery failing it) leaves no points behind.
		rec := s.recordOf(o, a, d)
		return s.recorded(o, kind, rec.State, rec.At, s.d.Grants.RecordAll(ctx, []draw.GrantRecord{rec}))
	}
	d, err := g.Grant(ctx, award.Grant{OrderID: o.ID, UserID: o.UserID, AwardID: a.ID(), Kind: kind, Content: a.Content()})
	switch {
	case errors.Is(err, award.ErrPoolEmpty):
		return s.fail(ctx, o, kind, ReasonPoolEmpty, "no redeem code is left for this award")
	case errors.Is(err, award.ErrPermanent):
		return s.fail(ctx, o, kind, ReasonRefused, err.Error())
	case err != nil:
		return s.retryOrFail(ctx, o, kind, r, err)
	}
	state, now := draw.GrantState(d.State), s.d.Now()
	err = s.d.Grants.Record(ctx, draw.GrantRecord{
		OrderID: o.ID, AwardID: a.ID(), UserID: o.UserID, Kind: string(kind), State: state,
		Payload: d.Payload, At: now,
	})
	return s.recorded(o, kind, state, now, err)
}

// recorded ends a grant whose record was written at at with err: a decided order is done
// with, another failure asks for the event again.
func (s *Service) recorded(o draw.Order, kind award.Kind, state draw.GrantState, at time.Time, err error) error {
	if errors.Is(err, draw.ErrAlreadyGranted) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("record grant of order %d: %w", o.ID, err)
	}
	if s.d.Observer != nil {
		s.d.Observer.Granted(kind, state)
		s.d.Observer.Took(kind, at.Sub(o.CreatedAt))
	}
	return nil
}

// retryOrFail asks for another delivery unless this was the last one. A grant not tried
// (award.NotTried) comes back, as it did not use up the attempt, unless it has waited
// for longer than GiveUpAfter.
func (s *Service) retryOrFail(ctx context.Context, o draw.Order, kind award.Kind, r Request, err error) error {
	if at := draw.GivesUpAt(r.Since, s.d.GiveUpAfter); !at.IsZero() && !s.d.Now().Before(at) {
		return s.fail(ctx, o, kind, ReasonGaveUp, fmt.Sprintf("not delivered within %s of %s: %v",
			roughly(s.d.GiveUpAfter), sinceWhat(o, r), err))
	}
	var later *award.NotTried
	notTried := errors.As(err, &later)
	if !r.Last || notTried {
		if s.d.Observer != nil {
			s.d.Observer.Retrying(kind, !notTried)
		}
		return err // logged by the caller: GrantAll sums a lot's up in one line
	}
	attempts := "attempts"
	if r.Attempt == 1 {
		attempts = "attempt"
	}
	return s.fail(ctx, o, kind, ReasonExhausted, fmt.Sprintf("not delivered after %d %s: %v", r.Attempt, attempts, err))
}

// sinceWhat names what a Request's Since is: the win, or the grant sent again.
func sinceWhat(o draw.Order, r Request) string {
	if r.Since.After(o.CreatedAt) {
		return "being sent again"
	}
	return "the win"
}

// roughly writes d without its zero minutes and seconds: 24h, not 24h0m0s.
func roughly(d time.Duration) string {
	s := d.String()
	if t, ok := strings.CutSuffix(s, "m0s"); ok {
		s = t + "m"
	}
	if t, ok := strings.CutSuffix(s, "h0m"); ok {
		s = t + "h"
	}
	return s
}

// fail records a grant as failed for good. When even that cannot be written, the event
// must come back, so the error is returned.
func (s *Service) fail(ctx context.Context, o draw.Order, kind award.Kind, reason, msg string) error {
	err := s.d.Grants.Fail(ctx, o.ID, msg, s.d.Now())
	if errors.Is(err, draw.ErrAlreadyGranted) {
		return nil // decided by another delivery meanwhile: nothing failed
	}
	if err != nil {
		return fmt.Errorf("record failed grant of order %d: %w", o.ID, err)
	}
	s.d.Log.ErrorContext(ctx, "grant failed", "order_id", o.ID, "user_id", o.UserID, "kind", kind,
		"reason", reason, "error", msg)
	if s.d.Observer != nil {
		s.d.Observer.Failed(kind, reason)
	}
	return nil
}
