package scheduler

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
)

// A retired activity's drift series go; the others stay.
func TestDriftGaugeForgetsAnActivity(t *testing.T) {
	reg := prometheus.NewRegistry()
	d := NewDriftGauge(reg)
	d.Set(1, "stock", 3)
	d.Set(1, "pool:7", 1)
	d.Set(2, "stock", 0)
	d.Forget(1)
	families, err := reg.Gather()
	require.NoError(t, err)
	require.Len(t, families, 1)
	require.Len(t, families[0].GetMetric(), 1)
	require.Equal(t, "2", families[0].GetMetric()[0].GetLabel()[0].GetValue())
}

// ForgetAll drops every activity's drift.
func TestDriftGaugeForgetsAll(t *testing.T) {
	reg := prometheus.NewRegistry()
	d := NewDriftGauge(reg)
	d.Set(1, "stock", 3)
	d.Set(2, "stock", 1)
	d.ForgetAll()
	families, err := reg.Gather()
	require.NoError(t, err)
	require.Empty(t, families)
}
