// Package check collects validation problems, each tied to the path of the field that
// caused it, so that a request with several mistakes is answered with all of them at once
// (a 422 response) instead of one round trip per mistake.
package check

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalid is what every *Error matches with errors.Is, so callers can map "the input
// was refused" to one status code without knowing which package refused it.
var ErrInvalid = errors.New("invalid")

// Problem codes shared by the domain packages. They are part of the public API contract
// (they appear in 422 responses), so they only ever get added, never renamed.
const (
	CodeRequired        = "required"
	CodeTooLong         = "too_long"
	CodeTooMany         = "too_many"
	CodeOutOfRange      = "out_of_range"
	CodeTooPrecise      = "too_precise"
	CodeInvalidDecimal  = "invalid_decimal"
	CodeUnknown         = "unknown"
	CodeNotAllowed      = "not_allowed"
	CodeDuplicate       = "duplicate"
	CodeInvalid         = "invalid"
	CodeInvalidURL      = "invalid_url"
	CodeInvalidTimeZone = "invalid_time_zone"
	CodeInvalidChar     = "invalid_character"
	CodeSumExceedsOne   = "sum_exceeds_one"
	CodeExceedsStock    = "exceeds_stock"
	CodeBelowStock      = "below_stock"
	CodeExceedsTotal    = "exceeds_total"
	CodeUnsorted        = "unsorted"
)

// Problem is one thing wrong with the input. Field is a path in the request's own terms,
// e.g. "strategy.prizes[1].probability"; an empty Field means the input as a whole.
type Problem struct {
	Field   string
	Code    string
	Message string
}

func (p Problem) String() string {
	if p.Field == "" {
		return p.Message
	}
	return p.Field + ": " + p.Message
}

// Error is a non-empty list of problems. Omitted counts problems dropped beyond
// MaxProblems, which keeps the answer to a pathological input (a 100,000-line file of bad
// codes) small.
type Error struct {
	Problems []Problem
	Omitted  int
}

func (e *Error) Error() string {
	parts := make([]string, 0, len(e.Problems)+1)
	for _, p := range e.Problems {
		parts = append(parts, p.String())
	}
	if e.Omitted > 0 {
		parts = append(parts, fmt.Sprintf("and %d more problems", e.Omitted))
	}
	return "invalid: " + strings.Join(parts, "; ")
}

// Is makes errors.Is(err, ErrInvalid) true for every *Error.
func (e *Error) Is(target error) bool { return target == ErrInvalid }

// Problems returns the problems carried by err, or nil when err is not (and does not wrap)
// an *Error.
func Problems(err error) []Problem {
	var ce *Error
	if errors.As(err, &ce) {
		return ce.Problems
	}
	return nil
}
