package rest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

func (s *Server) registerOps() {
	healthz := func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	}
	// HEAD is answered as GET (headAsGet): load balancers and uptime probes often use it.
	s.echo.GET("/healthz", healthz)
	s.echo.GET("/readyz", s.readyz)
	s.echo.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(s.opts.Registry, promhttp.HandlerOpts{})))
}

// readyTimeout bounds a readiness answer: probes commonly give up after a second.
const readyTimeout = 800 * time.Millisecond

// readyz pings every dependency in parallel and names each that failed: 503 when one the
// process cannot serve without failed, else 200, "degraded" when an optional one failed.
func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), readyTimeout)
	defer cancel()
	results := make(map[string]string, len(s.opts.Checks))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, chk := range s.opts.Checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status := "ok"
			if err := chk.Ping(ctx); err != nil {
				status = err.Error()
			}
			mu.Lock()
			results[chk.Name] = status
			mu.Unlock()
		}()
	}
	wg.Wait()
	var failed []string
	required := false
	for _, chk := range s.opts.Checks {
		if results[chk.Name] != "ok" {
			failed = append(failed, chk.Name)
			required = required || !chk.Optional
		}
	}
	if required {
		return Errorf(http.StatusServiceUnavailable, "not_ready", "not ready: %v unreachable", failed).
			WithDetails(map[string]any{"checks": results, "failed": failed})
	}
	if len(failed) > 0 {
		return c.JSON(http.StatusOK, map[string]any{"status": "degraded", "checks": results, "failed": failed})
	}
	return c.JSON(http.StatusOK, map[string]any{"status": "ready", "checks": results})
}

// requestIDs are a random prefix per process and a counter: 24 hex digits like random
// ids, unique across processes in practice, and without a system call per request.
var requestIDs = struct {
	prefix string
	next   atomic.Uint64
}{prefix: randomHex(6)}

// keepRequestID drops a client's X-Request-Id unless it is a plausible id (a load
// balancer's, say: up to 64 letters, digits and "._:-"), so that what reaches the logs and
// the answer is never a client's long or odd text; a new id is made in its place.
func keepRequestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header
		if id := h.Get(echo.HeaderXRequestID); id != "" && !plausibleID(id) {
			h.Del(echo.HeaderXRequestID)
		}
		return next(c)
	}
}

// wellFormedQuery refuses a query string Go cannot read whole (a ";" separator, a bad
// %-escape): the parameters it drops would be ignored without a word (?limit=2;x=1 read
// as no limit at all).
func wellFormedQuery(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if raw := c.Request().URL.RawQuery; raw != "" {
			if _, err := url.ParseQuery(raw); err != nil {
				return malformed("the query string cannot be read: %v", err)
			}
		}
		return next(c)
	}
}

func plausibleID(id string) bool {
	if len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch b := id[i]; {
		case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9', b == '.', b == '_', b == ':', b == '-':
		default:
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [24]byte
	copy(b[:12], requestIDs.prefix)
	n := requestIDs.next.Add(1)
	const digits = "0123456789abcdef"
	for i := 23; i >= 12; i-- {
		b[i] = digits[n&0xf]
		n >>= 4
	}
	return string(b[:])
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
