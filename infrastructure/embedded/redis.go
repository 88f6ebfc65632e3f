// Package embedded runs the in-process servers of the default mode: a Redis-protocol server
// and a NATS server with JetStream. They listen on free loopback ports, so they never clash
// with real servers on the machine.
package embedded

import (
	"crypto/rand"
	"fmt"
	"time"

	"github.com/alicebob/miniredis/v2"
)

// Redis is an in-process Redis-protocol server. It keeps its data in memory only: Redis
// holds nothing that cannot be rebuilt from SQL.
type Redis struct {
	srv      *miniredis.Miniredis
	password string
	stop     chan struct{}
	done     chan struct{}
}

// StartRedis listens on a free loopback port, with a password of its own: any process on
// the machine can reach the port, and the counters there decide who may draw.
func StartRedis() (*Redis, error) {
	srv := miniredis.NewMiniRedis()
	pw := rand.Text()
	srv.RequireAuth(pw)
	if err := srv.StartAddr("127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("start embedded redis: %w", err)
	}
	r := &Redis{srv: srv, password: pw, stop: make(chan struct{}), done: make(chan struct{})}
	go r.expire()
	return r, nil
}

// Addr is host:port of the server.
func (r *Redis) Addr() string { return r.srv.Addr() }

// Password is what a client must give (AUTH) before any command.
func (r *Redis) Password() string { return r.password }

// FlushAll drops every key, as a restarted Redis without persistence would.
func (r *Redis) FlushAll() { r.srv.FlushAll() }

// Close stops the server.
func (r *Redis) Close() {
	close(r.stop)
	<-r.done
	r.srv.Close()
}

// sweepSpacing is how many times a sweep's own length the next waits at least.
const sweepSpacing = 20

// expire ages the keys' TTLs by the time that has passed and drops the keys whose TTL ran
// out, as a Redis server does by itself: miniredis ages them only when told, so without
// this every idempotency marker, rate-limit key and day counter would stay for good and
// the process's memory grow with every draw. A sweep walks every key, with the server
// paused (~40 ms for 100,000 keys, ~0.7 s for a million), so sweeps are a second apart, or
// more when the keys are many: the server is paused at most a twentieth of the time. A key
// outlives its TTL by at most the spacing, which nothing here depends on.
func (r *Redis) expire() {
	defer close(r.done)
	last, wait := time.Now(), time.Second
	for {
		t := time.NewTimer(wait)
		select {
		case <-r.stop:
			t.Stop()
			return
		case <-t.C:
		}
		now := time.Now()
		r.srv.FastForward(now.Sub(last))
		last = now
		wait = max(time.Second, sweepSpacing*time.Since(now))
	}
}
