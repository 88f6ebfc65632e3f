package user_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/check"
	"github.com/lottery-go/lottery/domain/user"
)

var now = time.Date(2026, 11, 11, 9, 0, 0, 0, time.UTC)

func fieldCodes(err error) []string {
	var out []string
	for _, p := range check.Problems(err) {
		out = append(out, p.Field+" "+p.Code)
	}
	return out
}

func TestValidUserID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id string
		ok bool
	}{
		{"u1", true},
		{"auth0|5f7c8ec7c33c6c004bbafe82", true},
		{"someone+tag@example.com", true},
		{strings.Repeat("x", 64), true},
		{"", false},
		{strings.Repeat("x", 65), false},
		{"has space", false},
		{"tab\there", false},
		{"brace{tag}", false},
		{"ünïcode", false},
		{"del\x7f", false},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			t.Parallel()
			err := user.ValidUserID(tt.id)
			if tt.ok {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, user.ErrInvalidID)
			}
		})
	}
}

func TestNewProfile(t *testing.T) {
	t.Parallel()
	tags := []string{"vip"}
	attrs := map[string]any{
		"age": 30, "gender": "female", "level": int64(3), "score": 4.5, "verified": true,
		"tags": tags, "mixed": []any{"a", 1.0}, "registered_at": "2026-01-01T00:00:00Z", "_private": nil,
	}
	p, err := user.NewProfile("u1", attrs, now)
	require.NoError(t, err)
	assert.Equal(t, "u1", p.UserID)
	assert.Equal(t, now, p.UpdatedAt)
	assert.Equal(t, attrs, p.Attributes)

	attrs["age"] = 99
	tags[0] = "changed"
	assert.Equal(t, 30, p.Attributes["age"], "the map is copied")
	assert.Equal(t, []string{"vip"}, p.Attributes["tags"], "lists are copied")
}

func TestNewProfileValidation(t *testing.T) {
	t.Parallel()
	many := make(map[string]any, user.MaxAttributes+1)
	for i := range user.MaxAttributes + 1 {
		many[fmt.Sprintf("attr%d", i)] = i
	}
	require.Len(t, many, user.MaxAttributes+1)
	tests := []struct {
		name  string
		id    string
		attrs map[string]any
		want  string
	}{
		{"empty id", "", nil, "user_id invalid"},
		{"long id", strings.Repeat("x", 65), nil, "user_id invalid"},
		{"too many attributes", "u1", many, "attributes too_many"},
		{"key with space", "u1", map[string]any{"first name": "x"}, "attributes.first name invalid"},
		{"key starting with digit", "u1", map[string]any{"1st": "x"}, "attributes.1st invalid"},
		{"key with dot", "u1", map[string]any{"a.b": "x"}, "attributes.a.b invalid"},
		{"long key", "u1", map[string]any{strings.Repeat("k", 65): "x"}, "attributes." + strings.Repeat("k", 65) + " invalid"},
		{"nested map", "u1", map[string]any{"addr": map[string]any{"city": "x"}}, "attributes.addr invalid"},
		{"nested list", "u1", map[string]any{"m": []any{[]any{1.0}}}, "attributes.m invalid"},
		{"long string", "u1", map[string]any{"bio": strings.Repeat("b", 1025)}, "attributes.bio too_long"},
		{"long list", "u1", map[string]any{"tags": make([]string, 101)}, "attributes.tags too_many"},
		{"struct value", "u1", map[string]any{"x": struct{}{}}, "attributes.x invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := user.NewProfile(tt.id, tt.attrs, now)
			require.ErrorIs(t, err, check.ErrInvalid)
			assert.Contains(t, fieldCodes(err), tt.want)
		})
	}
}

func TestFacts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		attrs  map[string]any
		claims map[string]any
		want   map[string]any
	}{
		{"profile only", map[string]any{"age": 30}, nil,
			map[string]any{"age": 30, "now": now}},
		{"claims override profile", map[string]any{"age": 30, "level": 1}, map[string]any{"level": 5},
			map[string]any{"age": 30, "level": 5, "now": now}},
		{"now cannot be claimed", nil, map[string]any{"now": "2000-01-01T00:00:00Z"},
			map[string]any{"now": now}},
		{"registered days from RFC 3339", map[string]any{"registered_at": "2026-11-01T10:00:00Z"}, nil,
			map[string]any{"registered_at": "2026-11-01T10:00:00Z", "registered_days": int64(9), "now": now}},
		{"registered days from time", map[string]any{"registered_at": now.Add(-72 * time.Hour)}, nil,
			map[string]any{"registered_at": now.Add(-72 * time.Hour), "registered_days": int64(3), "now": now}},
		{"registered days from claim", nil, map[string]any{"registered_at": "2026-11-10T09:00:00Z"},
			map[string]any{"registered_at": "2026-11-10T09:00:00Z", "registered_days": int64(1), "now": now}},
		{"future registration is day 0", map[string]any{"registered_at": "2027-01-01T00:00:00Z"}, nil,
			map[string]any{"registered_at": "2027-01-01T00:00:00Z", "registered_days": int64(0), "now": now}},
		{"unparseable registration is ignored", map[string]any{"registered_at": "last week"}, nil,
			map[string]any{"registered_at": "last week", "now": now}},
		{"a claim larger than an attribute may be is missing", map[string]any{"name": "ann", "level": 1},
			map[string]any{"name": strings.Repeat("a", user.MaxAttributeString+1), "tags": make([]any, user.MaxAttributeListSize+1),
				"groups": []string{"x", strings.Repeat("é", user.MaxAttributeString+1)}, "level": 2,
				"postcode": json.Number(strings.Repeat("1", user.MaxAttributeString+1))},
			map[string]any{"level": 2, "now": now}},
		{"a claim as large as an attribute may be is kept", nil,
			map[string]any{"name": strings.Repeat("é", user.MaxAttributeString), "tags": make([]string, user.MaxAttributeListSize)},
			map[string]any{"name": strings.Repeat("é", user.MaxAttributeString), "tags": make([]string, user.MaxAttributeListSize), "now": now}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := user.Profile{UserID: "u1", Attributes: tt.attrs}
			assert.Equal(t, tt.want, p.Facts(tt.claims, now))
		})
	}
}

// now is the same instant in UTC whatever zone the clock or an evaluation's caller used,
// so that a draw and a dry run decide alike.
func TestFactsNowIsUTC(t *testing.T) {
	t.Parallel()
	shanghai := time.FixedZone("+08:00", 8*3600)
	got := user.Profile{}.Facts(nil, now.In(shanghai))[user.FactNow].(time.Time)
	assert.Equal(t, time.UTC, got.Location())
	assert.True(t, got.Equal(now))
	assert.Equal(t, 9, got.Hour())
}

func TestFactsDoesNotTouchTheProfile(t *testing.T) {
	t.Parallel()
	p := user.Profile{UserID: "u1", Attributes: map[string]any{"level": 1}}
	_ = p.Facts(map[string]any{"level": 9}, now)
	assert.Equal(t, map[string]any{"level": 1}, p.Attributes)
}

func TestNewEntry(t *testing.T) {
	t.Parallel()
	e, err := user.NewEntry("u1", "fraud ring", now)
	require.NoError(t, err)
	assert.Equal(t, user.Entry{UserID: "u1", Reason: "fraud ring", CreatedAt: now}, e)

	_, err = user.NewEntry("", strings.Repeat("r", user.MaxReasonRunes+1), now)
	assert.ElementsMatch(t, []string{"user_id invalid", "reason too_long"}, fieldCodes(err))
}

func TestProfileTextIsUTF8WithoutControlCharacters(t *testing.T) {
	t.Parallel()
	for name, v := range map[string]any{
		"Latin-1 bytes": "Z\xfcrich", "NUL": "a\x00b", "escape": "a\x1bb", "in a list": []string{"ok", "Z\xfcrich"},
	} {
		_, err := user.NewProfile("u1", map[string]any{"city": v}, now)
		require.ErrorIs(t, err, check.ErrInvalid, name)
		assert.Contains(t, fieldCodes(err), "attributes.city invalid_character", name)
	}
	_, err := user.NewProfile("u1", map[string]any{"city": "Zürich\tCH"}, now)
	require.NoError(t, err, "UTF-8 and a tab are fine")
}
