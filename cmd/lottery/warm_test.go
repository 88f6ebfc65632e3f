package main

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/strategy"
	"github.com/lottery-go/lottery/infrastructure/config"
	"github.com/lottery-go/lottery/internal/testkit"
)

// Loading without the grace is only safe for an activity nobody can draw from: the
// starter leaves a running activity's missing counters to the draws, which wait the grace.
func TestStarterPreparesOnlyApprovedActivities(t *testing.T) {
	t.Parallel()
	testkit.EachStack(t, func(t *testing.T, cfg config.Config) {
		t.Parallel()
		in := newInstance(t, cfg)
		a := runningActivity(t, in, strategy.ModeFixed, 100, activity.Limits{}, []prizeSpec{{probability: "0.5", stock: 10}})
		ctx := context.Background()
		st := ledgerStarter{activities: in.eng.activities, ledger: in.eng.ledger}
		require.NoError(t, st.Prepare(ctx, a.ID()))
		_, loaded, err := in.eng.ledger.Counters(ctx, a.ID())
		require.NoError(t, err)
		assert.False(t, loaded, "a running activity is not loaded without the grace")
	})
}

// A process whose Redis started with it (the embedded one) loads its running activities
// as it starts, without the grace: the first draws after a restart wait for nothing.
func TestStartWarmsRunningActivitiesWithoutTheGraceOnAFreshRedis(t *testing.T) {
	t.Parallel()
	cfg := testkit.EmbeddedStack(t)
	cfg.Draw.ReloadGrace = time.Hour // a load that waited it would never end in this test
	in := newInstance(t, cfg)
	a := runningActivity(t, in, strategy.ModeFixed, 100, activity.Limits{}, []prizeSpec{{probability: "0.5", stock: 10}})
	ctx := context.Background()
	_, loaded, err := in.eng.ledger.Counters(ctx, a.ID())
	require.NoError(t, err)
	require.False(t, loaded)

	in.eng.warmAtStart(in.sys.redisInProcess)
	require.True(t, in.sys.redisInProcess)
	require.Eventually(t, func() bool {
		_, loaded, err := in.eng.ledger.Counters(ctx, a.ID())
		return err == nil && loaded
	}, 10*time.Second, 10*time.Millisecond)
}
