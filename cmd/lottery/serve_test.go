package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/infrastructure/config"
	"github.com/lottery-go/lottery/infrastructure/messaging"
	"github.com/lottery-go/lottery/interfaces/rest"
	"github.com/lottery-go/lottery/internal/testkit"
)

// running is a server started by a test through the same serve() as the binary.
type running struct {
	base    string
	stop    context.CancelFunc
	stopped chan struct{} // closed when serve returned; err is its result
	err     error
}

func startServer(t *testing.T, cfg config.Config, routes func(*echo.Echo)) *running {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{stop: cancel, stopped: make(chan struct{})}
	ready := make(chan string, 1)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	go func() {
		r.err = serve(ctx, cfg, log, serveHooks{listener: ln, ready: func(a string) { ready <- a }, routes: routes})
		close(r.stopped)
	}()
	select {
	case addr := <-ready:
		r.base = "http://" + addr
	case <-r.stopped:
		t.Fatalf("server did not start: %v", r.err)
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start within 30s")
	}
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.stopped:
		case <-time.After(15 * time.Second):
		}
	})
	return r
}

func getJSON(t *testing.T, url string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	var body map[string]any
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	}
	return resp.StatusCode, body
}

func TestServeOperationalEndpoints(t *testing.T) {
	t.Parallel()
	testkit.EachStack(t, func(t *testing.T, cfg config.Config) {
		t.Parallel()
		srv := startServer(t, cfg, nil)

		code, body := getJSON(t, srv.base+"/healthz")
		assert.Equal(t, http.StatusOK, code)
		assert.Equal(t, "ok", body["status"])

		code, body = getJSON(t, srv.base+"/readyz")
		assert.Equal(t, http.StatusOK, code, "%v", body)
		assert.Equal(t, map[string]any{"sql": "ok", "redis": "ok", "nats": "ok"}, body["checks"])

		resp, err := http.Get(srv.base + "/metrics")
		require.NoError(t, err)
		metrics, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Contains(t, string(metrics), `lottery_http_request_duration_seconds_bucket{code="200",method="GET",route="/healthz"`)

		code, body = getJSON(t, srv.base+"/no/such/path")
		assert.Equal(t, http.StatusNotFound, code)
		assert.Equal(t, "not_found", body["error"].(map[string]any)["code"])

		resp, err = http.Post(srv.base+"/healthz", "application/json", nil)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
		assert.NotEmpty(t, resp.Header.Get("X-Request-Id"), "every response carries a request id")
	})
}

func TestServeErrorShapes(t *testing.T) {
	t.Parallel()
	cfg := testkit.EmbeddedStack(t)
	cfg.HTTP.BodyLimit = 64
	srv := startServer(t, cfg, func(e *echo.Echo) {
		e.POST("/test/echo", func(c echo.Context) error {
			var v map[string]any
			if err := c.Bind(&v); err != nil {
				return err
			}
			return c.JSON(http.StatusOK, v)
		})
		e.GET("/test/panic", func(echo.Context) error { panic("boom") })
	})

	resp, err := http.Post(srv.base+"/test/echo", "application/json", strings.NewReader(`{"a":"`+strings.Repeat("x", 100)+`"}`))
	require.NoError(t, err)
	var body map[string]map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	resp.Body.Close()
	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	assert.Equal(t, "body_too_large", body["error"]["code"])

	code, b := getJSON(t, srv.base+"/test/panic")
	assert.Equal(t, http.StatusInternalServerError, code)
	assert.Equal(t, "internal", b["error"].(map[string]any)["code"])

	code, _ = getJSON(t, srv.base+"/healthz")
	assert.Equal(t, http.StatusOK, code, "the server survives a panic")
}

func TestServeDrainsInFlightRequestsOnStop(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	entered := make(chan struct{})
	srv := startServer(t, testkit.EmbeddedStack(t), func(e *echo.Echo) {
		e.GET("/test/slow", func(c echo.Context) error {
			close(entered)
			<-release
			return c.String(http.StatusOK, "done")
		})
	})
	result := make(chan int, 1)
	go func() {
		resp, err := http.Get(srv.base + "/test/slow")
		if err != nil {
			result <- 0
			return
		}
		resp.Body.Close()
		result <- resp.StatusCode
	}()
	<-entered
	srv.stop()
	// The stop must wait for the request in flight: it has not returned yet.
	select {
	case <-srv.stopped:
		t.Fatalf("stopped before the in-flight request finished: %v", srv.err)
	default:
	}
	close(release)
	assert.Equal(t, http.StatusOK, <-result)
	select {
	case <-srv.stopped:
		assert.NoError(t, srv.err)
	case <-time.After(10 * time.Second):
		t.Fatal("did not stop within 10s")
	}
}

func TestServeFailsClearlyOnUnreachableServers(t *testing.T) {
	t.Parallel()
	closedPort := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := ln.Addr().String()
		ln.Close()
		return addr
	}
	cases := map[string]func(*config.Config){
		"mysql": func(c *config.Config) { c.MySQLDSN = "root@tcp(" + closedPort() + ")/x" },
		"redis": func(c *config.Config) { c.Redis.Addr = closedPort() },
		"nats":  func(c *config.Config) { c.NATS.URL = "nats://" + closedPort() },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := testkit.EmbeddedStack(t)
			mutate(&cfg)
			start := time.Now()
			err := serve(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), serveHooks{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), "unreachable")
			assert.Less(t, time.Since(start), 15*time.Second, "an unreachable server is an error, not a hang")
		})
	}
}

// Readiness asks after the grant stream only where the process grants: an API process
// whose NATS lost the stream still takes draws (the outbox hands their wins on later).
func TestReadinessAsksForTheGrantStreamOnlyOfGranters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := testkit.EmbeddedStack(t)
	cfg.Roles = []string{config.RoleAPI}
	sys, err := openSystem(ctx, cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer sys.Close()
	_ = sys.nats.JS.DeleteStream(ctx, messaging.StreamName(cfg.NATS.Prefix))
	nats := func() error {
		for _, c := range sys.checks() {
			if c.Name == "nats" {
				return c.Ping(ctx)
			}
		}
		return errors.New("no nats check")
	}
	require.NoError(t, nats(), "api only")
	sys.cfg.Roles = []string{config.RoleAPI, config.RoleGranter}
	require.ErrorContains(t, nats(), messaging.StreamName(cfg.NATS.Prefix), "a granter")

	optional := func() bool {
		return slices.IndexFunc(sys.checks(), func(c rest.Check) bool { return c.Name == "nats" && c.Optional }) >= 0
	}
	assert.True(t, optional(), "a process serving draws stays ready without NATS")
	sys.cfg.Roles = []string{config.RoleGranter}
	assert.False(t, optional(), "a granter alone is not")
}
