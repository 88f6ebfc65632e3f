package changefeed

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// keysKept is about how many changes a key feed keeps; a follower more than that many
// behind (a poll every 250 ms makes that thousands a second) drops everything instead.
const keysKept = 10_000

// publishKey bumps the sequence and appends the key with it, in one step, so the log is
// in sequence order whoever writes. An empty key means every key.
var publishKey = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 's', n, 'k', ARGV[1])
return n`)

// Keys tells every process which keys changed (a user's profile), so that caches drop
// only those rather than everything. A writer bumps a sequence and appends the key to a
// log kept to about keysKept entries; followers poll the sequence a few times a second
// and read what is new. A follower that finds changes missing (trimmed away, or lost with
// Redis's data) or cannot read is told that everything changed.
type Keys struct {
	rdb      redis.UniversalClient
	seq, log string
	interval time.Duration
	logger   *slog.Logger
}

// NewKeys uses the keys prefix+"{"+name+"}:seq" and ":log" (one hash slot in a cluster).
func NewKeys(rdb redis.UniversalClient, prefix, name string, interval time.Duration, logger *slog.Logger) *Keys {
	base := prefix + "{" + name + "}:"
	return &Keys{rdb: rdb, seq: base + "seq", log: base + "log", interval: interval, logger: logger}
}

// Publish announces that key changed.
func (k *Keys) Publish(ctx context.Context, key string) error {
	return publishKey.Run(ctx, k.rdb, []string{k.seq, k.log}, key, keysKept).Err()
}

// PublishAll announces that every key may have changed (a bulk import).
func (k *Keys) PublishAll(ctx context.Context) error { return k.Publish(ctx, "") }

// Follow reads the current position, then in the background calls onKey for each key
// published after it, or onAll when every key may have changed or changes were missed,
// until ctx ends.
func (k *Keys) Follow(ctx context.Context, onKey func(string), onAll func()) {
	p := &position{}
	_ = k.catchUp(ctx, p)
	go k.poll(ctx, p, onKey, onAll)
}

// position is how far a follower has read: the sequence and the log entry it reached.
type position struct {
	seq int64
	id  string
}

func (k *Keys) poll(ctx context.Context, p *position, onKey func(string), onAll func()) {
	t := time.NewTicker(k.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		keys, all, err := k.next(ctx, p)
		if err != nil && ctx.Err() == nil {
			k.logger.Warn("key change feed unreadable; dropping caches", "err", err)
		}
		if all || err != nil {
			onAll()
			continue
		}
		for _, key := range keys {
			onKey(key)
		}
	}
}

// next reads the keys published since p and moves p past them; all reports that every
// key must be taken as changed.
func (k *Keys) next(ctx context.Context, p *position) (keys []string, all bool, err error) {
	if p.id == "" { // Follow could not read where the feed was
		return nil, true, k.catchUp(ctx, p)
	}
	seq, err := k.sequence(ctx)
	if err != nil || seq == p.seq {
		return nil, false, err
	}
	if seq < p.seq { // Redis lost the feed, and what was published before
		return nil, true, k.catchUp(ctx, p)
	}
	want := seq - p.seq
	streams, err := k.rdb.XRead(ctx, &redis.XReadArgs{Streams: []string{k.log, p.id}, Count: want, Block: -1}).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, true, err
	}
	var entries []redis.XMessage
	if len(streams) == 1 {
		entries = streams[0].Messages
	}
	for i, e := range entries {
		s, _ := e.Values["s"].(string)
		if n, _ := strconv.ParseInt(s, 10, 64); n != p.seq+int64(i)+1 {
			return nil, true, k.catchUp(ctx, p) // a change is missing
		}
		key, _ := e.Values["k"].(string)
		all = all || key == ""
		keys = append(keys, key)
	}
	if int64(len(entries)) != want {
		return nil, true, k.catchUp(ctx, p)
	}
	p.seq, p.id = seq, entries[len(entries)-1].ID
	return keys, all, nil
}

// catchUp moves p to the newest change, skipping what it has not read. The sequence is
// read before the log: a change published in between is then found missing on the next
// poll (everything is dropped once more) rather than skipped.
func (k *Keys) catchUp(ctx context.Context, p *position) error {
	seq, err := k.sequence(ctx)
	if err != nil {
		return err
	}
	last, err := k.rdb.XRevRangeN(ctx, k.log, "+", "-", 1).Result()
	if err != nil {
		return err
	}
	p.seq, p.id = seq, "0-0"
	if len(last) == 1 {
		p.id = last[0].ID
	}
	return nil
}

func (k *Keys) sequence(ctx context.Context) (int64, error) {
	n, err := k.rdb.Get(ctx, k.seq).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	return n, err
}
