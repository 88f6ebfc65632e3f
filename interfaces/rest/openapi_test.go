package rest_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func loadDocument(t *testing.T, h *harness) *openapi3.T {
	t.Helper()
	r := h.must(http.StatusOK, h.do(http.MethodGet, "/openapi.json", anonymous, nil))
	doc, err := openapi3.NewLoader().LoadFromData(r.raw)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))
	return doc
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	t.Parallel()
	doc := loadDocument(t, newHarness(t))
	assert.Equal(t, "3.0.3", doc.OpenAPI)
	assert.NotNil(t, doc.Components.Schemas["Error"])
	assert.NotNil(t, doc.Components.Schemas["Activity"])

	// A 403's details.scope, which tells a refused token from a refused action, is documented.
	details := doc.Components.Schemas["Error"].Value.Properties["error"].Value.Properties["details"].Value
	require.NotNil(t, details.Properties["scope"])
	assert.Equal(t, []any{"route", "action"}, details.Properties["scope"].Value.Enum)
	assert.Equal(t, []any{"role", "separation_of_duties"}, details.Properties["reason"].Value.Enum)
}

// TestOpenAPICoversEveryRoute holds the document and the router to each other: every
// route is documented, and every documented operation is routed. The draw routes are
// stubbed in one case so their part of the document is checked as well.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		draws bool
	}{{"admin", false}, {"admin and draws", true}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			if tt.draws {
				stubDrawRoutes(h.srv.Echo())
			}
			checkRouteCoverage(t, h)
		})
	}
}

func stubDrawRoutes(e *echo.Echo) {
	stub := func(c echo.Context) error { return c.NoContent(http.StatusNoContent) }
	e.POST("/api/v1/draws", stub)
	e.GET("/api/v1/draws", stub)
	e.GET("/api/v1/draws/:order_id", stub)
	e.GET("/api/v1/activities/:id", stub)
	e.GET("/api/v1/activities/:id/quota", stub)
}

func checkRouteCoverage(t *testing.T, h *harness) {
	t.Helper()
	doc := loadDocument(t, h)

	routed := map[string]bool{}
	for _, r := range h.srv.Echo().Routes() {
		if r.Method == echo.RouteNotFound {
			continue
		}
		key := r.Method + " " + toOpenAPIPath(r.Path)
		routed[key] = true
		item := doc.Paths.Find(toOpenAPIPath(r.Path))
		if assert.NotNil(t, item, "route %s is not documented", key) {
			assert.NotNil(t, item.GetOperation(r.Method), "route %s is not documented", key)
		}
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			// HEAD is answered as GET for every path (the server's headAsGet).
			get := method == http.MethodHead && routed["GET "+path]
			assert.True(t, routed[method+" "+path] || get, "documented %s %s is not routed", method, path)
		}
	}
	assert.True(t, routed["GET /api/v1/admin/activities/{id}/stats"])
	assert.True(t, routed["GET /healthz"])
}

func toOpenAPIPath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if name, ok := strings.CutPrefix(s, ":"); ok {
			segs[i] = "{" + name + "}"
		}
	}
	return strings.Join(segs, "/")
}

func TestDocsPage(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.must(http.StatusOK, h.do(http.MethodGet, "/docs", anonymous, nil))
	assert.Contains(t, string(r.raw), "swagger-ui")
	assert.Contains(t, string(r.raw), "/openapi.json")
	// Every file from the CDN is pinned to a version and to its hash.
	page := string(r.raw)
	cdn := regexp.MustCompile(`(?:src|href)="https://[^"]+"`).FindAllString(page, -1)
	require.Len(t, cdn, 2)
	for _, ref := range cdn {
		assert.Contains(t, ref, "swagger-ui-dist@5.35.0/", "pinned version")
	}
	assert.Equal(t, 2, strings.Count(page, `integrity="sha384-`), "each with its hash")

	// Its policy lets its one inline script run, by hash, and nobody frame it.
	inline := regexp.MustCompile(`(?s)<script>(.*?)</script>`).FindStringSubmatch(page)
	require.Len(t, inline, 2)
	sum := sha256.Sum256([]byte(inline[1]))
	policy := r.header.Get("Content-Security-Policy")
	assert.Contains(t, policy, "script-src https://cdn.jsdelivr.net 'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
	assert.Contains(t, policy, "default-src 'none'")
	assert.Contains(t, policy, "frame-ancestors 'none'")
	assert.Equal(t, "DENY", r.header.Get("X-Frame-Options"))
}

// A client of POST /draws finds in the document which codes each status carries, and the
// headers it acts on.
func TestOpenAPIExplainsTheDrawAnswers(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	stubDrawRoutes(h.srv.Echo())
	doc := loadDocument(t, h)
	draw := doc.Paths.Find("/api/v1/draws").Post
	require.NotNil(t, draw)
	for status, codes := range map[int][]string{
		404: {"not_found", "no_matching_activity"},
		409: {"activity_not_running", "activity_sold_out", "user_quota_exhausted"},
		403: {"blacklisted"}, 429: {"rate_limited"}, 503: {"try_again"}, 400: {"invalid_idempotency_key"},
	} {
		r := draw.Responses.Status(status)
		require.NotNil(t, r, "%d", status)
		for _, code := range codes {
			assert.Contains(t, *r.Value.Description, code, "%d", status)
		}
	}
	assert.Contains(t, draw.Responses.Status(429).Value.Headers, "Retry-After")
	assert.Contains(t, draw.Responses.Status(503).Value.Headers, "Retry-After")
	assert.Contains(t, draw.Responses.Status(200).Value.Headers, "Idempotent-Replayed")
}
