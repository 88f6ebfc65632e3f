// Package testkit gives every test isolated backends: embedded ones always, and the real
// servers named by LOTTERY_TEST_* variables when they are set. Each test gets its own SQL
// database, Redis key prefix and NATS stream names, and leaves nothing behind.
package testkit

import (
	"context"
	"os"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// RedisEnv is one Redis backend set aside for one test. Every key the test writes must
// start with Prefix; cleanup deletes exactly those keys on the real server.
type RedisEnv struct {
	Name   string // "embedded" or "real"
	Addr   string
	Client *redis.Client
	Prefix string
}

// EachRedis runs fn once per available Redis backend, as subtests named after it.
func EachRedis(t *testing.T, fn func(t *testing.T, env RedisEnv)) {
	t.Helper()
	t.Run("embedded", func(t *testing.T) { fn(t, EmbeddedRedis(t)) })
	if addr := os.Getenv("LOTTERY_TEST_REDIS_ADDR"); addr != "" {
		t.Run("real", func(t *testing.T) { fn(t, RealRedis(t, addr)) })
	}
}

// EmbeddedRedis starts an in-process Redis-protocol server on a free port.
func EmbeddedRedis(t testing.TB) RedisEnv {
	t.Helper()
	srv := miniredis.RunT(t)
	client := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { _ = client.Close() })
	return RedisEnv{Name: "embedded", Addr: srv.Addr(), Client: client, Prefix: UniqueName("t") + ":"}
}

// RealRedis connects to a shared server and isolates the test under a fresh key prefix.
func RealRedis(t testing.TB, addr string) RedisEnv {
	t.Helper()
	client := redis.NewClient(&redis.Options{Addr: addr})
	if err := client.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("LOTTERY_TEST_REDIS_ADDR=%s: %v", addr, err)
	}
	env := RedisEnv{Name: "real", Addr: addr, Client: client, Prefix: UniqueName("t") + ":"}
	t.Cleanup(func() {
		DeleteKeys(client, env.Prefix)
		_ = client.Close()
	})
	return env
}

// DeleteKeys removes every key that starts with prefix: on a shared server, what FLUSHALL
// would do to one test's data.
func DeleteKeys(client *redis.Client, prefix string) {
	ctx := context.Background()
	iter := client.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var batch []string
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 1000 {
			client.Unlink(ctx, batch...)
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		client.Unlink(ctx, batch...)
	}
}

// LoseKeys makes Redis lose every key of prefix at one instant, as FLUSHALL or a restart
// without persistence does: the keys are collected first and removed by one command, so
// nothing written meanwhile by a reload is removed afterwards.
func LoseKeys(client *redis.Client, prefix string) {
	ctx := context.Background()
	var all []string
	iter := client.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		all = append(all, iter.Val())
	}
	if len(all) > 0 {
		client.Unlink(ctx, all...)
	}
}
