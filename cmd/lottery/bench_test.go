package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/infrastructure/token"
	"github.com/lottery-go/lottery/internal/bench"
	"github.com/lottery-go/lottery/internal/testkit"
)

// TestBenchAgainstTheServer is the newcomer's two commands in one: set up an activity
// through the admin API of a server started like `lottery serve`, then bench it and check
// the invariants against its SQLite file. serve runs every role, granting included (relay →
// in-process NATS → granter), so invariant 3 is checked like the others: its wait ends as
// soon as the grants caught up, and is long only for a machine loaded by -race and other
// packages, where a short one would report wins still on their way as not granted.
func TestBenchAgainstTheServer(t *testing.T) {
	t.Parallel()
	cfg := testkit.EmbeddedStack(t)
	cfg.Draw.RatePerUser = 0
	srv := startServer(t, cfg, nil)
	keys := token.NewKeys(cfg.Auth.Secret)
	ctx := context.Background()
	const grantWait = 30 * time.Second

	id, err := bench.SetUp(ctx, bench.SetupOptions{URL: srv.base, Keys: keys, Draws: 3000, Users: 100})
	require.NoError(t, err)
	store, err := bench.OpenStore(ctx, "", filepath.Join(cfg.DataDir, "lottery.db"))
	require.NoError(t, err)
	defer store.Close()

	r, err := bench.Run(ctx, bench.Options{
		URL: srv.base, ActivityID: id, Users: 100, Load: bench.Load{Concurrency: 16, Requests: 3000},
		ReplayEvery: 20, Timeout: 10 * time.Second, Keys: keys, Healthz: true, Store: store, GrantWait: grantWait,
	})
	require.NoError(t, err)
	// On a loaded machine (CI runs many packages at once under -race) a draw may be refused
	// with 503 try_again, its commit deadline passed and nothing taken: a retryable answer
	// the invariants account for. Every other answer is a 200.
	assert.Equal(t, int64(3000), r.Draws.Requests)
	assert.Equal(t, r.Draws.Requests, r.Draws.OK+r.Errors["try_again"], "errors: %v", r.Errors)
	assert.GreaterOrEqual(t, r.Draws.OK, int64(2900), "errors: %v", r.Errors)
	assert.Positive(t, r.Replays.Same)
	assert.Positive(t, r.Ratio)
	assert.NotEmpty(t, r.Wins, "wins, for invariant 3 to have grants to check")
	var checked []string
	for _, c := range r.Invariants {
		checked = append(checked, c.Name[:1])
		if c.Name[0] == '6' {
			// The bench calls the odds violated at p ≤ 0.001, which a fair draw gives about
			// once in 800 runs; a test must not fail that often by chance. A real bias over
			// 3,000 draws (a prize's wins doubled or swapped) lies far below 1e-7.
			require.NotNil(t, r.Odds)
			assert.Greater(t, r.Odds.P, 1e-7, c.Detail)
			continue
		}
		assert.Equal(t, bench.StatusOK, c.Status, "%s: %s", c.Name, c.Detail)
	}
	assert.Subset(t, checked, []string{"1", "2", "3", "4", "5", "6"}, "every invariant checked")
}
