package bench

import (
	"fmt"
	"io"
	"strings"
)

// The design's targets (DESIGN.md §7), for 2 cores with real Redis and MariaDB and the load
// generator on the same machine.
const (
	targetRate  = 15000 // durable draws/s
	targetP99Ms = 25
	targetRatio = 0.33 // draws/s ÷ healthz req/s of the same run
)

// Target is how a run compares with one of the design's targets.
type Target struct {
	Name  string  `json:"name"`
	Want  float64 `json:"want"`
	Got   float64 `json:"got"`
	Met   bool    `json:"met"`
	Scale string  `json:"-"` // how Got reads, for people
}

// targets compares the run with the design's targets; the ratio only when the healthz phase
// ran. Targets are reached or not, never violated: they do not fail a run.
func (r *Report) targets() []Target {
	d := r.Draws
	if d == nil || d.OK == 0 {
		return nil
	}
	out := []Target{
		{Name: "durable draws/s ≥ 15,000", Want: targetRate, Got: d.PerSecond, Met: d.PerSecond >= targetRate, Scale: "%.0f"},
		{Name: "p99 ≤ 25 ms", Want: targetP99Ms, Got: d.P99Ms, Met: d.P99Ms <= targetP99Ms, Scale: "%.1f ms"},
	}
	if r.Healthz != nil && r.Ratio > 0 {
		out = append(out, Target{Name: "draws ÷ healthz ≥ 0.33", Want: targetRatio, Got: r.Ratio, Met: r.Ratio >= targetRatio, Scale: "%.2f"})
	}
	return out
}

func printTargets(w io.Writer, ts []Target) {
	if len(ts) == 0 {
		return
	}
	parts := make([]string, len(ts))
	for i, t := range ts {
		verdict := "not met"
		if t.Met {
			verdict = "met"
		}
		parts[i] = fmt.Sprintf("%s %s ("+t.Scale+")", t.Name, verdict, t.Got)
	}
	fmt.Fprintf(w, "targets   %s\n", strings.Join(parts, " · "))
	fmt.Fprintln(w, "          (the design's, for 2 cores with real Redis and MariaDB and this bench on one machine)")
}
