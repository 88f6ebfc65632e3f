package rules

import (
	"strings"
	"testing"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mustParse(t *testing.T, src string) ast.Node {
	t.Helper()
	tree, err := parser.Parse(src)
	require.NoError(t, err)
	return tree.Node
}

// What concat and flatten make holds the elements of all their arguments, and sort or
// filter of it no fewer.
func TestIterationBoundOfCollections(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src  string
		want int64
	}{
		{"tags", factListBound},
		{"[1, 2, 3]", 3},
		{"concat(tags, tags, tags)", 3 * factListBound},
		{"concat(tags, [1, 2])", factListBound + 2},
		{"flatten([tags, [1, [2, 3]], 4])", factListBound + 4},
		{"sort(concat(tags, tags))", 2 * factListBound},
		{"filter(concat(tags, tags), # != '')", 2 * factListBound},
		{"split(s, ',')", otherBound},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, iterationBound(mustParse(t, tt.src)))
		})
	}
}

// A predicate over concat(t, t, … 190 times) runs 19,000 times, not a thousand.
func TestCompileChargesConcatByItsArguments(t *testing.T) {
	t.Parallel()
	doc := func(times int) Document {
		src := "any(concat(" + strings.TrimSuffix(strings.Repeat("t,", times), ",") + "), # == s)"
		return Document{Facts: map[string]FactType{"t": TypeStrings, "s": TypeString}, Root: "r", Nodes: []Node{
			{ID: "r", Edges: []Edge{when(src, "x"), to("x")}}, leaf("x")}}
	}
	_, err := Compile(doc(190))
	assert.Equal(t, []where{{CodeTooCostly, "r", NoEdge}}, locate(requireProblems(t, err)))
	_, err = Compile(doc(3))
	assert.NoError(t, err)
}

// Each + makes a string as long as its operands together: name+name+… 98 times copies
// ~5 MB, and 31 such edges on a walk's nodes cost a second. A few concatenations pass, and
// so does a long sum of numbers.
func TestCompileChargesStringConcatenationByItsLength(t *testing.T) {
	t.Parallel()
	doc := func(src string) Document {
		return Document{Facts: map[string]FactType{"name": TypeString, "age": TypeInt}, Root: "r", Nodes: []Node{
			{ID: "r", Edges: []Edge{when(src, "x"), to("x")}}, leaf("x")}}
	}
	_, err := Compile(doc(strings.TrimSuffix(strings.Repeat("name+", 99), "+") + " == 'x'"))
	assert.Equal(t, []where{{CodeTooCostly, "r", NoEdge}}, locate(requireProblems(t, err)))
	_, err = Compile(doc(`name + " " + name + "!" == "a b!" && age + 1 > 18`))
	assert.NoError(t, err)
	_, err = Compile(doc(strings.TrimSuffix(strings.Repeat("age+", 99), "+") + " > 18"))
	assert.NoError(t, err, "a sum of numbers makes no string")
	assert.Equal(t, int64(2+3+4), sumOperands(mustParse(t, "a+b"))+sumOperands(mustParse(t, "a+b+c"))+sumOperands(mustParse(t, "(a+b)+(c+d)")))
}

// A zone the cache may not hold is charged as the read of the zone database it may be.
func TestCompileChargesZoneLookUps(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src   string
		loads bool
	}{
		{`now.In(timezone("Asia/Shanghai")).Hour() > 3`, false},
		{`now.In(timezone(tz)).Hour() > 3`, true},
		{`date(s, "2006-01-02", "Asia/Shanghai") < now`, true},
		{`date(timezone("Asia/Shanghai"), s, "2006-01-02") < now`, false},
		{`date(timezone(tz), s, "2006-01-02") < now`, true},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			cost := exprCost(mustParse(t, tt.src), anyJoinsText)
			assert.Equal(t, tt.loads, cost >= zoneCost, "cost %d", cost)
		})
	}
}
