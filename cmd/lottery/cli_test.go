package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/infrastructure/config"
	"github.com/lottery-go/lottery/internal/bench"
	"github.com/lottery-go/lottery/internal/testkit"
)

func TestUnknownSubcommandsAndExtraArgumentsFail(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"migrate", "down"}, {"jobs", "foo"}, {"config", "extra"}, {"serve", "now"},
		{"token", "u1"}, {"bench", "x"}, {"demo", "x"}, {"migrate", "up", "x"}, {"no-such-command"},
	} {
		root := rootCmd()
		root.SetArgs(args)
		root.SetOut(io.Discard)
		root.SetErr(io.Discard)
		err := root.Execute()
		require.Error(t, err, "%v", args)
		assert.Contains(t, err.Error(), "unknown command", "%v", args)
	}
}

func TestGroupCommandAloneShowsHelp(t *testing.T) {
	t.Parallel()
	root := rootCmd()
	root.SetArgs([]string{"migrate"})
	var out testWriter
	root.SetOut(&out)
	require.NoError(t, root.Execute())
	assert.Contains(t, string(out), "Apply every pending migration")
}

// --version names the build: a commit or module version, else devel, and its Go.
func TestVersionNamesTheBuild(t *testing.T) {
	t.Parallel()
	root := rootCmd()
	root.SetArgs([]string{"--version"})
	var out testWriter
	root.SetOut(&out)
	require.NoError(t, root.Execute())
	assert.Regexp(t, `^lottery version \S+ \(go1\.[0-9.]+\)\n$`, string(out))
}

type testWriter []byte

func (w *testWriter) Write(p []byte) (int, error) { *w = append(*w, p...); return len(p), nil }

// fixedConfig is what bench and demo load, counting the loads.
func fixedConfig(cfg config.Config, loads *atomic.Int64) func() (cfgAndLog, error) {
	return func() (cfgAndLog, error) {
		loads.Add(1)
		return cfgAndLog{cfg: cfg, log: newLogger(cfg.Log)}, nil
	}
}

// countingServer counts every request and answers each draw 401, as a server with
// another token key would.
func countingServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/healthz" {
			_, _ = w.Write([]byte(`{"status":"ok"}`))
			return
		}
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":{"code":"unauthorized","message":"bad token"}}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func execute(cmd *cobra.Command, args ...string) error {
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	return cmd.ExecuteContext(context.Background())
}

func TestBenchValidatesEveryFlagBeforeSendingAnything(t *testing.T) {
	t.Parallel()
	srv, requests := countingServer(t)
	cfg := testkit.EmbeddedStack(t)
	cases := map[string]struct {
		args []string
		want string
	}{
		"draws and duration":      {[]string{"--setup", "--draws", "1000", "--duration", "5s"}, "give --duration or --draws, not both or neither"},
		"neither":                 {[]string{"--setup"}, "give --duration or --draws, not both or neither"},
		"check-only, no activity": {[]string{"--check-only"}, "--check-only needs --activity ID"},
		"check-only and setup":    {[]string{"--check-only", "--setup", "--activity", "7"}, "--check-only checks an existing activity"},
		"no activity":             {[]string{"--draws", "10"}, "give --activity ID of a running activity, or --setup"},
		"setup and activity":      {[]string{"--setup", "--activity", "7", "--draws", "10"}, "not both"},
		"no users":                {[]string{"--setup", "--draws", "10", "--users", "0"}, "--users must be at least 1"},
		"no workers":              {[]string{"--setup", "--draws", "10", "--concurrency", "0"}, "--concurrency must be at least 1"},
		"two databases":           {[]string{"--setup", "--draws", "10", "--sqlite", "x.db", "--mysql-dsn", "u@tcp(h)/d"}, "--mysql-dsn or --sqlite, not both"},
		"bad url":                 {[]string{"--setup", "--draws", "10", "--url", "127.0.0.1:8080"}, "want a base URL"},
		"cpu of nothing":          {[]string{"--setup", "--draws", "10", "--cpu= , "}, "--cpu= names no process"},
		"unknown awards":          {[]string{"--setup", "--draws", "10", "--awards", "fancy"}, `--awards "fancy": want text or mixed`},
		"unknown mode":            {[]string{"--setup", "--draws", "10", "--mode", "lucky"}, `--mode "lucky": want fixed or renormalize`},
	}
	for name, c := range cases {
		var loads atomic.Int64
		args := c.args
		if name != "bad url" {
			args = append(args, "--url", srv.URL)
		}
		err := execute(benchCmd(fixedConfig(cfg, &loads)), args...)
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), c.want, name)
		assert.Zero(t, loads.Load(), "%s: the configuration is not even loaded", name)
	}
	assert.Zero(t, requests.Load(), "nothing was sent to the server")
}

// demo refuses an award set or a mode it does not know before it loads or sends anything.
func TestDemoRefusesUnknownAwardsAndModes(t *testing.T) {
	t.Parallel()
	srv, requests := countingServer(t)
	cfg := testkit.EmbeddedStack(t)
	for flag, want := range map[string]string{
		"--awards": `--awards "fancy": want text or mixed`,
		"--mode":   `--mode "fancy": want fixed or renormalize`,
	} {
		var loads atomic.Int64
		err := execute(demoCmd(fixedConfig(cfg, &loads)), flag, "fancy", "--url", srv.URL)
		require.ErrorContains(t, err, want)
		assert.Zero(t, loads.Load(), flag)
	}
	assert.Zero(t, requests.Load())
}

func TestBenchCPUNamesTheProcesses(t *testing.T) {
	t.Parallel()
	assert.Nil(t, cpuOf(""), "not given: nothing measured")
	assert.Equal(t, []string{"lottery", "mariadbd"}, cpuOf(" lottery,mariadbd, "))
	assert.Equal(t, bench.DefaultCPUOf, cpuOf(benchCmd(nil).Flags().Lookup("cpu").NoOptDefVal), "--cpu alone")
}

func TestBenchFailsWhenNoDrawIsAnswered(t *testing.T) {
	t.Parallel()
	srv, requests := countingServer(t)
	var loads atomic.Int64
	err := execute(benchCmd(fixedConfig(testkit.EmbeddedStack(t), &loads)),
		"--url", srv.URL, "--activity", "7", "--draws", "20", "--concurrency", "2", "--no-healthz")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no draw was answered 200 of 20 requests")
	assert.Positive(t, requests.Load())
}

func TestBenchFailsClearlyWithoutAServer(t *testing.T) {
	t.Parallel()
	srv, _ := countingServer(t)
	url := srv.URL
	srv.Close()
	var loads atomic.Int64
	err := execute(benchCmd(fixedConfig(testkit.EmbeddedStack(t), &loads)), "--url", url, "--activity", "7", "--draws", "20")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no server answers at "+url)
}

func TestBenchAndDemoDefaultToTheConfiguredServer(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]string{
		":18420": "http://127.0.0.1:18420", "0.0.0.0:80": "http://127.0.0.1:80", "[::]:8080": "http://127.0.0.1:8080",
		"10.0.0.5:9000": "http://10.0.0.5:9000", "[::1]:8080": "http://[::1]:8080", "localhost:8080": "http://localhost:8080",
	} {
		assert.Equal(t, want, localURL(addr), addr)
	}

	cfg := testkit.EmbeddedStack(t)
	cfg.HTTP.Addr = ":18420"
	var f benchFlags
	f.resolve(cfg)
	assert.Equal(t, "http://127.0.0.1:18420", f.url)
	assert.Empty(t, f.sqlite, "no database file yet")

	db := filepath.Join(cfg.DataDir, "lottery.db")
	require.NoError(t, os.WriteFile(db, nil, 0o644))
	f = benchFlags{}
	f.resolve(cfg)
	assert.Equal(t, db, f.sqlite, "the embedded server's database")
	f.activity, f.draws = 7, 100
	assert.Contains(t, benchCommand(f), "--sqlite "+db, "the printed command checks the invariants")
	f.sqlite = "data/lottery.db"
	wd, err := os.Getwd()
	require.NoError(t, err)
	assert.Contains(t, benchCommand(f), "--sqlite "+filepath.Join(wd, "data", "lottery.db"), "runs from any directory")
	f.sqlite, f.mysqlDSN = "", "bench:s3cret@tcp(db:3306)/lottery"
	assert.Contains(t, benchCommand(f), "--mysql-dsn 'bench:<password>@tcp(db:3306)/lottery'")
	f.mysqlDSN = "root@tcp(127.0.0.1:3306)/lottery"
	assert.Contains(t, benchCommand(f), "--mysql-dsn 'root@tcp(127.0.0.1:3306)/lottery'", "nothing to hide")
	f.mysqlDSN = "root:@tcp(127.0.0.1:3306)/lottery"
	assert.Contains(t, benchCommand(f), "--mysql-dsn 'root:@tcp(127.0.0.1:3306)/lottery'", "an empty password")
	f.mysqlDSN = "bench:s3cret@tcp(db:3306)/lottery"
	assert.NotContains(t, benchCommand(f), "s3cret", "the password is not printed")

	f = benchFlags{url: "http://elsewhere:8080", urlGiven: true}
	f.resolve(cfg)
	assert.Equal(t, "http://elsewhere:8080", f.url)
	assert.Empty(t, f.sqlite, "another server's database is not known")

	cfg.MySQLDSN = "u@tcp(h)/d"
	f = benchFlags{}
	f.resolve(cfg)
	assert.Empty(t, f.sqlite, "a configured MySQL is the database")
}
