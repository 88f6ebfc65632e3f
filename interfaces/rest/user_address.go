package rest

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/lottery-go/lottery/application/granting"
	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/infrastructure/token"
)

// grantHandlers serve what winners do after a draw.
type grantHandlers struct {
	svc *granting.Service
}

// The winner routes' errors, mapped at package initialisation like every other: the table
// is read by every server, so it must be complete before any serves (mapping it when the
// routes were registered raced with servers already answering).
func init() {
	mapError(draw.ErrAddressNotExpected, http.StatusConflict, "address_not_expected")
}

// RegisterUserGrants adds the winner routes of API.md: the shipping address of a physical
// prize and the caller's points. Both need a bearer token with the user role.
func RegisterUserGrants(s *Server, v Verifier, svc *granting.Service) {
	h := &grantHandlers{svc: svc}
	// Middleware per route, not on a group: see RegisterAdmin.
	mw := []echo.MiddlewareFunc{authenticate(v), requireRole(token.RoleUser)}
	s.echo.POST("/api/v1/draws/:order_id/address", h.address, append(mw, withProblems)...)
	s.echo.GET("/api/v1/me/points", h.points, mw...)
}

type addressBody struct {
	Address string `json:"address"`
}

// address answers with the order as GET /draws/{order_id} shows it, now granted.
func (h *grantHandlers) address(c echo.Context) error {
	id, err := parseID(c.Param("order_id"))
	if err != nil {
		return draw.ErrOrderNotFound
	}
	var body addressBody
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	o, err := h.svc.SubmitAddress(c.Request().Context(), claimsOf(c).Subject, id, body.Address)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, orderJSON(o, nil))
}
