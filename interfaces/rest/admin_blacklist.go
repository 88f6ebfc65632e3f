package rest

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/lottery-go/lottery/domain/user"
)

// blacklist lists a user; the body {"reason":"…"} may be left out, which keeps the reason
// of a user already listed.
func (h *adminAPI) blacklist(c echo.Context) error {
	id, err := userParam(c)
	if err != nil {
		return err
	}
	var req blacklistRequest
	if err := decodeOptionalJSON(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	var e user.Entry
	if req.Reason == nil {
		e, err = h.app.EnsureBlacklisted(ctx, id)
	} else {
		e, err = h.app.Blacklist(ctx, id, *req.Reason)
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, blacklistJSON(e))
}

func (h *adminAPI) blacklistEntry(c echo.Context) error {
	id, err := userParam(c)
	if err != nil {
		return err
	}
	e, err := h.app.BlacklistEntry(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, blacklistJSON(e))
}

// unblacklist answers 204 whether or not the user was listed, so a retry looks the same.
func (h *adminAPI) unblacklist(c echo.Context) error {
	id, err := userParam(c)
	if err != nil {
		return err
	}
	if err := h.app.Unblacklist(c.Request().Context(), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
