package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"

	"github.com/lottery-go/lottery/infrastructure/config"
	"github.com/lottery-go/lottery/infrastructure/embedded"
	"github.com/lottery-go/lottery/infrastructure/idgen"
	"github.com/lottery-go/lottery/infrastructure/messaging"
	"github.com/lottery-go/lottery/infrastructure/persistence"
	"github.com/lottery-go/lottery/interfaces/rest"
)

// system is every adapter of one process, opened in dependency order and closed in reverse.
type system struct {
	cfg   config.Config
	log   *slog.Logger
	db    *persistence.DB
	redis *redis.Client
	// redisInProcess: the embedded Redis-protocol server, which restarts only with us.
	redisInProcess bool
	nats           *messaging.Conn
	ids            *idgen.Generator
	registry       *prometheus.Registry
	closers        []func()
}

// openSQL picks MySQL when a DSN is configured, else the SQLite file under the data dir.
func openSQL(ctx context.Context, cfg config.Config) (*persistence.DB, error) {
	if cfg.MySQLDSN != "" {
		return persistence.OpenMySQL(ctx, cfg.MySQLDSN)
	}
	return persistence.OpenSQLite(ctx, filepath.Join(cfg.DataDir, "lottery.db"))
}

func openSystem(ctx context.Context, cfg config.Config, log *slog.Logger) (s *system, err error) {
	s = &system{cfg: cfg, log: log, registry: prometheus.NewRegistry()}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	s.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	if needsDataLock(cfg) {
		lock, err := lockDataDir(cfg.DataDir)
		if err != nil {
			return s, err
		}
		s.onClose(lock.Release) // first in, so released after every store is closed
	}
	if s.db, err = openSQL(ctx, cfg); err != nil {
		return s, err
	}
	s.onClose(func() { _ = s.db.Close() })
	log.Info("sql ready", "backend", s.db.Where)
	if cfg.Migrate {
		n, err := s.db.MigrateUp(ctx)
		if err != nil {
			return s, err
		}
		log.Info("migrations applied", "count", n)
	} else if err := s.db.CheckSchema(ctx); err != nil {
		return s, err
	}
	if v, err := s.db.SchemaAhead(ctx); err != nil {
		return s, err
	} else if v > 0 {
		log.Warn("the database schema is newer than this binary: a newer lottery migrated it; "+
			"this one serves without what those migrations added", "schema_version", v, "binary", version())
	}
	if err := s.guardSharedLedger(ctx); err != nil {
		return s, err
	}
	if err = s.openRedis(ctx); err != nil {
		return s, err
	}
	if err = s.claimRedisPrefix(ctx); err != nil {
		return s, err
	}
	if err = s.joinSharedLedger(ctx); err != nil {
		return s, err
	}
	if err = s.openNATS(); err != nil {
		return s, err
	}
	leases := persistence.NewNodeLeases(s.db)
	if cfg.NodeID >= 0 {
		s.ids, err = idgen.LeaseNode(ctx, leases, cfg.NodeID, fixedNodeHolder(cfg.NodeID), nodeHolderGone(cfg.NodeID), idgen.LeaseTTL, log)
	} else {
		s.ids, err = idgen.Lease(ctx, leases, idgen.LeaseTTL, log)
	}
	if err != nil {
		return s, err
	}
	s.onClose(s.ids.Close)
	log.Info("id generator ready", "node", s.ids.Node())
	return s, nil
}

func (s *system) openRedis(ctx context.Context) error {
	addr, where := s.cfg.Redis.Addr, "redis "+s.cfg.Redis.Addr
	password := s.cfg.Redis.Password
	if addr == "" && (s.cfg.Redis.Password != "" || s.cfg.Redis.DB != 0) {
		s.log.Warn("redis.password and redis.db apply to a Redis at redis.addr, which is not set: the in-process server is used")
	}
	if addr == "" {
		srv, err := embedded.StartRedis()
		if err != nil {
			return err
		}
		s.onClose(srv.Close)
		addr, where = srv.Addr(), "embedded redis-protocol server on "+srv.Addr()
		password = srv.Password()
		s.redisInProcess = true
	}
	redis.SetLogger(redisLog{s.log})
	s.redis = redis.NewClient(&redis.Options{
		// Network is tcp for the in-process server, which has no redis.addr.
		Network: s.cfg.Redis.Network(), Addr: addr, Password: password, DB: s.cfg.Redis.DB,
		DialTimeout: 3 * time.Second, PoolSize: 256,
	})
	s.onClose(func() { _ = s.redis.Close() })
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := s.redis.Ping(pctx).Err(); err != nil {
		return fmt.Errorf("%s unreachable: %w", where, err)
	}
	s.log.Info("redis ready", "backend", where)
	return nil
}

// redisLog takes the Redis client's own messages (dial retries, pool notices) into the
// process log at debug level: what matters of them reaches the operator as this process's
// own errors, worded for them, not as a raw line on stderr.
type redisLog struct{ log *slog.Logger }

func (l redisLog) Printf(ctx context.Context, format string, v ...any) {
	l.log.DebugContext(ctx, "redis client: "+fmt.Sprintf(format, v...))
}

func (s *system) openNATS() error {
	url, where := s.cfg.NATS.URL, "nats "+config.MaskURL(s.cfg.NATS.URL)
	if url == "" {
		srv, err := embedded.StartNATS(filepath.Join(s.cfg.DataDir, "nats"))
		if err != nil {
			return err
		}
		s.onClose(srv.Close)
		url, where = srv.URL(), "embedded nats with jetstream on "+srv.Address()
	}
	conn, err := messaging.Connect(url, "lottery")
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	s.nats = conn
	s.onClose(conn.Close)
	if err := conn.Ping(context.Background()); err != nil {
		return fmt.Errorf("%s: jetstream: %w", where, err)
	}
	s.log.Info("nats ready", "backend", where)
	return nil
}

// fixedNodeHolder names a process given its own node: the host it runs on (a
// StatefulSet's pod keeps its name) and its process id, so that another process on the
// same host given the same number is refused as one on another host is.
func fixedNodeHolder(node int64) string {
	return fmt.Sprintf("%s#%d", nodeHost(node), os.Getpid())
}

func nodeHost(node int64) string {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown-host"
	}
	return fmt.Sprintf("node-%d@%s", node, host)
}

// nodeHolderGone says whether the process that holds node under prev has ended: one on
// this host (or an earlier version's holder, named by host alone) whose process id no
// longer runs. A container restarted under the same host name and process id has prev as
// its own holder and needs no asking. A process on another host is never taken for gone:
// its lease has to run out.
func nodeHolderGone(node int64) func(prev string) bool {
	host := nodeHost(node)
	return func(prev string) bool {
		if prev == host {
			return true
		}
		pid, ok := strings.CutPrefix(prev, host+"#")
		if !ok {
			return false
		}
		n, err := strconv.Atoi(pid)
		return err == nil && n > 0 && !processRuns(n)
	}
}

// guardSharedLedger refuses to run processes that share a MySQL database but not a Redis:
// each would count users' draws and the stock apart, and oversell.
func (s *system) guardSharedLedger(ctx context.Context) error {
	if s.cfg.MySQLDSN == "" {
		return nil // SQLite: the data directory's lock keeps a second process out
	}
	lost := func(err error) {
		if err != nil {
			s.log.Error("the mark that keeps processes with separate Redis servers off this database is lost; taken again when it can be", "err", err)
			return
		}
		s.log.Warn("the mark that keeps processes with separate Redis servers off this database was lost with its connection and is taken again")
	}
	hold := s.db.HoldPrivateLedger
	if s.cfg.Redis.Addr != "" {
		hold = s.db.HoldSharedLedger
	}
	release, err := hold(ctx, lost)
	if err != nil {
		return err
	}
	s.onClose(release)
	return nil
}

func (s *system) onClose(f func()) { s.closers = append(s.closers, f) }

// Close releases everything in reverse order of opening.
func (s *system) Close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
	s.closers = nil
}

// checks are what /readyz asks. The grant stream is asked after only where this process
// grants (and makes the stream again should NATS have lost it): draws need NATS only to
// hand wins on, which the outbox does again later, so a process serving the API stays
// ready (degraded) without it.
func (s *system) checks() []rest.Check {
	return []rest.Check{
		{Name: "sql", Ping: s.db.Ping},
		{Name: "redis", Ping: func(ctx context.Context) error { return s.redis.Ping(ctx).Err() }},
		{Name: "nats", Ping: func(ctx context.Context) error {
			if s.nats == nil {
				return errors.New("not connected")
			}
			if !s.cfg.HasRole(config.RoleGranter) {
				return s.nats.Ping(ctx)
			}
			return s.nats.PingStream(ctx, s.cfg.NATS.Prefix)
		}, Optional: s.cfg.HasRole(config.RoleAPI)},
	}
}

// restartCheck is how often a ledger checks that Redis is the server it was, as
// configured; never for the in-process server.
func (s *system) restartCheck() time.Duration {
	if s.redisInProcess {
		return -1
	}
	return s.cfg.Redis.RestartCheck
}
