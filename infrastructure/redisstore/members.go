package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Members are the processes that keep their counters in one Redis under one prefix, each
// named by the MySQL connection that holds its place on the database
// (persistence.LedgerMember). A process announces itself again and again, so that a Redis
// that lost its data knows it again within a period; a name not announced for a TTL goes.
type Members struct {
	rdb  redis.UniversalClient
	base string
}

// NewMembers names the members of the database named database (persistence.LedgerIdentity)
// under prefix (redis.prefix).
func NewMembers(rdb redis.UniversalClient, prefix, database string) *Members {
	return &Members{rdb: rdb, base: prefix + "member:" + database + ":"}
}

func (m *Members) key(id int64) string { return m.base + strconv.FormatInt(id, 10) }

// Announce says that the process holding MySQL connection id, described by who, keeps its
// counters here, for ttl.
func (m *Members) Announce(ctx context.Context, id int64, who string, ttl time.Duration) error {
	if err := m.rdb.Set(ctx, m.key(id), who, ttl).Err(); err != nil {
		return fmt.Errorf("announce this process in Redis: %w", err)
	}
	return nil
}

// Missing returns those of ids that have not announced themselves here.
func (m *Members) Missing(ctx context.Context, ids []int64) ([]int64, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	pipe := m.rdb.Pipeline()
	found := make([]*redis.IntCmd, len(ids))
	for i, id := range ids {
		found[i] = pipe.Exists(ctx, m.key(id))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("look for the other processes in Redis: %w", err)
	}
	var missing []int64
	for i, f := range found {
		if f.Val() == 0 {
			missing = append(missing, ids[i])
		}
	}
	return missing, nil
}
