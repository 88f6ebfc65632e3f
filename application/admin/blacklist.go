package admin

import (
	"context"
	"errors"
	"fmt"

	"github.com/lottery-go/lottery/domain/user"
)

// ErrNotPropagated: a blacklist change is stored but the draw engine's copy could not be
// told. Draws read the copy, so the request fails; repeating it is safe and tells it again.
var ErrNotPropagated = errors.New("saved, but draws may not see it yet")

// Blacklist lists a user, or replaces the reason of a listed one, and returns the entry
// as stored.
func (s *Service) Blacklist(ctx context.Context, userID, reason string) (user.Entry, error) {
	return s.blacklist(ctx, userID, reason)
}

// EnsureBlacklisted lists a user without a reason, or keeps a listed one's reason: a
// request that only makes sure a user is listed does not erase why they were.
func (s *Service) EnsureBlacklisted(ctx context.Context, userID string) (user.Entry, error) {
	reason := ""
	switch e, err := s.d.Blacklist.Get(ctx, userID); {
	case err == nil:
		reason = e.Reason
	case !errors.Is(err, user.ErrNotFound):
		return user.Entry{}, err
	}
	return s.blacklist(ctx, userID, reason)
}

func (s *Service) blacklist(ctx context.Context, userID, reason string) (user.Entry, error) {
	e, err := user.NewEntry(userID, reason, s.now())
	if err != nil {
		return user.Entry{}, err
	}
	if err := s.d.Blacklist.Add(ctx, e.UserID, e.Reason); err != nil {
		return user.Entry{}, err
	}
	if err := s.propagate(ctx, e.UserID, true); err != nil {
		return user.Entry{}, err
	}
	return s.d.Blacklist.Get(ctx, userID)
}

// propagate tells the draw engine's copy of the blacklist, which, unlike a cache, no
// reload would correct soon: a failure is the request's (ErrNotPropagated).
func (s *Service) propagate(ctx context.Context, userID string, listed bool) error {
	if s.d.Notifier == nil {
		return nil
	}
	if err := s.d.Notifier.BlacklistChanged(ctx, userID, listed); err != nil {
		s.d.Logger.WarnContext(ctx, "blacklist saved but the draw engine was not told", "user_id", userID, "err", err)
		return fmt.Errorf("%w: %v", ErrNotPropagated, err)
	}
	return nil
}

// Unblacklist removes a user from the blacklist; unlisting an unlisted user is not an
// error, so a retried request answers the same.
func (s *Service) Unblacklist(ctx context.Context, userID string) error {
	if err := s.d.Blacklist.Remove(ctx, userID); err != nil {
		return err
	}
	return s.propagate(ctx, userID, false)
}

// BlacklistEntry returns user.ErrNotFound when the user is not listed.
func (s *Service) BlacklistEntry(ctx context.Context, userID string) (user.Entry, error) {
	return s.d.Blacklist.Get(ctx, userID)
}
