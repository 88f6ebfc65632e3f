package rest

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The path of a value of the wrong type names array elements by index.
func TestPathAtNamesTheElement(t *testing.T) {
	t.Parallel()
	type prize struct {
		N int    `json:"n"`
		S string `json:"s"`
	}
	type body struct {
		Prizes []prize          `json:"prizes"`
		Limits map[string]int64 `json:"limits"`
		Top    bool             `json:"top"`
	}
	for _, tc := range []struct{ body, path string }{
		{`{"prizes":[{"n":1},{"n":"x"}]}`, "prizes[1].n"},
		{`{"prizes":[{"n":1},{"s":{"z":[1]}}]}`, "prizes[1].s"},
		{`{"prizes":[{"n":1}, {"n":2}, {"s":[1,2]}]}`, "prizes[2].s"},
		{`{"prizes":{"n":1}}`, "prizes"},
		{`{"limits":{"a":1,"b":true}}`, "limits.b"},
		{` { "top" : "yes" } `, "top"},
		{`{"prizes":[{"n":1.5}]}`, "prizes[0].n"},
		{`[1]`, ""},
	} {
		var v body
		var te *json.UnmarshalTypeError
		require.True(t, errors.As(json.Unmarshal([]byte(tc.body), &v), &te), tc.body)
		assert.Equal(t, tc.path, pathAt([]byte(tc.body), te.Offset), tc.body)
	}
}
