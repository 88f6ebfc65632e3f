package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func TestDefaultsEmbedEverything(t *testing.T) {
	t.Parallel()
	c, err := Load("", envOf(nil))
	require.NoError(t, err)
	assert.Equal(t, ":8080", c.HTTP.Addr)
	assert.Equal(t, "./data", c.DataDir)
	assert.Empty(t, c.MySQLDSN)
	assert.Empty(t, c.Redis.Addr)
	assert.Empty(t, c.NATS.URL)
	assert.True(t, c.Migrate)
	assert.True(t, c.HasRole(RoleAPI) && c.HasRole(RoleGranter) && c.HasRole(RoleScheduler))
	assert.Equal(t, 10*time.Second, c.HTTP.ShutdownTimeout)
	assert.Equal(t, 8, c.Grants.MaxAttempts)
	assert.Equal(t, []time.Duration{10 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute}, c.Grants.Backoff)
	assert.Equal(t, 24*time.Hour, c.Grants.GiveUpAfter)
}

// grants.max_attempts takes a whole number from 1 to 100.
func TestGrantsMaxAttempts(t *testing.T) {
	t.Parallel()
	c, err := Load("", envOf(map[string]string{"LOTTERY_GRANTS_MAX_ATTEMPTS": " 20 "}))
	require.NoError(t, err)
	assert.Equal(t, 20, c.Grants.MaxAttempts)
	for _, bad := range []string{"0", "101", "eight", "2.5"} {
		_, err := Load("", envOf(map[string]string{"LOTTERY_GRANTS_MAX_ATTEMPTS": bad}))
		assert.ErrorContains(t, err, "grants.max_attempts", bad)
		assert.ErrorContains(t, err, "from 1 to 100", bad)
	}
}

// grants.backoff takes durations from 3s to 1h, comma-separated or as a YAML list.
func TestGrantsBackoff(t *testing.T) {
	t.Parallel()
	c, err := Load("", envOf(map[string]string{"LOTTERY_GRANTS_BACKOFF": "5s, 1m,10m"}))
	require.NoError(t, err)
	assert.Equal(t, []time.Duration{5 * time.Second, time.Minute, 10 * time.Minute}, c.Grants.Backoff)

	path := filepath.Join(t.TempDir(), "lottery.yaml")
	require.NoError(t, os.WriteFile(path, []byte("grants:\n  backoff: [20s, 2m]\n"), 0o600))
	c, err = Load(path, envOf(nil))
	require.NoError(t, err)
	assert.Equal(t, []time.Duration{20 * time.Second, 2 * time.Minute}, c.Grants.Backoff)

	for _, bad := range []string{"", "1s", "2h", "10s,,1m", "ten", "10s," + strings.Repeat("1m,", 20) + "1m"} {
		_, err := Load("", envOf(map[string]string{"LOTTERY_GRANTS_BACKOFF": bad}))
		assert.ErrorContains(t, err, "grants.backoff", bad)
	}
}

// grants.give_up_after takes 1m to 720h, or off.
func TestGrantsGiveUpAfter(t *testing.T) {
	t.Parallel()
	c, err := Load("", envOf(map[string]string{"LOTTERY_GRANTS_GIVE_UP_AFTER": "72h"}))
	require.NoError(t, err)
	assert.Equal(t, 72*time.Hour, c.Grants.GiveUpAfter)
	c, err = Load("", envOf(map[string]string{"LOTTERY_GRANTS_GIVE_UP_AFTER": "off"}))
	require.NoError(t, err)
	assert.Negative(t, c.Grants.GiveUpAfter)
	for _, bad := range []string{"0", "30s", "721h", "a day"} {
		_, err := Load("", envOf(map[string]string{"LOTTERY_GRANTS_GIVE_UP_AFTER": bad}))
		assert.ErrorContains(t, err, "grants.give_up_after", bad)
	}
}

func TestEnvironmentOverridesFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "lottery.yaml")
	require.NoError(t, os.WriteFile(path, []byte(`
http:
  addr: ":9000"
  body_limit: 2M
data_dir: /var/lib/lottery
redis:
  addr: "10.0.0.1:6379"
roles: [api, granter]
`), 0o600))
	c, err := Load(path, envOf(map[string]string{
		"LOTTERY_HTTP_ADDR":   "127.0.0.1:9100",
		"LOTTERY_REDIS_ADDR":  "",
		"LOTTERY_AUTH_SECRET": "0123456789abcdef0123",
	}))
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:9100", c.HTTP.Addr, "env beats file")
	assert.Equal(t, int64(2<<20), c.HTTP.BodyLimit)
	assert.Equal(t, "/var/lib/lottery", c.DataDir)
	assert.Empty(t, c.Redis.Addr, "an empty variable clears the file's value")
	assert.Equal(t, []string{RoleAPI, RoleGranter}, c.Roles)
	assert.Equal(t, "0123456789abcdef0123", c.Auth.Secret)
}

func TestBadValuesNameTheirKey(t *testing.T) {
	t.Parallel()
	cases := []struct {
		env, value, key string
	}{
		{"LOTTERY_HTTP_ADDR", "8080", "http.addr"},
		{"LOTTERY_HTTP_BODY_LIMIT", "-1", "http.body_limit"},
		{"LOTTERY_HTTP_SHUTDOWN_TIMEOUT", "soon", "http.shutdown_timeout"},
		{"LOTTERY_DATA_DIR", " ", "data_dir"},
		{"LOTTERY_MYSQL_DSN", "localhost", "mysql.dsn"},
		{"LOTTERY_REDIS_ADDR", "localhost", "redis.addr"},
		{"LOTTERY_REDIS_DB", "x", "redis.db"},
		{"LOTTERY_REDIS_PREFIX", "a{b}", "redis.prefix"},
		{"LOTTERY_REDIS_RESTART_CHECK", "0s", "redis.restart_check"},
		{"LOTTERY_NATS_URL", "::::", "nats.url"},
		{"LOTTERY_NATS_PREFIX", "lower", "nats.prefix"},
		{"LOTTERY_AUTH_SECRET", "short", "auth.secret"},
		{"LOTTERY_LOG_LEVEL", "loud", "log.level"},
		{"LOTTERY_LOG_FORMAT", "xml", "log.format"},
		{"LOTTERY_MIGRATE", "perhaps", "migrate"},
		{"LOTTERY_ROLES", "api,cook", "roles"},
		{"LOTTERY_PERSIST", "never", "persist"},
		{"LOTTERY_NODE_ID", "5000", "node_id"},
		{"LOTTERY_DRAW_RATE_PER_USER", "-1", "draw.rate_per_user"},
		{"LOTTERY_DRAW_RATE_PER_IP", "fast", "draw.rate_per_ip"},
		{"LOTTERY_DRAW_RATE_BURST", "0", "draw.rate_burst"},
		{"LOTTERY_DRAW_RELOAD_GRACE", "300ms", "draw.reload_grace"},
		{"LOTTERY_DRAW_IDEMPOTENCY_TTL", "500ms", "draw.idempotency_ttl"},
		{"LOTTERY_DRAW_IDEMPOTENCY_TTL", "1000h", "draw.idempotency_ttl"},
		{"LOTTERY_DRAW_RATE_PER_USER", "NaN", "draw.rate_per_user"},
		{"LOTTERY_REDIS_RESTART_CHECK", "1ns", "redis.restart_check"},
		{"LOTTERY_DRAW_RELOAD_GRACE", "10m", "draw.reload_grace"},
		{"LOTTERY_HTTP_BODY_LIMIT", "9223372036854775807K", "http.body_limit"},
		{"LOTTERY_HTTP_BODY_LIMIT", "2048M", "http.body_limit"},
		{"LOTTERY_MYSQL_DSN", "notadsn/x", "mysql.dsn"},
		{"LOTTERY_MYSQL_DSN", "root@tcp(127.0.0.1:3306)/", "mysql.dsn"},
		{"LOTTERY_NATS_URL", "http://127.0.0.1:4222", "nats.url"},
		{"LOTTERY_LOG_LEVEL", "INFO+2", "log.level"},
		{"LOTTERY_JOBS_STATES", "0 0 0 30 2 *", "jobs.states"},
		{"LOTTERY_JOBS_OUTBOX", "@every -5s", "jobs.outbox"},
		{"LOTTERY_JOBS_OUTBOX", "@every 10ms", "jobs.outbox"},
		{"LOTTERY_HTTP_ADDR", ":", "http.addr"},
		{"LOTTERY_HTTP_ADDR", "127.0.0.1:http", "http.addr"},
		{"LOTTERY_HTTP_ADDR", ":70000", "http.addr"},
		{"LOTTERY_REDIS_ADDR", "redis:", "redis.addr"},
		{"LOTTERY_REDIS_PREFIX", "", "redis.prefix"},
		{"LOTTERY_HTTP_SHUTDOWN_TIMEOUT", "1ns", "http.shutdown_timeout"},
		{"LOTTERY_HTTP_SHUTDOWN_TIMEOUT", "2h", "http.shutdown_timeout"},
	}
	for _, tc := range cases {
		t.Run(tc.env, func(t *testing.T) {
			t.Parallel()
			_, err := Load("", envOf(map[string]string{tc.env: tc.value}))
			var cerr *Error
			require.True(t, errors.As(err, &cerr), "got %v", err)
			assert.Equal(t, tc.key, cerr.Key)
			assert.Equal(t, tc.env, cerr.Source)
			assert.Contains(t, err.Error(), tc.key)
		})
	}
}

// A value in the file is taken as written: YAML would read a secret of digits as a float
// and 00123456 as an octal number.
func TestFileValuesAreTakenAsWritten(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "lottery.yaml")
	require.NoError(t, os.WriteFile(path, []byte("auth:\n  secret: 1234567890123456789012\n"+
		"redis:\n  password: 00123456\n  prefix: 1e3\nnats:\n  prefix: 0777\nroles: [api, granter]\n"), 0o600))
	c, err := Load(path, envOf(nil))
	require.NoError(t, err)
	assert.Equal(t, "1234567890123456789012", c.Auth.Secret)
	assert.Equal(t, "00123456", c.Redis.Password)
	assert.Equal(t, "1e3", c.Redis.Prefix)
	assert.Equal(t, "0777", c.NATS.Prefix)
	assert.Equal(t, []string{"api", "granter"}, c.Roles)

	list := filepath.Join(t.TempDir(), "list.yaml")
	require.NoError(t, os.WriteFile(list, []byte("- a\n- b\n"), 0o600))
	_, err = Load(list, envOf(nil))
	assert.ErrorContains(t, err, "want a mapping")
}

func TestFileErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	unknown := filepath.Join(dir, "unknown.yaml")
	require.NoError(t, os.WriteFile(unknown, []byte("http:\n  adr: ':1'\nlog:\n  level: loud\n"), 0o600))
	_, err := Load(unknown, envOf(nil))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "http.adr")
	assert.Contains(t, err.Error(), "unknown key")
	assert.Contains(t, err.Error(), "log.level", "every bad key is reported")

	broken := filepath.Join(dir, "broken.yaml")
	require.NoError(t, os.WriteFile(broken, []byte("http: [unclosed"), 0o600))
	_, err = Load(broken, envOf(nil))
	assert.ErrorContains(t, err, "broken.yaml")

	twice := filepath.Join(dir, "twice.yaml")
	require.NoError(t, os.WriteFile(twice, []byte("http:\n  addr: ':1'\nredis:\n  db: 1\nhttp:\n  body_limit: 1M\n"), 0o600))
	_, err = Load(twice, envOf(nil))
	assert.ErrorContains(t, err, "line 5: http is given twice (first on line 1)")

	_, err = Load(filepath.Join(dir, "missing.yaml"), envOf(nil))
	assert.ErrorContains(t, err, "missing.yaml")
}

func TestDescribeCoversEveryKey(t *testing.T) {
	t.Parallel()
	rows := Describe()
	assert.Len(t, rows, len(keys))
	for _, r := range rows {
		assert.NotEmpty(t, r[0])
		assert.Regexp(t, `^LOTTERY_[A-Z_]+$`, r[1])
		assert.NotEmpty(t, r[2])
	}
}

// The example file shipped with the project loads, and says what the defaults are.
func TestExampleFileHoldsTheDefaults(t *testing.T) {
	t.Parallel()
	c, err := Load(filepath.Join("..", "..", "lottery.example.yaml"), envOf(nil))
	require.NoError(t, err)
	assert.Equal(t, Default(), c)
}

// A misspelt variable is named, as a misspelt key in the file is refused.
func TestUnknownEnvNamesMisspeltVariables(t *testing.T) {
	t.Parallel()
	got := UnknownEnv([]string{"LOTTERY_HTTP_ADR=:9090", "LOTTERY_HTTP_ADDR=:8080", "LOTTERY_TEST_MYSQL_DSN=x",
		"PATH=/bin", "LOTTERY_AUTH_SECRET=s=t"})
	assert.Equal(t, []string{"LOTTERY_HTTP_ADR"}, got)
}

// A refused value never shows a secret: errors reach logs.
func TestRefusedSecretsAreMasked(t *testing.T) {
	t.Parallel()
	for env, secret := range map[string]string{
		"LOTTERY_AUTH_SECRET":           "ProdSecret15chr",
		"LOTTERY_GRANTS_WEBHOOK_SECRET": "WebhookSecret15",
		"LOTTERY_MYSQL_DSN":             "lot:Sup3rS3cretPw@tcp(db:3306)",
		"LOTTERY_NATS_URL":              "http://alice:s3cretpw@h:4222",
	} {
		_, err := Load("", envOf(map[string]string{env: secret}))
		require.Error(t, err, env)
		for _, part := range []string{"ProdSecret15chr", "WebhookSecret15", "Sup3rS3cretPw", "s3cretpw"} {
			assert.NotContains(t, err.Error(), part, env)
		}
	}
	c, err := Load("", envOf(map[string]string{"LOTTERY_NATS_URL": "nats://alice:s3cretpw@h:4222"}))
	require.NoError(t, err)
	rows, err := Effective(c, "", envOf(nil))
	require.NoError(t, err)
	for _, row := range rows {
		assert.NotContains(t, fmt.Sprint(row), "s3cretpw")
	}
}

// Trusted proxies are addresses and CIDR ranges; anything else is refused by name.
func TestTrustedProxies(t *testing.T) {
	t.Parallel()
	c, err := Load("", envOf(map[string]string{"LOTTERY_HTTP_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.7,2001:db8::/32"}))
	require.NoError(t, err)
	assert.Equal(t, "10.0.0.0/8,192.168.1.7/32,2001:db8::/32", shows["http.trusted_proxies"](c))
	_, err = Load("", envOf(map[string]string{"LOTTERY_HTTP_TRUSTED_PROXIES": "10.0.0.0/8,lb.internal"}))
	require.ErrorContains(t, err, `"lb.internal"`)
}

// redis.addr is host:port, or the absolute path of a Unix socket.
func TestRedisAddrTakesAUnixSocket(t *testing.T) {
	t.Parallel()
	cfg, err := Load("", envOf(map[string]string{"LOTTERY_REDIS_ADDR": "/run/redis/redis.sock"}))
	require.NoError(t, err)
	assert.Equal(t, "unix", cfg.Redis.Network())
	assert.Equal(t, "/run/redis/redis.sock", cfg.Redis.Addr)

	cfg, err = Load("", envOf(map[string]string{"LOTTERY_REDIS_ADDR": "127.0.0.1:6379"}))
	require.NoError(t, err)
	assert.Equal(t, "tcp", cfg.Redis.Network())

	_, err = Load("", envOf(map[string]string{"LOTTERY_REDIS_ADDR": "run/redis.sock"}))
	assert.ErrorContains(t, err, "absolute path", "a relative path is neither")
}
