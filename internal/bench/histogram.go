// Package bench drives a running Lottery server through its REST API like real traffic,
// measures it, and checks its invariants against its SQL database: no oversell, no user
// over a limit, every win granted once, no lost or duplicated order, odds as configured.
package bench

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// Latencies are kept in microseconds in log-linear buckets, as HDR histograms do: each
// power of two is split into subBuckets equal parts, so any recorded value is known within
// 1/subBuckets (~3%) and the memory is fixed (~6 KB) however long the run.
const (
	subBits    = 5
	subBuckets = 1 << subBits
	// magnitudes up to 2^(maxBits) µs ≈ 67 s; anything slower lands in the last bucket.
	maxBits    = 26
	numBuckets = (maxBits - subBits + 2) * subBuckets
)

// Histogram counts latencies. Record is safe for concurrent use; read it once writers stop.
type Histogram struct {
	counts [numBuckets]atomic.Uint32
	total  atomic.Int64
	max    atomic.Int64 // µs
}

func bucketOf(us int64) int {
	if us < 0 {
		us = 0
	}
	v := uint64(us)
	if v < subBuckets {
		return int(v)
	}
	shift := bits.Len64(v) - subBits - 1 // v>>shift lies in [subBuckets, 2*subBuckets)
	i := (shift+1)*subBuckets + int(v>>uint(shift)) - subBuckets
	return min(i, numBuckets-1)
}

// lowerBound is the smallest value that falls in bucket i; the bucket's values reach up to
// the next bucket's lower bound.
func lowerBound(i int) int64 {
	if i < subBuckets {
		return int64(i)
	}
	shift := i/subBuckets - 1
	return int64(subBuckets+i%subBuckets) << uint(shift)
}

// Record adds one observation.
func (h *Histogram) Record(d time.Duration) {
	us := d.Microseconds()
	h.counts[bucketOf(us)].Add(1)
	h.total.Add(1)
	for {
		m := h.max.Load()
		if us <= m || h.max.CompareAndSwap(m, us) {
			return
		}
	}
}

// Count is the number of observations.
func (h *Histogram) Count() int64 { return h.total.Load() }

// Max is the largest observation, exact.
func (h *Histogram) Max() time.Duration { return time.Duration(h.max.Load()) * time.Microsecond }

// Quantile returns the value below which a fraction q of the observations lie, as the
// middle of its bucket (the exact maximum for q = 1).
func (h *Histogram) Quantile(q float64) time.Duration {
	n := h.Count()
	if n == 0 {
		return 0
	}
	if q >= 1 {
		return h.Max()
	}
	rank := int64(q*float64(n)) + 1
	var seen int64
	for i := range h.counts {
		seen += int64(h.counts[i].Load())
		if seen >= rank {
			mid := (lowerBound(i) + lowerBound(i+1)) / 2
			return time.Duration(min(mid, h.max.Load())) * time.Microsecond
		}
	}
	return h.Max()
}

// Merge adds every observation of o to h.
func (h *Histogram) Merge(o *Histogram) {
	for i := range o.counts {
		if c := o.counts[i].Load(); c > 0 {
			h.counts[i].Add(c)
		}
	}
	h.total.Add(o.total.Load())
	for {
		m, om := h.max.Load(), o.max.Load()
		if om <= m || h.max.CompareAndSwap(m, om) {
			return
		}
	}
}
