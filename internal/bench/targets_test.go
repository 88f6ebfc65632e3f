package bench

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestTargetsCompareTheRunWithTheDesign(t *testing.T) {
	t.Parallel()
	r := &Report{Draws: &Phase{OK: 340000, PerSecond: 16972, P99Ms: 23.81}, Healthz: &Phase{PerSecond: 85175}, Ratio: 0.199}
	ts := r.targets()
	assert.Equal(t, []bool{true, true, false}, []bool{ts[0].Met, ts[1].Met, ts[2].Met})
	var out bytes.Buffer
	printTargets(&out, ts)
	assert.Contains(t, out.String(), "durable draws/s ≥ 15,000 met (16972) · p99 ≤ 25 ms met (23.8 ms) · draws ÷ healthz ≥ 0.33 not met (0.20)")

	// At the bound is met; without the healthz phase there is no ratio to compare.
	r = &Report{Draws: &Phase{OK: 10, PerSecond: 15000, P99Ms: 25.01}}
	ts = r.targets()
	assert.Len(t, ts, 2)
	assert.True(t, ts[0].Met)
	assert.False(t, ts[1].Met)

	// Nothing answered, or a check-only report: nothing to compare, nothing printed.
	assert.Nil(t, (&Report{Draws: &Phase{Requests: 10}}).targets())
	assert.Nil(t, (&Report{}).targets())
	out.Reset()
	printTargets(&out, nil)
	assert.Empty(t, out.String())
}
