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
	// Optional: the process serves without it (degraded), so its failure is named but
	// does not take the process out of a load balancer.
	Optional bool
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

// How long a client may take, so that one holding connections open with a body it never
// finishes (or an answer it never reads) is cut off: the whole request, headers and body,
// within RequestReadTimeout of its start; the answer written within ResponseWriteTimeout of
// the headers' end. Uploads get UploadTimeout for both, an export ResponseWriteTimeout per
// chunk of rows. Headers may take MaxHeaderBytes.
const (
	RequestReadTimeout   = 30 * time.Second
	ResponseWriteTimeout = time.Minute
	UploadTimeout        = 10 * time.Minute
	MaxHeaderBytes       = 64 << 10
)

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
	e.Use(keepRequestID)
	e.Use(middleware.RequestIDWithConfig(middleware.RequestIDConfig{Generator: newRequestID}))
	e.Use(apiHeaders)
	e.Use(newHTTPMetrics(opts.Registry).middleware)
	e.Use(recoverPanics(opts.Logger))
	e.Use(wellFormedQuery)
	// Uploads (codes, profiles) may be larger than any other body: their documented
	// maximum (100,000 codes of up to 64 characters) does not fit the default 1 MiB.
	e.Use(uploadDeadlines)
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
		Handler:           headAsGet(e),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       RequestReadTimeout,
		WriteTimeout:      ResponseWriteTimeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    MaxHeaderBytes,
	}}
	s.registerOps()
	return s
}

// uploadDeadlines gives an upload's request, whose body may be 8 MiB and whose rows are
// all written before the answer, UploadTimeout to be read and answered.
func uploadDeadlines(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if uploadRoutes[c.Path()] {
			rc := http.NewResponseController(c.Response())
			until := time.Now().Add(UploadTimeout)
			_ = rc.SetReadDeadline(until) // a writer without deadlines (a test's recorder) keeps none
			_ = rc.SetWriteDeadline(until)
		}
		return next(c)
	}
}

// headAsGet answers HEAD as the GET of the same path, which the router alone would answer
// 405. The handler sees a GET; net/http, which still sees the HEAD, sends the headers
// alone.
func headAsGet(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			r = r.WithContext(r.Context())
			r.Method = http.MethodGet
		}
		h.ServeHTTP(w, r)
	})
}

// Handler is what the server answers with: the router behind the HEAD rewrite.
func (s *Server) Handler() http.Handler { return s.http.Handler }

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
