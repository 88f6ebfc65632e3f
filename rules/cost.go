package rules

import (
	"fmt"

	"github.com/expr-lang/expr/ast"
)

// A condition's cost is a bound on the work of one run, in syntax nodes visited: every
// node once, and a predicate's body once per element of what it iterates. A walk's cost is
// bounded by the costs of every edge of every node on its longest path, since a node may
// try all its edges before it moves on. Compile refuses a tree whose walk could cost more
// than Limits.MaxWalkCost, so that no document, however its limits are spent, makes an
// evaluation slow: nested predicates are refused and ranges are only compared against,
// so nothing multiplies but a predicate over one collection.

// Bounds of what a predicate iterates when the document does not spell it out.
const (
	// factListBound is the most elements of a list fact a profile may hold
	// (user.MaxAttributeListSize); the identity provider's token facts are trusted.
	factListBound = 100
	// otherBound covers collections computed at run time (split of a string fact, whose
	// profile values hold at most 1,024 characters).
	otherBound = 1024
	// compareCost is the cost of a structured condition: one comparison, or a look-up in
	// its list of values.
	compareCost = 4
)

// exprCost is the cost of one run of the expression whose parse tree is root.
func exprCost(root ast.Node) int64 {
	var cost int64
	ast.Find(root, func(n ast.Node) bool {
		cost++
		b, ok := n.(*ast.BuiltinNode)
		if !ok || len(b.Arguments) < 2 {
			return false
		}
		if p, ok := b.Arguments[1].(*ast.PredicateNode); ok {
			cost += (iterationBound(b.Arguments[0]) - 1) * nodeCount(p.Node)
		}
		return false
	})
	return cost
}

// iterationBound is the most elements a predicate may be run for over n.
func iterationBound(n ast.Node) int64 {
	switch n := n.(type) {
	case *ast.ArrayNode:
		return max(int64(len(n.Nodes)), 1)
	case *ast.IdentifierNode:
		return factListBound
	}
	return otherBound
}

func nodeCount(n ast.Node) int64 {
	var count int64
	ast.Find(n, func(ast.Node) bool {
		count++
		return false
	})
	return count
}

// checkWalkCost refuses a tree whose most expensive walk from the root could cost more
// than the limit, naming that cost.
func (c *compiler) checkWalkCost(root int) {
	memo := make(map[int]int64, len(c.nodes))
	var walk func(n int) int64
	walk = func(n int) int64 {
		if w, ok := memo[n]; ok {
			return w
		}
		memo[n] = 0 // a cycle is reported by the graph checks; it adds nothing here
		var own, next int64
		for _, e := range c.nodes[n].edges {
			if e.test != nil {
				own += e.test.cost()
			}
			if e.to >= 0 {
				next = max(next, walk(e.to))
			}
		}
		memo[n] = own + next
		return own + next
	}
	if w := walk(root); w > c.limits.MaxWalkCost {
		c.add(Problem{Code: CodeTooCostly, Node: c.doc.Root, Edge: NoEdge, Field: "nodes",
			Message: fmt.Sprintf("one evaluation could cost %d units of work (syntax nodes visited, a predicate's body once per element it iterates), more than the limit of %d: iterate over fewer elements, or split conditions across fewer edges",
				w, c.limits.MaxWalkCost)})
	}
}
