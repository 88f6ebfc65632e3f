package strategy

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/lottery-go/lottery/domain/check"
)

// PPM is a probability in parts per million. Probabilities are exact decimals on the wire
// ("0.015"); keeping them as integers means a sum of prizes is exactly comparable with One
// and the alias tables never see float rounding.
type PPM int64

// One is certainty.
const One PPM = 1_000_000

// ppmDecimals is the number of decimal places a PPM can carry.
const ppmDecimals = 6

var (
	ErrBadDecimal = errors.New("not a plain non-negative decimal")
	ErrTooPrecise = errors.New("more than 6 decimal places")
	ErrOutOfRange = errors.New("above 1")
)

// ParsePPM reads a probability written as a plain decimal between 0 and 1: digits,
// optionally a point followed by digits. Signs, exponents, spaces and bare points are
// refused rather than guessed at. Trailing zeros do not count as precision, so
// "0.1000000" is 100000.
func ParsePPM(s string) (PPM, error) {
	intPart, frac, hasPoint := strings.Cut(s, ".")
	if !allDigits(intPart) || (hasPoint && !allDigits(frac)) {
		return 0, fmt.Errorf("%w: %q", ErrBadDecimal, s)
	}
	intPart = strings.TrimLeft(intPart, "0")
	frac = strings.TrimRight(frac, "0")
	switch {
	case len(intPart) > 1 || intPart > "1":
		return 0, fmt.Errorf("%w: %q", ErrOutOfRange, s)
	case intPart == "1" && frac != "":
		return 0, fmt.Errorf("%w: %q", ErrOutOfRange, s)
	case intPart == "1":
		return One, nil
	case len(frac) > ppmDecimals:
		return 0, fmt.Errorf("%w: %q", ErrTooPrecise, s)
	}
	if frac == "" {
		return 0, nil
	}
	// At most six digits: cannot overflow.
	n, _ := strconv.ParseInt(frac+strings.Repeat("0", ppmDecimals-len(frac)), 10, 64)
	return PPM(n), nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// String is the canonical decimal form, the one ParsePPM reads back: no trailing zeros,
// no trailing point ("0.015", "1", "0").
func (p PPM) String() string {
	sign := ""
	u := uint64(p)
	if p < 0 {
		sign, u = "-", -u
	}
	whole, frac := u/uint64(One), u%uint64(One)
	if frac == 0 {
		return sign + strconv.FormatUint(whole, 10)
	}
	digits := strconv.FormatUint(frac, 10)
	digits = strings.Repeat("0", ppmDecimals-len(digits)) + digits
	return sign + strconv.FormatUint(whole, 10) + "." + strings.TrimRight(digits, "0")
}

// Float is the probability as a float64, for reporting (expected counts, chi-square).
func (p PPM) Float() float64 { return float64(p) / float64(One) }

// ParseProblemCode maps a ParsePPM error to the problem code a 422 response reports
// (check.CodeTooPrecise, check.CodeInvalidDecimal, check.CodeOutOfRange).
func ParseProblemCode(err error) string {
	switch {
	case errors.Is(err, ErrTooPrecise):
		return check.CodeTooPrecise
	case errors.Is(err, ErrOutOfRange):
		return check.CodeOutOfRange
	default:
		return check.CodeInvalidDecimal
	}
}
