// Package rest is the HTTP face of Lottery: the echo server, authentication, the JSON
// contract of API.md and the mapping of domain errors to statuses.
package rest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
)

// Check is one dependency that /readyz asks.
type Check struct {
	Name string
	Ping func(ctx context.Context) error
}

// Options configure the server.
type Options struct {
	Logger    *slog.Logger
	BodyLimit int64
	Checks    []Check
	Registry  *prometheus.Registry
	// TrustedProxies are the load balancers whose X-Forwarded-For is believed; none: the
	// client is the peer address.
	TrustedProxies []netip.Prefix
}

// UploadLimit is the body limit of the upload routes unless http.body_limit is larger:
// 100,000 redeem codes of 64 characters, one per line, with room to spare.
const UploadLimit = 8 << 20

// uploadRoutes take files: redeem codes and profiles.
var uploadRoutes = map[string]bool{
	adminPrefix + "/awards/:id/codes": true,
	adminPrefix + "/users/import":     true,
}

// Server is the configured echo instance.
type Server struct {
	echo *echo.Echo
	opts Options
	http *http.Server
}

// New builds a server with the operational endpoints; parts of the API add their routes
// through Echo().
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Registry == nil {
		opts.Registry = prometheus.NewRegistry()
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = errorHandler(opts.Logger)
	e.IPExtractor = clientIP(opts.TrustedProxies)
	e.Use(middleware.RequestIDWithConfig(middleware.RequestIDConfig{Generator: newRequestID}))
	e.Use(apiHeaders)
	e.Use(newHTTPMetrics(opts.Registry).middleware)
	e.Use(recoverPanics(opts.Logger))
	// Uploads (codes, profiles) may be larger than any other body: their documented
	// maximum (100,000 codes of up to 64 characters) does not fit the default 1 MiB.
	e.Use(middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{
		Limit:   fmt.Sprintf("%dB", opts.BodyLimit),
		Skipper: func(c echo.Context) bool { return uploadRoutes[c.Path()] },
	}))
	e.Use(middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{
		Limit:   fmt.Sprintf("%dB", max(opts.BodyLimit, UploadLimit)),
		Skipper: func(c echo.Context) bool { return !uploadRoutes[c.Path()] },
	}))
	// The http.Server exists from the start, so Shutdown may run while Serve is starting
	// in another goroutine without the two racing on it.
	s := &Server{echo: e, opts: opts, http: &http.Server{
		Handler:           e,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}}
	s.registerOps()
	return s
}

// Echo exposes the router for route registration.
func (s *Server) Echo() *echo.Echo { return s.echo }

// Serve answers on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	err := s.http.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting and waits for in-flight requests until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.http.Shutdown(ctx)
}

// recoverPanics turns a panic into a 500 in the API shape and logs the stack once.
func recoverPanics(log *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) (err error) {
			defer func() {
				if r := recover(); r != nil {
					if r == http.ErrAbortHandler {
						panic(r)
					}
					log.Error("panic", "request_id", requestID(c), "path", c.Path(), "panic", r,
						"stack", string(debug.Stack()))
					err = Errorf(http.StatusInternalServerError, "internal", "internal error")
				}
			}()
			return next(c)
		}
	}
}

// apiHeaders mark the API's answers, which hold users' orders, addresses and codes, as
// not to be stored by any cache (a shared proxy's, a browser's) and not to be sniffed as
// another type, and keep their URLs out of Referer headers.
func apiHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if strings.HasPrefix(c.Request().URL.Path, "/api/") {
			h := c.Response().Header()
			h.Set("Cache-Control", "no-store")
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Referrer-Policy", "no-referrer")
		}
		return next(c)
	}
}

// clientIP is the peer address, or, when it is one of the trusted proxies, the last
// X-Forwarded-For address that is not: a header any client can set must not decide whose
// rate limit a request counts against, unless a proxy the operator named wrote it.
func clientIP(trusted []netip.Prefix) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range trusted {
		opts = append(opts, echo.TrustIPRange(&net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}
