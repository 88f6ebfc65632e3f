package user

import (
	"context"
	"time"

	"github.com/lottery-go/lottery/domain/check"
)

// MaxReasonRunes bounds a blacklist reason.
const MaxReasonRunes = 500

// Entry is one blacklisted user.
type Entry struct {
	UserID    string
	Reason    string
	CreatedAt time.Time
}

// NewEntry validates a blacklist entry before it is stored.
func NewEntry(userID, reason string, now time.Time) (Entry, error) {
	var l check.List
	if err := ValidUserID(userID); err != nil {
		l.Add("user_id", check.CodeInvalid, err.Error())
	}
	l.Text("reason", reason, false, MaxReasonRunes, true)
	if err := l.Err(); err != nil {
		return Entry{}, err
	}
	return Entry{UserID: userID, Reason: reason, CreatedAt: now}, nil
}

// Blacklist keeps users out of every draw. The draw path checks it inside the admission
// call; this port is how it is managed.
type Blacklist interface {
	// Add lists the user, replacing the reason if already listed.
	Add(ctx context.Context, userID, reason string) error
	// Remove unlists the user; removing an unlisted user is not an error.
	Remove(ctx context.Context, userID string) error
	// Get returns ErrNotFound when the user is not listed.
	Get(ctx context.Context, userID string) (Entry, error)
}
