package rules

import (
	"reflect"
	"time"

	"github.com/expr-lang/expr/ast"
)

// A literal argument that timezone, date or duration cannot read fails the same way on
// every draw, and the edge silently never matches; Compile reads it once instead, the
// way expr's built-ins do (builtin.go of expr v1.17.8).

// maxZoneNames bounds the distinct zone names one document's literals may name: an
// unknown one costs a read of the zone database (~55 µs) that the cache may not spare
// when names are made up by the thousand. A tree needs a handful.
const maxZoneNames = 100

// dateLayouts are those expr's date tries, in order, when given no layout.
var dateLayouts = []string{"2006-01-02", "15:04:05", "2006-01-02 15:04:05", time.RFC3339, time.RFC822,
	time.RFC850, time.RFC1123}

var locationType = reflect.TypeFor[*time.Location]()

// checkLiterals reports the literal arguments of root's calls that fail to read. root
// is the compiled tree, whose nodes carry their types: date takes a location first or
// not. A stored tree keeps compiling; those edges go on not matching, as before.
func (c *compiler) checkLiterals(i, j int, src string, root ast.Node) bool {
	if c.stored {
		return true
	}
	ok := true
	report := func(code string, n ast.Node, format string, args ...any) {
		c.add(c.problemAt(i, j, src, n, code, format, args...))
		ok = false
	}
	ast.Find(root, func(n ast.Node) bool {
		switch name, args := call(n); name {
		case "timezone":
			c.checkZoneArg(args[0], "timezone", report)
		case "duration":
			if s, literal := args[0].(*ast.StringNode); literal {
				if _, err := time.ParseDuration(s.Value); err != nil {
					report(CodeExpressionType, s, "duration(%q) fails on every draw: %v", s.Value, err)
				}
			}
		case "date":
			c.checkDate(args, report)
		}
		return false
	})
	return ok
}

// call names the built-in n calls, with its arguments: timezone is a function of
// ours (see fastPathOptions), the others expr's.
func call(n ast.Node) (string, []ast.Node) {
	switch n := n.(type) {
	case *ast.BuiltinNode:
		if len(n.Arguments) > 0 {
			return n.Name, n.Arguments
		}
	case *ast.CallNode:
		if id, ok := n.Callee.(*ast.IdentifierNode); ok && len(n.Arguments) > 0 {
			return id.Value, n.Arguments
		}
	}
	return "", nil
}

type reporter func(code string, n ast.Node, format string, args ...any)

// checkDate reads date(value), date(value, layout) and date(value, layout, zone), each
// possibly after a location, as expr's date does: one of its layouts must read value
// when it is given none.
func (c *compiler) checkDate(args []ast.Node, report reporter) {
	if t := args[0].Type(); t != nil && t.AssignableTo(locationType) {
		args = args[1:]
	}
	if len(args) == 0 {
		return
	}
	value, literal := args[0].(*ast.StringNode)
	if len(args) == 1 {
		if literal && !readsAsDate(value.Value) {
			report(CodeExpressionType, value, "date(%q) fails on every draw: no layout reads it; write 2006-01-02, 2006-01-02 15:04:05 or RFC 3339, or give the layout", value.Value)
		}
		return
	}
	if len(args) == 3 && !c.checkZoneArg(args[2], "date", report) {
		return
	}
	layout, literalLayout := args[1].(*ast.StringNode)
	if !literal || !literalLayout {
		return
	}
	if _, err := time.Parse(layout.Value, value.Value); err != nil {
		report(CodeExpressionType, value, "date(%q, %q) fails on every draw: %v", value.Value, layout.Value, err)
	}
}

// readsAsDate says whether one of dateLayouts reads s. The zone of a location given
// first changes what s means, never whether it reads.
func readsAsDate(s string) bool {
	for _, layout := range dateLayouts {
		if _, err := time.Parse(layout, s); err == nil {
			return true
		}
	}
	return false
}

// checkZoneArg reports a literal zone name of fn that names no zone, and is false then.
func (c *compiler) checkZoneArg(n ast.Node, fn string, report reporter) bool {
	s, literal := n.(*ast.StringNode)
	if !literal {
		return true
	}
	err, looked := c.zoneNames[s.Value]
	if !looked {
		if len(c.zoneNames) >= maxZoneNames {
			report(CodeTooCostly, s, "the document names more than %d time zones", maxZoneNames)
			return false
		}
		_, err = zones.get(s.Value)
		c.zoneNames[s.Value] = err
	}
	if err != nil {
		report(CodeExpressionType, s, "%s fails on every draw with the time zone %q: %v", fn, s.Value, err)
		return false
	}
	return true
}
