package scheduler

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Run is the record of one run of a job.
type Run struct {
	At      time.Time
	Outcome Outcome
	Took    time.Duration
	Error   string
}

// History keeps each job's last run in Redis, for `lottery jobs list` on any machine.
type History struct {
	rdb    redis.UniversalClient
	prefix string
}

// NewHistory keeps runs under prefix+"job:<name>:last".
func NewHistory(rdb redis.UniversalClient, prefix string) *History {
	return &History{rdb: rdb, prefix: prefix}
}

func (h *History) key(name string) string { return h.prefix + "job:" + name + ":last" }

// Record stores r as the last run of name.
func (h *History) Record(ctx context.Context, name string, r Run) error {
	err := h.rdb.HSet(ctx, h.key(name), "at", r.At.UTC().Format(time.RFC3339Nano), "outcome", string(r.Outcome),
		"took_ms", r.Took.Milliseconds(), "error", r.Error).Err()
	if err != nil {
		return fmt.Errorf("record run of %s: %w", name, err)
	}
	return nil
}

// Last returns the last recorded run of name; ok is false when there is none.
func (h *History) Last(ctx context.Context, name string) (r Run, ok bool, err error) {
	m, err := h.rdb.HGetAll(ctx, h.key(name)).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return Run{}, false, fmt.Errorf("last run of %s: %w", name, err)
	}
	if len(m) == 0 {
		return Run{}, false, nil
	}
	r.At, _ = time.Parse(time.RFC3339Nano, m["at"])
	r.Outcome, r.Error = Outcome(m["outcome"]), m["error"]
	ms, _ := strconv.ParseInt(m["took_ms"], 10, 64)
	r.Took = time.Duration(ms) * time.Millisecond
	return r, true, nil
}
