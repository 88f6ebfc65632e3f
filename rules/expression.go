package rules

import (
	"errors"
	"fmt"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"
)

// exprTest runs a compiled expression against the facts.
type exprTest struct {
	program *vm.Program
	reads   []string // facts the expression reads; any of them missing sends the node to its default
	work    int64    // exprCost of the expression
}

func (t *exprTest) facts() []string { return t.reads }
func (t *exprTest) cost() int64     { return t.work }

func (t *exprTest) match(facts map[string]any, m *vm.VM) (bool, string, error) {
	if name := missingFact(facts, t.reads); name != "" {
		return false, name, nil
	}
	out, err := m.Run(t.program, facts)
	if err != nil {
		return false, "", err
	}
	ok, _ := out.(bool)
	return ok, "", nil
}

// compileExpr checks length, shape and the size of patterns on the parse tree before
// type-checking, so that an oversized or forbidden expression costs no more than
// parsing it; what only the compiled program shows (a range it would build, literals
// a built-in cannot read) is checked after.
func (c *compiler) compileExpr(i, j int, src string) test {
	if len(src) > c.limits.MaxExprLength {
		c.edgeProblem(i, j, ".when", CodeExpressionTooLong, "the expression is %d characters long, more than the limit of %d", len(src), c.limits.MaxExprLength)
		return nil
	}
	tree, err := parser.Parse(src)
	if err != nil {
		c.exprProblem(i, j, CodeExpressionSyntax, err)
		return nil
	}
	if !c.checkShape(i, j, src, tree.Node) || !c.checkPatterns(i, j, src, tree.Node) {
		return nil
	}
	program, err := expr.Compile(src, c.exprOptions()...)
	if err != nil {
		c.exprProblem(i, j, CodeExpressionType, unknownName(err, tree.Node))
		return nil
	}
	ranges := c.checkBuiltRanges(i, j, src, program.Node())
	if literals := c.checkLiterals(i, j, src, program.Node()); !ranges || !literals {
		return nil
	}
	return &exprTest{program: program, reads: c.reads(program.Node()), work: exprCost(tree.Node, textJoins(program.Node()))}
}

func (c *compiler) exprOptions() []expr.Option {
	opts := append([]expr.Option{expr.Env(c.env), expr.AsBool()}, fastPathOptions()...)
	for name := range forbiddenBuiltins {
		opts = append(opts, expr.DisableBuiltin(name))
	}
	return opts
}

// unknownFactError marks the checker's "unknown name" errors that are about a
// fact rather than a function, which the checker does not tell apart.
type unknownFactError struct{ err *file.Error }

func (e unknownFactError) Error() string { return e.err.Error() }
func (e unknownFactError) Unwrap() error { return e.err }

func unknownName(err error, root ast.Node) error {
	var fe *file.Error
	if !errors.As(err, &fe) || !strings.HasPrefix(fe.Message, "unknown name ") {
		return err
	}
	name := strings.TrimPrefix(fe.Message, "unknown name ")
	called := ast.Find(root, func(n ast.Node) bool {
		call, ok := n.(*ast.CallNode)
		if !ok {
			return false
		}
		id, ok := call.Callee.(*ast.IdentifierNode)
		return ok && id.Value == name
	})
	if called != nil {
		fe.Message = "unknown function " + name
		return fe
	}
	fe.Message += "; the fact is not declared in the schema"
	return unknownFactError{fe}
}

// exprProblem keeps expr's own message, which is precise, and lifts its
// position out of the text into fields an editor can use.
func (c *compiler) exprProblem(i, j int, code string, err error) {
	p := Problem{Code: code, Message: plainTypes(err.Error()), Node: c.doc.Nodes[i].ID, Edge: j,
		Field: fmt.Sprintf("nodes[%d].edges[%d].when", i, j)}
	if _, ok := err.(unknownFactError); ok {
		p.Code = CodeUnknownFact
	}
	var fe *file.Error
	if errors.As(err, &fe) {
		p.Message = plainTypes(fe.Message)
		p.Line, p.Column = fe.Line, fe.Column+1
	}
	if p.Line == 0 {
		// Errors about the expression as a whole, like a non-boolean result,
		// carry no position; point at its start.
		p.Line, p.Column = 1, 1
	}
	c.add(p)
}

// reads lists the schema facts an expression mentions. Names bound inside the
// expression cannot collide with them: variables are forbidden and predicate
// pointers are spelt with '#'.
func (c *compiler) reads(root ast.Node) []string {
	seen := map[string]bool{}
	ast.Find(root, func(n ast.Node) bool {
		if id, ok := n.(*ast.IdentifierNode); ok {
			if _, known := c.types[id.Value]; known {
				seen[id.Value] = true
			}
		}
		return false
	})
	return sortedKeys(seen)
}
