package check

import (
	"errors"
	"strconv"
)

// MaxProblems bounds the problems one List keeps; further ones are only counted.
const MaxProblems = 100

// List accumulates problems while a value is validated. The zero value is ready to use.
type List struct {
	problems []Problem
	omitted  int
}

// Add records one problem.
func (l *List) Add(field, code, msg string) {
	if len(l.problems) >= MaxProblems {
		l.omitted++
		return
	}
	l.problems = append(l.problems, Problem{Field: field, Code: code, Message: msg})
}

// Merge records the problems of err under prefix: "prizes[0].stock" merged under
// "strategy" becomes "strategy.prizes[0].stock". An error that is not an *Error becomes
// one problem at prefix with code "invalid", so nothing a nested constructor reports is
// lost. A nil err adds nothing.
func (l *List) Merge(prefix string, err error) {
	if err == nil {
		return
	}
	var ce *Error
	if !errors.As(err, &ce) {
		l.Add(prefix, CodeInvalid, err.Error())
		return
	}
	for _, p := range ce.Problems {
		l.Add(Join(prefix, p.Field), p.Code, p.Message)
	}
	l.omitted += ce.Omitted
}

// Len reports how many problems were recorded, omitted ones included.
func (l *List) Len() int { return len(l.problems) + l.omitted }

// Has reports whether a problem with field was recorded (and kept).
func (l *List) Has(field string) bool {
	for _, p := range l.problems {
		if p.Field == field {
			return true
		}
	}
	return false
}

// Err returns nil when nothing was recorded, else an *Error holding a copy of the problems.
func (l *List) Err() error {
	if l.Len() == 0 {
		return nil
	}
	return &Error{Problems: append([]Problem(nil), l.problems...), Omitted: l.omitted}
}

// Join builds a field path: Join("strategy", "prizes[0]") is "strategy.prizes[0]",
// Join("prizes", "[0].stock") is "prizes[0].stock", and an empty side is dropped.
func Join(prefix, field string) string {
	switch {
	case prefix == "":
		return field
	case field == "":
		return prefix
	case field[0] == '[':
		return prefix + field
	default:
		return prefix + "." + field
	}
}

// Index builds the path of a slice element: Index("prizes", 1) is "prizes[1]".
func Index(field string, i int) string {
	return field + "[" + strconv.Itoa(i) + "]"
}
