package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/lottery-go/lottery/infrastructure/persistence"
	"github.com/lottery-go/lottery/infrastructure/redisstore"
)

// How a process with a shared Redis on a MySQL database shows the others that it keeps its
// counters there: it announces itself every announceEvery for memberTTL (and tells the
// database that it runs), and one starting
// waits up to memberWait for the others on the database to be announced (a Redis that lost
// its data hears from them again within announceEvery). A running process looks for the
// others again every recheckEvery.
var (
	announceEvery = 2 * time.Second
	memberTTL     = 15 * time.Second
	memberWait    = 8 * time.Second
	recheckEvery  = 30 * time.Second
)

// ledgerMembers is this process among those of its database, as its Redis knows them.
type ledgerMembers struct {
	db      *persistence.DB
	members *redisstore.Members
	who     string
	id      atomic.Int64 // the connection id announced: the slot's, or the one about to take it
}

// joinSharedLedger refuses, with persistence.ErrLedgerNotShared, a process whose Redis has
// not heard of the other processes on its database: it is another server, another database
// number (redis.db) or another redis.prefix. Such a process would let every user draw up to
// their limits again and sell the stock a second time. The address is not compared:
// 127.0.0.1:6379, a host name and a Unix socket may all be one server. MySQL only: SQLite
// has one process, and an in-process Redis is checked by guardSharedLedger.
//
// The others are the processes holding a place (persistence.HoldLedgerMember), which each
// took once it had passed this check: a process refused never counts against another. Of
// two that took their places at once with different Redis servers, at least the one that
// looks again second finds the other missing, and is refused.
func (s *system) joinSharedLedger(ctx context.Context) error {
	if s.cfg.MySQLDSN == "" || s.redisInProcess {
		return nil
	}
	database, err := s.db.LedgerIdentity(ctx)
	if err != nil {
		return err
	}
	host, _ := os.Hostname()
	m := &ledgerMembers{db: s.db, members: redisstore.NewMembers(s.redis, s.cfg.Redis.Prefix, database),
		who: fmt.Sprintf("%s#%d", host, os.Getpid())}
	var lostPlace bool // logged once, not on every attempt to take it again
	me, err := s.db.HoldLedgerMember(ctx, func(err error) {
		switch {
		case err != nil && !lostPlace:
			s.log.Error("this process's place among the processes of its database is lost; taken again when it can be", "err", err)
		case err == nil && lostPlace:
			s.log.Info("this process's place among the processes of its database is taken again")
		}
		lostPlace = err != nil
	}, func(id int64) error {
		m.id.Store(id)
		if err := m.announce(ctx); err != nil {
			return err
		}
		return m.await(ctx)
	})
	if err != nil {
		return err
	}
	s.onClose(me.Release)
	if me.ID() == 0 {
		s.log.Warn("every place among the processes of this database is taken: the processes started later cannot see this one in Redis")
		return nil
	}
	s.onClose(s.keepAnnouncing(m, me))
	return m.await(ctx)
}

// announce tells Redis that this process keeps its counters there, and the database that
// it runs.
func (m *ledgerMembers) announce(ctx context.Context) error {
	id := m.id.Load()
	if id == 0 {
		return nil
	}
	if err := m.members.Announce(ctx, id, m.who, memberTTL); err != nil {
		return err
	}
	return m.db.MarkMemberSeen(ctx, id)
}

// missing returns the other processes on the database that have not announced themselves
// in this Redis.
func (m *ledgerMembers) missing(ctx context.Context) ([]int64, error) {
	ids, err := m.db.LedgerMembers(ctx)
	if err != nil {
		return nil, err
	}
	me := m.id.Load()
	ids = slices.DeleteFunc(ids, func(id int64) bool { return id == me })
	return m.members.Missing(ctx, ids)
}

// await waits up to memberWait for every process on the database when it began to be
// announced in this Redis, or to be gone.
func (m *ledgerMembers) await(ctx context.Context) error {
	deadline := time.Now().Add(memberWait)
	first, err := m.missing(ctx)
	for err != nil { // Redis or the database failing for a moment
		if time.Now().After(deadline) {
			return err
		}
		if err := pause(ctx); err != nil {
			return err
		}
		first, err = m.missing(ctx)
	}
	for len(first) > 0 {
		if err := pause(ctx); err != nil {
			return err
		}
		now, err := m.missing(ctx)
		if err == nil {
			first = slices.DeleteFunc(first, func(id int64) bool { return !slices.Contains(now, id) })
		}
		if len(first) > 0 && time.Now().After(deadline) {
			if err != nil {
				return err
			}
			return fmt.Errorf("%w: %s on this database %s not announced in this Redis within %v: this process keeps its "+
				"counters elsewhere (another server, another database number redis.db, or another redis.prefix); give every "+
				"process of one database the same Redis and prefix (a process gone without closing its connection stops "+
				"counting %v after it last said it ran)",
				persistence.ErrLedgerNotShared, m.describe(ctx, first), plural(len(first), "was", "were"), memberWait, persistence.MemberQuiet)
		}
	}
	return nil
}

func pause(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(250 * time.Millisecond):
		return nil
	}
}

// describe names the processes of ids by their MySQL connections.
func (m *ledgerMembers) describe(ctx context.Context, ids []int64) string {
	known := m.db.DescribeConnections(ctx, ids)
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = fmt.Sprintf("connection %d", id)
		if who, ok := known[id]; ok {
			names[i] += " (" + who + ")"
		}
	}
	return plural(len(ids), "the lottery process of MySQL ", "the lottery processes of MySQL ") + strings.Join(names, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// keepAnnouncing announces m every announceEvery, and looks for the others every
// recheckEvery, until the returned stop is called. A failure is logged when it starts and
// when it ends, not on every attempt.
func (s *system) keepAnnouncing(m *ledgerMembers, me *persistence.LedgerMember) (stop func()) {
	ctx, quit := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		announce, recheck := time.NewTicker(announceEvery), time.NewTicker(recheckEvery)
		defer announce.Stop()
		defer recheck.Stop()
		var failing bool
		var suspects []int64
		for {
			select {
			case <-ctx.Done():
				return
			case <-announce.C:
				if id := me.ID(); id != 0 {
					m.id.Store(id) // a new connection's once the slot was taken again
				}
				failing = s.announceAgain(ctx, m, failing)
			case <-recheck.C:
				suspects = s.recheckMembers(ctx, m, suspects)
			}
		}
	}()
	return func() { quit(); <-done }
}

func (s *system) announceAgain(ctx context.Context, m *ledgerMembers, failing bool) bool {
	ctx, cancel := context.WithTimeout(ctx, announceEvery)
	defer cancel()
	err := m.announce(ctx)
	switch {
	case err != nil && !failing && ctx.Err() == nil:
		s.log.Warn("could not tell Redis again that this process keeps its counters there, or the database that it runs; trying every "+announceEvery.String(), "err", err)
	case err == nil && failing:
		s.log.Info("this process is announced in Redis again")
	}
	return err != nil
}

// recheckMembers logs an error for every other process missing from this Redis in two
// looks in a row (a Redis that lost its data hears from the others within announceEvery),
// and returns those missing in this look.
func (s *system) recheckMembers(ctx context.Context, m *ledgerMembers, suspects []int64) []int64 {
	ctx, cancel := context.WithTimeout(ctx, recheckEvery/2)
	defer cancel()
	missing, err := m.missing(ctx)
	if err != nil {
		return suspects
	}
	for _, id := range missing {
		if slices.Contains(suspects, id) {
			s.log.Error("a process on this database keeps its counters in another Redis: users may draw past their limits "+
				"and stock may be sold twice; give every process of one database the same Redis and redis.prefix",
				"process", m.describe(ctx, []int64{id}))
		}
	}
	return missing
}
