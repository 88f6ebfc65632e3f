package consumer_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/award"
	"github.com/lottery-go/lottery/interfaces/consumer"
)

// series counts the series of each metric family in reg.
func series(t *testing.T, reg *prometheus.Registry) map[string]int {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	out := map[string]int{}
	for _, f := range families {
		out[f.GetName()] = len(f.GetMetric())
	}
	return out
}

// Every grant series is there at 0 before the first grant or failure, so that a rate or an
// alert on an increase sees the first one.
func TestGrantSeriesExistFromTheStart(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	o := consumer.NewObserver(reg)
	want := map[string]int{"lottery_grant_failures_total": 26, "lottery_grants_total": 6} // 5 reasons × 5 kinds, and pool_empty for codes
	assert.Equal(t, want, series(t, reg))
	o.Failed(award.KindCoupon, "refused")
	assert.Equal(t, want, series(t, reg), "a failure counts in its own series")
}
