package persistence_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/infrastructure/persistence"
	"github.com/lottery-go/lottery/internal/testkit"
)

// BenchmarkOrderWriter measures durable order writes from many concurrent draws, in group
// commit and per-request mode, on SQLite and (with LOTTERY_TEST_MYSQL_DSN) on MySQL/MariaDB.
// One op is one order made durable; one in five wins and adds an outbox row. 192 writers
// run at once, the number of draws in flight that the design's prototype found best.
//
//	go test ./infrastructure/persistence -run '^$' -bench OrderWriter -benchtime 20000x
func BenchmarkOrderWriter(b *testing.B) {
	for _, be := range benchBackends() {
		name, open := be.name, be.open
		for _, mode := range []string{"group", "per_request"} {
			b.Run(name+"/"+mode, func(b *testing.B) {
				db := open(b)
				w, err := persistence.NewOrderWriter(db, persistence.WriterOptions{PerRequest: mode == "per_request", Outbox: encoder})
				if err != nil {
					b.Fatal(err)
				}
				defer w.Close()
				var seq atomic.Int64
				b.ReportAllocs()
				b.SetParallelism(max(1, 192/runtime.GOMAXPROCS(0))) // RunParallel starts GOMAXPROCS × this
				b.ResetTimer()
				start := time.Now()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						n := seq.Add(1)
						if err := w.Write(context.Background(), benchOrder(n), time.Time{}); err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "orders/s")
			})
		}
	}
}

// benchBackend opens a fresh, migrated database of one backend.
type benchBackend struct {
	name string
	open func(b *testing.B) *persistence.DB
}

// benchBackends are SQLite and, with LOTTERY_TEST_MYSQL_DSN, MySQL/MariaDB.
func benchBackends() []benchBackend {
	out := []benchBackend{{"sqlite", benchSQLite}}
	if dsn := os.Getenv("LOTTERY_TEST_MYSQL_DSN"); dsn != "" {
		out = append(out, benchBackend{"mysql", func(b *testing.B) *persistence.DB { return benchMySQL(b, dsn) }})
	}
	return out
}

// benchOrder is order n of the benchmark, from one of 10,000 users.
func benchOrder(n int64) draw.Order {
	o := draw.Order{
		ID: n, ActivityID: 7, StrategyID: 7, UserID: fmt.Sprintf("u%05d", n%10000), Day: "2026-11-22",
		Outcome: draw.OutcomeLose, GrantState: draw.GrantNone, MQState: draw.MQNone,
		IdempotencyKey: fmt.Sprintf("k%d", n), CreatedAt: time.Now().UTC(),
	}
	if n%5 == 0 {
		o.Outcome, o.PrizeID, o.AwardID, o.AwardName, o.AwardKind = draw.OutcomeWin, 11, 12, "Coupon", "coupon"
		o.GrantState, o.MQState = draw.GrantPending, draw.MQPending
	}
	return o
}

func benchSQLite(b *testing.B) *persistence.DB {
	db, err := persistence.OpenSQLite(context.Background(), filepath.Join(b.TempDir(), "lottery.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	benchMigrate(b, db)
	return db
}

// benchMySQL makes a database of its own on the server of serverDSN, dropped afterwards.
func benchMySQL(b *testing.B, serverDSN string) *persistence.DB {
	cfg, err := mysql.ParseDSN(serverDSN)
	if err != nil {
		b.Fatalf("LOTTERY_TEST_MYSQL_DSN: %v", err)
	}
	admin, err := persistence.OpenMySQL(context.Background(), serverDSN)
	if err != nil {
		b.Fatal(err)
	}
	name := testkit.UniqueName("lb")
	if err := admin.Gorm.Exec("CREATE DATABASE " + name).Error; err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = admin.Gorm.Exec("DROP DATABASE IF EXISTS " + name).Error
		_ = admin.Close()
	})
	cfg.DBName = name
	db, err := persistence.OpenMySQL(context.Background(), cfg.FormatDSN())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	benchMigrate(b, db)
	return db
}

func benchMigrate(b *testing.B, db *persistence.DB) {
	if _, err := db.MigrateUp(context.Background()); err != nil {
		b.Fatalf("migrate %s: %v", db.Dialect, err)
	}
}

// BenchmarkOrderRead measures reading one order back by id, as a repeated Idempotency-Key
// does, on SQLite and (with LOTTERY_TEST_MYSQL_DSN) on MySQL/MariaDB.
//
//	go test ./infrastructure/persistence -run '^$' -bench OrderRead -benchtime 20000x
func BenchmarkOrderRead(b *testing.B) {
	for _, be := range benchBackends() {
		open := be.open
		b.Run(be.name, func(b *testing.B) {
			db := open(b)
			w, err := persistence.NewOrderWriter(db, persistence.WriterOptions{Outbox: encoder})
			if err != nil {
				b.Fatal(err)
			}
			defer w.Close()
			const stored = 100
			for n := int64(1); n <= stored; n++ {
				if err := w.Write(context.Background(), benchOrder(n), time.Time{}); err != nil {
					b.Fatal(err)
				}
			}
			repo := persistence.NewOrderRepo(db)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if _, err := repo.Get(context.Background(), benchOrder(int64(i%stored)+1).ID); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
