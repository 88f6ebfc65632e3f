package rules

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDescribe(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v    any
		want string
	}{
		{nil, "null"},
		{true, "true"},
		{json.Number("5"), "the number 5"},
		{5, "the number 5"},
		{int64(-2), "the number -2"},
		{1.5, "the number 1.5"},
		{"x", `the string "x"`},
		{[]any{1, "a"}, "an array of 2 elements"},
		{[]int{1}, "an array of 1 element"},
		{map[string]any{"a": 1}, "an object"},
		{time.Date(2026, 11, 11, 0, 0, 0, 0, time.UTC), "the time 2026-11-11T00:00:00Z"},
		{(*time.Time)(nil), "null"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, describe(tt.v))
	}
}

// TestMessagesNameNoGoTypes: marketers read these messages; they know the schema's types
// and JSON's, not Go's.
func TestMessagesNameNoGoTypes(t *testing.T) {
	t.Parallel()
	doc, err := ParseDocument([]byte(`{"facts":{"n":"int","tags":"[]string","spent":"float"},"root":"r","nodes":[
		{"id":"r","edges":[
			{"when":{"fact":"n","op":"eq","value":"five"},"to":"a"},
			{"when":{"fact":"n","op":"in","value":5},"to":"a"},
			{"when":{"fact":"n","op":"between","value":[1,2.5]},"to":"a"},
			{"when":{"fact":"tags","op":"contains","value":5},"to":"a"},
			{"when":"now > 5","to":"a"},
			{"when":"spent","to":"a"},
			{"when":"[1] == 3","to":"a"},
			{"to":"a"}]},
		{"id":"a","leaf":"x"}]}`))
	require.NoError(t, err)
	_, err = Compile(doc)
	var ce *CompileError
	require.True(t, errors.As(err, &ce), "%v", err)
	var got []string
	for _, p := range ce.Problems {
		got = append(got, p.Message)
	}
	assert.Equal(t, []string{
		`n eq: want a whole number, got the string "five"`,
		"n in: want an array of whole numbers, got the number 5",
		"n between: element 1: want a whole number, got the number 2.5",
		"tags contains: want a string, got the number 5",
		"invalid operation: > (mismatched types time and int)",
		"expected bool, but got float",
		"invalid operation: == (mismatched types array and int)",
	}, got)

	_, err = CoerceFacts(map[string]FactType{"n": TypeInt, "tags": TypeStrings}, map[string]any{"n": json.Number("1.5"), "tags": []any{1}})
	require.Error(t, err)
	assert.Equal(t, "fact \"n\" must be a whole number, not the number 1.5\nfact \"tags\" must be an array of strings, not an array of 1 element", err.Error())
}
