package rules

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMissingFactTakesTheDefault: API.md's contract, a fact missing at evaluation
// takes the default edge. The first edge of a node that reads a missing fact decides,
// even when a later edge would match; the path names the fact on that edge and on the
// default taken because of it.
func TestMissingFactTakesTheDefault(t *testing.T) {
	t.Parallel()
	tree := springRouter(t)
	ageMissing := []Step{
		{Node: "n1", Edge: 0, Condition: "age < 18", Missing: "age"},
		{Node: "n1", Edge: 2, Matched: true, Missing: "age"},
	}
	tests := []struct {
		name  string
		facts map[string]any
		want  string
		path  []Step
	}{
		{name: "absent fact, later edges would match", want: "a-general", path: ageMissing,
			facts: map[string]any{"gender": "female", "level": 5, "tags": []string{"vip"}}},
		{name: "null counts as missing", want: "a-general", path: ageMissing,
			facts: map[string]any{"age": nil, "gender": "female", "level": 5, "tags": []string{"vip"}}},
		{name: "unconvertible counts as missing", want: "a-general", path: ageMissing,
			facts: map[string]any{"age": "old", "gender": "female", "level": 5, "tags": []string{"vip"}}},
		{name: "missing fact of a structured condition", want: "a-general",
			facts: map[string]any{"age": 30, "level": 5, "tags": []string{"vip"}},
			path: []Step{
				{Node: "n1", Edge: 0, Condition: "age < 18"},
				{Node: "n1", Edge: 1, Condition: `gender eq "female"`, Missing: "gender"},
				{Node: "n1", Edge: 2, Matched: true, Missing: "gender"},
			}},
		{name: "one of two facts of an expression missing", want: "a-general",
			facts: map[string]any{"age": 30, "gender": "female", "level": 5},
			path: []Step{
				{Node: "n1", Edge: 0, Condition: "age < 18"},
				{Node: "n1", Edge: 1, Condition: `gender eq "female"`, Matched: true},
				{Node: "n2", Edge: 0, Condition: "level >= 3 && 'vip' in tags", Missing: "tags"},
				{Node: "n2", Edge: 1, Matched: true, Missing: "tags"},
			}},
		{name: "an edge matched before the missing fact is read", want: "a-kids",
			facts: map[string]any{"age": 12},
			path:  []Step{{Node: "n1", Edge: 0, Condition: "age < 18", Matched: true}}},
		{name: "JSON facts", want: "a-general", path: ageMissing, facts: jsonFacts(t, `{"gender":"female","level":5,"tags":["vip"]}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := tree.Evaluate(tt.facts)
			require.NoError(t, err)
			assert.Equal(t, tt.want, res.Value)
			assert.Equal(t, tt.path, res.Path)
		})
	}
}

// TestMissingFactDoesNotFallThrough: operators that hold for "anything but" do not hold
// for an unknown value either; the default decides.
func TestMissingFactDoesNotFallThrough(t *testing.T) {
	t.Parallel()
	for _, cond := range []*Condition{
		Compare("gender", OpNe, "male"),
		Compare("gender", OpNotIn, []string{"male"}),
		Expression("gender != 'male'"),
		Expression("gender == nil"),
	} {
		t.Run(cond.String(), func(t *testing.T) {
			t.Parallel()
			tree, err := Compile(Document{
				Facts: map[string]FactType{"gender": TypeString, "level": TypeInt}, Root: "r",
				Nodes: []Node{
					{ID: "r", Edges: []Edge{{When: cond, To: "x"}, {When: Expression("level > 0"), To: "y"}, {To: "d"}}},
					{ID: "x", Leaf: "x"}, {ID: "y", Leaf: "y"}, {ID: "d", Leaf: "d"},
				},
			})
			require.NoError(t, err)
			res, err := tree.Evaluate(map[string]any{"level": 3})
			require.NoError(t, err)
			assert.Equal(t, "d", res.Value)
		})
	}
}

func TestMissingFactWithoutDefault(t *testing.T) {
	t.Parallel()
	tree, err := Compile(Document{
		Name: "strict", Facts: map[string]FactType{"age": TypeInt, "member": TypeBool}, Root: "r",
		Nodes: []Node{
			{ID: "r", Edges: []Edge{{When: Compare("member", OpEq, true), To: "m"}, {When: Expression("age >= 18"), To: "adult"}}},
			{ID: "m", Leaf: "m"}, {ID: "adult", Leaf: "a1"},
		},
	})
	require.NoError(t, err)
	res, err := tree.Evaluate(map[string]any{"member": false})
	require.ErrorIs(t, err, ErrNoMatch)
	assert.Contains(t, err.Error(), `fact "age" is missing`)
	assert.Empty(t, res.Value)
	assert.Equal(t, []Step{
		{Node: "r", Edge: 0, Condition: "member eq true"},
		{Node: "r", Edge: 1, Condition: "age >= 18", Missing: "age"},
	}, res.Path)
}

func TestMissingStepJSON(t *testing.T) {
	t.Parallel()
	out, err := json.Marshal([]Step{{Node: "n1", Edge: 2, Matched: true, Missing: "age"}, {Node: "n1", Edge: 0, Condition: "age < 18"}})
	require.NoError(t, err)
	assert.JSONEq(t, `[{"node":"n1","edge":2,"condition":"","matched":true,"missing":"age"},
		{"node":"n1","edge":0,"condition":"age < 18","matched":false}]`, string(out))
}

func jsonFacts(t *testing.T, s string) map[string]any {
	t.Helper()
	var facts map[string]any
	require.NoError(t, json.Unmarshal([]byte(s), &facts))
	return facts
}
