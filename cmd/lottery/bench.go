package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/lottery-go/lottery/domain/strategy"
	"github.com/lottery-go/lottery/infrastructure/config"
	"github.com/lottery-go/lottery/infrastructure/token"
	"github.com/lottery-go/lottery/internal/bench"
)

// benchFlags are the flags of `lottery bench` (and the shared ones of `lottery demo`).
type benchFlags struct {
	url, secret, mysqlDSN, sqlite  string
	activity                       int64
	users, concurrency             int
	duration, timeout, grantWait   time.Duration
	draws, replayEvery             int64
	jsonPath, plotPath, userPrefix string
	cpu, awards, mode              string
	setup, tight, checkOnly        bool
	noHealthz                      bool
	// urlGiven is whether --url was given, rather than taken from the configuration.
	urlGiven bool
	cpuGiven bool // --cpu was given
}

func benchCmd(load func() (cfgAndLog, error)) *cobra.Command {
	var f benchFlags
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Drive a running server like real traffic, report throughput and latency, check the invariants",
		Long: `bench draws from many users against a running server through its REST API, from
--concurrency closed-loop workers, for --duration or --draws; then sends the same load to
GET /healthz; then checks against the server's SQL database (--mysql-dsn, LOTTERY_MYSQL_DSN
or --sqlite) that nothing went wrong: no oversell, no user over a limit, every win granted
exactly once, no lost or duplicated order, odds as configured.

Without --url, the server is the configured one (http.addr, LOTTERY_HTTP_ADDR, loaded as
serve loads it) and, when no MySQL DSN is configured, the checks read its data_dir/lottery.db.
It exits non-zero when an invariant is violated or not reached within --grant-wait (wins
not granted), or when no draw was answered.`,
		Example: `  lottery bench --setup --draws 200000                    # create an activity, then run
  lottery bench --activity 7263… --users 10000 --concurrency 192 --duration 30s \
      --mysql-dsn 'root@tcp(127.0.0.1:3306)/lottery' --json run.json --plot run.svg
  lottery bench --check-only --activity 7263… --mysql-dsn …`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f.urlGiven = cmd.Flags().Changed("url")
			f.cpuGiven = cmd.Flags().Changed("cpu")
			if err := f.validate(); err != nil {
				return err
			}
			cl, err := load()
			if err != nil {
				return err
			}
			f.resolve(cl.cfg)
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return runBench(ctx, cl, f)
		},
	}
	fl := cmd.Flags()
	addServerFlags(cmd, &f)
	fl.Int64Var(&f.activity, "activity", 0, "id of a running activity to draw from")
	fl.IntVar(&f.concurrency, "concurrency", 192, "closed-loop workers, i.e. requests in flight")
	fl.DurationVar(&f.duration, "duration", 0, "how long to draw (or give --draws)")
	fl.Int64Var(&f.draws, "draws", 0, "how many draws to send (or give --duration)")
	fl.Int64Var(&f.replayEvery, "replay-every", 100, "repeat every n-th acknowledged draw with its Idempotency-Key (0 = never)")
	fl.DurationVar(&f.timeout, "timeout", 10*time.Second, "timeout of one request")
	fl.StringVar(&f.mysqlDSN, "mysql-dsn", "", "the server's MySQL/MariaDB DSN, for the invariant checks (default: the configured one)")
	fl.StringVar(&f.sqlite, "sqlite", "", "the server's SQLite file, for the invariant checks (default without --url and a MySQL DSN: data_dir/lottery.db if it exists)")
	fl.DurationVar(&f.grantWait, "grant-wait", time.Minute, "how long the grants may take to catch up with the wins (0: do not check the grants, e.g. for a server without the granter role)")
	fl.StringVar(&f.jsonPath, "json", "", "write the report as JSON to this file")
	fl.StringVar(&f.plotPath, "plot", "", "draw throughput and latency over time to this SVG file")
	fl.StringVar(&f.userPrefix, "user-prefix", "", "prefix of the run's user ids (default: bench-<random>-)")
	fl.BoolVar(&f.setup, "setup", false, "first create awards and a running activity through the admin API")
	fl.BoolVar(&f.tight, "tight", false, "with --setup: size stock, quotas and user limits to run out during the run")
	addActivityFlags(cmd, &f, "with --setup: ")
	fl.BoolVar(&f.checkOnly, "check-only", false, "only check the invariants of --activity from SQL; send no load")
	fl.BoolVar(&f.noHealthz, "no-healthz", false, "skip the same load against GET /healthz")
	fl.StringVar(&f.cpu, "cpu", "", "measure the CPU time per draw, from /proc (Linux), of the processes of these names on this machine, of the bench and of the whole machine; names replace the default list, comma-separated after an = (--cpu=lt,mariadbd)")
	fl.Lookup("cpu").NoOptDefVal = strings.Join(bench.DefaultCPUOf, ",")
	return cmd
}

// addServerFlags are the flags bench and demo share: where the server is, its key, and
// how many users draw.
func addServerFlags(cmd *cobra.Command, f *benchFlags) {
	fl := cmd.Flags()
	fl.StringVar(&f.url, "url", "", "base URL of the server (default: http:// and the configured http.addr, e.g. http://127.0.0.1:8080)")
	fl.StringVar(&f.secret, "secret", "", "the server's token key (default: the configured auth.secret / LOTTERY_AUTH_SECRET)")
	fl.IntVar(&f.users, "users", 10000, "distinct users drawing")
}

// addActivityFlags are the flags of the activity demo and bench --setup make: its awards
// and its strategy mode.
func addActivityFlags(cmd *cobra.Command, f *benchFlags, prefix string) {
	cmd.Flags().StringVar(&f.awards, "awards", bench.AwardsText, prefix+"text (every prize a text award) or mixed (the 1% prize physical, the 20% prize points)")
	cmd.Flags().StringVar(&f.mode, "mode", string(strategy.ModeFixed), prefix+"the odds' mode: fixed (an empty prize wins nothing) or renormalize (the draw is taken again among the prizes left)")
}

// checkActivityFlags refuses an --awards that names no set and a --mode that names no mode.
func checkActivityFlags(f benchFlags) error {
	if f.awards != bench.AwardsText && f.awards != bench.AwardsMixed {
		return fmt.Errorf("--awards %q: want text or mixed", f.awards)
	}
	if m := strategy.Mode(f.mode); m != strategy.ModeFixed && m != strategy.ModeRenormalize {
		return fmt.Errorf("--mode %q: want %s or %s", f.mode, strategy.ModeFixed, strategy.ModeRenormalize)
	}
	return nil
}

// validate refuses contradictory or missing flags before anything is sent or opened.
func (f benchFlags) validate() error {
	switch {
	case f.checkOnly && f.setup:
		return errors.New("--check-only checks an existing activity: give it with --activity, without --setup")
	case f.checkOnly && f.activity <= 0:
		return errors.New("--check-only needs --activity ID: the activity whose orders to check")
	case f.setup && f.activity > 0:
		return errors.New("give --setup (create an activity) or --activity ID (use one), not both")
	case !f.checkOnly && !f.setup && f.activity <= 0:
		return errors.New("no activity: give --activity ID of a running activity, or --setup to create one")
	case f.mysqlDSN != "" && f.sqlite != "":
		return errors.New("give --mysql-dsn or --sqlite, not both: the checks read one database")
	case f.grantWait < 0:
		return errors.New("--grant-wait must not be negative")
	}
	if f.checkOnly {
		return nil
	}
	switch {
	case f.users < 1:
		return errors.New("--users must be at least 1")
	case f.concurrency < 1:
		return errors.New("--concurrency must be at least 1")
	case f.draws < 0 || f.duration < 0:
		return errors.New("--draws and --duration must not be negative")
	case (f.draws == 0) == (f.duration == 0):
		return errors.New("give --duration or --draws, not both or neither")
	case f.replayEvery < 0:
		return errors.New("--replay-every must not be negative")
	case f.timeout <= 0:
		return errors.New("--timeout must be positive")
	case strings.ContainsAny(f.userPrefix, "%_"):
		return errors.New("--user-prefix must not contain % or _ (it is matched with SQL LIKE)")
	case f.cpuGiven && cpuOf(f.cpu) == nil:
		return errors.New("--cpu= names no process: give --cpu alone, or names such as --cpu=lottery,mariadbd")
	}
	if err := checkActivityFlags(f); err != nil {
		return err
	}
	return checkURL(f.url)
}

// checkURL refuses a --url that cannot be a server's base URL.
func checkURL(raw string) error {
	if raw == "" {
		return nil // taken from the configuration
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--url %q: want a base URL such as http://127.0.0.1:8080", raw)
	}
	return nil
}

// resolve fills in what the flags left to the configuration loaded as `serve` loads it:
// the server's URL from http.addr and, when that server keeps its data in SQLite under
// data_dir (no MySQL DSN anywhere) and --url was not given, its database file.
func (f *benchFlags) resolve(cfg config.Config) {
	if !f.urlGiven {
		f.url = localURL(cfg.HTTP.Addr)
	}
	if f.urlGiven || f.sqlite != "" || f.mysqlDSN != "" || cfg.MySQLDSN != "" {
		return
	}
	path := filepath.Join(cfg.DataDir, "lottery.db")
	if _, err := os.Stat(path); err == nil {
		f.sqlite = path
	}
}

// localURL is the URL that reaches a server listening on addr from this machine: an
// address without a host, or with an unspecified one, listens on every interface.
func localURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

func runBench(ctx context.Context, cl cfgAndLog, f benchFlags) error {
	if f.checkOnly {
		return checkOnly(ctx, cl, f)
	}
	keys, err := benchKeys(cl, f.secret)
	if err != nil {
		return err
	}
	if err := bench.Reach(ctx, f.url); err != nil {
		return fmt.Errorf("%w (start it with `lottery serve`, or give --url)", err)
	}
	store, _, err := openBenchStore(ctx, cl, f)
	if err != nil {
		return err
	}
	if store != nil {
		defer store.Close()
	}
	if f.setup {
		id, err := bench.SetUp(ctx, setupOptions(f, keys))
		if err != nil {
			return fmt.Errorf("set up: %w", err)
		}
		f.activity = id
		printf("activity %d is running; to run again against it:\n  %s\n\n", id, benchCommand(f))
	}
	var progress io.Writer
	if term.IsTerminal(int(os.Stdout.Fd())) {
		progress = os.Stdout
	}
	r, err := bench.Run(ctx, bench.Options{
		URL: f.url, ActivityID: f.activity, Users: f.users,
		Load:        bench.Load{Concurrency: f.concurrency, Duration: f.duration, Requests: f.draws},
		ReplayEvery: f.replayEvery, Timeout: f.timeout, Keys: keys, UserPrefix: f.userPrefix,
		Healthz: !f.noHealthz, Progress: progress, Store: store, GrantWait: f.grantWait,
		CPUOf: cpuOf(f.cpu),
	})
	if err != nil {
		return err
	}
	return finish(r, f)
}

// cpuOf is the list --cpu names; nil when it was not given.
func cpuOf(flag string) []string {
	var names []string
	for n := range strings.SplitSeq(flag, ",") {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	return names
}

// checkOnly checks the invariants of f.activity from SQL, sending nothing to the server.
func checkOnly(ctx context.Context, cl cfgAndLog, f benchFlags) error {
	store, sqlNote, err := openBenchStore(ctx, cl, f)
	if err != nil {
		return err
	}
	if store == nil {
		return errors.New("--check-only reads the server's database: " + sqlNote)
	}
	defer store.Close()
	r, err := bench.CheckOnly(ctx, store, f.activity, f.grantWait)
	if err != nil {
		return err
	}
	return finish(r, f)
}

// finish prints and writes the report; a violated invariant, or a run in which no draw
// was answered, makes the command fail.
func finish(r *bench.Report, f benchFlags) error {
	r.Print(os.Stdout)
	if f.jsonPath != "" {
		if err := r.WriteJSON(f.jsonPath); err != nil {
			return err
		}
	}
	if f.plotPath != "" && r.Draws != nil {
		if err := r.WritePlot(f.plotPath); err != nil {
			return err
		}
	}
	return r.Failure()
}

func benchKeys(cl cfgAndLog, secret string) (*token.Keys, error) {
	if secret == "" {
		secret = cl.cfg.Auth.Secret
	}
	if secret == "" {
		return nil, errors.New("the server's token key is needed to sign users' tokens: set LOTTERY_AUTH_SECRET (as for the server) or give --secret")
	}
	if len(secret) < config.MinSecretLen {
		return nil, fmt.Errorf("--secret: a server's key has at least %d characters; give the one it was started with", config.MinSecretLen)
	}
	return token.NewKeys(secret).For(cl.cfg.Auth.Issuer, cl.cfg.Auth.Audience), nil
}

// openBenchStore opens the server's database for the checks, or says why it cannot.
func openBenchStore(ctx context.Context, cl cfgAndLog, f benchFlags) (*bench.Store, string, error) {
	dsn := f.mysqlDSN
	if dsn == "" && f.sqlite == "" {
		dsn = cl.cfg.MySQLDSN
	}
	if dsn == "" && f.sqlite == "" {
		return nil, "no SQL access: give --mysql-dsn, set LOTTERY_MYSQL_DSN, or --sqlite data_dir/lottery.db for an embedded server", nil
	}
	s, err := bench.OpenStore(ctx, dsn, f.sqlite)
	if err != nil {
		return nil, "", fmt.Errorf("open the server's database for the checks: %w", err)
	}
	return s, "", nil
}

func setupOptions(f benchFlags, keys *token.Keys) bench.SetupOptions {
	draws := f.draws
	if draws == 0 {
		// A duration says nothing about a count; size for a long run at the target rate.
		draws = max(int64(f.duration.Seconds())*15000, 1_000_000)
	}
	return bench.SetupOptions{URL: f.url, Keys: keys, Draws: draws, Users: f.users, Tight: f.tight, Awards: f.awards, Mode: strategy.Mode(f.mode)}
}

// benchCommand is the command line that runs this load against f.activity again: with
// the binary that runs now, or go run from the repository when that is what runs, and
// the SQLite file by its absolute path, so it works from any directory. A DSN's password
// shows as <password>.
func benchCommand(f benchFlags) string {
	parts := []string{selfCommand() + " bench", "--url", f.url, "--activity", strconv.FormatInt(f.activity, 10),
		"--users", strconv.Itoa(f.users), "--concurrency", strconv.Itoa(f.concurrency)}
	if f.draws > 0 {
		parts = append(parts, "--draws", strconv.FormatInt(f.draws, 10))
	} else {
		parts = append(parts, "--duration", f.duration.String())
	}
	switch {
	case f.mysqlDSN != "":
		// Its password is not printed (terminals and logs keep what they show): the
		// reader puts it in for the placeholder.
		parts = append(parts, "--mysql-dsn", "'"+dsnWithPlaceholder(f.mysqlDSN)+"'")
	case f.sqlite != "":
		path := f.sqlite
		if abs, err := filepath.Abs(path); err == nil {
			path = abs
		}
		parts = append(parts, "--sqlite", path)
	}
	return strings.Join(parts, " ")
}

// dsnWithPlaceholder is dsn with its password, if any, replaced by <password>.
func dsnWithPlaceholder(dsn string) string {
	masked := config.MaskDSN(dsn)
	if masked == dsn || strings.Contains(dsn, ":@") {
		return dsn // no password, or an empty one
	}
	return strings.Replace(masked, ":***@", ":<password>@", 1)
}

// selfCommand is how to run this program again: its path, unless it is a binary that
// go run built in a temporary directory.
func selfCommand() string {
	exe, err := os.Executable()
	if err != nil || strings.Contains(exe, string(filepath.Separator)+"go-build") {
		return "go run ./cmd/lottery"
	}
	return exe
}
