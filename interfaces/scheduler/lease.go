// Package scheduler runs the jobs of application/jobs on robfig/cron schedules, with a
// Redis lease per job so that only one process of a cluster runs a job at a time, and
// reports every run as a log line and in Prometheus.
package scheduler

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Scripts act only while the lease still holds our token: a process that overran its
// lease must never free or extend the lease of the process that took over.
var (
	releaseLease = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`)
	renewLease = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`)
)

// Leases hands out one lease per job name across every process sharing the Redis.
type Leases struct {
	rdb    redis.UniversalClient
	prefix string
	ttl    time.Duration
}

// NewLeases keeps leases under prefix+"job:<name>:lease" for ttl, renewed every sixth of
// it while the job runs, so a process that dies frees its jobs within ttl.
func NewLeases(rdb redis.UniversalClient, prefix string, ttl time.Duration) *Leases {
	return &Leases{rdb: rdb, prefix: prefix, ttl: ttl}
}

func (l *Leases) key(name string) string { return l.prefix + "job:" + name + ":lease" }

// Lease is a held lease. Lost is closed when a renewal finds it gone (Redis lost it, or
// it expired while this process stalled), or renewals failed for too long: the job should
// stop, someone else may run it.
type Lease struct {
	leases *Leases
	key    string
	token  string
	lost   chan struct{}
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once
	held   time.Time // the lease is ours until held + ttl; only renew touches it
}

// Acquire takes the lease of name (SET NX PX); held is false when another process has it.
func (l *Leases) Acquire(ctx context.Context, name string) (lease *Lease, held bool, err error) {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	token := hex.EncodeToString(b)
	asked := time.Now() // the lease runs from the request, not from its answer
	ok, err := l.rdb.SetNX(ctx, l.key(name), token, l.ttl).Result()
	if err != nil {
		return nil, false, fmt.Errorf("lease %s: %w", name, err)
	}
	if !ok {
		return nil, false, nil
	}
	lease = &Lease{leases: l, key: l.key(name), token: token, held: asked,
		lost: make(chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}
	go lease.renew()
	return lease, true, nil
}

// renew extends the lease every sixth of its ttl. It is lost when a renewal finds it gone,
// and also when renewals have failed (Redis unreachable, failing over) so long that the
// next try would come two thirds of the ttl after the last success: the job is stopped
// about a third of the ttl before the lease can run out and another process take it.
func (le *Lease) renew() {
	defer close(le.done)
	ttl := le.leases.ttl
	every := ttl / 6
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-le.stop:
			return
		case <-t.C:
		}
		deadline := le.held.Add(2 * ttl / 3)
		left := time.Until(deadline)
		if left < every/5 { // the tick came too late to try
			close(le.lost)
			return
		}
		tried := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), min(every, left))
		n, err := renewLease.Run(ctx, le.leases.rdb, []string{le.key}, le.token, ttl.Milliseconds()).Int64()
		cancel()
		switch {
		case err == nil && n == 0:
			close(le.lost)
			return
		case err == nil:
			le.held = tried
		case !time.Now().Add(every).Before(deadline): // failed, and the next try would be too late
			close(le.lost)
			return
		}
	}
}

// Lost is closed when the lease was lost while held.
func (le *Lease) Lost() <-chan struct{} { return le.lost }

// Release stops renewing and frees the lease if it is still ours.
func (le *Lease) Release() {
	le.once.Do(func() {
		close(le.stop)
		<-le.done
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_ = releaseLease.Run(ctx, le.leases.rdb, []string{le.key}, le.token).Err()
	})
}
