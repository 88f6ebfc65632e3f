package main

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/lottery-go/lottery/infrastructure/config"
	"github.com/lottery-go/lottery/internal/testkit"
)

// stackConfigs are two processes' configurations sharing one SQL database, one Redis and
// one NATS, and a way to make Redis lose everything of theirs.
type stackConfigs struct {
	first, second config.Config
	flushRedis    func()
}

// eachDrawStack runs fn on the embedded parts and, when configured, on the real servers.
func eachDrawStack(t *testing.T, name string, fn func(t *testing.T, cfgs stackConfigs)) {
	t.Helper()
	t.Run(name+"/embedded", func(t *testing.T) {
		t.Parallel()
		cfg := testkit.EmbeddedStack(t)
		rds := testkit.EmbeddedRedis(t)
		nats := testkit.EmbeddedNATS(t)
		cfg.Redis.Addr, cfg.Redis.Prefix = rds.Addr, rds.Prefix
		// Like the in-process server, this one refuses INFO server and cannot be checked.
		cfg.Redis.RestartCheck = -1
		cfg.NATS.URL, cfg.NATS.Prefix = nats.URL, nats.Prefix
		fn(t, drawConfigs(cfg, func() { rds.Client.FlushAll(context.Background()) }))
	})
	dsn, rdsAddr, natsURL := os.Getenv("LOTTERY_TEST_MYSQL_DSN"), os.Getenv("LOTTERY_TEST_REDIS_ADDR"), os.Getenv("LOTTERY_TEST_NATS_URL")
	if dsn == "" || rdsAddr == "" || natsURL == "" {
		return
	}
	t.Run(name+"/real", func(t *testing.T) {
		t.Parallel()
		cfg := testkit.RealStack(t, dsn, rdsAddr, natsURL)
		rds := testkit.RealRedis(t, rdsAddr)
		fn(t, drawConfigs(cfg, func() { testkit.LoseKeys(rds.Client, cfg.Redis.Prefix) }))
	})
}

func drawConfigs(cfg config.Config, flush func()) stackConfigs {
	cfg.Draw.RatePerUser = 0 // the load below is one client per user at full speed
	// A generous commit window: these runs share two cores under the race detector, and a
	// commit later than the window is (correctly) refused, which the fault-free runs assert
	// never happens. Tests that lose Redis on purpose shorten it to keep the reload quick.
	cfg.Draw.ReloadGrace = 10 * time.Second
	return stackConfigs{first: cfg, second: cfg, flushRedis: flush}
}
