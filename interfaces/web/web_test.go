package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

func TestRegisterServesEmbeddedConsole(t *testing.T) {
	t.Parallel()
	e := echo.New()
	Register(e)
	cases := []struct {
		path, want string
		status     int
	}{
		{"/console", "", http.StatusMovedPermanently},
		{"/console/", "<title>Lottery console</title>", http.StatusOK},
		{"/console/app.js", "import", http.StatusOK},
		{"/console/activityform.js", "export function activityForm", http.StatusOK},
		{"/console/trees.js", "export function treesView", http.StatusOK},
		{"/console/treedoc.js", "export function setMode", http.StatusOK},
		{"/console/treeform.js", "export function treeForm", http.StatusOK},
		{"/console/treedraw.js", "export function drawTree", http.StatusOK},
		{"/console/treepanels.js", "export function tryPanel", http.StatusOK},
		{"/console/style.css", "body", http.StatusOK},
	}
	for _, c := range cases {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, c.path, nil))
		if rec.Code != c.status {
			t.Errorf("%s: status %d, want %d", c.path, rec.Code, c.status)
		}
		if !strings.Contains(rec.Body.String(), c.want) {
			t.Errorf("%s: body lacks %q", c.path, c.want)
		}
	}
}

// HEAD answers as GET does, without the body: uptime checks ask the console with it.
func TestConsoleAnswersHead(t *testing.T) {
	t.Parallel()
	e := echo.New()
	Register(e)
	for path, status := range map[string]int{"/console": http.StatusMovedPermanently, "/console/": http.StatusOK, "/console/app.js": http.StatusOK} {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodHead, path, nil))
		if rec.Code != status {
			t.Errorf("HEAD %s: status %d, want %d", path, rec.Code, status)
		}
		if rec.Body.Len() != 0 {
			t.Errorf("HEAD %s: a body of %d bytes", path, rec.Body.Len())
		}
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodHead, "/console/", nil))
	if rec.Header().Get("Content-Security-Policy") == "" {
		t.Error("HEAD /console/: no Content-Security-Policy")
	}
}

// The console's pages run only their own scripts and styles, and may not be framed.
func TestConsoleIsServedWithItsPolicy(t *testing.T) {
	t.Parallel()
	e := echo.New()
	Register(e)
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/console/", nil))
	csp := rec.Header().Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("Content-Security-Policy %q allows inline code", csp)
	}
	if got := rec.Header().Get("X-Frame-Options"); got != "DENY" {
		t.Errorf("X-Frame-Options %q", got)
	}
}

// Someone who opens the server's address is led to the console.
func TestRootLeadsToTheConsole(t *testing.T) {
	t.Parallel()
	e := echo.New()
	Register(e)
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusFound || rec.Header().Get("Location") != "/console/" {
		t.Errorf("GET /: %d to %q, want 302 to /console/", rec.Code, rec.Header().Get("Location"))
	}
}
