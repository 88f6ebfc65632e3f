package rules

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// compareTree sends a user to "yes" when the single condition holds.
func compareTree(typ FactType, op Op, value any) Document {
	return Document{
		Facts: map[string]FactType{"f": typ}, Root: "r",
		Nodes: []Node{
			{ID: "r", Edges: []Edge{{When: Compare("f", op, value), To: "yes"}, {To: "no"}}},
			{ID: "yes", Leaf: "yes"}, {ID: "no", Leaf: "no"},
		},
	}
}

func TestStructuredOps(t *testing.T) {
	t.Parallel()
	t0 := "2026-11-11T00:00:00+08:00"
	t1 := "2026-11-12T00:00:00+08:00"
	tests := []struct {
		typ   FactType
		op    Op
		value any
		fact  any
		want  bool
	}{
		{TypeInt, OpEq, 30, 30, true},
		{TypeInt, OpEq, json.Number("30"), 30.0, true},
		{TypeInt, OpEq, 30, 31, false},
		{TypeInt, OpNe, 30, 31, true},
		{TypeInt, OpNe, 30, 30, false},
		{TypeInt, OpGt, 30, 31, true},
		{TypeInt, OpGt, 30, 30, false},
		{TypeInt, OpGte, 30, 30, true},
		{TypeInt, OpGte, 30, 29, false},
		{TypeInt, OpLt, 30, 29, true},
		{TypeInt, OpLt, 30, 30, false},
		{TypeInt, OpLte, 30, 30, true},
		{TypeInt, OpLte, 30, 31, false},
		{TypeInt, OpIn, []any{1.0, 2.0, 3.0}, 2, true},
		{TypeInt, OpIn, []int{1, 2, 3}, 4, false},
		{TypeInt, OpNotIn, []int{1, 2, 3}, 4, true},
		{TypeInt, OpNotIn, []int{1, 2, 3}, 3, false},
		{TypeInt, OpBetween, []int{18, 30}, 18, true},
		{TypeInt, OpBetween, []int{18, 30}, 30, true},
		{TypeInt, OpBetween, []int{18, 30}, 31, false},
		{TypeInt, OpBetween, []int{18, 30}, 17, false},

		{TypeFloat, OpEq, 1.5, 1.5, true},
		{TypeFloat, OpEq, 2, 2, true},
		{TypeFloat, OpNe, 1.5, 1.5, false},
		{TypeFloat, OpGt, 1.5, 1.6, true},
		{TypeFloat, OpGte, 1.5, 1.4, false},
		{TypeFloat, OpLt, 1.5, 1.4, true},
		{TypeFloat, OpLte, 1.5, 1.5, true},
		{TypeFloat, OpIn, []any{0.5, 1.5}, 1.5, true},
		{TypeFloat, OpNotIn, []any{0.5, 1.5}, 1.5, false},
		{TypeFloat, OpBetween, []any{0.5, 1.5}, 1.0, true},
		{TypeFloat, OpBetween, []any{0.5, 1.5}, 1.6, false},

		{TypeString, OpEq, "female", "female", true},
		{TypeString, OpEq, "female", "Female", false},
		{TypeString, OpNe, "female", "male", true},
		{TypeString, OpIn, []string{"cn", "jp"}, "jp", true},
		{TypeString, OpIn, []any{"cn", "jp"}, "us", false},
		{TypeString, OpNotIn, []string{"cn", "jp"}, "us", true},
		{TypeString, OpContains, "@corp", "ann@corp.com", true},
		{TypeString, OpContains, "@corp", "ann@home.com", false},

		{TypeBool, OpEq, true, true, true},
		{TypeBool, OpEq, true, false, false},
		{TypeBool, OpEq, false, "false", true},
		{TypeBool, OpNe, true, false, true},

		{TypeTime, OpEq, t0, "2026-11-10T16:00:00Z", true},
		{TypeTime, OpNe, t0, t1, true},
		{TypeTime, OpGt, t0, t1, true},
		{TypeTime, OpGte, t0, t0, true},
		{TypeTime, OpLt, t0, t1, false},
		{TypeTime, OpLte, t1, t0, true},
		{TypeTime, OpBetween, []string{t0, t1}, "2026-11-11T12:00:00+08:00", true},
		{TypeTime, OpBetween, []string{t0, t1}, "2026-11-12T00:00:01+08:00", false},
		{TypeTime, OpGt, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), true},

		{TypeStrings, OpContains, "vip", []string{"new", "vip"}, true},
		{TypeStrings, OpContains, "vip", []any{"new"}, false},
		{TypeStrings, OpContains, "vip", []string{}, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %s %v on %v", tt.typ, tt.op, tt.value, tt.fact), func(t *testing.T) {
			t.Parallel()
			tree, err := Compile(compareTree(tt.typ, tt.op, tt.value))
			require.NoError(t, err)
			res, err := tree.Evaluate(map[string]any{"f": tt.fact})
			require.NoError(t, err)
			assert.Equal(t, tt.want, res.Value == "yes")

			res, err = tree.Evaluate(map[string]any{})
			require.NoError(t, err)
			assert.Equal(t, "no", res.Value, "a missing fact never matches")
		})
	}
}

func TestStructuredOpsRejected(t *testing.T) {
	t.Parallel()
	tests := []struct {
		typ   FactType
		op    Op
		value any
		code  string
	}{
		{TypeInt, "like", 1, CodeUnknownOp},
		{TypeInt, OpContains, 1, CodeOpNotForType},
		{TypeFloat, OpContains, 1, CodeOpNotForType},
		{TypeString, OpGt, "a", CodeOpNotForType},
		{TypeString, OpBetween, []string{"a", "b"}, CodeOpNotForType},
		{TypeBool, OpLt, true, CodeOpNotForType},
		{TypeBool, OpIn, []bool{true}, CodeOpNotForType},
		{TypeTime, OpIn, []string{"2026-01-01T00:00:00Z"}, CodeOpNotForType},
		{TypeTime, OpContains, "x", CodeOpNotForType},
		{TypeStrings, OpEq, "vip", CodeOpNotForType},
		{TypeStrings, OpIn, []string{"vip"}, CodeOpNotForType},

		{TypeInt, OpEq, "thirty", CodeInvalidValue},
		{TypeInt, OpEq, 1.5, CodeInvalidValue},
		{TypeInt, OpEq, nil, CodeInvalidValue},
		{TypeInt, OpIn, 3, CodeInvalidValue},
		{TypeInt, OpIn, []any{1, "x"}, CodeInvalidValue},
		{TypeInt, OpBetween, []int{1}, CodeInvalidValue},
		{TypeInt, OpBetween, []int{1, 2, 3}, CodeInvalidValue},
		{TypeInt, OpBetween, []int{30, 18}, CodeInvalidValue},
		{TypeFloat, OpGt, true, CodeInvalidValue},
		{TypeString, OpEq, 3, CodeInvalidValue},
		{TypeString, OpEq, json.Number("5"), CodeInvalidValue},
		{TypeString, OpIn, []any{"cn", json.Number("5")}, CodeInvalidValue},
		{TypeString, OpContains, []string{"a"}, CodeInvalidValue},
		{TypeBool, OpEq, "yes", CodeInvalidValue},
		{TypeTime, OpGt, "yesterday", CodeInvalidValue},
		{TypeTime, OpBetween, []string{"2026-02-01T00:00:00Z", "2026-01-01T00:00:00Z"}, CodeInvalidValue},
		{TypeStrings, OpContains, 1, CodeInvalidValue},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %s %v", tt.typ, tt.op, tt.value), func(t *testing.T) {
			t.Parallel()
			_, err := Compile(compareTree(tt.typ, tt.op, tt.value))
			problems := requireProblems(t, err)
			require.Len(t, problems, 1)
			assert.Equal(t, tt.code, problems[0].Code)
			assert.Equal(t, "r", problems[0].Node)
			assert.Equal(t, 0, problems[0].Edge)
		})
	}
}

// A list of values is looked up in a set, whatever its length, and bounded in length.
func TestStructuredValueLists(t *testing.T) {
	t.Parallel()
	ints := func(n int) []int {
		out := make([]int, n)
		for i := range out {
			out[i] = i * 2
		}
		return out
	}
	for _, op := range []Op{OpIn, OpNotIn} {
		t.Run(string(op), func(t *testing.T) {
			t.Parallel()
			tree, err := Compile(compareTree(TypeInt, op, ints(1000)))
			require.NoError(t, err)
			for fact, in := range map[int]bool{0: true, 1998: true, 1: false, 2000: false} {
				res, err := tree.Evaluate(map[string]any{"f": fact})
				require.NoError(t, err)
				assert.Equal(t, in == (op == OpIn), res.Value == "yes", "%d", fact)
			}

			_, err = Compile(compareTree(TypeInt, op, ints(1001)))
			problems := requireProblems(t, err)
			require.Len(t, problems, 1)
			assert.Equal(t, where{CodeInvalidValue, "r", 0}, where{problems[0].Code, problems[0].Node, problems[0].Edge})
			assert.Equal(t, "nodes[0].edges[0].when.value", problems[0].Field)
			assert.Contains(t, problems[0].Message, "1001 values, more than the limit of 1000")

			_, err = Compile(compareTree(TypeInt, op, ints(1001)), Stored())
			assert.NoError(t, err, "a stored tree keeps its list")
		})
	}
	t.Run("float and string sets", func(t *testing.T) {
		t.Parallel()
		tree, err := Compile(compareTree(TypeFloat, OpIn, []any{json.Number("0.5"), 2}))
		require.NoError(t, err)
		res, err := tree.Evaluate(map[string]any{"f": 2.0})
		require.NoError(t, err)
		assert.Equal(t, "yes", res.Value)
		tree, err = Compile(compareTree(TypeString, OpNotIn, []string{"cn", "jp"}))
		require.NoError(t, err)
		res, err = tree.Evaluate(map[string]any{"f": "jp"})
		require.NoError(t, err)
		assert.Equal(t, "no", res.Value)
	})
}
