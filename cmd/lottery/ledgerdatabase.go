package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/lottery-go/lottery/infrastructure/persistence"
	"github.com/lottery-go/lottery/infrastructure/redisstore"
)

// claimRedisPrefix refuses a process whose Redis prefix holds the counters of processes on
// another database (another deployment's MySQL database, or a SQLite file): each would
// count users' draws and the stock as its own, and its granters would drop the other's
// grant events. It then says, every announceEvery while it runs, that its database uses the
// prefix, and logs an error should another database's process turn up. A database whose
// processes have not said so for memberTTL leaves the prefix free. An in-process Redis is
// this process's alone.
func (s *system) claimRedisPrefix(ctx context.Context) error {
	if s.redisInProcess {
		return nil
	}
	database, err := s.db.LedgerIdentity(ctx)
	if err != nil {
		return err
	}
	d := redisstore.NewDatabases(s.redis, s.cfg.Redis.Prefix)
	check := func(ctx context.Context) error {
		others, err := d.Others(ctx, database, time.Now().Add(-memberTTL))
		if err != nil || len(others) == 0 {
			return err
		}
		return fmt.Errorf("%w: redis.prefix %q in this Redis holds the counters of processes on another database (%s; this one is %s, %s): "+
			"give each deployment its own redis.prefix, or point this process at their database",
			persistence.ErrLedgerNotShared, s.cfg.Redis.Prefix, strings.Join(others, ", "), database, s.db.Where)
	}
	if err := check(ctx); err != nil {
		return err
	}
	if err := d.Announce(ctx, database, time.Now()); err != nil {
		return err
	}
	if err := check(ctx); err != nil { // another that started at the same time
		return err
	}
	s.onClose(s.keepClaiming(d, database, check))
	return nil
}

func (s *system) keepClaiming(d *redisstore.Databases, database string, check func(context.Context) error) (stop func()) {
	ctx, quit := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(announceEvery)
		defer tick.Stop()
		var warned bool
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			actx, cancel := context.WithTimeout(ctx, announceEvery)
			err := d.Announce(actx, database, time.Now())
			if err == nil {
				err = check(actx)
			}
			cancel()
			if err != nil && !warned && ctx.Err() == nil {
				s.log.Error("this process's Redis prefix", "err", err)
			}
			warned = err != nil
		}
	}()
	return func() { quit(); <-done }
}
