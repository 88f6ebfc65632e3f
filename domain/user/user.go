// Package user holds what the platform knows about a user outside their token: the
// trusted profile whose attributes become facts for rule trees, and the blacklist port.
package user

import (
	"errors"
	"fmt"
)

// MaxIDLength is the longest user id, in bytes.
const MaxIDLength = 64

var (
	ErrNotFound = errors.New("user not found")
	// ErrInvalidID is wrapped by ValidUserID.
	ErrInvalidID = errors.New("invalid user id")
)

// ValidUserID accepts 1..64 visible ASCII characters except '{' and '}'. User ids come
// from token subjects and end up in Redis keys; Redis Cluster hashes a key by its first
// {…} section, so braces in an id could move a user's keys away from their activity's
// slot and break the single-slot Lua admission.
func ValidUserID(id string) error {
	if id == "" {
		return fmt.Errorf("%w: empty", ErrInvalidID)
	}
	if len(id) > MaxIDLength {
		return fmt.Errorf("%w: longer than %d characters", ErrInvalidID, MaxIDLength)
	}
	for i, c := range id {
		if c <= ' ' || c > '~' || c == '{' || c == '}' {
			return fmt.Errorf("%w: character %q at byte %d is not allowed (visible ASCII except braces)", ErrInvalidID, c, i)
		}
	}
	return nil
}
