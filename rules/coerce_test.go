package rules

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCoerce(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 11, 0, 0, 0, 0, time.FixedZone("", 8*3600))
	tests := []struct {
		typ  FactType
		in   any
		want any
	}{
		{TypeInt, 30, 30},
		{TypeInt, 30.0, 30},
		{TypeInt, int64(30), 30},
		{TypeInt, uint8(30), 30},
		{TypeInt, json.Number("30"), 30},
		{TypeInt, "30", 30},
		{TypeInt, 30.5, nil},
		{TypeInt, math.NaN(), nil},
		{TypeInt, 1e300, nil},
		{TypeInt, uint64(math.MaxUint64), nil},
		{TypeInt, true, nil},
		{TypeFloat, 1.5, 1.5},
		{TypeFloat, 2, 2.0},
		{TypeFloat, json.Number("2.5"), 2.5},
		{TypeFloat, "2.5", 2.5},
		{TypeFloat, math.Inf(1), nil},
		{TypeFloat, "NaN", nil},
		{TypeString, "x", "x"},
		{TypeString, json.Number("7"), "7"},
		{TypeString, 7, "7"},
		{TypeString, int64(12345), "12345"}, // a postcode sent as a number, as a token's facts hold it
		{TypeString, 7.5, nil},
		{TypeBool, true, true},
		{TypeBool, "false", false},
		{TypeBool, 1, nil},
		{TypeTime, "2026-11-11T00:00:00+08:00", at},
		{TypeTime, at, at},
		{TypeTime, &at, at},
		{TypeTime, "2026-11-11", nil},
		{TypeStrings, []any{"a", "b"}, []string{"a", "b"}},
		{TypeStrings, []string{"a"}, []string{"a"}},
		{TypeStrings, []any{"a", 1.0}, nil},
		{TypeStrings, "a", nil},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %T %v", tt.typ, tt.in, tt.in), func(t *testing.T) {
			t.Parallel()
			got, ok := coerce(tt.in, tt.typ)
			if tt.want == nil {
				assert.False(t, ok, "got %v", got)
				return
			}
			require.True(t, ok)
			if want, isTime := tt.want.(time.Time); isTime {
				assert.True(t, want.Equal(got.(time.Time)))
				return
			}
			assert.Equal(t, tt.want, got)
			assert.True(t, hasType(got, tt.typ))
		})
	}
}

func TestCoerceFacts(t *testing.T) {
	t.Parallel()
	schema := map[string]FactType{"age": TypeInt, "tags": TypeStrings, "level": TypeInt}
	in := map[string]any{"age": 30.0, "tags": []any{"vip"}, "level": "high", "extra": 1.5, "registered_days": 3.0}
	out, err := CoerceFacts(schema, in)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `fact "level"`)
	assert.Equal(t, map[string]any{"age": 30, "tags": []string{"vip"}, "extra": 1.5, "registered_days": 3}, out)
	assert.Equal(t, 30.0, in["age"], "the input is not modified")

	out, err = CoerceFacts(schema, nil)
	require.NoError(t, err)
	assert.Empty(t, out)
}
