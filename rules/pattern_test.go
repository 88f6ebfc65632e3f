package rules

import (
	"fmt"
	"regexp/syntax"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// patternDoc tests each pattern on an edge of its own, all on the root.
func patternDoc(patterns ...string) Document {
	doc := Document{Facts: map[string]FactType{"s": TypeString}, Root: "r",
		Nodes: []Node{{ID: "r"}, leaf("a")}}
	for _, p := range patterns {
		doc.Nodes[0].Edges = append(doc.Nodes[0].Edges, when(fmt.Sprintf("s matches %q", p), "a"))
	}
	doc.Nodes[0].Edges = append(doc.Nodes[0].Edges, to("a"))
	return doc
}

// The estimate made from the parse tree is what the compiled program holds, give or
// take its first and last instructions (and a little more for a repeated group).
func TestPatternSizeEstimatesTheProgram(t *testing.T) {
	t.Parallel()
	for _, pattern := range []string{`(a|b)*c`, `^1[3-9]\d{9}$`, `[a-z]+@[a-z]+\.com`, `[a-z]{1,64}@[a-z]{1,64}\.[a-z]{2,10}`,
		`(\w+\s*){1,20}x`, `a{1000}`, `[a-z]{1,1000}[0-9]{1,1000}x`, `(?i)hello|world`, `x{3,}`} {
		t.Run(pattern, func(t *testing.T) {
			t.Parallel()
			re, err := syntax.Parse(pattern, syntax.Perl)
			require.NoError(t, err)
			prog, err := syntax.Compile(re.Simplify())
			require.NoError(t, err)
			size, ok := patternSize(pattern)
			require.True(t, ok)
			insts := int64(len(prog.Inst))
			assert.GreaterOrEqual(t, size, insts-2)
			assert.LessOrEqual(t, size, insts+insts/5)
		})
	}
}

// A pattern is charged by its size: one that steps through a thousand instructions per
// byte costs what a thousand small ones would.
func TestMatchesChargedByPatternSize(t *testing.T) {
	t.Parallel()
	small := exprCost(mustParse(t, `s matches "(a|b)*c"`), anyJoinsText)
	large := exprCost(mustParse(t, `s matches "[a-z]{1,100}x"`), anyJoinsText)
	assert.Greater(t, large, 30*small)

	_, err := Compile(patternDoc(`^1[3-9]\d{9}$`, `^f.*e$`, `[a-z]+@corp\.com$`))
	assert.NoError(t, err, "patterns people write are affordable")
	_, err = Compile(patternDoc(`[a-z]{1,100}x`))
	problems := requireProblems(t, err)
	assert.Equal(t, []where{{CodeTooCostly, "r", NoEdge}}, locate(problems), "the walk's cost")
}

// A pattern over the size limit is refused at its edge before expr compiles it.
func TestOversizedPatternRefusedAtItsEdge(t *testing.T) {
	t.Parallel()
	_, err := Compile(patternDoc(`^f.*e$`, `[a-z]{1,1000}[0-9]{1,1000}x`))
	problems := requireProblems(t, err)
	require.Len(t, problems, 1)
	p := problems[0]
	assert.Equal(t, where{CodeTooCostly, "r", 1}, where{p.Code, p.Node, p.Edge})
	assert.Equal(t, "nodes[0].edges[1].when", p.Field)
	assert.Equal(t, []int{1, 11}, []int{p.Line, p.Column}, "at the pattern")
	assert.Contains(t, p.Message, "more than the limit of 2000")

	_, err = Compile(patternDoc(`[a-z]{1,1000}[0-9]{1,1000}x`), WithLimits(Limits{MaxPatternSize: 5000, MaxWalkCost: 2_000_000}))
	assert.NoError(t, err, "the limit is the document's to set")
}

// A maximal document of heavy patterns is refused without compiling them: each edge's
// expression also mistypes its second operand, which only expr.Compile would report, so
// an edge refused with too_costly alone was refused before it. Edges compiled until
// the document's total is reached say so with expression_type.
func TestMaximalDocumentOfPatternsRefusedBeforeCompiling(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		pattern  string
		compiled int // edges that reach expr.Compile
		message  string
	}{
		{name: "each pattern over the limit", pattern: `[a-z]{1,1000}[0-9]{1,1000}x`, message: "more than the limit of 2000"},
		// 1,998 instructions each: 50 fit in the 100,000 of a document.
		{name: "the document's patterns over the limit", pattern: `[a-z]{1,999}x`, compiled: 50,
			message: "together compile to more than 100000 instructions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := maximalDocument(fmt.Sprintf("s matches %q && s", tt.pattern))
			_, err := Compile(doc)
			problems := requireProblems(t, err)
			require.Len(t, problems, DefaultLimits().MaxEdges)
			codes := map[string]int{}
			for _, p := range problems {
				codes[p.Code]++
				if p.Code == CodeTooCostly {
					assert.Contains(t, p.Message, tt.message)
					assert.NotEqual(t, NoEdge, p.Edge)
				}
			}
			want := map[string]int{CodeExpressionType: tt.compiled, CodeTooCostly: DefaultLimits().MaxEdges - tt.compiled}
			assert.Equal(t, omitZero(want), omitZero(codes))
		})
	}
}

// maximalDocument has as many edges as the default limits allow, each with the
// condition src: 125 nodes of 32 edges, each node leading to two others (a heap's
// layout, seven deep) and to a leaf.
func maximalDocument(src string) Document {
	const nodes, edges = 125, 32
	doc := Document{Facts: map[string]FactType{"s": TypeString}, Root: "n0"}
	for i := range nodes {
		n := Node{ID: fmt.Sprintf("n%d", i)}
		for j := range edges {
			target := "end"
			if child := 2*i + 1 + j; j < 2 && child < nodes {
				target = fmt.Sprintf("n%d", child)
			}
			n.Edges = append(n.Edges, when(src, target))
		}
		doc.Nodes = append(doc.Nodes, n)
	}
	doc.Nodes = append(doc.Nodes, leaf("end"))
	return doc
}

func omitZero(m map[string]int) map[string]int {
	for k, v := range m {
		if v == 0 {
			delete(m, k)
		}
	}
	return m
}
