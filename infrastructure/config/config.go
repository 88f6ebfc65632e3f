// Package config loads Lottery's configuration from defaults, an optional YAML file and the
// environment, in that order: a later source overrides an earlier one. Every key is declared
// once in the table of keys.go, so file, environment, validation and documentation cannot
// drift apart.
package config

import (
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Config is the whole configuration of one process.
type Config struct {
	HTTP     HTTP
	DataDir  string
	MySQLDSN string
	Redis    Redis
	NATS     NATS
	Auth     Auth
	Log      Log
	Migrate  bool
	Roles    []string
	Persist  string // "group" (default) or "per_request"
	Draw     Draw
	NodeID   int64 // snowflake node, -1 = pick one at start
	Jobs     Jobs
	Grants   Grants
}

// HTTP configures the REST server.
type HTTP struct {
	Addr            string
	BodyLimit       int64
	ShutdownTimeout time.Duration
	// TrustedProxies are the load balancers whose X-Forwarded-For names the client (for
	// the per-IP rate limit); none: the peer address is the client.
	TrustedProxies []netip.Prefix
}

// Redis configures the counter store; an empty Addr means the in-process server.
type Redis struct {
	// Addr is host:port, or the absolute path of a Unix socket of a Redis on this host.
	Addr     string
	Password string
	DB       int
	Prefix   string
	// RestartCheck is how often a process checks which Redis server holds the counters
	// (see redisstore.Options.RestartCheck); negative turns the checks off.
	RestartCheck time.Duration
}

// NATS configures the message queue; an empty URL means the in-process server.
type NATS struct {
	URL    string
	Prefix string // of stream names and subjects, so several deployments can share a server
}

// Auth configures token verification.
type Auth struct {
	Secret   string
	Issuer   string // when set, a token's iss must be it
	Audience string // when set, a token's aud must include it
}

// Log configures slog.
type Log struct {
	Level  string
	Format string
}

// Draw tunes the draw path.
type Draw struct {
	RatePerUser float64 // draws per second per user and activity; 0 = no limit
	RatePerIP   float64 // draws per second per client address and activity; 0 = no limit
	RateBurst   int
	// ReloadGrace is how long counters lost from Redis wait before being rebuilt from SQL;
	// an order's write starts within half of it after its admission and takes at most a
	// quarter more, so the rebuild reads it.
	ReloadGrace time.Duration
	// IdempotencyTTL is how long Redis answers a repeated Idempotency-Key by itself; Redis
	// holds one marker per keyed draw for this long. After it the orders table's unique key
	// answers a repeat that is admitted (the repeat takes a chance and gives it back); one
	// refused for the user's limits gets the refusal, unless Redis lost its data meanwhile.
	IdempotencyTTL time.Duration
}

// Jobs holds the schedule of each scheduled job: a cron spec with a seconds field
// ("*/10 * * * * *"), a descriptor ("@every 10s"), or JobOff.
type Jobs struct {
	Outbox    string // compensation: republish failed or stale outbox entries
	Recovery  string // admission recovery
	Release   string // prize pool release
	Reconcile string // counter reconciliation
	States    string // activity state timers
}

// JobOff turns a job off.
const JobOff = "off"

// Grants configures award delivery.
type Grants struct {
	// WebhookSecret signs coupon webhooks (HMAC-SHA256); coupon grants fail without it.
	WebhookSecret string
	// WebhookPrivate lets coupon webhooks reach loopback, private and link-local addresses.
	// Off by default: a marketer's award must not turn the server into a client of its
	// own network (its admin ports, a cloud's metadata service).
	WebhookPrivate bool
	// WebhookTimeout bounds one coupon webhook call; a call without an answer by then is
	// retried like any passing failure.
	WebhookTimeout time.Duration
	// MaxAttempts is the deliveries a grant gets before it fails for good (the waits
	// between them: Backoff).
	MaxAttempts int
	// Backoff are the waits before a failed grant's 1st, 2nd, … retry; the last repeats.
	Backoff []time.Duration
	// GiveUpAfter is how long after its win (or after it was sent again) a grant still
	// pending fails for good at its next failure, though attempts remain or its merchant
	// is paused; negative (off) = never.
	GiveUpAfter time.Duration
}

// DefaultBackoff are the waits between a grant's attempts unless configured.
var DefaultBackoff = []time.Duration{10 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute}

// Roles a process can run.
const (
	RoleAPI       = "api"
	RoleGranter   = "granter"
	RoleScheduler = "scheduler"
)

// Persist modes of the order writer.
const (
	PersistGroup      = "group"
	PersistPerRequest = "per_request"
)

// Default returns the configuration used when nothing is given: every part embedded.
func Default() Config {
	return Config{
		HTTP:    HTTP{Addr: ":8080", BodyLimit: 1 << 20, ShutdownTimeout: 10 * time.Second},
		DataDir: "./data",
		Redis:   Redis{Prefix: "lottery:", RestartCheck: 500 * time.Millisecond},
		NATS:    NATS{Prefix: "LOTTERY"},
		Log:     Log{Level: "info", Format: "text"},
		Migrate: true,
		Roles:   []string{RoleAPI, RoleGranter, RoleScheduler},
		Persist: PersistGroup,
		Draw:    Draw{RatePerUser: 10, RateBurst: 20, ReloadGrace: 4 * time.Second, IdempotencyTTL: time.Hour},
		NodeID:  -1,
		Jobs: Jobs{
			Outbox: "*/10 * * * * *", Recovery: "*/15 * * * * *", Release: "*/10 * * * * *",
			Reconcile: "*/30 * * * * *", States: "*/5 * * * * *",
		},
		Grants: Grants{WebhookTimeout: 5 * time.Second, MaxAttempts: 8, Backoff: slices.Clone(DefaultBackoff), GiveUpAfter: 24 * time.Hour},
	}
}

// HasRole reports whether the process runs role r.
func (c Config) HasRole(r string) bool {
	for _, have := range c.Roles {
		if have == r {
			return true
		}
	}
	return false
}

// Network is how Addr is dialled: "unix" for the path of a socket, "tcp" for host:port.
func (r Redis) Network() string {
	if strings.HasPrefix(r.Addr, "/") {
		return "unix"
	}
	return "tcp"
}
