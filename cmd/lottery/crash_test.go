package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/application/drawing"
	"github.com/lottery-go/lottery/application/jobs"
	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/domain/strategy"
	"github.com/lottery-go/lottery/infrastructure/config"
	"github.com/lottery-go/lottery/internal/testkit"
)

// crashingWriter loses every n-th order after its admission, as a process killed between
// the ledger call and the SQL commit would: nothing written, and nobody left to undo it.
type crashingWriter struct {
	inner   draw.OrderWriter
	every   int64
	n       atomic.Int64
	crashed atomic.Int64
}

func (w *crashingWriter) Write(ctx context.Context, o draw.Order, by time.Time) error {
	if w.n.Add(1)%w.every == 0 {
		w.crashed.Add(1)
		return errors.New("connection lost during commit") // outcome unknown: no undo
	}
	return w.inner.Write(ctx, o, by)
}

func TestCrashBetweenAdmissionAndCommitIsRecovered(t *testing.T) {
	t.Parallel()
	eachDrawStack(t, "crash", func(t *testing.T, cfgs stackConfigs) {
		in := newInstance(t, cfgs.first)
		a := runningActivity(t, in, strategy.ModeFixed, 3000, activity.Limits{PerUserTotal: 5, PerUserDaily: 5},
			[]prizeSpec{{probability: "0.2", stock: 200, dailyQuota: 150, points: 10}, {probability: "0.3", stock: 100000}})
		w := &crashingWriter{inner: in.eng.writer, every: 7}
		steps := drawing.NewLottery(in.eng.ledger, w, in.eng.settler, in.eng.relay, in.sys.ids.Next, drawing.LotteryOptions{CommitWithin: cfgs.first.Draw.ReloadGrace / 2})
		svc := drawing.NewService(drawing.Deps{Catalog: in.eng.catalog, Ledger: in.eng.ledger, Orders: in.eng.orders, Steps: steps,
			Log: slog.New(slog.NewTextHandler(io.Discard, nil))})

		ta := load{attempts: 2000, users: 400, clients: 32}.run(t, a.ID(), svc)
		require.Positive(t, w.crashed.Load())
		assert.Equal(t, w.crashed.Load(), ta.retry.Load(), "each lost commit was answered as retryable")

		ctx := context.Background()
		pending, err := in.eng.ledger.Pending(ctx, 0)
		require.NoError(t, err)
		assert.GreaterOrEqual(t, int64(len(pending)), w.crashed.Load(), "every lost commit left a journal entry")

		job := &jobs.Recovery{Journal: in.eng.ledger, Orders: in.eng.orders, OlderThan: time.Nanosecond}
		rep, err := job.Run(ctx)
		require.NoError(t, err)
		// Entries are aged from the run that first saw them: none is touched yet. (Settled
		// draws may leave the journal meanwhile; the lost ones stay.)
		assert.Zero(t, rep["settled"]+rep["undone"], fmt.Sprintf("report %v", rep))
		watched, _ := job.Watched()
		assert.GreaterOrEqual(t, int64(watched), w.crashed.Load(), fmt.Sprintf("report %v", rep))
		rep, err = job.Run(ctx)
		require.NoError(t, err)
		assert.Equal(t, w.crashed.Load(), rep["undone"], fmt.Sprintf("report %v", rep))

		// Nothing oversold, nothing lost, and the chances taken by lost commits are back.
		checkInvariants(t, in, a, ta)
	})
}

// `lottery jobs run recovery`, run once by hand where no server runs the job, recovers a
// crash's leftovers: it sees them, waits until they are due, and looks again.
func TestJobsRunRecoveryRecoversOnItsOwn(t *testing.T) {
	t.Parallel()
	dsn, redisAddr, natsURL := os.Getenv("LOTTERY_TEST_MYSQL_DSN"), os.Getenv("LOTTERY_TEST_REDIS_ADDR"), os.Getenv("LOTTERY_TEST_NATS_URL")
	if dsn == "" || redisAddr == "" || natsURL == "" {
		t.Skip("needs LOTTERY_TEST_MYSQL_DSN, LOTTERY_TEST_REDIS_ADDR and LOTTERY_TEST_NATS_URL: jobs run refuses the embedded mode")
	}
	cfg := testkit.RealStack(t, dsn, redisAddr, natsURL)
	cfg.Jobs.Recovery = config.JobOff
	in := newInstance(t, cfg)
	a := runningActivity(t, in, strategy.ModeFixed, 3000, activity.Limits{PerUserTotal: 5, PerUserDaily: 5},
		[]prizeSpec{{probability: "0.2", stock: 200, points: 10}, {probability: "0.3", stock: 100000}})
	w := &crashingWriter{inner: in.eng.writer, every: 5}
	steps := drawing.NewLottery(in.eng.ledger, w, in.eng.settler, in.eng.relay, in.sys.ids.Next, drawing.LotteryOptions{CommitWithin: cfg.Draw.ReloadGrace / 2})
	svc := drawing.NewService(drawing.Deps{Catalog: in.eng.catalog, Ledger: in.eng.ledger, Orders: in.eng.orders, Steps: steps,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ta := load{attempts: 200, users: 40, clients: 4}.run(t, a.ID(), svc)
	require.Positive(t, w.crashed.Load())

	ctx := context.Background()
	require.NoError(t, runJob(ctx, cfgAndLog{cfg: cfg, log: in.sys.log}, jobs.NameRecovery))
	pending, err := in.eng.ledger.Pending(ctx, 0)
	require.NoError(t, err)
	assert.Empty(t, pending, "every leftover recovered")
	checkInvariants(t, in, a, ta)
}
