package admin

import (
	"context"
	"io"

	"github.com/lottery-go/lottery/domain/user"
)

// PutProfile validates and stores a user's trusted attributes, replacing any earlier
// ones, and returns the profile as stored.
func (s *Service) PutProfile(ctx context.Context, userID string, attrs map[string]any) (user.Profile, error) {
	p, err := user.NewProfile(userID, attrs, s.now())
	if err != nil {
		return user.Profile{}, err
	}
	if err := s.d.Profiles.Put(ctx, p); err != nil {
		return user.Profile{}, err
	}
	s.told(ctx, "profile", func(ctx context.Context, n RoutingNotifier) error { return n.ProfileChanged(ctx, p.UserID) })
	return p, nil
}

// Profile returns user.ErrNotFound for a user without a profile.
func (s *Service) Profile(ctx context.Context, userID string) (user.Profile, error) {
	return s.d.Profiles.Get(ctx, userID)
}

// ImportProfiles stores every profile of a CSV file (see readProfiles for its format) and
// returns how many there were. It is all or nothing: a file with any problem stores no
// profile and the error lists every problem with its row and column.
func (s *Service) ImportProfiles(ctx context.Context, csv io.Reader) (int, error) {
	ps, err := readProfiles(csv, s.now())
	if err != nil {
		return 0, err
	}
	if err := s.d.Profiles.PutMany(ctx, ps); err != nil {
		return 0, err
	}
	s.told(ctx, "profiles", func(ctx context.Context, n RoutingNotifier) error { return n.ProfilesChanged(ctx) })
	return len(ps), nil
}
