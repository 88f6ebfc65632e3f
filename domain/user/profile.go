package user

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/lottery-go/lottery/domain/check"
)

// Limits of a profile.
const (
	MaxAttributes        = 100
	MaxAttributeKey      = 64
	MaxAttributeString   = 1024
	MaxAttributeListSize = 100
)

var keyPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Profile is the trusted attributes an admin stored for a user; they feed rule trees as
// facts. Attribute values are strings, booleans, numbers, times, or lists of those.
type Profile struct {
	UserID     string
	Attributes map[string]any
	UpdatedAt  time.Time
}

// NewProfile validates and copies the attributes, so the caller's map can be reused.
// Keys must be identifiers because rule conditions refer to them by name ("age < 18").
func NewProfile(id string, attrs map[string]any, now time.Time) (Profile, error) {
	var l check.List
	if err := ValidUserID(id); err != nil {
		l.Add("user_id", check.CodeInvalid, err.Error())
	}
	if len(attrs) > MaxAttributes {
		l.Add("attributes", check.CodeTooMany, fmt.Sprintf("at most %d attributes are allowed", MaxAttributes))
	}
	out := make(map[string]any, len(attrs))
	for _, k := range slices.Sorted(maps.Keys(attrs)) { // sorted: problems in a stable order
		field := "attributes." + k
		if len(k) > MaxAttributeKey || !keyPattern.MatchString(k) {
			l.Add(field, check.CodeInvalid, "attribute names must be identifiers: letters, digits, _; not starting with a digit; at most 64")
			continue
		}
		v, code := copyValue(attrs[k])
		if code != "" {
			l.Add(field, code, valueProblem(code))
			continue
		}
		out[k] = v
	}
	if err := l.Err(); err != nil {
		return Profile{}, err
	}
	return Profile{UserID: id, Attributes: out, UpdatedAt: now}, nil
}

// copyValue returns a copy of an allowed value or a problem code.
func copyValue(v any) (any, string) {
	switch x := v.(type) {
	case string:
		if code := textProblem(x); code != "" {
			return nil, code
		}
		return x, ""
	case nil, bool, int, int32, int64, uint32, float64, time.Time:
		return x, ""
	case json.Number: // one ExactNumbers could not hold
		return nil, check.CodeOutOfRange
	case []string:
		if len(x) > MaxAttributeListSize {
			return nil, check.CodeTooMany
		}
		for _, e := range x {
			if code := textProblem(e); code != "" {
				return nil, code
			}
		}
		return slices.Clone(x), ""
	case []any:
		if len(x) > MaxAttributeListSize {
			return nil, check.CodeTooMany
		}
		out := make([]any, len(x))
		for i, e := range x {
			if _, nested := e.([]any); nested {
				return nil, check.CodeInvalid
			}
			c, code := copyValue(e)
			if code != "" {
				return nil, code
			}
			out[i] = c
		}
		return out, ""
	}
	return nil, check.CodeInvalid
}

// ProfileRepository stores profiles.
type ProfileRepository interface {
	// Put creates or replaces one profile.
	Put(ctx context.Context, p Profile) error
	// Get returns ErrNotFound for a user without a profile.
	Get(ctx context.Context, id string) (Profile, error)
	// PutMany stores all profiles in one transaction, or none of them.
	PutMany(ctx context.Context, ps []Profile) error
}

// valueProblem words a copyValue problem for the person who sent the attribute.
func valueProblem(code string) string {
	switch code {
	case check.CodeTooLong:
		return fmt.Sprintf("a text attribute holds at most %d characters", MaxAttributeString)
	case check.CodeTooMany:
		return fmt.Sprintf("a list attribute holds at most %d values", MaxAttributeListSize)
	case check.CodeInvalidChar:
		return "text must be UTF-8 without control characters (save the file as UTF-8)"
	case check.CodeOutOfRange:
		return "a whole number must lie within ±9223372036854775807, and any number within ±1.8e308"
	}
	return "an attribute is a string, number, boolean, time, null or a list of those; objects and nested lists are not allowed"
}

// textProblem refuses a string fact that rules could not match as written: bytes that are
// not UTF-8 (a Latin-1 file imported as is: "Zürich" would read "Z\ufffdrich") or control
// characters; or one that is too long.
func textProblem(v string) string {
	switch {
	case !utf8.ValidString(v), strings.IndexFunc(v, func(r rune) bool { return unicode.IsControl(r) && r != '\t' }) >= 0:
		return check.CodeInvalidChar
	case tooLong(v):
		return check.CodeTooLong
	}
	return ""
}

// tooLong tells text of more than MaxAttributeString characters (counting runes only when
// the bytes could be too many).
func tooLong(s string) bool {
	return len(s) > MaxAttributeString && utf8.RuneCountInString(s) > MaxAttributeString
}
