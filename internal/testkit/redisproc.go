package testkit

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisProcess is a redis-server of one test's own, on a free port, that the test may
// snapshot and restart: what a shared server cannot be put through.
type RedisProcess struct {
	Addr string
	t    testing.TB
	dir  string
	port int
	cmd  *exec.Cmd
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
	p := &RedisProcess{t: t, dir: t.TempDir()}
	p.port = freePort(t)
	p.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(p.port))
	p.start()
	t.Cleanup(p.stop)
	return p
}

// Save writes a snapshot of the data now, which the next Restart comes back with.
func (p *RedisProcess) Save() {
	p.t.Helper()
	if err := p.admin(func(c *redis.Client) error { return c.Save(context.Background()).Err() }); err != nil {
		p.t.Fatalf("redis SAVE: %v", err)
	}
}

// Restart stops the server without saving and starts it again on the same port: it comes
// back with the last snapshot's data (or none), a new run_id and no scripts.
func (p *RedisProcess) Restart() {
	p.t.Helper()
	p.stop()
	p.start()
}

func (p *RedisProcess) start() {
	p.t.Helper()
	p.cmd = exec.Command("redis-server", "--port", strconv.Itoa(p.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", p.dir, "--dbfilename", "dump.rdb",
		"--logfile", filepath.Join(p.dir, "redis.log"))
	if err := p.cmd.Start(); err != nil {
		p.t.Fatalf("start redis-server: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := p.admin(func(c *redis.Client) error { return c.Ping(context.Background()).Err() })
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("redis-server on %s did not answer: %v (log in %s)", p.Addr, err, p.dir)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (p *RedisProcess) stop() {
	if p.cmd == nil {
		return
	}
	_ = p.cmd.Process.Kill()
	_ = p.cmd.Wait()
	p.cmd = nil
}

// admin runs fn on a connection of its own, so the test's clients keep their pools.
func (p *RedisProcess) admin(fn func(*redis.Client) error) error {
	c := redis.NewClient(&redis.Options{Addr: p.Addr, MaxRetries: -1})
	defer c.Close()
	return fn(c)
}

// freePort asks the kernel for a port no socket holds now.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
