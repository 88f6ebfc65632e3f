package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/application/drawing"
	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/domain/strategy"
	"github.com/lottery-go/lottery/infrastructure/config"
	"github.com/lottery-go/lottery/internal/testkit"
)

// TestEveryWinIsGranted runs the award path of a process with every role: each win of a
// draw reaches the grant consumer through the relay and is granted once.
func TestEveryWinIsGranted(t *testing.T) {
	testkit.EachStack(t, func(t *testing.T, cfg config.Config) {
		in := newInstance(t, cfg) // runs the relay, the grant consumer and the jobs
		ctx := context.Background()
		a := runningActivity(t, in, strategy.ModeFixed, 100, activity.Limits{}, []prizeSpec{{probability: "1", stock: 100}})

		var wins []int64
		for i := range 20 {
			res, err := in.eng.draws.Draw(ctx, drawing.Request{UserID: fmt.Sprintf("u%d", i), ActivityID: a.ID()})
			require.NoError(t, err)
			require.True(t, res.Order.Won())
			wins = append(wins, res.Order.ID)
		}
		require.Eventually(t, func() bool {
			for _, id := range wins {
				o, err := in.eng.orders.Get(ctx, id)
				if err != nil || o.GrantState != draw.GrantGranted {
					return false
				}
			}
			return true
		}, 20*time.Second, 20*time.Millisecond)
		o, err := in.eng.orders.Get(ctx, wins[0])
		require.NoError(t, err)
		assert.Equal(t, map[string]string{"text": "well done"}, o.Delivered)
		assert.Equal(t, draw.MQSent, o.MQState)
		var grants int64
		require.NoError(t, in.sys.db.Gorm.Table("grants").Count(&grants).Error)
		assert.Equal(t, int64(len(wins)), grants)
	})
}

func TestJobsListShowsSchedulesAndLastRuns(t *testing.T) {
	cfg := testkit.EmbeddedStack(t)
	cfg.Jobs.Release = config.JobOff
	var out bytes.Buffer
	require.NoError(t, listJobs(context.Background(), cfg, &out))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 6)
	assert.Regexp(t, `^JOB\s+SCHEDULE\s+LAST RUN$`, lines[0])
	assert.Regexp(t, `^release\s+off\s+unknown`, lines[3])

	if os.Getenv("LOTTERY_TEST_REDIS_ADDR") == "" || os.Getenv("LOTTERY_TEST_NATS_URL") == "" || os.Getenv("LOTTERY_TEST_MYSQL_DSN") == "" {
		return
	}
	cfg = testkit.RealStack(t, os.Getenv("LOTTERY_TEST_MYSQL_DSN"), os.Getenv("LOTTERY_TEST_REDIS_ADDR"), os.Getenv("LOTTERY_TEST_NATS_URL"))
	cl := cfgAndLog{cfg: cfg, log: newInstance(t, cfg).sys.log} // migrates the fresh database
	require.NoError(t, runJob(context.Background(), cl, "states"))
	out.Reset()
	require.NoError(t, listJobs(context.Background(), cfg, &out))
	assert.Regexp(t, `(?m)^states\s+\*/5 \* \* \* \* \*\s+\S+ ok in `, out.String())
	assert.Regexp(t, `(?m)^outbox\s+.*\s+never$`, out.String())
	require.ErrorContains(t, runJob(context.Background(), cl, "nope"), "unknown job")
}

func TestJobsRunRefusesTheEmbeddedMode(t *testing.T) {
	cfg := testkit.EmbeddedStack(t)
	err := runJob(context.Background(), cfgAndLog{cfg: cfg}, "outbox")
	require.ErrorContains(t, err, "needs the deployment's Redis and NATS")
}
