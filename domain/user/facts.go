package user

import "time"

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
// "registered_at" (an RFC 3339 string or a time.Time) as whole days, never negative.
func (p Profile) Facts(claims map[string]any, now time.Time) map[string]any {
	facts := make(map[string]any, len(p.Attributes)+len(claims)+2)
	for k, v := range p.Attributes {
		facts[k] = v
	}
	for k, v := range claims {
		facts[k] = v
	}
	facts[FactNow] = now
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
