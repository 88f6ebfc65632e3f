package rules

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/expr-lang/expr/vm"
)

// opsFor lists the structured operators that make sense for each fact type.
var opsFor = map[FactType][]Op{
	TypeInt:     {OpEq, OpNe, OpGt, OpGte, OpLt, OpLte, OpIn, OpNotIn, OpBetween},
	TypeFloat:   {OpEq, OpNe, OpGt, OpGte, OpLt, OpLte, OpIn, OpNotIn, OpBetween},
	TypeTime:    {OpEq, OpNe, OpGt, OpGte, OpLt, OpLte, OpBetween},
	TypeString:  {OpEq, OpNe, OpIn, OpNotIn, OpContains},
	TypeBool:    {OpEq, OpNe},
	TypeStrings: {OpContains},
}

var allOps = []Op{OpEq, OpNe, OpGt, OpGte, OpLt, OpLte, OpIn, OpNotIn, OpContains, OpBetween}

// compareTest evaluates a structured condition in plain Go: the operand is
// converted once at compile time, so a match is a map lookup and a comparison.
type compareTest struct {
	fact string
	pred func(v any) bool
}

func (t *compareTest) facts() []string { return []string{t.fact} }
func (t *compareTest) cost() int64     { return compareCost }

func (t *compareTest) match(facts map[string]any, _ *vm.VM) (bool, string, error) {
	v, ok := facts[t.fact]
	if !ok || v == nil {
		return false, t.fact, nil
	}
	return t.pred(v), "", nil
}

func (c *compiler) compileCompare(i, j int, cond Condition) test {
	typ, ok := c.types[cond.Fact]
	if !ok {
		if _, declared := c.doc.Facts[cond.Fact]; !declared {
			c.edgeProblem(i, j, ".when.fact", CodeUnknownFact, "fact %q is not declared in the schema", cond.Fact)
		}
		return nil
	}
	if !slices.Contains(allOps, cond.Op) {
		c.edgeProblem(i, j, ".when.op", CodeUnknownOp, "unknown operator %q; use one of eq ne gt gte lt lte in not_in contains between", cond.Op)
		return nil
	}
	if !slices.Contains(opsFor[typ], cond.Op) {
		c.edgeProblem(i, j, ".when.op", CodeOpNotForType, "operator %s does not apply to fact %q of type %s", cond.Op, cond.Fact, typ)
		return nil
	}
	listed := cond.Op == OpIn || cond.Op == OpNotIn
	if n := listLen(cond.Value); listed && !c.stored && n > c.limits.MaxValues {
		c.edgeProblem(i, j, ".when.value", CodeInvalidValue, "%s %s: the list has %d values, more than the limit of %d",
			cond.Fact, cond.Op, n, c.limits.MaxValues)
		return nil
	}
	pred, err := predicate(typ, cond.Op, cond.Value)
	if err != nil {
		c.edgeProblem(i, j, ".when.value", CodeInvalidValue, "%s %s: %v", cond.Fact, cond.Op, err)
		return nil
	}
	return &compareTest{fact: cond.Fact, pred: pred}
}

// predicate converts the operand to the fact's type and returns the test.
func predicate(typ FactType, op Op, value any) (func(any) bool, error) {
	if typ == TypeStrings || (typ == TypeString && op == OpContains) {
		needle, ok := value.(string)
		if !ok {
			return nil, fmt.Errorf("want a string, got %s", describe(value))
		}
		if typ == TypeStrings {
			return func(v any) bool { s, ok := v.([]string); return ok && slices.Contains(s, needle) }, nil
		}
		return func(v any) bool { s, ok := v.(string); return ok && strings.Contains(s, needle) }, nil
	}
	operands, err := operands(typ, op, value)
	if err != nil {
		return nil, err
	}
	if op == OpIn || op == OpNotIn {
		return membership(typ, op == OpIn, operands)
	}
	switch typ {
	case TypeInt:
		return ordered[int](op, operands, compareOrdered[int])
	case TypeFloat:
		return ordered[float64](op, operands, compareOrdered[float64])
	case TypeString:
		return ordered[string](op, operands, strings.Compare)
	case TypeBool:
		return ordered[bool](op, operands, compareBool)
	case TypeTime:
		return ordered(op, operands, timeCompare)
	}
	return nil, fmt.Errorf("type %s has no operators", typ)
}

// operands returns the converted operand(s): one for comparisons, the list for
// in and not_in, the two bounds for between.
func operands(typ FactType, op Op, value any) ([]any, error) {
	if op != OpIn && op != OpNotIn && op != OpBetween {
		v, ok := authored(value, typ)
		if !ok {
			return nil, fmt.Errorf("want %s, got %s", typ.noun(), describe(value))
		}
		return []any{v}, nil
	}
	list, ok := toList(value)
	if !ok {
		return nil, fmt.Errorf("want an array of %s, got %s", typ.plural(), describe(value))
	}
	if op == OpBetween && len(list) != 2 {
		return nil, fmt.Errorf("want an array of two bounds [low, high], got %d elements", len(list))
	}
	out := make([]any, len(list))
	for k, e := range list {
		v, ok := authored(e, typ)
		if !ok {
			return nil, fmt.Errorf("element %d: want %s, got %s", k, typ.noun(), describe(e))
		}
		out[k] = v
	}
	return out, nil
}

// authored converts a value written in a condition as coerce converts a fact, except that a
// number is no string: a user's facts may come from systems that send a postcode as 12345,
// but a tree's author who writes "gender" eq 5 has made a mistake, as gender == 5 is in an
// expression.
func authored(value any, typ FactType) (any, bool) {
	if typ == TypeString {
		switch value.(type) {
		case json.Number, int, int64, float64:
			return nil, false
		}
	}
	return coerce(value, typ)
}

// membership tests whether a value is among operands (want) or not (!want) with a
// look-up in a set, which costs the same for a list of three values as for one of a
// thousand (compareCost).
func membership(typ FactType, want bool, operands []any) (func(any) bool, error) {
	switch typ {
	case TypeInt:
		return setTest[int](want, operands), nil
	case TypeFloat:
		return setTest[float64](want, operands), nil
	case TypeString:
		return setTest[string](want, operands), nil
	}
	return nil, fmt.Errorf("type %s has no list of values", typ)
}

func setTest[T comparable](want bool, operands []any) func(any) bool {
	set := make(map[T]struct{}, len(operands))
	for _, o := range operands {
		set[o.(T)] = struct{}{}
	}
	return func(v any) bool {
		x, ok := v.(T)
		if !ok {
			return false
		}
		_, in := set[x]
		return in == want
	}
}

// listLen is the length of v when it is a list, 0 otherwise; it copies nothing, so
// that an overlong list is refused before its values are converted.
func listLen(v any) int {
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array {
		return rv.Len()
	}
	return 0
}

func toList(v any) ([]any, bool) {
	if l, ok := v.([]any); ok {
		return l, true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil, false
	}
	out := make([]any, rv.Len())
	for k := range out {
		out[k] = rv.Index(k).Interface()
	}
	return out, true
}
