package rules

import (
	"reflect"
	"slices"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
)

// expr evaluates `'vip' in tags` and `now.Hour()` through reflection, which
// costs an allocation and a few hundred nanoseconds each; they are the most
// common conditions in rule trees. The patch below sends them to typed
// functions with the same results instead. The names start with '$' so that no
// fact can shadow them.
const inStringsFunc = "$inStrings"

var timeMethods = map[string]func(time.Time) any{
	"Year":    func(t time.Time) any { return t.Year() },
	"Month":   func(t time.Time) any { return t.Month() },
	"Day":     func(t time.Time) any { return t.Day() },
	"Hour":    func(t time.Time) any { return t.Hour() },
	"Minute":  func(t time.Time) any { return t.Minute() },
	"Second":  func(t time.Time) any { return t.Second() },
	"Weekday": func(t time.Time) any { return t.Weekday() },
	"YearDay": func(t time.Time) any { return t.YearDay() },
	"Unix":    func(t time.Time) any { return t.Unix() },
}

var timeType = reflect.TypeFor[time.Time]()

func fastPathOptions() []expr.Option {
	opts := []expr.Option{
		expr.Function(inStringsFunc, func(args ...any) (any, error) {
			return slices.Contains(args[1].([]string), args[0].(string)), nil
		}, new(func(string, []string) bool)),
		expr.Operator("in", inStringsFunc),
		expr.Patch(timeMethodPatch{}),
		// The built-in timezone() reads the zone database on every call (~17 µs); a
		// tree that means local time calls it on every draw.
		expr.Function("timezone", func(args ...any) (any, error) {
			return zones.get(args[0].(string))
		}, new(func(string) *time.Location)),
	}
	for name, method := range timeMethods {
		ret := reflect.ValueOf(method(time.Time{})).Type()
		signature := reflect.New(reflect.FuncOf([]reflect.Type{timeType}, []reflect.Type{ret}, false)).Interface()
		opts = append(opts, expr.Function("$time"+name, func(args ...any) (any, error) {
			return method(args[0].(time.Time)), nil
		}, signature))
	}
	return opts
}

// timeMethodPatch rewrites t.Hour() on a time.Time into $timeHour(t).
type timeMethodPatch struct{}

func (timeMethodPatch) Visit(node *ast.Node) {
	call, ok := (*node).(*ast.CallNode)
	if !ok || len(call.Arguments) != 0 {
		return
	}
	member, ok := call.Callee.(*ast.MemberNode)
	if !ok || !member.Method || member.Optional || member.Node.Type() != timeType {
		return
	}
	name, ok := member.Property.(*ast.StringNode)
	if !ok || timeMethods[name.Value] == nil {
		return
	}
	ast.Patch(node, &ast.CallNode{
		Callee:    &ast.IdentifierNode{Value: "$time" + name.Value},
		Arguments: []ast.Node{member.Node},
	})
}
