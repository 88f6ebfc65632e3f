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
			h := c.Request().Header.Get(echo.HeaderAuthorization)
			raw, ok := strings.CutPrefix(h, "Bearer ")
			if !ok || raw == "" {
				return Errorf(http.StatusUnauthorized, "unauthorized", "missing bearer token").
					withHeader("WWW-Authenticate", `Bearer realm="lottery"`)
			}
			claims, err := v.Verify(strings.TrimSpace(raw))
			if err != nil {
				return Errorf(http.StatusUnauthorized, "unauthorized", "%s", err.Error()).
					withHeader("WWW-Authenticate", `Bearer realm="lottery", error="invalid_token"`)
			}
			c.Set(claimsKey, claims)
			return next(c)
		}
	}
}

// requireRole lets a request through when its token has any of roles.
func requireRole(roles ...string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			cl := claimsOf(c)
			for _, r := range roles {
				if cl.Has(r) {
					return next(c)
				}
			}
			return Errorf(http.StatusForbidden, "forbidden", "this needs one of the roles %s", strings.Join(roles, ", "))
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
