package admin

import (
	"context"

	"github.com/lottery-go/lottery/domain/user"
)

// Blacklist lists a user, or replaces the reason of a listed one, and returns the entry
// as stored.
func (s *Service) Blacklist(ctx context.Context, userID, reason string) (user.Entry, error) {
	e, err := user.NewEntry(userID, reason, s.now())
	if err != nil {
		return user.Entry{}, err
	}
	if err := s.d.Blacklist.Add(ctx, e.UserID, e.Reason); err != nil {
		return user.Entry{}, err
	}
	s.notify(ctx, "blacklist", func(n Notifier) error { return n.BlacklistChanged(ctx, userID, true) })
	return s.d.Blacklist.Get(ctx, userID)
}

// Unblacklist removes a user from the blacklist; unlisting an unlisted user is not an
// error, so a retried request answers the same.
func (s *Service) Unblacklist(ctx context.Context, userID string) error {
	if err := s.d.Blacklist.Remove(ctx, userID); err != nil {
		return err
	}
	s.notify(ctx, "blacklist", func(n Notifier) error { return n.BlacklistChanged(ctx, userID, false) })
	return nil
}

// BlacklistEntry returns user.ErrNotFound when the user is not listed.
func (s *Service) BlacklistEntry(ctx context.Context, userID string) (user.Entry, error) {
	return s.d.Blacklist.Get(ctx, userID)
}
