package main

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"

	"github.com/lottery-go/lottery/application/drawing"
	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/strategy"
	"github.com/lottery-go/lottery/infrastructure/config"
	"github.com/lottery-go/lottery/internal/testkit"
)

// BenchmarkDrawFlow measures whole durable draws in process: catalog, one ledger call,
// group-committed order, journal settlement. No HTTP. Each mode of odds: fixed sends the
// ledger one sampled outcome, renormalize several.
func BenchmarkDrawFlow(b *testing.B) {
	dsn, rds, nats := os.Getenv("LOTTERY_TEST_MYSQL_DSN"), os.Getenv("LOTTERY_TEST_REDIS_ADDR"), os.Getenv("LOTTERY_TEST_NATS_URL")
	for _, mode := range []strategy.Mode{strategy.ModeFixed, strategy.ModeRenormalize} {
		b.Run("embedded/"+string(mode), func(b *testing.B) {
			benchFlow(b, mode, func(tb testing.TB) config.Config { return embeddedBenchConfig(tb) })
		})
		if dsn != "" && rds != "" && nats != "" {
			b.Run("real/"+string(mode), func(b *testing.B) {
				benchFlow(b, mode, func(tb testing.TB) config.Config { return testkit.RealStack(tb, dsn, rds, nats) })
			})
		}
	}
}

func benchFlow(b *testing.B, mode strategy.Mode, cfgOf func(testing.TB) config.Config) {
	cfg := cfgOf(b)
	cfg.Draw.RatePerUser = 0
	in := newInstance(b, cfg)
	a := runningActivity(b, in, mode, 1<<39, activity.Limits{}, []prizeSpec{
		{probability: "0.01", stock: 1 << 39}, {probability: "0.1", stock: 1 << 39},
	})
	// The activity's first draw loads its counters after the reload grace (seconds): drawn
	// here, it is not timed as a draw.
	if _, err := in.eng.draws.Draw(context.Background(), drawing.Request{UserID: "warm-up", ActivityID: a.ID()}); err != nil {
		b.Fatal(err)
	}
	var user atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(96) // many requests in flight, as behind an HTTP server
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		id := fmt.Sprintf("bench-%d", user.Add(1))
		for pb.Next() {
			if _, err := in.eng.draws.Draw(context.Background(), drawing.Request{UserID: id, ActivityID: a.ID()}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "draws/s")
}

func embeddedBenchConfig(tb testing.TB) config.Config {
	cfg := config.Default()
	cfg.DataDir = tb.TempDir()
	cfg.Log.Level = "error"
	return cfg
}
