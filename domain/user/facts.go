package user

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/lottery-go/lottery/domain/check"
)

// Fact names the platform adds itself.
const (
	FactNow            = "now"
	FactRegisteredDays = "registered_days"
	AttrRegisteredAt   = "registered_at"
)

// Facts merges what is known about a user into the facts a rule tree sees. Profile
// attributes come first and the token's claims override them: the identity provider
// signed the token moments ago, while the profile may be a week-old import. "now" is
// always the server's clock, never a claim, and "registered_days" is derived from
// "registered_at" (an RFC 3339 string or a time.Time) as whole days, never negative. A
// claim larger than an attribute may be (FactProblem) leaves the fact missing.
func (p Profile) Facts(claims map[string]any, now time.Time) map[string]any {
	facts := make(map[string]any, len(p.Attributes)+len(claims)+2)
	for k, v := range p.Attributes {
		facts[k] = v
	}
	for k, v := range claims {
		if code, _ := FactProblem(v); code != "" {
			delete(facts, k) // missing rather than evaluated at a cost no tree was priced for
			continue
		}
		facts[k] = v
	}
	// In UTC wherever the clock runs and whatever offset an evaluation's caller wrote, so
	// that a draw and a dry run of the same instant decide alike; a tree that means local
	// time says so: now.In(timezone("Asia/Shanghai")).Hour().
	facts[FactNow] = now.UTC()
	if at, ok := registeredAt(facts[AttrRegisteredAt]); ok {
		facts[FactRegisteredDays] = max(int64(now.Sub(at)/(24*time.Hour)), 0)
	}
	return facts
}

func registeredAt(v any) (time.Time, bool) {
	switch x := v.(type) {
	case time.Time:
		return x, !x.IsZero()
	case string:
		t, err := time.Parse(time.RFC3339, x)
		return t, err == nil
	}
	return time.Time{}, false
}

// ExactNumbers replaces the json.Numbers of facts decoded with UseNumber (and those in
// their lists) by int64 when whole and within int64, else by float64, so that a whole
// number above 2^53 stays exact. A number neither can hold, and a whole number written
// without a fraction or exponent beyond int64 (which a float64 would round), stays as it
// is, for validation to refuse.
func ExactNumbers(facts map[string]any) {
	for k, v := range facts {
		facts[k] = exactNumber(v)
	}
}

func exactNumber(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		if !strings.ContainsAny(string(x), ".eE") {
			return v
		}
		if f, err := x.Float64(); err == nil {
			return f
		}
	case []any:
		for i, e := range x {
			x[i] = exactNumber(e)
		}
	}
	return v
}

// FactProblem says why a fact's value is larger than a profile attribute may be: text of
// more than MaxAttributeString characters, or a list of more than MaxAttributeListSize
// values (code "" when it is not). Rule conditions are priced for facts of that size
// (package rules' cost model), so a larger one, from a token or a dry run, is not
// evaluated.
func FactProblem(v any) (code, message string) {
	switch x := v.(type) {
	case string:
		if tooLong(x) {
			return check.CodeTooLong, valueProblem(check.CodeTooLong)
		}
	case json.Number: // a whole number beyond int64, which a string fact reads as its digits
		if len(x) > MaxAttributeString {
			return check.CodeTooLong, valueProblem(check.CodeTooLong)
		}
	case []string:
		return listProblem(x)
	case []any:
		return listProblem(x)
	}
	return "", ""
}

// listProblem is FactProblem of a list: too many values, or the first value's problem.
func listProblem[T any](list []T) (code, message string) {
	if len(list) > MaxAttributeListSize {
		return check.CodeTooMany, valueProblem(check.CodeTooMany)
	}
	for _, e := range list {
		if code, msg := FactProblem(e); code != "" {
			return code, msg
		}
	}
	return "", ""
}
