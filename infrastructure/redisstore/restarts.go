package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// errNoRunID: the server does not say which process it is (the in-process Redis-protocol
// server, which cannot restart without this process).
var errNoRunID = errors.New("redis INFO has no run_id")

// serverKey holds the run_id of the Redis server the counters were last checked on. It
// lives in the data, so a server restored from a snapshot or promoted from a replica
// carries an older server's id.
func (l *Ledger) serverKey() string { return l.opts.Prefix + "server" }

// watchServer checks every RestartCheck that Redis is the server the counters were loaded
// on, until Close. A restart that kept data (from a snapshot or an AOF that lost its last
// writes), or a replica promoted while behind, leaves epochs whose counters may trail SQL:
// every loaded activity is then invalidated and rebuilt from SQL at its next draw.
func (l *Ledger) watchServer() {
	defer close(l.watchDone)
	t := time.NewTicker(l.opts.RestartCheck)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(l.loadCtx, l.opts.CallTimeout)
		n, err := l.CheckServer(ctx)
		cancel()
		switch {
		case errors.Is(err, errNoRunID):
			return
		case err != nil:
			l.opts.Log.Debug("redis server check failed", "err", err)
		case n > 0:
			l.opts.Log.Warn("redis is not the server the counters were loaded on (restarted with data, or a replica took over); rebuilding them from SQL",
				"activities", n)
		}
	}
}

// CheckServer compares Redis's run_id with the one recorded at the last check and, when
// they differ, invalidates every loaded activity; it returns how many. The first check on
// a server with no record (new, or restarted empty) only records it.
func (l *Ledger) CheckServer(ctx context.Context) (int, error) {
	info, err := l.client.Info(ctx, "server").Result()
	var refused redis.Error
	if errors.As(err, &refused) {
		return 0, fmt.Errorf("%w: %w", errNoRunID, err)
	}
	if err != nil {
		return 0, fmt.Errorf("redis info: %w", err)
	}
	runID := infoField(info, "run_id")
	if runID == "" {
		return 0, errNoRunID
	}
	recorded, err := l.client.Get(ctx, l.serverKey()).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return 0, fmt.Errorf("recorded server: %w", err)
	}
	if recorded == runID {
		return 0, nil
	}
	n := 0
	if recorded != "" {
		ids, err := l.Loaded(ctx)
		if err != nil {
			return 0, err
		}
		for _, id := range ids {
			if err := l.Invalidate(ctx, id); err != nil {
				return n, err
			}
			n++
		}
	}
	if err := l.client.Set(ctx, l.serverKey(), runID, 0).Err(); err != nil {
		return n, fmt.Errorf("record server: %w", err)
	}
	return n, nil
}

// infoField returns the value of name in an INFO reply ("name:value" lines).
func infoField(info, name string) string {
	for line := range strings.Lines(info) {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
