package rules

import (
	"fmt"
	"sync"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"
)

// Tree is a compiled document: immutable, safe for concurrent Evaluate calls.
type Tree struct {
	name     string
	schema   map[string]FactType // declared and derived facts
	used     []schemaFact        // facts some condition reads, coerced per call
	root     int
	nodes    []node
	maxSteps int // most edges one walk can try; sizes the path up front
	vms      sync.Pool
}

type schemaFact struct {
	name string
	typ  FactType
}

type node struct {
	id       string
	leaf     string
	edges    []edge // empty for leaves
	fallback int    // index of the default edge, -1 without one
}

type edge struct {
	to   int
	text string
	test test // nil for the default edge
}

// test is a compiled condition. The VM is lent by the caller so that one
// evaluation reuses one machine across all the edges it tries. When a fact the
// condition reads is absent or null, match does not run the condition and
// returns that fact's name as missing instead.
type test interface {
	match(facts map[string]any, m *vm.VM) (ok bool, missing string, err error)
	facts() []string
	cost() int64 // a bound on the work of one run (see cost.go)
}

// Compile checks doc and prepares it for evaluation. When doc has problems the
// error is a *CompileError listing all of them.
func Compile(doc Document, opts ...Option) (*Tree, error) {
	cfg := config{limits: DefaultLimits()}
	for _, opt := range opts {
		opt(&cfg)
	}
	c := newCompiler(doc, cfg.limits)
	c.stored = cfg.stored
	if !c.checkSize() {
		return nil, c.err()
	}
	c.checkSchema()
	c.indexNodes()
	c.compileNodes()
	c.checkGraph()
	if len(c.problems) > 0 {
		return nil, c.err()
	}
	if c.checkWalkCost(c.index[c.doc.Root]); len(c.problems) > 0 {
		return nil, c.err()
	}
	return c.tree(), nil
}

// compiler carries the state of one Compile call; problems accumulate instead
// of stopping at the first so that authors see everything at once.
type compiler struct {
	doc       Document
	limits    Limits
	types     map[string]FactType
	env       map[string]any
	index     map[string]int
	nodes     []node
	used      map[string]bool
	problems  []Problem
	stored    bool             // see Stored
	patterns  int64            // the size of the patterns admitted so far (see checkPatterns)
	zoneNames map[string]error // zones literals named, and what looking them up said
}

func newCompiler(doc Document, limits Limits) *compiler {
	return &compiler{
		doc:       doc,
		limits:    limits,
		types:     make(map[string]FactType, len(doc.Facts)+len(derivedFacts)),
		env:       make(map[string]any, len(doc.Facts)+len(derivedFacts)),
		index:     make(map[string]int, len(doc.Nodes)),
		nodes:     make([]node, len(doc.Nodes)),
		used:      make(map[string]bool),
		zoneNames: make(map[string]error),
	}
}

func (c *compiler) err() error {
	return &CompileError{Problems: c.problems}
}

func (c *compiler) add(p Problem) {
	c.problems = append(c.problems, p)
}

func (c *compiler) docProblem(code, field, format string, args ...any) {
	c.add(Problem{Code: code, Message: fmt.Sprintf(format, args...), Edge: NoEdge, Field: field})
}

func (c *compiler) nodeProblem(i int, code, format string, args ...any) {
	c.add(Problem{Code: code, Message: fmt.Sprintf(format, args...), Node: c.doc.Nodes[i].ID,
		Edge: NoEdge, Field: fmt.Sprintf("nodes[%d]", i)})
}

func (c *compiler) edgeProblem(i, j int, field, code, format string, args ...any) {
	c.add(Problem{Code: code, Message: fmt.Sprintf(format, args...), Node: c.doc.Nodes[i].ID,
		Edge: j, Field: fmt.Sprintf("nodes[%d].edges[%d]%s", i, j, field)})
}

// problemAt is a problem with the condition of edge j of node i, placed at n in its
// source src (at its start when n is nil), where an editor can point to it.
func (c *compiler) problemAt(i, j int, src string, n ast.Node, code, format string, args ...any) Problem {
	line, col := 1, 1
	if n != nil {
		line, col = position(src, n.Location().From)
	}
	return Problem{Code: code, Message: fmt.Sprintf(format, args...), Node: c.doc.Nodes[i].ID, Edge: j,
		Field: fmt.Sprintf("nodes[%d].edges[%d].when", i, j), Line: line, Column: col}
}

// checkSize rejects oversized documents before any per-edge work, so that the
// cost of refusing a huge document stays proportional to counting it.
func (c *compiler) checkSize() bool {
	l := c.limits
	ok := true
	if n := len(c.doc.Nodes); n > l.MaxNodes {
		c.docProblem(CodeTooManyNodes, "nodes", "the tree has %d nodes, more than the limit of %d", n, l.MaxNodes)
		ok = false
	}
	edges := 0
	for _, n := range c.doc.Nodes {
		edges += len(n.Edges)
	}
	if edges > l.MaxEdges {
		c.docProblem(CodeTooManyEdges, "nodes", "the tree has %d edges, more than the limit of %d", edges, l.MaxEdges)
		ok = false
	}
	if n := len(c.doc.Facts); n > l.MaxFacts {
		c.docProblem(CodeTooManyFacts, "facts", "the schema declares %d facts, more than the limit of %d", n, l.MaxFacts)
		ok = false
	}
	return ok
}

func (c *compiler) tree() *Tree {
	t := &Tree{name: c.doc.Name, schema: c.types, root: c.index[c.doc.Root], nodes: c.nodes}
	for _, name := range sortedKeys(c.used) {
		t.used = append(t.used, schemaFact{name: name, typ: c.types[name]})
	}
	t.maxSteps = maxSteps(c.nodes, t.root)
	budget := c.limits.MemoryBudget
	t.vms.New = func() any { return &vm.VM{MemoryBudget: budget} }
	return t
}

// Name returns the document's name.
func (t *Tree) Name() string { return t.name }

// Schema returns the fact types the tree understands, derived facts included.
func (t *Tree) Schema() map[string]FactType {
	out := make(map[string]FactType, len(t.schema))
	for k, v := range t.schema {
		out[k] = v
	}
	return out
}
