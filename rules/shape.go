package rules

import (
	"fmt"

	"github.com/expr-lang/expr/ast"
)

// forbiddenBuiltins can make a value many times larger than the expression
// that produced it; applied repeatedly, a few hundred characters would ask for
// gigabytes. The VM's memory budget counts ranges and closure scopes, not
// string or collection growth, so these are refused at compile time instead.
// Conditions that decide which activity a user sees do not need them.
var forbiddenBuiltins = map[string]bool{
	"map": true, "reduce": true, "groupBy": true, "sortBy": true,
	"repeat": true, "replace": true, "join": true,
	"toJSON": true, "fromJSON": true, "toBase64": true, "fromBase64": true,
	"toPairs": true, "fromPairs": true,
	// Facts carry the time of the draw; reading the clock would make a
	// decision unreproducible by the evaluate endpoint.
	"now": true,
}

// checkShape enforces the AST size limit and the safe subset of the language:
// no builtins above, no variables (which let a value be doubled repeatedly),
// no predicate inside another (whose '#' compounds the same way), ranges only
// as the bounds of `in`, and no $env (which would read facts around the schema
// and the rule for missing ones).
func (c *compiler) checkShape(i, j int, src string, root ast.Node) bool {
	count := 0
	var problems []Problem
	compared := comparedRanges(root)
	forbid := func(n ast.Node, format string, args ...any) {
		problems = append(problems, c.problemAt(i, j, src, n, CodeExpressionForbidden, format, args...))
	}
	ast.Find(root, func(n ast.Node) bool {
		count++
		switch n := n.(type) {
		case *ast.BuiltinNode:
			if forbiddenBuiltins[n.Name] {
				forbid(n, "the built-in %s() is not allowed in rule conditions", n.Name)
			}
		case *ast.VariableDeclaratorNode:
			forbid(n, "variables (let %s) are not allowed in rule conditions", n.Name)
		case *ast.PredicateNode:
			if hasPredicate(n.Node) {
				forbid(n, "a predicate may not contain another predicate in rule conditions")
			}
		case *ast.BinaryNode:
			if n.Operator == ".." && !compared[n] && !c.stored {
				forbid(n, "a range is only allowed as in `age in 18..30`, with whole-number bounds")
			}
			if _, literal := n.Right.(*ast.StringNode); n.Operator == "matches" && !literal && !c.stored {
				forbid(n, "the pattern of matches must be a literal string: a pattern from a fact would be compiled on every draw")
			}
		case *ast.IdentifierNode:
			if n.Value == "$env" && !c.stored {
				forbid(n, "$env is not allowed in rule conditions: name the facts the schema declares")
			}
		}
		return false
	})
	if count > c.limits.MaxExprNodes {
		c.edgeProblem(i, j, ".when", CodeExpressionTooComplex, "the expression has %d syntax nodes, more than the limit of %d", count, c.limits.MaxExprNodes)
		return false
	}
	c.problems = append(c.problems, problems...)
	return len(problems) == 0
}

// comparedRanges are the ranges that only bound a comparison, `x in 18..30` with
// whole-number bounds, which never become a list of their elements. Any other range would
// be built element by element (and iterated by a predicate), so it is refused.
func comparedRanges(root ast.Node) map[ast.Node]bool {
	out := map[ast.Node]bool{}
	ast.Find(root, func(n ast.Node) bool {
		in, ok := n.(*ast.BinaryNode)
		if !ok || in.Operator != "in" {
			return false
		}
		if r, ok := in.Right.(*ast.BinaryNode); ok && r.Operator == ".." && wholeNumber(r.Left) && wholeNumber(r.Right) {
			out[r] = true
		}
		return false
	})
	return out
}

// checkBuiltRanges refuses a range the compiled program still holds. expr turns
// `x in 18..30` into two comparisons only when x is an int; for a float or an untyped x
// it makes the list of every number of the range on each run, which the memory budget
// refuses past a few thousand (so the edge silently never matches) and which costs
// some hundred microseconds below that. root is the compiled, optimised tree.
func (c *compiler) checkBuiltRanges(i, j int, src string, root ast.Node) bool {
	if c.stored {
		return true
	}
	tested := map[ast.Node]ast.Node{} // range → what `in` looks for in it
	ast.Find(root, func(n ast.Node) bool {
		if in, ok := n.(*ast.BinaryNode); ok && in.Operator == "in" {
			tested[in.Right] = in.Left
		}
		return false
	})
	ok := true
	ast.Find(root, func(n ast.Node) bool {
		if r, isRange := n.(*ast.BinaryNode); isRange && r.Operator == ".." {
			c.add(c.problemAt(i, j, src, r, CodeExpressionForbidden, "%s", builtRangeMessage(tested[r], r)))
			ok = false
		}
		return false
	})
	return ok
}

// builtRangeMessage spells out the comparisons to write instead of `x in low..high`.
func builtRangeMessage(x ast.Node, r *ast.BinaryNode) string {
	name, low, high := "x", "low", "high"
	if id, ok := x.(*ast.IdentifierNode); ok {
		name = id.Value
	}
	lo, okLo := r.Left.(*ast.IntegerNode)
	hi, okHi := r.Right.(*ast.IntegerNode)
	if okLo && okHi {
		low, high = fmt.Sprint(lo.Value), fmt.Sprint(hi.Value)
	}
	return fmt.Sprintf("a range is only compared against when the value tested is an int; otherwise every number of it is made into a list on each draw: write `%s >= %s && %s <= %s` instead of `%s in %s..%s`",
		name, low, name, high, name, low, high)
}

func wholeNumber(n ast.Node) bool {
	if u, ok := n.(*ast.UnaryNode); ok && (u.Operator == "-" || u.Operator == "+") {
		n = u.Node
	}
	_, ok := n.(*ast.IntegerNode)
	return ok
}

func hasPredicate(n ast.Node) bool {
	return ast.Find(n, func(n ast.Node) bool {
		_, ok := n.(*ast.PredicateNode)
		return ok
	}) != nil
}

// position turns expr's rune offset into a 1-based line and column, the way
// expr itself reports positions in its messages.
func position(src string, offset int) (line, col int) {
	line, col = 1, 1
	runes := 0
	for _, r := range src {
		if runes == offset {
			break
		}
		runes++
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}
