package config

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/robfig/cron/v3"
)

// key is one configuration setting: its dotted file path, its environment variable, what it
// means, and how a textual value is checked and applied.
type key struct {
	path string
	env  string
	doc  string
	set  func(c *Config, v string) error
}

// MinSecretLen is the shortest key that signs tokens or webhooks.
const MinSecretLen = 16

var keys = []key{
	{"http.addr", "LOTTERY_HTTP_ADDR", "listen address of the REST server", func(c *Config, v string) error {
		if !isHostPort(v) {
			return fmt.Errorf("want host:port with a port number, e.g. :8080")
		}
		c.HTTP.Addr = v
		return nil
	}},
	{"http.body_limit", "LOTTERY_HTTP_BODY_LIMIT", "largest request body in bytes (suffix K or M allowed); uploads of codes and profiles take up to 8 MiB, or this if larger", func(c *Config, v string) error {
		n, err := parseSize(v)
		c.HTTP.BodyLimit = n
		return err
	}},
	{"http.shutdown_timeout", "LOTTERY_HTTP_SHUTDOWN_TIMEOUT", "how long a stop waits for in-flight requests", func(c *Config, v string) error {
		d, err := parseDurationIn(v, time.Second, 10*time.Minute, "want from 1s (in-flight draws and grants need time to finish) to 10m")
		c.HTTP.ShutdownTimeout = d
		return err
	}},
	{"http.trusted_proxies", "LOTTERY_HTTP_TRUSTED_PROXIES", "comma-separated addresses or CIDR ranges of the load balancers in front: the client is the last X-Forwarded-For address not among them (for the per-IP rate limit); empty = the peer address", func(c *Config, v string) error {
		ps, err := parseProxies(v)
		c.HTTP.TrustedProxies = ps
		return err
	}},
	{"data_dir", "LOTTERY_DATA_DIR", "folder for the embedded SQLite file and NATS store; one embedded server at a time", func(c *Config, v string) error {
		if strings.TrimSpace(v) == "" {
			return fmt.Errorf("must not be empty")
		}
		c.DataDir = v
		return nil
	}},
	{"mysql.dsn", "LOTTERY_MYSQL_DSN", "MySQL/MariaDB DSN (go-sql-driver form); empty = embedded SQLite", func(c *Config, v string) error {
		if v != "" {
			cfg, err := mysql.ParseDSN(v)
			if err != nil || !strings.Contains(v, "/") {
				return fmt.Errorf("want user:pass@tcp(host:port)/dbname")
			}
			if cfg.DBName == "" {
				return fmt.Errorf("name the database: user:pass@tcp(host:port)/dbname")
			}
		}
		c.MySQLDSN = v
		return nil
	}},
	{"redis.addr", "LOTTERY_REDIS_ADDR", "Redis host:port, or the absolute path of its Unix socket; empty = in-process Redis-protocol server", func(c *Config, v string) error {
		if v != "" && !strings.HasPrefix(v, "/") && !isHostPort(v) {
			return fmt.Errorf("want host:port, or the absolute path of a Unix socket")
		}
		c.Redis.Addr = v
		return nil
	}},
	{"redis.password", "LOTTERY_REDIS_PASSWORD", "Redis password", func(c *Config, v string) error {
		c.Redis.Password = v
		return nil
	}},
	{"redis.db", "LOTTERY_REDIS_DB", "Redis database number", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fmt.Errorf("want a whole number ≥ 0")
		}
		c.Redis.DB = n
		return nil
	}},
	{"redis.prefix", "LOTTERY_REDIS_PREFIX", "prefix of every Redis key (not empty, no braces or spaces)", func(c *Config, v string) error {
		if v == "" {
			return fmt.Errorf("must not be empty: it keeps this deployment's keys apart from any other's in the same Redis")
		}
		if strings.ContainsAny(v, "{} ") {
			return fmt.Errorf("must not contain braces or spaces")
		}
		c.Redis.Prefix = v
		return nil
	}},
	{"redis.restart_check", "LOTTERY_REDIS_RESTART_CHECK", "how often each process checks that Redis is still the server its counters were checked on (it also checks a Redis that lost its scripts before drawing on it); off for a server without INFO", func(c *Config, v string) error {
		if v == "off" {
			c.Redis.RestartCheck = -1
			return nil
		}
		d, err := parseDuration(v)
		if err != nil || d < 50*time.Millisecond || d > time.Minute {
			return fmt.Errorf("want a duration from 50ms to 1m, like 500ms, or off")
		}
		c.Redis.RestartCheck = d
		return nil
	}},
	{"nats.url", "LOTTERY_NATS_URL", "NATS URL with JetStream; empty = in-process NATS server", func(c *Config, v string) error {
		if v != "" {
			u, err := url.Parse(v)
			if err != nil || u.Host == "" {
				return fmt.Errorf("want nats://host:port")
			}
			switch u.Scheme {
			case "nats", "tls", "ws", "wss":
			default:
				return fmt.Errorf("want nats://host:port (or tls://, ws://, wss://), not %s://", u.Scheme)
			}
		}
		c.NATS.URL = v
		return nil
	}},
	{"nats.prefix", "LOTTERY_NATS_PREFIX", "prefix of JetStream stream names and subjects: upper-case A-Z, 0-9 and _ only", func(c *Config, v string) error {
		if v == "" || strings.Trim(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != "" {
			return fmt.Errorf("want upper-case letters, digits and underscores")
		}
		c.NATS.Prefix = v
		return nil
	}},
	{"auth.secret", "LOTTERY_AUTH_SECRET", "HS256 key for tokens (≥ 16 characters); empty = a development key is generated", func(c *Config, v string) error {
		if v != "" && len(v) < MinSecretLen {
			return fmt.Errorf("must be at least %d characters", MinSecretLen)
		}
		c.Auth.Secret = v
		return nil
	}},
	{"auth.issuer", "LOTTERY_AUTH_ISSUER", "when set, tokens must name this issuer (iss), as an identity provider's do; token, demo and bench put it in theirs", func(c *Config, v string) error {
		c.Auth.Issuer = strings.TrimSpace(v)
		return nil
	}},
	{"auth.audience", "LOTTERY_AUTH_AUDIENCE", "when set, tokens must name this audience (aud), so a token the key signed for another service is refused; token, demo and bench put it in theirs", func(c *Config, v string) error {
		c.Auth.Audience = strings.TrimSpace(v)
		return nil
	}},
	{"log.level", "LOTTERY_LOG_LEVEL", "debug, info, warn or error", func(c *Config, v string) error {
		var l slog.Level
		if err := l.UnmarshalText([]byte(v)); err != nil || strings.ContainsAny(v, "+-") {
			return fmt.Errorf("want debug, info, warn or error")
		}
		c.Log.Level = strings.ToLower(v)
		return nil
	}},
	{"log.format", "LOTTERY_LOG_FORMAT", "text or json", func(c *Config, v string) error {
		if v != "text" && v != "json" {
			return fmt.Errorf("want text or json")
		}
		c.Log.Format = v
		return nil
	}},
	{"migrate", "LOTTERY_MIGRATE", "apply migrations when serve starts", func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("want true or false")
		}
		c.Migrate = b
		return nil
	}},
	{"roles", "LOTTERY_ROLES", "comma-separated roles of this process: api, granter, scheduler", func(c *Config, v string) error {
		roles, err := parseRoles(v)
		c.Roles = roles
		return err
	}},
	{"persist", "LOTTERY_PERSIST", "order writer: group (batched commits) or per_request", func(c *Config, v string) error {
		if v != PersistGroup && v != PersistPerRequest {
			return fmt.Errorf("want group or per_request")
		}
		c.Persist = v
		return nil
	}},
	{"draw.rate_per_user", "LOTTERY_DRAW_RATE_PER_USER", "draws per second one user may make in one activity; 0 = unlimited", func(c *Config, v string) error {
		f, err := parseRate(v)
		c.Draw.RatePerUser = f
		return err
	}},
	{"draw.rate_per_ip", "LOTTERY_DRAW_RATE_PER_IP", "draws per second one client address may make in one activity; 0 = unlimited", func(c *Config, v string) error {
		f, err := parseRate(v)
		c.Draw.RatePerIP = f
		return err
	}},
	{"draw.rate_burst", "LOTTERY_DRAW_RATE_BURST", "draws allowed at once above the rate", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			return fmt.Errorf("want a whole number from 1 to 10000")
		}
		c.Draw.RateBurst = n
		return nil
	}},
	{"draw.reload_grace", "LOTTERY_DRAW_RELOAD_GRACE", "wait before rebuilding lost Redis counters from SQL; an order's write starts within half of it and may take a quarter of it", func(c *Config, v string) error {
		d, err := parseDurationIn(v, 400*time.Millisecond, time.Minute, "want from 400ms (an order's write may take a quarter of it) to 1m (draws wait up to this long for counters lost with Redis)")
		c.Draw.ReloadGrace = d
		return err
	}},
	{"draw.idempotency_ttl", "LOTTERY_DRAW_IDEMPOTENCY_TTL", "how long Redis answers a repeated Idempotency-Key by itself; SQL answers after it", func(c *Config, v string) error {
		d, err := parseDurationIn(v, time.Second, 30*24*time.Hour, "want from 1s to 720h")
		c.Draw.IdempotencyTTL = d
		return err
	}},
	{"node_id", "LOTTERY_NODE_ID", "snowflake node id 0..1023 (unique per process); -1 = lease a free one in SQL at start", func(c *Config, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < -1 || n > 1023 {
			return fmt.Errorf("want a whole number from -1 to 1023")
		}
		c.NodeID = n
		return nil
	}},
	jobKey("outbox", "republishes failed or stale outbox entries", func(j *Jobs) *string { return &j.Outbox }),
	jobKey("recovery", "undoes admissions whose order never committed", func(j *Jobs) *string { return &j.Recovery }),
	jobKey("release", "tops prize pools up along their release plans", func(j *Jobs) *string { return &j.Release }),
	jobKey("reconcile", "compares Redis counters with SQL and repairs them when quiet", func(j *Jobs) *string { return &j.Reconcile }),
	jobKey("states", "starts and closes activities at their window's edges", func(j *Jobs) *string { return &j.States }),
	{"grants.webhook_secret", "LOTTERY_GRANTS_WEBHOOK_SECRET", "HMAC-SHA256 key (≥ 16 characters) that signs coupon webhooks (X-Lottery-Signature); empty = coupon grants fail", func(c *Config, v string) error {
		if v != "" && len(v) < MinSecretLen {
			return fmt.Errorf("must be at least %d characters", MinSecretLen)
		}
		c.Grants.WebhookSecret = v
		return nil
	}},
	{"grants.webhook_private", "LOTTERY_GRANTS_WEBHOOK_PRIVATE", "let coupon webhooks reach loopback, private and link-local addresses (a merchant inside your network); off = such calls fail", func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("want true or false")
		}
		c.Grants.WebhookPrivate = b
		return nil
	}},
	{"grants.webhook_timeout", "LOTTERY_GRANTS_WEBHOOK_TIMEOUT", "how long a coupon webhook call may take; no answer by then is retried like a 5xx", func(c *Config, v string) error {
		d, err := parseDurationIn(v, 100*time.Millisecond, time.Minute, "want from 100ms to 1m")
		c.Grants.WebhookTimeout = d
		return err
	}},
	{"grants.max_attempts", "LOTTERY_GRANTS_MAX_ATTEMPTS", "deliveries a grant gets before it fails for good; grants held back while their merchant is paused count none", func(c *Config, v string) error {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 || n > 100 {
			return fmt.Errorf("want a whole number from 1 to 100")
		}
		c.Grants.MaxAttempts = n
		return nil
	}},
	{"grants.backoff", "LOTTERY_GRANTS_BACKOFF", "waits before a failed grant's 1st, 2nd, … retry, comma-separated (a YAML list too); the last repeats", func(c *Config, v string) error {
		ds, err := parseBackoff(v)
		if err != nil {
			return err
		}
		c.Grants.Backoff = ds
		return nil
	}},
	{"grants.give_up_after", "LOTTERY_GRANTS_GIVE_UP_AFTER", "how long after its win (or after it was sent again) a pending grant fails for good at its next failure, attempts left or not, its merchant paused or not; off = never", func(c *Config, v string) error {
		if strings.TrimSpace(v) == JobOff {
			c.Grants.GiveUpAfter = -1
			return nil
		}
		d, err := parseDurationIn(v, time.Minute, maxGiveUpAfter, "want from 1m to 720h, or off")
		c.Grants.GiveUpAfter = d
		return err
	}},
}

// jobKey is the schedule key of one job.
func jobKey(name, does string, field func(*Jobs) *string) key {
	return key{"jobs." + name, "LOTTERY_JOBS_" + strings.ToUpper(name),
		"schedule of the job that " + does + `: cron with seconds ("*/10 * * * * *"), "@every 10s", or off`,
		func(c *Config, v string) error {
			v = strings.TrimSpace(v)
			if err := parseSchedule(v); err != nil {
				return err
			}
			*field(&c.Jobs) = v
			return nil
		}}
}

// scheduleParser reads schedules the way the scheduler does: six fields, seconds first,
// or a descriptor.
var scheduleParser = cron.NewParser(cron.Second | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

func parseSchedule(v string) error {
	if v == JobOff {
		return nil
	}
	sched, err := scheduleParser.Parse(v)
	if err != nil {
		return fmt.Errorf(`want a cron spec with seconds like "*/10 * * * * *", "@every 10s" or off: %v`, err)
	}
	if every, ok := strings.CutPrefix(v, "@every "); ok {
		// cron would round anything shorter, negative included, up to a second.
		if d, err := time.ParseDuration(strings.TrimSpace(every)); err != nil || d < time.Second {
			return fmt.Errorf("want @every 1s or longer")
		}
	}
	if sched.Next(time.Now()).IsZero() {
		return fmt.Errorf("the schedule never fires (a day that no month has?)")
	}
	return nil
}

// isHostPort says whether v is host:port with a port number (the host may be empty: every
// interface). ":" alone would listen on a port the system picks.
func isHostPort(v string) bool {
	_, port, err := net.SplitHostPort(v)
	if err != nil {
		return false
	}
	_, err = strconv.ParseUint(port, 10, 16)
	return err == nil
}

// maxSize bounds a size setting: a request body above it is no upload this API takes.
const maxSize = 1 << 30

func parseSize(v string) (int64, error) {
	mult := int64(1)
	s := strings.ToUpper(strings.TrimSuffix(strings.TrimSpace(v), "B"))
	switch {
	case strings.HasSuffix(s, "K"):
		mult, s = 1<<10, strings.TrimSuffix(s, "K")
	case strings.HasSuffix(s, "M"):
		mult, s = 1<<20, strings.TrimSuffix(s, "M")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > maxSize/mult {
		return 0, fmt.Errorf("want a positive size up to 1024M, like 1048576, 512K or 1M")
	}
	return n * mult, nil
}

func parseDuration(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("want a positive duration like 10s")
	}
	return d, nil
}

// parseDurationIn reads a duration from lo to hi; want says which, when it is outside.
func parseDurationIn(v string, lo, hi time.Duration, want string) (time.Duration, error) {
	d, err := parseDuration(v)
	if err == nil && (d < lo || d > hi) {
		return d, errors.New(want)
	}
	return d, err
}

// Bounds of grants.backoff and grants.give_up_after.
const (
	minBackoff     = 3 * time.Second // the first wait is also a delivery's acknowledgement deadline
	maxBackoff     = time.Hour
	maxBackoffs    = 20
	maxGiveUpAfter = 30 * 24 * time.Hour
)

// parseBackoff reads grants.backoff: comma-separated durations, each from minBackoff to
// maxBackoff.
func parseBackoff(v string) ([]time.Duration, error) {
	const want = "want durations from 3s to 1h, comma-separated, like 10s,30s,1m"
	var ds []time.Duration
	for f := range strings.SplitSeq(v, ",") {
		d, err := parseDurationIn(strings.TrimSpace(f), minBackoff, maxBackoff, want)
		if err != nil {
			return nil, errors.New(want)
		}
		ds = append(ds, d)
	}
	if len(ds) > maxBackoffs {
		return nil, fmt.Errorf("want at most %d waits (the last repeats)", maxBackoffs)
	}
	return ds, nil
}

// parseProxies reads addresses and CIDR ranges, comma-separated.
func parseProxies(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	fields := strings.Split(v, ",")
	for _, f := range fields {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil && len(fields) == 1 {
			return nil, fmt.Errorf("want an IP address or a CIDR range such as 10.0.0.0/8")
		}
		if err != nil {
			return nil, fmt.Errorf("%q: want an IP address or a CIDR range such as 10.0.0.0/8", f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

func parseRate(v string) (float64, error) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || f < 0 || f > 1e6 {
		return 0, fmt.Errorf("want a number of draws per second from 0 to 1000000")
	}
	return f, nil
}

func parseRoles(v string) ([]string, error) {
	var roles []string
	for _, r := range strings.Split(v, ",") {
		r = strings.TrimSpace(r)
		switch r {
		case RoleAPI, RoleGranter, RoleScheduler:
			roles = append(roles, r)
		default:
			return nil, fmt.Errorf("unknown role %q (want api, granter, scheduler)", r)
		}
	}
	return roles, nil
}
