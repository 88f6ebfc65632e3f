package admin

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/award"
	"github.com/lottery-go/lottery/domain/check"
)

// Transition applies action to the activity on behalf of actor and records it in the
// review trail with reason. A reject needs a reason: it is what the marketer fixes next.
func (s *Service) Transition(ctx context.Context, id int64, actor activity.Actor, action activity.Action, reason string) error {
	return s.TransitionSeen(ctx, id, actor, action, reason, 0)
}

// TransitionSeen is Transition of the activity as the actor saw it, at version seen (0:
// as it is): an activity changed since is refused with *activity.StaleVersionError.
func (s *Service) TransitionSeen(ctx context.Context, id int64, actor activity.Actor, action activity.Action, reason string, seen int64) error {
	if err := checkTransition(action, reason); err != nil {
		return err
	}
	if err := s.checkCodes(ctx, id, actor, action); err != nil {
		return fmt.Errorf("%s activity %d: %w", action, id, err)
	}
	if action == activity.ActionStart {
		s.prepareStart(ctx, id)
	}
	err := retryLostRace(func() error {
		return s.d.Activities.Transition(ctx, id, func(a *activity.Activity) (activity.TrailEntry, error) {
			if err := a.CheckVersion(seen); err != nil {
				return activity.TrailEntry{}, err
			}
			from, now := a.State(), s.now()
			if err := a.Transition(action, actor, now); err != nil {
				return activity.TrailEntry{}, err
			}
			return activity.TrailEntry{Action: action, From: from, To: a.State(), Actor: actor.ID, Reason: reason, At: now}, nil
		})
	})
	if err != nil {
		return fmt.Errorf("%s activity %d: %w", action, id, err)
	}
	s.notify(ctx, "activity", func(ctx context.Context, n Notifier) error { return n.ActivityChanged(ctx, id) })
	return nil
}

// checkCodes refuses to submit, approve or start an activity whose redeem-code awards
// have fewer free codes than the stock of the prizes that give them: each unit beyond is a
// win that would be announced and then fail for want of a code. Codes other activities
// (submitted, approved, running or paused) may still take for the same award, and the
// wins of closed ones still waiting for theirs, are not free for this one: two activities sharing a pool of three codes with three units each
// announced six wins and granted three. Since submitted activities count, two approvals
// at once each see the other's stock. Likewise a coupon prize where coupons cannot be
// granted (Deps.NoCoupons). Codes are uploaded to the award first.
// Who acts and from which state are decided first, on a copy, so a marketer approving
// hears 403 and an approve on a draft 409, whatever the codes.
func (s *Service) checkCodes(ctx context.Context, id int64, actor activity.Actor, action activity.Action) error {
	if action != activity.ActionSubmit && action != activity.ActionApprove && action != activity.ActionStart {
		return nil
	}
	a, err := s.d.Activities.Get(ctx, id)
	if err != nil || a.Transition(action, actor, s.now()) != nil {
		return nil // the transition itself says why it cannot be made
	}
	var l check.List
	st := a.Strategy()
	need := map[int64]int64{} // units of stock per redeem-code award
	first := map[int64]int{}  // the first prize giving it, where a problem is reported
	names := map[int64]string{}
	for i := range st.Len() {
		p := st.At(i)
		aw, err := s.d.Awards.Get(ctx, p.AwardID)
		if errors.Is(err, award.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if aw.Kind() == award.KindCoupon && s.d.NoCoupons != "" {
			l.Add(check.Index("strategy.prizes", i)+".award_id", CodeCouponsUnavailable, fmt.Sprintf(
				"award %q is a coupon, which this deployment cannot grant: %s", aw.Name(), s.d.NoCoupons))
		}
		if aw.Kind() != award.KindRedeemCode {
			continue
		}
		if _, seen := need[aw.ID()]; !seen {
			first[aw.ID()], names[aw.ID()] = i, aw.Name()
		}
		need[aw.ID()] += p.Stock
	}
	for _, awardID := range slices.Sorted(maps.Keys(need)) {
		free, err := s.d.Awards.FreeCodes(ctx, awardID)
		if err != nil {
			return err
		}
		promised, err := s.d.Awards.CodesPromised(ctx, awardID, id)
		if err != nil {
			return err
		}
		if free-promised < need[awardID] {
			left := fmt.Sprintf("%d redeem codes left", free)
			if promised > 0 {
				left += fmt.Sprintf(", %d of them promised to other activities' prizes,", promised)
			}
			l.Add(check.Index("strategy.prizes", first[awardID])+".stock", CodeNotEnoughCodes, fmt.Sprintf(
				"award %q has %s for %d units of prize stock: upload codes to the award first", names[awardID], left, need[awardID]))
		}
	}
	return l.Err()
}

// Problem codes of an activity whose wins could not be granted.
const (
	// CodeNotEnoughCodes: a redeem-code prize with more stock than codes.
	CodeNotEnoughCodes = "not_enough_codes"
	// CodeCouponsUnavailable: a coupon prize in a deployment that cannot grant coupons.
	CodeCouponsUnavailable = "coupons_unavailable"
)

// raceAttempts bounds how often a change that lost a race with another writer of the same
// activity (the scheduler starting or closing it, another admin) is decided again.
const raceAttempts = 5

// retryLostRace runs store again while it loses the compare-and-set to another writer.
// A client that names no version leaves a lost race to the server: each attempt reloads
// the activity and decides afresh on it, so an action the other writer made impossible
// (approving an activity already approved) fails as illegal, not as a conflict.
func retryLostRace(store func() error) error {
	var err error
	for range raceAttempts {
		if err = store(); !errors.Is(err, activity.ErrConcurrentChange) {
			return err
		}
	}
	return err
}

func checkTransition(action activity.Action, reason string) error {
	var l check.List
	switch {
	case action == "":
		l.Add("action", check.CodeRequired, fmt.Sprintf("action is required, one of %v", activity.Actions))
	case !action.Valid():
		l.Add("action", check.CodeUnknown, fmt.Sprintf("action must be one of %v", activity.Actions))
	}
	l.Text("reason", reason, action == activity.ActionReject, activity.MaxReasonRunes, true)
	return l.Err()
}

// prepareStart readies an approved activity's first draws before it starts. Whether the
// start is then allowed is the transition's to decide; a refused one leaves counters of an
// activity nobody draws from, which is harmless.
func (s *Service) prepareStart(ctx context.Context, id int64) {
	if s.d.Starter == nil {
		return
	}
	if err := s.d.Starter.Prepare(ctx, id); err != nil {
		s.d.Logger.WarnContext(ctx, "prepare activity start; its first draws will load its counters", "activity_id", id, "err", err)
	}
}
