package strategy

import "math"

// ChiSquare is Pearson's goodness-of-fit test of observed counts against expected counts.
// Categories expected to be empty are left out; if one of them was observed anyway the fit
// is impossible and p is 0. df is the number of remaining categories minus one; with fewer
// than two there is nothing to test and p is 1. The slices must have the same length.
func ChiSquare(observed []int64, expected []float64) (stat float64, df int, p float64) {
	if len(observed) != len(expected) {
		panic("strategy.ChiSquare: observed and expected differ in length")
	}
	categories := 0
	impossible := false
	for i, e := range expected {
		o := float64(observed[i])
		if e <= 0 {
			impossible = impossible || observed[i] > 0
			continue
		}
		categories++
		d := o - e
		stat += d * d / e
	}
	df = categories - 1
	switch {
	case impossible:
		return math.Inf(1), max(df, 0), 0
	case df < 1:
		return stat, 0, 1
	}
	return stat, df, GammaQ(float64(df)/2, stat/2)
}

// GammaQ is the regularized upper incomplete gamma function Q(a, x) = Γ(a, x)/Γ(a), for
// a > 0 and x ≥ 0; the chi-square survival function is Q(df/2, stat/2). As in Numerical
// Recipes (§6.2), the series converges fast for x < a+1 and the continued fraction for the
// rest, so each is used only where it is accurate.
func GammaQ(a, x float64) float64 {
	switch {
	case a <= 0 || x < 0 || math.IsNaN(a) || math.IsNaN(x):
		return math.NaN()
	case x == 0:
		return 1
	case math.IsInf(x, 1):
		return 0
	case x < a+1:
		return 1 - gammaPSeries(a, x)
	default:
		return gammaQFraction(a, x)
	}
}

const (
	gammaEps     = 1e-15
	gammaMaxIter = 1000
	gammaTiny    = 1e-300 // stands in for zero in Lentz's method to avoid dividing by it
)

// gammaPSeries is P(a, x) by its series expansion.
func gammaPSeries(a, x float64) float64 {
	lg, _ := math.Lgamma(a)
	ap, sum := a, 1/a
	del := sum
	for range gammaMaxIter {
		ap++
		del *= x / ap
		sum += del
		if math.Abs(del) < math.Abs(sum)*gammaEps {
			break
		}
	}
	return sum * math.Exp(-x+a*math.Log(x)-lg)
}

// gammaQFraction is Q(a, x) by its continued fraction, evaluated with modified Lentz.
func gammaQFraction(a, x float64) float64 {
	lg, _ := math.Lgamma(a)
	b := x + 1 - a
	c := 1 / gammaTiny
	d := 1 / b
	h := d
	for i := 1; i <= gammaMaxIter; i++ {
		an := -float64(i) * (float64(i) - a)
		b += 2
		d = an*d + b
		if math.Abs(d) < gammaTiny {
			d = gammaTiny
		}
		c = b + an/c
		if math.Abs(c) < gammaTiny {
			c = gammaTiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < gammaEps {
			break
		}
	}
	return math.Exp(-x+a*math.Log(x)-lg) * h
}
