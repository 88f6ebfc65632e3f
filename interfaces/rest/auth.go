package rest

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/lottery-go/lottery/infrastructure/token"
)

const claimsKey = "lottery.claims"

// Verifier checks bearer tokens.
type Verifier interface {
	Verify(raw string) (token.Claims, error)
}

// authenticate requires a valid bearer token and stores its claims for the handlers.
func authenticate(v Verifier) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			raw, ok := bearerToken(c.Request().Header.Get(echo.HeaderAuthorization))
			if !ok {
				return Errorf(http.StatusUnauthorized, "unauthorized", "missing bearer token").
					withHeader("WWW-Authenticate", `Bearer realm="lottery"`)
			}
			claims, err := v.Verify(raw)
			if err != nil {
				return Errorf(http.StatusUnauthorized, "unauthorized", "%s", err.Error()).
					withHeader("WWW-Authenticate", `Bearer realm="lottery", error="invalid_token"`)
			}
			c.Set(claimsKey, claims)
			return next(c)
		}
	}
}

// bearerToken returns the token of an Authorization header "Bearer <token>"; the scheme's name
// is case-insensitive (RFC 7235).
func bearerToken(h string) (string, bool) {
	const scheme = "bearer "
	if len(h) <= len(scheme) || !strings.EqualFold(h[:len(scheme)], scheme) {
		return "", false
	}
	raw := strings.TrimSpace(h[len(scheme):])
	return raw, raw != ""
}

// The scopes of a 403 forbidden, in details.scope, so a client can tell a token that is
// refused the whole route (sign in with another) from one refused a single action on one
// object, such as approving an activity its holder created (show it at the action).
const (
	forbiddenRoute  = "route"
	forbiddenAction = "action"
)

// requireRole lets a request through when its token has any of roles. Otherwise it answers
// 403 forbidden with details {"scope":"route","roles":[…]}: no request to this route can
// succeed with this token.
func requireRole(roles ...string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			cl := claimsOf(c)
			for _, r := range roles {
				if cl.Has(r) {
					return next(c)
				}
			}
			return Errorf(http.StatusForbidden, "forbidden", "this needs one of the roles %s", strings.Join(roles, ", ")).
				WithDetails(map[string]any{"scope": forbiddenRoute, "roles": append([]string(nil), roles...)})
		}
	}
}

func claimsOf(c echo.Context) token.Claims {
	cl, _ := c.Get(claimsKey).(token.Claims)
	return cl
}

func (e *APIError) withHeader(k, v string) *APIError {
	if e.Header == nil {
		e.Header = http.Header{}
	}
	e.Header.Set(k, v)
	return e
}
