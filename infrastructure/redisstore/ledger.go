// Package redisstore keeps the draw ledger's counters in Redis: one Lua call admits a
// draw atomically, concurrent calls share one pipeline, and every counter can be rebuilt
// from SQL whenever an activity's load is missing.
package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/lottery-go/lottery/domain/draw"
)

// Options tune a Ledger; zero values take the defaults noted.
type Options struct {
	// Prefix starts every key; it must not contain '{' (see keys).
	Prefix string
	// ReloadGrace is how long a load waits, after an activity's epoch went missing, before
	// reading SQL: admissions taken under the old epoch commit or abort meanwhile (the draw
	// flow aborts orders older than half of it). Default 2s.
	ReloadGrace time.Duration
	// LoadTimeout bounds one load after the grace: snapshot read and write. Default
	// DefaultLoadTimeout.
	LoadTimeout time.Duration
	// BatchMax caps the admissions sent in one pipeline. Default 256.
	BatchMax int
	// CallTimeout bounds one pipeline round trip. Default 3s.
	CallTimeout time.Duration
	// IdempotencyTTL is how long Redis answers a repeated idempotency key with its order;
	// after it the orders table's unique key does. Default 1h, as draw.idempotency_ttl.
	IdempotencyTTL time.Duration
	// DayTTL is how long per-day counters outlive their last write. Default 72h, enough
	// for any time zone's day to be over.
	DayTTL time.Duration
	// RestartCheck is how often the ledger checks that Redis is the server its counters
	// were checked on (see CheckServer). Default 500ms; negative turns the check off, as
	// for the in-process server, which cannot restart without this process. One Redis
	// node (or Sentinel's master) is assumed: a cluster's nodes each have their own id.
	RestartCheck time.Duration
	// Log receives what the checks find. Default slog.Default().
	Log *slog.Logger
}

// DefaultLoadTimeout is Options.LoadTimeout's default.
const DefaultLoadTimeout = 10 * time.Second

func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.ReloadGrace, 2*time.Second)
	def(&o.LoadTimeout, DefaultLoadTimeout)
	def(&o.CallTimeout, 3*time.Second)
	def(&o.IdempotencyTTL, time.Hour)
	def(&o.DayTTL, 72*time.Hour)
	if o.RestartCheck == 0 {
		o.RestartCheck = 500 * time.Millisecond
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.BatchMax <= 0 {
		o.BatchMax = 256
	}
	return o
}

// Ledger is the Redis implementation of draw.Ledger.
type Ledger struct {
	client     redis.UniversalClient
	admitter   redis.UniversalClient // client, sending each admission batch once (see onceOnly)
	closeAdmit func() error
	truth      draw.Truth
	opts       Options
	activities string   // set of loaded activity ids, for scans outside the hot path
	admitSrc   string   // the admission script, as this deployment names it
	admitHash  any      // its hash, boxed once: it starts every admission call
	idemTTL    any      // opts.IdempotencyTTL in seconds, boxed once for admissions
	dayTTL     any      // opts.DayTTL in seconds, likewise
	hot        sync.Map // activity id → *hotKeys
	markers    sync.Map // activity id → markersAnswer

	queue     chan *admitCall
	stop      chan struct{} // closed by Close
	done      chan struct{} // closed when the batcher has exited
	watchDone chan struct{} // closed when the server watch has exited

	// loads lets one goroutine per activity and process load while the others wait;
	// the load lock in Redis does the same across processes.
	loadMu     sync.Mutex
	loading    map[int64]*loadFlight
	loadCtx    context.Context
	cancel     context.CancelFunc
	background sync.WaitGroup // loads, and undos of abandoned admissions

	closeOnce sync.Once
}

var _ draw.Ledger = (*Ledger)(nil)

var errClosed = errors.New("redisstore: ledger closed")

// firstCheck checks the server once before the ledger loads anything: in a new deployment
// (no record yet) the record is then written while no activity is loaded, so the first
// draws do not wait out a rebuild of counters that were loaded a moment ago. A check that
// fails is left to the watch.
func (l *Ledger) firstCheck() {
	ctx, cancel := context.WithTimeout(l.loadCtx, l.opts.CallTimeout)
	defer cancel()
	if n, err := l.CheckServer(ctx); err == nil {
		l.warnRebuilt(n)
	}
}

// NewLedger starts a ledger and its batcher; Close stops them. A Prefix containing '{'
// is a wiring mistake that would scatter an activity's keys over slots: it panics.
func NewLedger(client redis.UniversalClient, truth draw.Truth, opts Options) *Ledger {
	if strings.Contains(opts.Prefix, "{") {
		panic(fmt.Sprintf("redisstore: prefix %q must not contain '{'", opts.Prefix))
	}
	opts = opts.withDefaults()
	if _, single := client.(*redis.Client); opts.RestartCheck > 0 && !single {
		// A ring or cluster has a run_id and a script cache per node: the check and its
		// record would not concern the node that holds an activity.
		panic("redisstore: the server check needs one Redis node (a *redis.Client); turn it off with a negative RestartCheck")
	}
	ctx, cancel := context.WithCancel(context.Background())
	admitter, closeAdmit := onceOnly(client)
	l := &Ledger{
		client:     client,
		admitter:   admitter,
		closeAdmit: closeAdmit,
		truth:      truth,
		opts:       opts,
		activities: opts.Prefix + "activities",
		admitSrc:   admitSourceFor(opts.Prefix, databaseOf(client), opts.RestartCheck > 0),
		idemTTL:    int64(opts.IdempotencyTTL / time.Second),
		dayTTL:     int64(opts.DayTTL / time.Second),
		queue:      make(chan *admitCall, 4*opts.BatchMax),
		stop:       make(chan struct{}),
		done:       make(chan struct{}),
		watchDone:  make(chan struct{}),
		loading:    make(map[int64]*loadFlight),
		loadCtx:    ctx,
		cancel:     cancel,
	}
	// Hashed here: the Script's own Load, queued in a transaction, would forget the hash.
	l.admitHash = redis.NewScript(l.admitSrc).Hash()
	go l.runBatcher()
	if opts.RestartCheck > 0 {
		l.firstCheck()
		go l.watchServer()
	} else {
		close(l.watchDone)
	}
	return l
}

// Close stops the batcher, fails the admissions still queued and cancels running loads.
// It does not close the Redis client, which the caller owns.
func (l *Ledger) Close() error {
	l.closeOnce.Do(func() {
		close(l.stop)
		<-l.done
		_ = l.closeAdmit() // the batcher, its only user, has stopped
		// Under loadMu so no load starts (background.Add) once Wait may have begun.
		l.loadMu.Lock()
		l.cancel() // also ends a server check in flight
		l.loadMu.Unlock()
		<-l.watchDone
		l.background.Wait()
	})
	return nil
}

func (l *Ledger) keys(activityID int64) keys { return activityKeys(l.opts.Prefix, activityID) }

func newToken() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

// onceOnly returns a client like c that sends every command once. go-redis sends a
// pipeline again, on a new connection, when the connection broke before its replies were
// read; an admission script that ran before the break would run again under the same
// order id, taking a second chance and stock that no order stands for. With one sending,
// a lost reply leaves the outcome unknown to the caller, which admission recovery
// settles. Ring and cluster clients, whose options are not one node's, are returned as
// they are.
func onceOnly(c redis.UniversalClient) (redis.UniversalClient, func() error) {
	single, ok := c.(*redis.Client)
	if !ok {
		return c, func() error { return nil }
	}
	// Fresh options, not a copy: a copy would share state go-redis keeps per client. What
	// is not carried over (a dialer, hooks, OnConnect, pool timeouts) the server's client
	// does not set; hooks meant for admissions go on Ledger.admitter.
	o := single.Options()
	once := redis.NewClient(&redis.Options{
		Network: o.Network, Addr: o.Addr, TLSConfig: o.TLSConfig, Protocol: o.Protocol,
		Username: o.Username, Password: o.Password, CredentialsProvider: o.CredentialsProvider, DB: o.DB,
		DialTimeout: o.DialTimeout, ReadTimeout: o.ReadTimeout, WriteTimeout: o.WriteTimeout,
		ContextTimeoutEnabled: o.ContextTimeoutEnabled, PoolSize: o.PoolSize,
		MaxRetries: -1, // go-redis: -1 is no retry; 0 is its default of three
	})
	return once, once.Close
}

// databaseOf is the database number a client selects, 0 where it has none to choose.
func databaseOf(client redis.UniversalClient) int {
	if c, ok := client.(*redis.Client); ok {
		return c.Options().DB
	}
	return 0
}
