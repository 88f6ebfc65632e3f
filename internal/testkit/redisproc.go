package testkit

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisProcess is a redis-server of one test's own that the test may snapshot and
// restart: what a shared server cannot be put through. It listens on a unix socket in a
// folder of its own, so no other server can answer in its place, even across a restart.
type RedisProcess struct {
	t      testing.TB
	dir    string
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has exited
}

// PrivateRedis starts a redis-server for the test, with no automatic persistence: only an
// explicit Save writes the snapshot that Restart loads. It runs with the real servers
// (LOTTERY_TEST_REDIS_ADDR set) and is skipped without them or without redis-server.
func PrivateRedis(t testing.TB) *RedisProcess {
	t.Helper()
	if os.Getenv("LOTTERY_TEST_REDIS_ADDR") == "" {
		t.Skip("runs with the real servers (LOTTERY_TEST_REDIS_ADDR)")
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server is not on PATH")
	}
	// Not t.TempDir(): a unix socket's path must stay short.
	dir, err := os.MkdirTemp("", "lottery-redis-")
	if err != nil {
		t.Fatalf("redis folder: %v", err)
	}
	p := &RedisProcess{t: t, dir: dir}
	t.Cleanup(func() {
		p.stop()
		_ = os.RemoveAll(dir)
	})
	p.start()
	return p
}

// Options are a client's options for this server.
func (p *RedisProcess) Options() *redis.Options {
	return &redis.Options{Network: "unix", Addr: filepath.Join(p.dir, "redis.sock")}
}

// Save writes a snapshot of the data now, which the next Restart comes back with.
func (p *RedisProcess) Save() {
	p.t.Helper()
	if err := p.admin(func(c *redis.Client) error { return c.Save(context.Background()).Err() }); err != nil {
		p.t.Fatalf("redis SAVE: %v", err)
	}
}

// Restart kills the server and starts it again: it comes back with the last snapshot's
// data (or none), a new run_id and no scripts.
func (p *RedisProcess) Restart() {
	p.t.Helper()
	p.stop()
	p.start()
}

func (p *RedisProcess) start() {
	p.t.Helper()
	p.cmd = exec.Command("redis-server", "--port", "0",
		"--unixsocket", p.Options().Addr, "--unixsocketperm", "700",
		"--save", "", "--appendonly", "no", "--dir", p.dir, "--dbfilename", "dump.rdb",
		"--logfile", filepath.Join(p.dir, "redis.log"))
	if err := p.cmd.Start(); err != nil {
		p.t.Fatalf("start redis-server: %v", err)
	}
	exited := make(chan struct{})
	p.exited = exited
	go func(cmd *exec.Cmd) {
		_ = cmd.Wait()
		close(exited)
	}(p.cmd)
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := p.admin(func(c *redis.Client) error { return c.Ping(context.Background()).Err() })
		if err == nil {
			return
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(filepath.Join(p.dir, "redis.log"))
			p.t.Fatalf("redis-server exited: %s", log)
		default:
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("redis-server did not answer within 10 s: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (p *RedisProcess) stop() {
	if p.cmd == nil {
		return
	}
	_ = p.cmd.Process.Kill()
	<-p.exited
	p.cmd = nil
}

// admin runs fn on a connection of its own, so the test's clients keep their pools.
func (p *RedisProcess) admin(fn func(*redis.Client) error) error {
	o := p.Options()
	o.MaxRetries = -1
	c := redis.NewClient(o)
	defer c.Close()
	return fn(c)
}
