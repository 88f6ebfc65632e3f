package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/spf13/cobra"

	"github.com/lottery-go/lottery/infrastructure/config"
	"github.com/lottery-go/lottery/infrastructure/token"
	"github.com/lottery-go/lottery/interfaces/rest"
	"github.com/lottery-go/lottery/interfaces/web"
)

func serveCmd(load func() (cfgAndLog, error)) *cobra.Command {
	var roles, pprofAddr string
	var noMigrate bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the server (embedded SQLite, Redis and NATS unless configured otherwise)",
		Long: `serve runs the server. Each setting comes from its default, then the --config file,
then its LOTTERY_* environment variable (LOTTERY_MYSQL_DSN, LOTTERY_REDIS_ADDR,
LOTTERY_NATS_URL, LOTTERY_AUTH_SECRET, LOTTERY_HTTP_ADDR…), then the flags below.
"lottery config" lists every key with its variable; "lottery config --effective" shows
the values in effect and where each came from.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, err := load()
			if err != nil {
				return err
			}
			if roles != "" {
				if err := cl.cfg.Set("roles", roles); err != nil {
					return err
				}
			}
			if noMigrate {
				cl.cfg.Migrate = false
			}
			if os.Getenv("GOGC") == "" {
				// The draw path allocates little that lives long; collecting half as often
				// buys a few percent of throughput for a bounded heap.
				debug.SetGCPercent(200)
			}
			// The port first: a taken one fails before anything is opened or printed.
			ln, err := listen(cl.cfg.HTTP.Addr)
			if err != nil {
				return err
			}
			if pprofAddr != "" {
				if err := startPprof(pprofAddr, cl.log); err != nil {
					_ = ln.Close()
					return err
				}
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return serve(ctx, cl.cfg, cl.log, serveHooks{listener: ln})
		},
	}
	cmd.Flags().StringVar(&roles, "roles", "", "comma-separated roles to run: api, granter, scheduler (default all)")
	cmd.Flags().BoolVar(&noMigrate, "no-migrate", false, "do not apply migrations on start")
	cmd.Flags().StringVar(&pprofAddr, "pprof", "", "serve Go profiles (/debug/pprof/) on this address, e.g. 127.0.0.1:6060; keep it private")
	return cmd
}

// serveHooks give serve a listener bound already (the command binds before anything else;
// tests bind a port of their choosing) and let tests add routes.
type serveHooks struct {
	listener net.Listener
	ready    func(addr string)
	routes   func(e *echo.Echo)
}

// serve runs until ctx ends, then drains in-flight requests, flushes pending writes and
// closes every adapter, all within the configured shutdown timeout.
func serve(ctx context.Context, cfg config.Config, log *slog.Logger, hooks serveHooks) error {
	started := time.Now()
	ln := hooks.listener
	if ln == nil {
		var err error
		if ln, err = listen(cfg.HTTP.Addr); err != nil {
			return err
		}
	}
	serving := false
	defer func() {
		if !serving {
			_ = ln.Close()
		}
	}()
	if msg := embeddedRolesWarning(cfg); msg != "" {
		log.Warn(msg, "roles", strings.Join(cfg.Roles, ","))
	}
	sys, err := openSystem(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer sys.Close()

	signer := token.NewKeys(cfg.Auth.Secret).For(cfg.Auth.Issuer, cfg.Auth.Audience)
	if cfg.Auth.Secret == "" {
		signer = devKeys(cfg.Auth.Issuer, cfg.Auth.Audience)
	}
	keys := token.NewCachedKeys(signer, 100_000)
	eng, err := buildEngine(ctx, sys)
	if err != nil {
		return err
	}
	del, err := startDelivery(ctx, sys, eng, eng.relay)
	if err != nil {
		return err
	}
	srv := rest.New(rest.Options{Logger: log, BodyLimit: cfg.HTTP.BodyLimit, Checks: sys.checks(), Registry: sys.registry,
		TrustedProxies: cfg.HTTP.TrustedProxies})
	if cfg.HasRole(config.RoleAPI) {
		eng.warmAtStart(sys.redisInProcess)
		rest.RegisterDraws(srv, keys, eng.draws)
		app := buildAdmin(sys, eng)
		rest.RegisterAdmin(srv, keys, app)
		rest.RegisterRuleTrees(srv, keys, app)
		rest.RegisterProfiles(srv, keys, app)
		rest.RegisterUserGrants(srv, keys, del.granting)
		rest.RegisterSupport(srv, keys, buildSupport(sys, eng, del.granting))
		rest.RegisterDocs(srv)
		web.Register(srv.Echo())
	}
	if hooks.routes != nil {
		hooks.routes(srv.Echo())
	}

	serving = true
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("serving", "addr", ln.Addr().String(), "roles", strings.Join(cfg.Roles, ","),
		"started_in", time.Since(started).Round(time.Millisecond).String())
	if hooks.ready != nil {
		hooks.ready(ln.Addr().String())
	}

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("stopping: draining in-flight requests")
	// Most of the budget drains HTTP; the rest flushes writers and closes adapters.
	drain, cancel := context.WithTimeout(context.Background(), cfg.HTTP.ShutdownTimeout*8/10)
	defer cancel()
	if err := srv.Shutdown(drain); err != nil {
		log.Warn("drain incomplete", "err", err)
	}
	<-served
	log.Info("stopped")
	return nil
}

func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s (http.addr, LOTTERY_HTTP_ADDR): %w", addr, err)
	}
	return ln, nil
}

// embeddedRolesWarning says what a process that leaves out the granter or the scheduler
// misses when its NATS or Redis is in-process: no other process can reach them to do it.
func embeddedRolesWarning(cfg config.Config) string {
	var private []string
	if cfg.Redis.Addr == "" {
		private = append(private, "Redis")
	}
	if cfg.NATS.URL == "" {
		private = append(private, "NATS")
	}
	var left, effects []string
	if !cfg.HasRole(config.RoleGranter) && cfg.NATS.URL == "" {
		left, effects = append(left, config.RoleGranter), append(effects, "wins will not be granted")
	}
	if !cfg.HasRole(config.RoleScheduler) && len(private) > 0 {
		left, effects = append(left, config.RoleScheduler), append(effects, "scheduled jobs will not run")
	}
	if len(left) == 0 {
		return ""
	}
	return fmt.Sprintf("roles leave out %s, but no other process can reach this process's in-process %s: %s; "+
		"run every role in this process, or point redis.addr and nats.url at shared servers",
		strings.Join(left, " and "), strings.Join(private, " and "), strings.Join(effects, " and "))
}

// devKeys makes a throwaway key and prints tokens for trying the API by hand.
func devKeys(issuer, audience string) *token.Keys {
	keys := token.NewKeys(token.DevSecret()).For(issuer, audience).WithMismatchHint(
		"this development server made a new key when it started: use a token it printed then")
	mint := func(sub string, roles ...string) string {
		t, _ := keys.Mint(sub, roles, nil, 24*time.Hour)
		return t
	}
	printf(`
==================== DEVELOPMENT ONLY ====================
No auth secret is configured (LOTTERY_AUTH_SECRET), so a random
key was generated for this run. Tokens valid for 24 hours, until
this process stops:
  admin:    %s
  marketer: %s
  user:     %s
Never run like this in production: set LOTTERY_AUTH_SECRET.
==========================================================

`, mint("dev-admin", token.RoleAdmin), mint("dev-marketer", token.RoleMarketer), mint("dev-user", token.RoleUser))
	return keys
}
