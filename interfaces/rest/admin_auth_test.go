package rest_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAdminRoutesNeedAMarketerOrAdmin walks every admin route: no token is 401, a user
// token 403 with details.scope "route", both in the error shape of API.md.
func TestAdminRoutesNeedAMarketerOrAdmin(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var checked int
	for _, r := range h.srv.Echo().Routes() {
		if !strings.HasPrefix(r.Path, "/api/v1/admin/") {
			continue
		}
		checked++
		path := strings.NewReplacer(":id", "1", ":user_id", "u1").Replace(r.Path)
		t.Run(r.Method+" "+r.Path, func(t *testing.T) {
			t.Parallel()
			none := h.do(r.Method, path, anonymous, nil)
			assert.Equal(t, http.StatusUnauthorized, none.status)
			assert.Equal(t, "unauthorized", none.errorCode())
			assert.NotEmpty(t, none.header.Get("WWW-Authenticate"))

			// The role check refuses the whole route, which a client tells from a refused
			// action by details.scope.
			user := h.do(r.Method, path, dave, nil)
			assert.Equal(t, http.StatusForbidden, user.status)
			assert.Equal(t, "forbidden", user.errorCode())
			assert.Equal(t, map[string]any{"scope": "route", "roles": []any{"marketer", "admin"}}, user.errorDetails())
		})
	}
	assert.Equal(t, 25, checked, "every admin route: awards, activities, blacklist, rule trees, profiles")
}

func TestForgedTokenIsRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	req, _ := http.NewRequest(http.MethodGet, "/api/v1/admin/awards", nil)
	req.Header.Set("Authorization", "Bearer not.a.token")
	r := h.send(req)
	assert.Equal(t, http.StatusUnauthorized, r.status)
	assert.Equal(t, "unauthorized", r.errorCode())
}

// The scheme's name is case-insensitive (RFC 7235): "bearer" works as "Bearer" does.
func TestBearerSchemeIgnoresCase(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tok, err := h.keys.Mint(alice.sub, alice.roles, nil, time.Hour)
	require.NoError(t, err)
	for _, scheme := range []string{"Bearer", "bearer", "BEARER"} {
		req, _ := http.NewRequest(http.MethodGet, "/api/v1/admin/awards", nil)
		req.Header.Set("Authorization", scheme+" "+tok)
		assert.Equal(t, http.StatusOK, h.send(req).status, scheme)
	}
	for _, h2 := range []string{"Basic " + tok, "Bearer", "Bearer  ", "Bearertoken"} {
		req, _ := http.NewRequest(http.MethodGet, "/api/v1/admin/awards", nil)
		req.Header.Set("Authorization", h2)
		assert.Equal(t, http.StatusUnauthorized, h.send(req).status, h2)
	}
}

func (r reply) errorDetails() map[string]any {
	e, _ := r.body["error"].(map[string]any)
	d, _ := e["details"].(map[string]any)
	return d
}
