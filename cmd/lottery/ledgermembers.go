package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/lottery-go/lottery/infrastructure/persistence"
	"github.com/lottery-go/lottery/infrastructure/redisstore"
)

// How a process with a shared Redis on a MySQL database shows the others that it keeps its
// counters there: it announces itself every announceEvery for memberTTL, and one starting
// waits up to memberWait for the others it finds on the database to be announced (a Redis
// that lost its data hears from them again within announceEvery).
var (
	announceEvery = 2 * time.Second
	memberTTL     = 15 * time.Second
	memberWait    = 8 * time.Second
)

// joinSharedLedger refuses, with persistence.ErrLedgerNotShared, a process whose Redis is
// not where the other processes on its database keep their counters: another server,
// another database number (redis.db) or another redis.prefix. Such a process would let
// every user draw up to their limits again and sell the stock a second time. The address
// is not compared: 127.0.0.1:6379, a host name and a Unix socket may all be one server.
// MySQL only: SQLite has one process, and an in-process Redis is checked by
// guardSharedLedger.
func (s *system) joinSharedLedger(ctx context.Context) error {
	if s.cfg.MySQLDSN == "" || s.redisInProcess {
		return nil
	}
	me, err := s.db.HoldLedgerMember(ctx, func(err error) {
		if err != nil {
			s.log.Error("this process's place among the processes of its database is lost; taken again when it can be", "err", err)
		}
	})
	if err != nil {
		return err
	}
	s.onClose(me.Release)
	members := redisstore.NewMembers(s.redis, s.cfg.Redis.Prefix)
	host, _ := os.Hostname()
	who := fmt.Sprintf("%s#%d", host, os.Getpid())
	announce := func(ctx context.Context) error {
		if id := me.ID(); id != 0 {
			return members.Announce(ctx, id, who, memberTTL)
		}
		return nil
	}
	if err := announce(ctx); err != nil {
		return err
	}
	s.onClose(s.keepAnnouncing(announce))
	return awaitMembers(ctx, s.db, members, me.ID())
}

// keepAnnouncing calls announce every announceEvery until the returned stop is called.
func (s *system) keepAnnouncing(announce func(context.Context) error) (stop func()) {
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(announceEvery)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				return
			case <-tick.C:
			}
			ctx, cancel := context.WithTimeout(context.Background(), announceEvery)
			if err := announce(ctx); err != nil {
				s.log.Warn("could not tell Redis again that this process keeps its counters there", "err", err)
			}
			cancel()
		}
	}()
	return func() { close(quit); <-done }
}

// awaitMembers waits up to memberWait for every other process on the database to be
// announced in this Redis.
func awaitMembers(ctx context.Context, db *persistence.DB, members *redisstore.Members, me int64) error {
	deadline := time.Now().Add(memberWait)
	for {
		ids, err := db.LedgerMembers(ctx)
		if err != nil {
			return err
		}
		others := ids[:0]
		for _, id := range ids {
			if id != me {
				others = append(others, id)
			}
		}
		missing, err := members.Missing(ctx, others)
		if err != nil || len(missing) == 0 {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: %d other lottery process(es) on this database (MySQL connection ids %v) keep their counters "+
				"in another Redis: another server, another database number (redis.db) or another redis.prefix; "+
				"give every process of one database the same Redis and prefix (a process gone without closing its connection "+
				"stops counting once its connection has been idle for %v)", persistence.ErrLedgerNotShared, len(missing), missing, persistence.MemberQuiet)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}
