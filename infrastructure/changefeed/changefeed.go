// Package changefeed tells every process that administrative data changed, so in-memory
// caches on the draw path drop what they hold. It is one Redis counter: a writer bumps it,
// every process polls it a few times a second. Changes are rare and a whole-cache reload is
// cheap, so a sequence number is all that needs to travel.
package changefeed

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"
)

// Feed publishes and follows changes.
type Feed struct {
	rdb      redis.UniversalClient
	key      string
	interval time.Duration
	backstop time.Duration
	log      *slog.Logger
}

// Backstop is how long a follower goes at most without dropping its caches: a change
// saved by a process that died before it could publish it (or whose retries all failed)
// reaches every process within this, not at the next change, which may be days away.
const Backstop = time.Minute

// New uses the key prefix+"changes"; interval is how often followers look (≤ 250 ms keeps
// "seen by every process within a second" with room to spare).
func New(rdb redis.UniversalClient, prefix string, interval time.Duration, log *slog.Logger) *Feed {
	return &Feed{rdb: rdb, key: prefix + "changes", interval: interval, backstop: Backstop, log: log}
}

// WithBackstop replaces Backstop for this feed's followers.
func (f *Feed) WithBackstop(d time.Duration) *Feed {
	f.backstop = d
	return f
}

// Publish announces a change.
func (f *Feed) Publish(ctx context.Context) error {
	return f.rdb.Incr(ctx, f.key).Err()
}

// Follow reads the current sequence, then in the background calls onChange whenever the
// sequence moves (and when it cannot be read, since a change may then be missed, and at
// least once every backstop), until ctx ends. Every change published after Follow returns
// is seen.
func (f *Feed) Follow(ctx context.Context, onChange func()) {
	last, _ := f.read(ctx)
	go f.poll(ctx, last, onChange)
}

func (f *Feed) poll(ctx context.Context, last int64, onChange func()) {
	dropped := time.Now()
	drop := func() {
		dropped = time.Now()
		onChange()
	}
	every(ctx, f.interval, func() {
		seq, err := f.read(ctx)
		switch {
		case err != nil:
			if ctx.Err() == nil {
				f.log.Warn("change feed unreadable; dropping caches", "err", err)
				drop()
			}
		case seq != last:
			last = seq
			drop()
		case f.backstop > 0 && time.Since(dropped) >= f.backstop:
			drop()
		}
	})
}

// every calls fn each interval until ctx ends.
func every(ctx context.Context, interval time.Duration, fn func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		fn()
	}
}

func (f *Feed) read(ctx context.Context) (int64, error) {
	n, err := f.rdb.Get(ctx, f.key).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	return n, err
}
