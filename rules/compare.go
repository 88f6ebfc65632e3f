package rules

import (
	"cmp"
	"errors"
	"time"
)

// ordered builds the test for one operator over values of type T, with the
// operands already converted to T.
func ordered[T any](op Op, operands []any, compare func(a, b T) int) (func(any) bool, error) {
	vals := make([]T, len(operands))
	for i, o := range operands {
		vals[i] = o.(T)
	}
	test := func(pass func(x T) bool) func(any) bool {
		return func(v any) bool {
			x, ok := v.(T)
			return ok && pass(x)
		}
	}
	switch op {
	case OpEq:
		return test(func(x T) bool { return compare(x, vals[0]) == 0 }), nil
	case OpNe:
		return test(func(x T) bool { return compare(x, vals[0]) != 0 }), nil
	case OpGt:
		return test(func(x T) bool { return compare(x, vals[0]) > 0 }), nil
	case OpGte:
		return test(func(x T) bool { return compare(x, vals[0]) >= 0 }), nil
	case OpLt:
		return test(func(x T) bool { return compare(x, vals[0]) < 0 }), nil
	case OpLte:
		return test(func(x T) bool { return compare(x, vals[0]) <= 0 }), nil
	case OpBetween:
		lo, hi := vals[0], vals[1]
		if compare(lo, hi) > 0 {
			return nil, errors.New("the lower bound is above the upper bound")
		}
		return test(func(x T) bool { return compare(x, lo) >= 0 && compare(x, hi) <= 0 }), nil
	}
	return nil, errors.New("unsupported operator")
}

func compareOrdered[T cmp.Ordered](a, b T) int { return cmp.Compare(a, b) }

func compareBool(a, b bool) int {
	if a == b {
		return 0
	}
	return 1
}

// timeCompare compares instants, so the same moment in two zones is equal.
func timeCompare(a, b time.Time) int { return a.Compare(b) }
