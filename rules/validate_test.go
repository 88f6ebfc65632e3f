package rules

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func requireProblems(t *testing.T, err error) []Problem {
	t.Helper()
	var ce *CompileError
	require.True(t, errors.As(err, &ce), "want a *CompileError, got %v", err)
	require.NotEmpty(t, ce.Problems)
	return ce.Problems
}

// where identifies a problem by what tests assert about it.
type where struct {
	Code string
	Node string
	Edge int
}

func locate(problems []Problem) []where {
	out := make([]where, len(problems))
	for i, p := range problems {
		out[i] = where{p.Code, p.Node, p.Edge}
	}
	return out
}

func leaf(id string) Node { return Node{ID: id, Leaf: "activity-" + id} }

func to(id string) Edge { return Edge{To: id} }

func when(src, id string) Edge { return Edge{When: Expression(src), To: id} }

func TestCompileStructuralProblems(t *testing.T) {
	t.Parallel()
	facts := map[string]FactType{"age": TypeInt}
	tests := []struct {
		name string
		doc  Document
		want []where
	}{
		{name: "missing root", doc: Document{Nodes: []Node{leaf("a")}},
			want: []where{{CodeMissingRoot, "", NoEdge}}},
		{name: "unknown root", doc: Document{Root: "x", Nodes: []Node{leaf("a")}},
			want: []where{{CodeUnknownRoot, "", NoEdge}}},
		{name: "empty node id", doc: Document{Root: "r", Nodes: []Node{{ID: "r", Edges: []Edge{to("a")}}, leaf("a"), leaf("")}},
			want: []where{{CodeEmptyNodeID, "", NoEdge}}},
		{name: "duplicate node id", doc: Document{Root: "r", Nodes: []Node{{ID: "r", Edges: []Edge{to("a")}}, leaf("a"), leaf("a")}},
			want: []where{{CodeDuplicateNodeID, "a", NoEdge}}},
		{name: "node id too long", doc: Document{Root: "r", Nodes: []Node{{ID: "r", Edges: []Edge{to(strings.Repeat("a", 65))}}, leaf(strings.Repeat("a", 65))}},
			want: []where{{CodeInvalidNodeID, strings.Repeat("a", 65), NoEdge}}},
		{name: "node id with a control character", doc: Document{Root: "r", Nodes: []Node{{ID: "r", Edges: []Edge{to("a\x00")}}, leaf("a\x00")}},
			want: []where{{CodeInvalidNodeID, "a\x00", NoEdge}}},
		{name: "edges and leaf", doc: Document{Root: "r", Nodes: []Node{{ID: "r", Edges: []Edge{to("a")}, Leaf: "x"}, leaf("a")}},
			want: []where{{CodeEdgesAndLeaf, "r", NoEdge}}},
		{name: "neither edges nor leaf", doc: Document{Root: "r", Nodes: []Node{{ID: "r", Edges: []Edge{to("a")}}, {ID: "a"}}},
			want: []where{{CodeEmptyNode, "a", NoEdge}}},
		{name: "blank leaf", doc: Document{Root: "r", Nodes: []Node{{ID: "r", Edges: []Edge{to("a")}}, {ID: "a", Leaf: "  "}}},
			want: []where{{CodeEmptyNode, "a", NoEdge}}},
		{name: "missing target", doc: Document{Root: "r", Nodes: []Node{{ID: "r", Edges: []Edge{when("age > 1", ""), to("a")}}, leaf("a")}},
			want: []where{{CodeMissingTarget, "r", 0}}},
		{name: "unknown target", doc: Document{Root: "r", Nodes: []Node{{ID: "r", Edges: []Edge{when("age > 1", "nowhere"), to("a")}}, leaf("a")}},
			want: []where{{CodeUnknownTarget, "r", 0}}},
		{name: "default not last", doc: Document{Root: "r", Nodes: []Node{{ID: "r", Edges: []Edge{to("a"), when("age > 1", "b")}}, leaf("a"), leaf("b")}},
			want: []where{{CodeDefaultNotLast, "r", 0}}},
		{name: "two defaults", doc: Document{Root: "r", Nodes: []Node{{ID: "r", Edges: []Edge{to("a"), to("b")}}, leaf("a"), leaf("b")}},
			want: []where{{CodeDefaultNotLast, "r", 0}, {CodeMultipleDefaults, "r", 1}}},
		{name: "unreachable", doc: Document{Root: "r", Nodes: []Node{{ID: "r", Edges: []Edge{to("a")}}, leaf("a"), leaf("island")}},
			want: []where{{CodeUnreachableNode, "island", NoEdge}}},
		{name: "self loop", doc: Document{Root: "r", Nodes: []Node{{ID: "r", Edges: []Edge{when("age > 1", "r"), to("a")}}, leaf("a")}},
			want: []where{{CodeCycle, "r", 0}}},
		{name: "cycle", doc: Document{Root: "r", Nodes: []Node{
			{ID: "r", Edges: []Edge{to("b")}},
			{ID: "b", Edges: []Edge{when("age > 1", "c"), to("a")}},
			{ID: "c", Edges: []Edge{when("age > 2", "b"), to("a")}},
			leaf("a")}},
			want: []where{{CodeCycle, "c", 0}}},
		{name: "empty condition", doc: Document{Root: "r", Nodes: []Node{{ID: "r", Edges: []Edge{when(" ", "a"), to("a")}}, leaf("a")}},
			want: []where{{CodeEmptyCondition, "r", 0}}},
		{name: "ambiguous condition", doc: Document{Root: "r", Nodes: []Node{{ID: "r", Edges: []Edge{
			{When: &Condition{Expr: "age > 1", Fact: "age", Op: OpGt, Value: 1}, To: "a"}, to("a")}}, leaf("a")}},
			want: []where{{CodeAmbiguousCondition, "r", 0}}},
		{name: "unknown structured fact", doc: Document{Root: "r", Nodes: []Node{{ID: "r", Edges: []Edge{
			{When: Compare("height", OpGt, 1), To: "a"}, to("a")}}, leaf("a")}},
			want: []where{{CodeUnknownFact, "r", 0}}},
		{name: "unknown expression fact", doc: Document{Root: "r", Nodes: []Node{{ID: "r", Edges: []Edge{when("height > 1", "a"), to("a")}}, leaf("a")}},
			want: []where{{CodeUnknownFact, "r", 0}}},
		{name: "everything at once", doc: Document{Root: "r", Nodes: []Node{
			{ID: "r", Edges: []Edge{to("a"), when("height > 1", "zz"), when("age >", "a")}},
			leaf("a"), leaf("a"), {ID: "lonely"}}},
			want: []where{
				{CodeDuplicateNodeID, "a", NoEdge},
				{CodeDefaultNotLast, "r", 0},
				{CodeUnknownTarget, "r", 1},
				{CodeUnknownFact, "r", 1},
				{CodeExpressionSyntax, "r", 2},
				{CodeEmptyNode, "lonely", NoEdge},
				{CodeUnreachableNode, "lonely", NoEdge},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := tt.doc
			doc.Facts = facts
			_, err := Compile(doc)
			assert.Equal(t, tt.want, locate(requireProblems(t, err)))
		})
	}
}

func TestCompileSchemaProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		facts map[string]FactType
		code  string
	}{
		{"unknown type", map[string]FactType{"age": "integer"}, CodeUnknownFactType},
		{"bad identifier", map[string]FactType{"first name": TypeString}, CodeInvalidFactName},
		{"keyword", map[string]FactType{"in": TypeString}, CodeInvalidFactName},
		{"builtin", map[string]FactType{"len": TypeInt}, CodeInvalidFactName},
		{"reserved with other type", map[string]FactType{"now": TypeString}, CodeReservedFact},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Compile(Document{Facts: tt.facts, Root: "a", Nodes: []Node{leaf("a")}})
			problems := requireProblems(t, err)
			require.Len(t, problems, 1)
			assert.Equal(t, tt.code, problems[0].Code)
			assert.Equal(t, NoEdge, problems[0].Edge)
			assert.True(t, strings.HasPrefix(problems[0].Field, "facts."), problems[0].Field)
		})
	}

	_, err := Compile(Document{Facts: map[string]FactType{"now": TypeTime}, Root: "a", Nodes: []Node{leaf("a")}})
	assert.NoError(t, err, "declaring a derived fact with its own type is harmless")
}

// chain builds root → n1 → … → n<length> → leaf, each step guarded by a condition.
func chain(length, edgesPerNode int) Document {
	doc := Document{Facts: map[string]FactType{"age": TypeInt}, Root: "n0"}
	for i := range length {
		var edges []Edge
		for j := 0; j < edgesPerNode-1; j++ {
			edges = append(edges, when(fmt.Sprintf("age > %d", j), "end"))
		}
		edges = append(edges, to(fmt.Sprintf("n%d", i+1)))
		doc.Nodes = append(doc.Nodes, Node{ID: fmt.Sprintf("n%d", i), Edges: edges})
	}
	doc.Nodes[length-1].Edges[edgesPerNode-1].To = "end"
	doc.Nodes = append(doc.Nodes, leaf("end"))
	return doc
}

func TestCompileLimits(t *testing.T) {
	t.Parallel()
	long := "age > 1" + strings.Repeat(" ", 20) + " && age < 9"
	complexExpr := "age > 1" + strings.Repeat(" && age > 1", 10)
	oneNode := func(src string) Document {
		return Document{Facts: map[string]FactType{"age": TypeInt}, Root: "r",
			Nodes: []Node{{ID: "r", Edges: []Edge{when(src, "a"), to("a")}}, leaf("a")}}
	}
	manyFacts := map[string]FactType{}
	for i := range 5 {
		manyFacts[fmt.Sprintf("f%d", i)] = TypeInt
	}
	tests := []struct {
		name   string
		doc    Document
		limits Limits
		want   []where
	}{
		{name: "nodes", doc: chain(10, 1), limits: Limits{MaxNodes: 10}, want: []where{{CodeTooManyNodes, "", NoEdge}}},
		{name: "edges", doc: chain(4, 3), limits: Limits{MaxEdges: 11}, want: []where{{CodeTooManyEdges, "", NoEdge}}},
		{name: "facts", doc: Document{Facts: manyFacts, Root: "a", Nodes: []Node{leaf("a")}}, limits: Limits{MaxFacts: 4},
			want: []where{{CodeTooManyFacts, "", NoEdge}}},
		{name: "edges per node", doc: chain(2, 5), limits: Limits{MaxEdgesPerNode: 4},
			want: []where{{CodeTooManyEdges, "n0", NoEdge}, {CodeTooManyEdges, "n1", NoEdge}}},
		{name: "depth", doc: chain(10, 1), limits: Limits{MaxDepth: 9}, want: []where{{CodeTooDeep, "n0", NoEdge}}},
		{name: "expression length", doc: oneNode(long), limits: Limits{MaxExprLength: 20},
			want: []where{{CodeExpressionTooLong, "r", 0}}},
		{name: "expression nodes", doc: oneNode(complexExpr), limits: Limits{MaxExprNodes: 20},
			want: []where{{CodeExpressionTooComplex, "r", 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Compile(tt.doc, WithLimits(tt.limits))
			assert.Equal(t, tt.want, locate(requireProblems(t, err)))
		})
	}

	t.Run("at the limit compiles", func(t *testing.T) {
		t.Parallel()
		_, err := Compile(chain(9, 4), WithLimits(Limits{MaxNodes: 10, MaxDepth: 9, MaxEdgesPerNode: 4, MaxEdges: 36}))
		assert.NoError(t, err)
		_, err = Compile(oneNode(long), WithLimits(Limits{MaxExprLength: len(long)}))
		assert.NoError(t, err)
	})
	t.Run("defaults stop a huge document early", func(t *testing.T) {
		t.Parallel()
		_, err := Compile(chain(5000, 1))
		assert.Equal(t, []where{{CodeTooManyNodes, "", NoEdge}, {CodeTooManyEdges, "", NoEdge}}, locate(requireProblems(t, err)))
	})
}

func TestCompileErrorMessage(t *testing.T) {
	t.Parallel()
	_, err := Compile(Document{Root: "x", Nodes: []Node{leaf("a"), leaf("a")}})
	require.Error(t, err)
	assert.Equal(t, `rule tree: 2 problems: node "a" - duplicate_node_id: node id "a" is used more than once; unknown_root: the root "x" is not a node of the document`, err.Error())
	var ce *CompileError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, []string{CodeDuplicateNodeID, CodeUnknownRoot}, ce.Codes())
}
