package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEveryKeyCanBeShown(t *testing.T) {
	require.NoError(t, checkShows())
	assert.Len(t, shows, len(keys), "no entry for a key that does not exist")
}

// The effective configuration names each value's source and hides secrets.
func TestEffectiveNamesSourcesAndHidesSecrets(t *testing.T) {
	file := filepath.Join(t.TempDir(), "lottery.yaml")
	require.NoError(t, os.WriteFile(file, []byte("http:\n  addr: \":9000\"\nredis:\n  password: hunter2\n"), 0o600))
	env := map[string]string{"LOTTERY_MYSQL_DSN": "app:s3cret@tcp(db:3306)/lottery", "LOTTERY_AUTH_SECRET": "0123456789abcdef0"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	c, err := Load(file, lookup)
	require.NoError(t, err)
	rows, err := Effective(c, file, lookup)
	require.NoError(t, err)
	got := map[string][2]string{}
	for _, r := range rows {
		got[r[0]] = [2]string{r[1], r[2]}
	}
	assert.Equal(t, [2]string{":9000", file}, got["http.addr"])
	assert.Equal(t, [2]string{"***", file}, got["redis.password"])
	assert.Equal(t, [2]string{"app:***@tcp(db:3306)/lottery", "LOTTERY_MYSQL_DSN"}, got["mysql.dsn"])
	assert.Equal(t, [2]string{"***", "LOTTERY_AUTH_SECRET"}, got["auth.secret"])
	assert.Equal(t, [2]string{"4s", "default"}, got["draw.reload_grace"])
	assert.Equal(t, [2]string{"500ms", "default"}, got["redis.restart_check"])
	assert.Equal(t, [2]string{"", "default"}, got["grants.webhook_secret"], "an unset secret shows as unset")
	assert.Len(t, rows, len(keys))
}

// A NATS URL shows no secret: a password, a token standing as user name, in every URL of
// a list, and in what does not parse.
func TestMaskURL(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		"nats://127.0.0.1:4222":                   "nats://127.0.0.1:4222",
		"nats://user:pass@h:4222":                 "nats://user:xxxxx@h:4222",
		"nats://s3cr3ttoken@h:4222":               "nats://***@h:4222",
		"nats://u:p1@h1:4222,nats://u:p2@h2:4222": "nats://u:xxxxx@h1:4222,nats://u:xxxxx@h2:4222",
		"nats://u:p1@h1:4222, nats://tok@h2:4222": "nats://u:xxxxx@h1:4222,nats://***@h2:4222",
		"nats://u:pa%zzss@h:4222":                 "nats://***@h:4222",
		"u:p@h:4222":                              "***@h:4222",
	} {
		got := MaskURL(raw)
		assert.Equal(t, want, got, raw)
		for _, secret := range []string{"pass", "s3cr3ttoken", "p1", "p2", "tok@", "pa%zzss"} {
			assert.NotContains(t, got, secret, raw)
		}
	}
}

// A DSN's password is hidden; a URL given by mistake keeps its scheme and user in sight,
// so the mistake can be seen.
func TestMaskDSN(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		"app:secret@tcp(db:3306)/lottery": "app:***@tcp(db:3306)/lottery",
		"root@tcp(127.0.0.1:3306)/x":      "root@tcp(127.0.0.1:3306)/x",
		"mysql://root@127.0.0.1/x":        "mysql://root@127.0.0.1/x",
		"mysql://root:pw@127.0.0.1/x":     "mysql://root:***@127.0.0.1/x",
		"/var/run/mysqld.sock":            "/var/run/mysqld.sock",
	} {
		assert.Equal(t, want, MaskDSN(raw), raw)
	}
}
