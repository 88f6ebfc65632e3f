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
// only those rather than everything. A writer bumps a sequence and appends the key with
// its number to a log kept to about keysKept entries; followers poll the newest entry a
// few times a second and read what is new. A follower that finds changes missing (trimmed away, or lost with
// Redis's data or a failover) or cannot read is told that everything changed.
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
	every(ctx, k.interval, func() {
		keys, all, err := k.next(ctx, p)
		if err != nil && ctx.Err() == nil {
			k.logger.Warn("key change feed unreadable; dropping caches", "err", err)
		}
		if all || err != nil {
			onAll()
			return
		}
		for _, key := range keys {
			onKey(key)
		}
	})
}

// next reads the keys published since p and moves p past them; all reports that every
// key must be taken as changed. It looks at the newest entry of the log rather than at
// the sequence: after Redis lost data or failed over to a replica that was behind, the
// sequence may come back to the follower's own number with other changes behind it, but
// the newest entry is then another one, whose number does not follow the follower's.
func (k *Keys) next(ctx context.Context, p *position) (keys []string, all bool, err error) {
	if p.id == "" { // Follow could not read where the feed was
		return nil, true, k.catchUp(ctx, p)
	}
	last, err := k.rdb.XRevRangeN(ctx, k.log, "+", "-", 1).Result()
	if err != nil {
		return nil, false, err
	}
	switch {
	case len(last) == 0 && p.id == "0-0":
		return nil, false, nil // nothing published yet
	case len(last) == 0: // the log is gone
		return nil, true, k.catchUp(ctx, p)
	case last[0].ID == p.id:
		return nil, false, nil
	}
	newest := entrySeq(last[0])
	if newest <= p.seq { // the log went back: lost data, or a replica that was behind
		return nil, true, k.catchUp(ctx, p)
	}
	want := newest - p.seq
	streams, err := k.rdb.XRead(ctx, &redis.XReadArgs{Streams: []string{k.log, p.id}, Count: want, Block: -1}).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, true, err
	}
	var entries []redis.XMessage
	if len(streams) == 1 {
		entries = streams[0].Messages
	}
	for i, e := range entries {
		if entrySeq(e) != p.seq+int64(i)+1 {
			return nil, true, k.catchUp(ctx, p) // a change is missing (trimmed away)
		}
		key, _ := e.Values["k"].(string)
		all = all || key == ""
		keys = append(keys, key)
	}
	if int64(len(entries)) != want {
		return nil, true, k.catchUp(ctx, p)
	}
	p.seq, p.id = newest, entries[len(entries)-1].ID
	return keys, all, nil
}

// catchUp moves p to the newest entry, skipping what it has not read.
func (k *Keys) catchUp(ctx context.Context, p *position) error {
	last, err := k.rdb.XRevRangeN(ctx, k.log, "+", "-", 1).Result()
	if err != nil {
		return err
	}
	p.seq, p.id = 0, "0-0"
	if len(last) == 1 {
		p.seq, p.id = entrySeq(last[0]), last[0].ID
	}
	return nil
}

// entrySeq is the sequence number a log entry was published with.
func entrySeq(e redis.XMessage) int64 {
	s, _ := e.Values["s"].(string)
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}
