package consumer_test

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
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
	want := map[string]int{"lottery_grant_failures_total": 31, "lottery_grants_total": 6, // 6 reasons × 5 kinds, and pool_empty for codes
		"lottery_grant_retries_total": 10, "lottery_grant_seconds": 5} // 2 causes × 5 kinds
	assert.Equal(t, want, series(t, reg))
	o.Failed(award.KindCoupon, "refused")
	o.Retrying(award.KindCoupon, false)
	o.Retrying(award.KindCoupon, true)
	o.Took(award.KindCoupon, 1500*time.Millisecond)
	assert.Equal(t, want, series(t, reg), "each counts in its own series")
	assert.Equal(t, 1.0, sample(t, reg, "lottery_grant_retries_total", "not_tried", "coupon").GetCounter().GetValue())
	assert.Equal(t, 1.0, sample(t, reg, "lottery_grant_retries_total", "failed", "coupon").GetCounter().GetValue())
	h := sample(t, reg, "lottery_grant_seconds", "coupon").GetHistogram()
	assert.Equal(t, uint64(1), h.GetSampleCount())
	assert.Equal(t, 1.5, h.GetSampleSum())
}

// sample is the metric of family name whose label values are values, in the order of
// their label names.
func sample(t *testing.T, reg *prometheus.Registry, name string, values ...string) *dto.Metric {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			var got []string
			for _, l := range m.GetLabel() {
				got = append(got, l.GetValue())
			}
			if assert.ObjectsAreEqual(values, got) {
				return m
			}
		}
	}
	t.Fatalf("no %s%v", name, values)
	return nil
}
