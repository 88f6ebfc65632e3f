package redisstore

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Databases are the databases (persistence.LedgerIdentity) whose processes keep their
// counters in one Redis under one prefix, each with the time one of its processes last
// said so. There should be one: processes on two databases under one prefix would count
// users' draws and the stock of each other's activities.
type Databases struct {
	rdb redis.UniversalClient
	key string
}

// NewDatabases is the record under prefix (redis.prefix).
func NewDatabases(rdb redis.UniversalClient, prefix string) *Databases {
	return &Databases{rdb: rdb, key: prefix + "databases"}
}

// Announce says, at now, that a process on database keeps its counters here, and forgets
// databases not announced for a long while.
func (d *Databases) Announce(ctx context.Context, database string, now time.Time) error {
	pipe := d.rdb.Pipeline()
	pipe.ZAdd(ctx, d.key, redis.Z{Score: float64(now.UnixMilli()), Member: database})
	pipe.ZRemRangeByScore(ctx, d.key, "-inf", strconv.FormatInt(now.Add(-time.Hour).UnixMilli(), 10))
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("announce this database in Redis: %w", err)
	}
	return nil
}

// Others returns the databases other than database announced here since since.
func (d *Databases) Others(ctx context.Context, database string, since time.Time) ([]string, error) {
	names, err := d.rdb.ZRangeByScore(ctx, d.key, &redis.ZRangeBy{
		Min: strconv.FormatInt(since.UnixMilli(), 10), Max: "+inf"}).Result()
	if err != nil {
		return nil, fmt.Errorf("look for other databases in Redis: %w", err)
	}
	return slices.DeleteFunc(names, func(n string) bool { return n == database }), nil
}
