package bench

import (
	"sync"
	"sync/atomic"
	"time"
)

// second is what happened during one second of a run.
type second struct {
	latency Histogram
	ok      atomic.Int64 // requests answered 2xx
	failed  atomic.Int64 // every other answer or transport error
}

// timeline keeps one second per elapsed second since start, so throughput and latency can
// be drawn over time. Memory grows by ~3 KB per second of run, not per request.
type timeline struct {
	start   time.Time
	mu      sync.RWMutex
	seconds []*second
}

func newTimeline(start time.Time) *timeline { return &timeline{start: start} }

// at returns the second that t falls in, growing the timeline as needed.
func (tl *timeline) at(t time.Time) *second {
	i := max(int(t.Sub(tl.start)/time.Second), 0)
	tl.mu.RLock()
	if i < len(tl.seconds) {
		s := tl.seconds[i]
		tl.mu.RUnlock()
		return s
	}
	tl.mu.RUnlock()
	tl.mu.Lock()
	defer tl.mu.Unlock()
	for len(tl.seconds) <= i {
		tl.seconds = append(tl.seconds, &second{})
	}
	return tl.seconds[i]
}

// record files one request that ended at end after taking d.
func (tl *timeline) record(end time.Time, d time.Duration, ok bool) {
	s := tl.at(end)
	s.latency.Record(d)
	if ok {
		s.ok.Add(1)
	} else {
		s.failed.Add(1)
	}
}

// Point is one second of a run as reported and plotted.
type Point struct {
	Second int     `json:"second"`
	OK     int64   `json:"ok"`
	Failed int64   `json:"failed"`
	P50Ms  float64 `json:"p50_ms"`
	P99Ms  float64 `json:"p99_ms"`
}

// points summarises every second; read once the run is over.
func (tl *timeline) points() []Point {
	tl.mu.RLock()
	defer tl.mu.RUnlock()
	out := make([]Point, len(tl.seconds))
	for i, s := range tl.seconds {
		out[i] = Point{Second: i, OK: s.ok.Load(), Failed: s.failed.Load(),
			P50Ms: ms(s.latency.Quantile(0.5)), P99Ms: ms(s.latency.Quantile(0.99))}
	}
	return out
}

// overall merges every second's latencies.
func (tl *timeline) overall() *Histogram {
	tl.mu.RLock()
	defer tl.mu.RUnlock()
	var h Histogram
	for _, s := range tl.seconds {
		h.Merge(&s.latency)
	}
	return &h
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
