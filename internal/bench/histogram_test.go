package bench

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestBucketsCoverEveryValueWithinTheirPrecision(t *testing.T) {
	t.Parallel()
	for _, v := range []int64{0, 1, 31, 32, 33, 63, 64, 65, 1000, 12345, 1 << 20, 1<<26 - 1} {
		i := bucketOf(v)
		lo, hi := lowerBound(i), lowerBound(i+1)
		assert.LessOrEqual(t, lo, v, "value %d", v)
		assert.Less(t, v, hi, "value %d", v)
		assert.LessOrEqual(t, float64(hi-lo), float64(max(v, 1))/subBuckets+1, "bucket of %d is at most 1/%d wide", v, subBuckets)
	}
	assert.Equal(t, numBuckets-1, bucketOf(1<<40), "values beyond the range land in the last bucket")
}

func TestQuantilesOfKnownDistributions(t *testing.T) {
	t.Parallel()
	uniform := func(h *Histogram) {
		for us := 1; us <= 10000; us++ {
			h.Record(time.Duration(us) * time.Microsecond)
		}
	}
	cases := []struct {
		name   string
		fill   func(*Histogram)
		q      float64
		want   time.Duration
		within float64
	}{
		{"median of 1..10000 µs", uniform, 0.5, 5 * time.Millisecond, 0.04},
		{"p90 of 1..10000 µs", uniform, 0.9, 9 * time.Millisecond, 0.04},
		{"p99 of 1..10000 µs", uniform, 0.99, 9900 * time.Microsecond, 0.04},
		{"max is exact", uniform, 1, 10 * time.Millisecond, 0},
		{"one value", func(h *Histogram) { h.Record(3 * time.Millisecond) }, 0.99, 3 * time.Millisecond, 0.04},
		{"empty", func(*Histogram) {}, 0.5, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var h Histogram
			c.fill(&h)
			assert.InEpsilon(t, float64(c.want)+1, float64(h.Quantile(c.q))+1, c.within+1e-9)
		})
	}
}

func TestMergeEqualsRecordingEverythingInOne(t *testing.T) {
	t.Parallel()
	var a, b, all Histogram
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 5000 {
		d := time.Duration(rng.ExpFloat64()*2000) * time.Microsecond
		all.Record(d)
		if i%2 == 0 {
			a.Record(d)
		} else {
			b.Record(d)
		}
	}
	a.Merge(&b)
	assert.Equal(t, all.Count(), a.Count())
	assert.Equal(t, all.Max(), a.Max())
	for _, q := range []float64{0.5, 0.9, 0.99} {
		assert.Equal(t, all.Quantile(q), a.Quantile(q), "q=%v", q)
	}
}
