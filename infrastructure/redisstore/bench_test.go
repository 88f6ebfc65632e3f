package redisstore

import (
	"context"
	"math"
	"os"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/internal/testkit"
)

// eachBenchRedis mirrors testkit.EachRedis for benchmarks: embedded always, the real
// server when LOTTERY_TEST_REDIS_ADDR is set.
func eachBenchRedis(b *testing.B, fn func(b *testing.B, env testkit.RedisEnv)) {
	b.Run("embedded", func(b *testing.B) {
		srv, err := miniredis.Run()
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(srv.Close)
		env := testkit.RedisEnv{Name: "embedded", Addr: srv.Addr(), Prefix: testkit.UniqueName("b") + ":"}
		env.Client = redis.NewClient(&redis.Options{Addr: srv.Addr()})
		b.Cleanup(func() { _ = env.Client.Close() })
		fn(b, env)
	})
	if addr := os.Getenv("LOTTERY_TEST_REDIS_ADDR"); addr != "" {
		b.Run("real", func(b *testing.B) {
			env := testkit.RedisEnv{Name: "real", Addr: addr, Prefix: testkit.UniqueName("b") + ":"}
			env.Client = redis.NewClient(&redis.Options{Addr: addr, PoolSize: 64})
			b.Cleanup(func() {
				cleanupPrefix(env)
				_ = env.Client.Close()
			})
			fn(b, env)
		})
	}
}

// benchLedger serves an activity that never runs out and journals nothing for long:
// its journal is dropped with the keys.
func benchLedger(b *testing.B, env testkit.RedisEnv) *Ledger {
	truth := newFakeTruth(draw.Snapshot{ActivityID: 1, StockLeft: math.MaxInt32,
		Prizes: map[int64]draw.PrizeCount{1: {Pool: math.MaxInt32}}})
	l := newTestLedger(b, env, truth)
	if err := l.ensureLoaded(context.Background(), 1, day1); err != nil {
		b.Fatal(err)
	}
	return l
}

func benchAdmission(n int64) draw.Admission {
	user := "user-" + strconv.FormatInt(n%10000, 10)
	return draw.Admission{
		OrderID: 1<<60 + n, ActivityID: 1, UserID: user, Day: day1,
		IdempotencyKey: strconv.FormatInt(n, 10), ClientIP: "10.0.0.1",
		Candidates: []draw.Candidate{{PrizeID: 1, DailyQuota: 0}, {PrizeID: 0}},
	}
}

func BenchmarkAdmit(b *testing.B) {
	eachBenchRedis(b, func(b *testing.B, env testkit.RedisEnv) {
		l := benchLedger(b, env)
		ctx := context.Background()
		b.ReportAllocs()
		var n int64
		for b.Loop() {
			n++
			if _, err := l.Admit(ctx, benchAdmission(n)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkAdmitParallel shows the micro-batching: concurrent admissions share pipelines.
func BenchmarkAdmitParallel(b *testing.B) {
	eachBenchRedis(b, func(b *testing.B, env testkit.RedisEnv) {
		l := benchLedger(b, env)
		ctx := context.Background()
		var seq atomic.Int64
		pipes := &pipelineCounter{}
		// The client admissions go through.
		l.admitter.AddHook(pipes)
		b.SetParallelism(96) // × GOMAXPROCS callers, like a busy API process
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := l.Admit(ctx, benchAdmission(seq.Add(1))); err != nil {
					b.Error(err)
					return
				}
			}
		})
		round := max(pipes.pipelines.Load(), 1)
		b.ReportMetric(float64(seq.Load())/float64(round), "admits/pipeline")
		b.ReportMetric(float64(pipes.cmds.Load())/float64(round), "scripts/pipeline")
	})
}

// pipelineCounter counts the batcher's round trips and the script calls in them.
type pipelineCounter struct{ pipelines, cmds atomic.Int64 }

func (*pipelineCounter) DialHook(next redis.DialHook) redis.DialHook          { return next }
func (*pipelineCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }
func (p *pipelineCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		p.pipelines.Add(1)
		p.cmds.Add(int64(len(cmds)))
		return next(ctx, cmds)
	}
}
