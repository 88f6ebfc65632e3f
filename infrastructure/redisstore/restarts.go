package redisstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/lottery-go/lottery/domain/draw"
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

// checkAttempts bounds how often reloadAdmitScript checks a server that changed again
// between its check and the script's load.
const checkAttempts = 3

// reloadAdmitScript loads the admission script into a server that answered NOSCRIPT. A
// server loses its scripts when it restarts or a replica takes over (or on SCRIPT FLUSH),
// and such a server may hold older data: it is checked first, so no admission runs on
// counters that trail SQL, not even until the next tick of the watch. The script goes in
// only after the check, in one transaction with INFO, so a process that finds it loaded
// knows a check has run on this very server; one that cannot check fails its admissions
// (503) and tries again with the next. Should the server have changed between the check
// and the load, the new one is checked too, and if that fails the scripts are flushed
// again: until then, admissions of other processes may run on it, for a few round trips
// after two restarts a round trip apart. With the check off (the in-process server) the
// script is only loaded.
func (l *Ledger) reloadAdmitScript(ctx context.Context) error {
	if l.opts.RestartCheck <= 0 {
		if err := l.client.ScriptLoad(ctx, l.admitSrc).Err(); err != nil {
			return fmt.Errorf("load the admission script: %w", err)
		}
		return nil
	}
	strayed := false // the script went into a server that was not checked
	err := errors.New("redis kept changing servers while it was checked")
	for range checkAttempts {
		var ok bool
		if ok, err = l.checkThenLoad(ctx); ok || err != nil {
			break
		}
		strayed = true
	}
	if err != nil && strayed {
		// Best effort: every deployment checks again, and finds its record unless
		// the server did change.
		_ = l.client.ScriptFlush(context.WithoutCancel(ctx)).Err()
	}
	return err
}

// checkThenLoad checks the server and loads the script; ok tells whether the script went
// into the server that was checked.
func (l *Ledger) checkThenLoad(ctx context.Context) (ok bool, err error) {
	checked, n, err := l.checkServer(ctx)
	if err != nil {
		return false, fmt.Errorf("redis lost its scripts (a restart or a failover?) and could not be checked (redis.restart_check: off for a server without INFO): %w", err)
	}
	l.warnRebuilt(n)
	loadedOn, err := l.loadAdmitScript(ctx)
	if err != nil {
		return false, err
	}
	return loadedOn == checked, nil
}

// loadAdmitScript loads the admission script and returns the run_id of the server it went
// into.
func (l *Ledger) loadAdmitScript(ctx context.Context) (string, error) {
	var info *redis.StringCmd
	_, err := l.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		info = p.Info(ctx, "server")
		p.ScriptLoad(ctx, l.admitSrc)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("load the admission script: %w", err)
	}
	return infoField(info.Val(), "run_id"), nil
}

// CheckServer compares Redis's run_id with the one recorded in its data and, when they
// differ, invalidates every loaded activity and marks its idempotency markers as possibly
// lost; it returns how many. Without a record it does the same for whatever activities
// the data holds: none after a restart that lost the data or in a new deployment, and on
// data restored from a backup older than the first record, or at the first check after
// upgrading to this version, a rebuild is the safe answer. The record is written last, so
// a check that fails halfway is done again.
func (l *Ledger) CheckServer(ctx context.Context) (int, error) {
	_, n, err := l.checkServer(ctx)
	return n, err
}

// checkServer is CheckServer, also returning the run_id of the server it checked.
func (l *Ledger) checkServer(ctx context.Context) (string, int, error) {
	runID, recorded, err := l.serverIDs(ctx)
	if err != nil || recorded == runID {
		return runID, 0, err
	}
	ids, err := l.Loaded(ctx)
	if err != nil {
		return runID, 0, err
	}
	if err := l.rebuildAll(ctx, ids); err != nil {
		return runID, 0, err
	}
	return runID, len(ids), l.record(ctx, runID)
}

// serverIDs reads the server's run_id and the one recorded in its data, in one
// transaction so that both come from the same server.
func (l *Ledger) serverIDs(ctx context.Context) (runID, recorded string, err error) {
	var info, rec *redis.StringCmd
	_, err = l.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		info = p.Info(ctx, "server")
		rec = p.Get(ctx, l.serverKey())
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return "", "", fmt.Errorf("redis info and recorded server: %w", err)
	}
	if runID = infoField(info.Val(), "run_id"); runID == "" {
		return "", "", errors.New("redis INFO server names no run_id")
	}
	return runID, rec.Val(), nil
}

// rebuildChunk bounds the commands of one round trip of rebuildAll.
const rebuildChunk = 500

// rebuildAll invalidates the activities, which rebuild from SQL at their next draw, and
// marks their idempotency markers as possibly lost: the markers of the draws the older
// data lacks are gone, while the seen mark is not. Pipelined, a few round trips for
// thousands of activities: the check may run on the admission batcher.
func (l *Ledger) rebuildAll(ctx context.Context, ids []int64) error {
	for chunk := range slices.Chunk(ids, rebuildChunk) {
		_, err := l.client.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, id := range chunk {
				k := l.keys(id)
				// As Invalidate, but not in a transaction of its own: a load that
				// runs between the two read SQL after the epoch went, which is a rebuild.
				invalidateIn(ctx, p, k)
				p.Set(ctx, k.rebuilt(), 1, l.opts.IdempotencyTTL)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("rebuild activities: %w: %w", draw.ErrUnavailable, err)
		}
	}
	for _, id := range ids {
		l.rememberMarkers(id, true)
	}
	return nil
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
