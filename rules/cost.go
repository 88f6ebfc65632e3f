package rules

import (
	"fmt"
	"reflect"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
)

// A condition's cost is a bound on the work of one run, in syntax nodes visited: every
// node once, a predicate's body once per element of what it iterates, and what a node
// reads besides (a list for `in`, a string for `contains` or `matches`, a collection
// for a builtin). A walk's cost is
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
	// the set of its values (see membership).
	compareCost = 4
	// scanCost is a search through a string fact (contains, indexOf, hasPrefix…), and
	// copyCost a new string made from one (upper, lower, trim…), a kilobyte at most; a
	// syntax node costs some twenty nanoseconds. Measured with 1 KiB strings.
	scanCost = 64
	copyCost = 192
	// stepCost is what a predicate costs per element besides its body: the element
	// handed over, the scope kept (a few hundred nanoseconds, measured).
	stepCost = 32
	// storedCostFactor relaxes the bound for trees saved before it (see checkWalkCost).
	storedCostFactor = 20
	// matchCost is a regular expression run over a string fact of a kilobyte: its
	// automaton steps through every byte (~50 µs for (a|b)*c, measured). A literal
	// pattern is charged by its size against that one (see patternCost).
	matchCost = 2048
	// zoneCost is a time zone read from the zone database, which no cache answers: the
	// zone named by a fact, or by date's third argument (expr's date loads it on every
	// call). 10 µs for a zone that exists, 55 µs for one that does not (measured).
	zoneCost = 2048
)

// cheapBuiltins do a constant amount of work; the others are charged by what they read.
var cheapBuiltins = map[string]bool{
	"len": true, "abs": true, "ceil": true, "floor": true, "round": true, "int": true, "float": true,
	"type": true, "duration": true, "date": true, "timezone": true, "first": true, "last": true,
	"get": true, "bitnot": true, "max": true, "min": true,
}

// collectionBuiltins make a collection of the elements of their arguments: concat and
// flatten of all of them, the others of (at most) those of their first.
var collectionBuiltins = map[string]bool{"concat": true, "flatten": true, "sort": true, "reverse": true,
	"uniq": true, "take": true, "filter": true}

// scanBuiltins search one string and copyBuiltins make one from another; the rest
// (split, sum, sort, uniq, concat…) build or walk a collection.
var (
	scanBuiltins = map[string]bool{"indexOf": true, "lastIndexOf": true, "hasPrefix": true, "hasSuffix": true}
	copyBuiltins = map[string]bool{"trim": true, "trimPrefix": true, "trimSuffix": true, "upper": true,
		"lower": true, "string": true}
)

// extraCost is what node costs beyond being visited.
func extraCost(n ast.Node, joins joinsText) int64 {
	switch n := n.(type) {
	case *ast.BinaryNode:
		switch n.Operator {
		case "in", "not in":
			if _, literal := n.Right.(*ast.ArrayNode); literal {
				return 0 // its elements are counted as nodes
			}
			if _, isRange := n.Right.(*ast.BinaryNode); isRange {
				return 0 // bounds only (see comparedRanges)
			}
			return iterationBound(n.Right)
		case "matches":
			if pattern, literal := n.Right.(*ast.StringNode); literal {
				return patternCost(pattern.Value)
			}
			return matchCost
		case "contains", "startsWith", "endsWith":
			return scanCost
		case "+":
			if joins(n) {
				return copyCost * sumOperands(n)
			}
		}
	case *ast.BuiltinNode:
		switch p, _ := predicateOf(n); {
		case p != nil:
			return 0 // charged per element by exprCost
		case loadsZone(n):
			return zoneCost
		case collectionBuiltins[n.Name]:
			return max(otherBound, iterationBound(n)) // every element copied
		case cheapBuiltins[n.Name]:
			return 0
		case scanBuiltins[n.Name]:
			return scanCost
		case copyBuiltins[n.Name]:
			return copyCost
		}
		return otherBound
	}
	return 0
}

// joinsText tells a + that makes a string (from the checked expression's types), which is
// charged by its length, from a sum of numbers, which is one node.
type joinsText func(*ast.BinaryNode) bool

// anyJoinsText takes every + for a concatenation: for an expression not checked.
func anyJoinsText(*ast.BinaryNode) bool { return true }

// textJoins tells, from the checked expression's types, which + join strings; a + whose
// type the checker left open counts as one, and so does a + the checked tree lost (folded).
func textJoins(checked ast.Node) joinsText {
	at := map[file.Location]bool{}
	ast.Find(checked, func(n ast.Node) bool {
		if b, ok := n.(*ast.BinaryNode); ok && b.Operator == "+" {
			t := b.Type()
			at[b.Location()] = t == nil || t.Kind() == reflect.String || t.Kind() == reflect.Interface
		}
		return false
	})
	return func(b *ast.BinaryNode) bool {
		joins, seen := at[b.Location()]
		return joins || !seen
	}
}

// sumOperands counts the operands of the chain of + that n heads: the string n makes is
// as long as they are together (a kilobyte for each string fact), so a chain of k
// concatenations copies ~k²/2 kilobytes, not k.
func sumOperands(n ast.Node) int64 {
	if b, ok := n.(*ast.BinaryNode); ok && b.Operator == "+" {
		return sumOperands(b.Left) + sumOperands(b.Right)
	}
	return 1
}

// exprCost is the cost of one run of the expression whose parse tree is root: its nodes,
// and each predicate's body and step once more per further element it iterates (nested
// predicates are refused, so nothing multiplies further).
func exprCost(root ast.Node, joins joinsText) int64 {
	cost := nodesCost(root, joins)
	ast.Find(root, func(n ast.Node) bool {
		if p, over := predicateOf(n); p != nil {
			bound := iterationBound(over)
			cost += (bound-1)*nodesCost(p.Node, joins) + bound*stepCost
		}
		return false
	})
	return cost
}

// nodesCost is what the nodes of n cost once each, with what each reads.
func nodesCost(n ast.Node, joins joinsText) int64 {
	var cost int64
	ast.Find(n, func(n ast.Node) bool {
		cost += 1 + extraCost(n, joins)
		return false
	})
	return cost
}

// predicateOf returns the predicate of a builtin such as any(list, # > 1) and what it
// iterates; nil for any other node.
func predicateOf(n ast.Node) (*ast.PredicateNode, ast.Node) {
	b, ok := n.(*ast.BuiltinNode)
	if !ok || len(b.Arguments) < 2 {
		return nil, nil
	}
	p, _ := b.Arguments[1].(*ast.PredicateNode)
	if p == nil {
		return nil, nil
	}
	return p, b.Arguments[0]
}

// iterationBound is the most elements a predicate may be run for over n.
func iterationBound(n ast.Node) int64 {
	switch n := n.(type) {
	case *ast.ArrayNode:
		return max(int64(len(n.Nodes)), 1)
	case *ast.IdentifierNode:
		return factListBound
	case *ast.BuiltinNode:
		switch {
		case n.Name == "concat" || n.Name == "flatten":
			return max(spreadBound(n.Arguments), 1)
		case collectionBuiltins[n.Name] && len(n.Arguments) > 0:
			return iterationBound(n.Arguments[0])
		}
	}
	return otherBound
}

// spreadBound is the most elements concat or flatten may make of nodes: all of theirs,
// the elements of a literal array's lists included (which flatten spreads; concat does
// not, so it is charged more than it makes).
func spreadBound(nodes []ast.Node) int64 {
	var sum int64
	for _, n := range nodes {
		switch n := n.(type) {
		case *ast.ArrayNode:
			sum += spreadBound(n.Nodes)
		case *ast.IntegerNode, *ast.FloatNode, *ast.StringNode, *ast.BoolNode, *ast.NilNode:
			sum++
		default:
			sum += iterationBound(n)
		}
	}
	return sum
}

// loadsZone reports a call that reads the zone database on every run: timezone of a
// name not spelt out (a literal one is checked when compiled and then cached), or date
// with a zone name (date(s, layout, zone), possibly after a location).
func loadsZone(n *ast.BuiltinNode) bool {
	switch n.Name {
	case "timezone":
		if len(n.Arguments) != 1 {
			return false
		}
		_, literal := n.Arguments[0].(*ast.StringNode)
		return !literal
	case "date":
		return len(n.Arguments) == 4 || len(n.Arguments) == 3 && !isTimezoneCall(n.Arguments[0])
	}
	return false
}

func isTimezoneCall(n ast.Node) bool {
	b, ok := n.(*ast.BuiltinNode)
	return ok && b.Name == "timezone"
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
	limit := c.limits.MaxWalkCost
	if c.stored {
		// A tree saved before the cost was bounded (or before the model charged what
		// built-ins read) keeps routing unless it is pathological: a twentieth of a
		// second of evaluation at worst, against the 8.9 s one such tree took.
		limit *= storedCostFactor
	}
	if w := walk(root); w > limit {
		c.add(Problem{Code: CodeTooCostly, Node: c.doc.Root, Edge: NoEdge, Field: "nodes",
			Message: fmt.Sprintf("one evaluation could cost %d units of work (syntax nodes visited, a predicate's body once per element it iterates, a regular expression by its size), more than the limit of %d: iterate over fewer elements, simplify regular expressions, or split conditions across fewer edges",
				w, limit)})
	}
}
