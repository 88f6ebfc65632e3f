package rest

import (
	"mime"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lottery-go/lottery/application/admin"
	"github.com/lottery-go/lottery/domain/check"
	"github.com/lottery-go/lottery/domain/user"
	"github.com/lottery-go/lottery/infrastructure/token"
)

// RegisterProfiles adds the user profile routes under /api/v1/admin for marketers and
// admins: the trusted facts rule trees read besides the token's.
func RegisterProfiles(s *Server, verifier Verifier, app *admin.Service) {
	h := &adminAPI{app: app}
	mw := []echo.MiddlewareFunc{authenticate(verifier), requireRole(token.RoleMarketer, token.RoleAdmin), withProblems}
	g := s.echo.Group(adminPrefix)
	g.PUT("/users/:user_id/profile", h.putProfile, mw...)
	g.GET("/users/:user_id/profile", h.getProfile, mw...)
	g.POST("/users/import", h.importProfiles, mw...)
}

type profileRequest struct {
	Attributes *map[string]any `json:"attributes"` // required: {} clears, absent or null is refused
}

type profileResponse struct {
	UserID     string         `json:"user_id"`
	Attributes map[string]any `json:"attributes"`
	UpdatedAt  time.Time      `json:"updated_at"`
}

type importResponse struct {
	Imported int `json:"imported"`
}

func profileJSON(p user.Profile) profileResponse {
	attrs := p.Attributes
	if attrs == nil {
		attrs = map[string]any{}
	}
	return profileResponse{UserID: p.UserID, Attributes: attrs, UpdatedAt: p.UpdatedAt.UTC()}
}

// putProfile replaces the user's attributes as a whole.
func (h *adminAPI) putProfile(c echo.Context) error {
	id, err := userParam(c)
	if err != nil {
		return err
	}
	var req profileRequest
	if err := decodeExact(c, &req); err != nil {
		return err
	}
	if req.Attributes == nil {
		var l check.List
		l.Add("attributes", check.CodeRequired, `attributes is required: an object of facts, or {} to clear them`)
		return l.Err()
	}
	user.ExactNumbers(*req.Attributes)
	p, err := h.app.PutProfile(c.Request().Context(), id, *req.Attributes)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, profileJSON(p))
}

func (h *adminAPI) getProfile(c echo.Context) error {
	id, err := userParam(c)
	if err != nil {
		return err
	}
	p, err := h.app.Profile(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, profileJSON(p))
}

// importProfiles takes a CSV file; the format is described in the OpenAPI document.
func (h *adminAPI) importProfiles(c echo.Context) error {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	if media, _, _ := mime.ParseMediaType(ct); media != "text/csv" && media != echo.MIMETextPlain {
		return Errorf(http.StatusUnsupportedMediaType, "unsupported_media_type", "send profiles as text/csv, not %s", ct)
	}
	n, err := h.app.ImportProfiles(c.Request().Context(), c.Request().Body)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, importResponse{Imported: n})
}
