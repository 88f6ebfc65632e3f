package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// serverKey holds the run_id of the Redis server the counters were last checked on. It
// lives in the data, so a server restored from a snapshot or promoted from a replica
// carries an older server's id.
func (l *Ledger) serverKey() string { return l.opts.Prefix + "server" }

// watchServer runs CheckServer every RestartCheck until Close. A restart that kept data
// (from a snapshot or an AOF that lost its last writes), or a replica promoted while
// behind, leaves epochs whose counters may trail SQL. A failing check is logged when it
// starts and when it stops failing, not at every tick.
func (l *Ledger) watchServer() {
	defer close(l.watchDone)
	t := time.NewTicker(l.opts.RestartCheck)
	defer t.Stop()
	var failing error
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
		case err != nil && failing == nil && l.loadCtx.Err() == nil:
			l.opts.Log.Warn("cannot check which Redis server holds the counters; retrying", "err", err)
		case err == nil && failing != nil:
			l.opts.Log.Info("checking the Redis server works again")
		}
		failing = err
		l.warnRebuilt(n)
	}
}

func (l *Ledger) warnRebuilt(activities int) {
	if activities > 0 {
		l.opts.Log.Warn("redis is not the server the counters were checked on (restarted with its data, or a replica took over); rebuilding them from SQL",
			"activities", activities)
	}
}

// reloadAdmitScript loads the admission script into a server that answered NOSCRIPT. A
// server loses its scripts when it restarts or a replica takes over (or on SCRIPT FLUSH),
// and such a server may hold older data: it is checked first, so no admission runs on
// counters that trail SQL, not even until the next tick of the watch. The script goes in
// only after the check, so a process that finds it loaded knows a check has run on this
// server; one that cannot check fails its admissions (503) and tries again with the next.
// With the check off (the in-process server) the script is only loaded.
func (l *Ledger) reloadAdmitScript(ctx context.Context) error {
	if l.opts.RestartCheck > 0 {
		n, err := l.CheckServer(ctx)
		if err != nil {
			return fmt.Errorf("redis lost its scripts (a restart or a failover?) and could not be checked (redis.restart_check: off for a server without INFO): %w", err)
		}
		l.warnRebuilt(n)
	}
	if err := admitScript.Load(ctx, l.client).Err(); err != nil {
		return fmt.Errorf("load the admission script: %w", err)
	}
	return nil
}

// CheckServer compares Redis's run_id with the one recorded in its data and, when they
// differ, invalidates every loaded activity and marks its idempotency markers as possibly
// lost; it returns how many. Without a record (a Redis that restarted empty, a new
// deployment, or the first check after upgrading to this version) it only records: data
// restored from a backup taken before the first record is not recognised. The record is
// written last, so a check that fails halfway is done again.
func (l *Ledger) CheckServer(ctx context.Context) (int, error) {
	info, err := l.client.Info(ctx, "server").Result()
	if err != nil {
		return 0, fmt.Errorf("redis info: %w", err)
	}
	runID := infoField(info, "run_id")
	if runID == "" {
		return 0, errors.New("redis INFO server names no run_id")
	}
	recorded, err := l.client.Get(ctx, l.serverKey()).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return 0, fmt.Errorf("recorded server: %w", err)
	}
	if recorded == runID {
		return 0, nil
	}
	if recorded == "" {
		return 0, l.record(ctx, runID)
	}
	ids, err := l.Loaded(ctx)
	if err != nil {
		return 0, err
	}
	for i, id := range ids {
		if err := l.Invalidate(ctx, id); err != nil {
			return i, err
		}
		// Markers of the draws the older data lacks are gone; the seen mark is not.
		if err := l.client.Set(ctx, l.keys(id).rebuilt(), 1, l.opts.IdempotencyTTL).Err(); err != nil {
			return i, fmt.Errorf("mark activity %d: %w", id, err)
		}
		l.rememberMarkers(id, true)
	}
	return len(ids), l.record(ctx, runID)
}

func (l *Ledger) record(ctx context.Context, runID string) error {
	if err := l.client.Set(ctx, l.serverKey(), runID, 0).Err(); err != nil {
		return fmt.Errorf("record server: %w", err)
	}
	return nil
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
