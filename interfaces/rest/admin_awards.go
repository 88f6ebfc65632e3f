package rest

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

func (h *adminAPI) createAward(c echo.Context) error {
	var req awardRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	a, err := h.app.CreateAward(c.Request().Context(), req.input())
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, adminPrefix+"/awards/"+idString(a.ID()))
	return c.JSON(http.StatusCreated, awardJSON(a))
}

func (h *adminAPI) listAwards(c echo.Context) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	items, more, err := h.app.ListAwards(c.Request().Context(), p)
	if err != nil {
		return err
	}
	out := make([]awardResponse, len(items))
	var last int64
	for i, a := range items {
		out[i], last = awardJSON(a), a.ID()
	}
	return c.JSON(http.StatusOK, pageOf(out, more, last))
}

func (h *adminAPI) getAward(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	a, err := h.app.GetAward(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, awardJSON(a))
}

func (h *adminAPI) updateAward(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req awardRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	a, err := h.app.UpdateAward(c.Request().Context(), actorOf(c), id, req.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, awardJSON(a))
}
