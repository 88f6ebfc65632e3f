package rest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

func (s *Server) registerOps() {
	s.echo.GET("/healthz", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	})
	s.echo.GET("/readyz", s.readyz)
	s.echo.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(s.opts.Registry, promhttp.HandlerOpts{})))
}

// readyz pings every dependency in parallel and names each that failed.
func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 3*time.Second)
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
	for name, st := range results {
		if st != "ok" {
			failed = append(failed, name)
		}
	}
	if len(failed) > 0 {
		return Errorf(http.StatusServiceUnavailable, "not_ready", "not ready: %v unreachable", failed).
			WithDetails(map[string]any{"checks": results, "failed": failed})
	}
	return c.JSON(http.StatusOK, map[string]any{"status": "ready", "checks": results})
}

func newRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
