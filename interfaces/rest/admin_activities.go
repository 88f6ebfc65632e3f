package rest

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/lottery-go/lottery/domain/activity"
)

func (h *adminAPI) createActivity(c echo.Context) error {
	var req activityRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	id, err := h.app.CreateActivity(c.Request().Context(), actorOf(c), req.input())
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, adminPrefix+"/activities/"+idString(id))
	return h.showActivity(c, http.StatusCreated, id)
}

// showActivity answers with the activity as stored, review trail included.
func (h *adminAPI) showActivity(c echo.Context, status int, id int64) error {
	a, trail, err := h.app.GetActivity(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(status, activityWithTrail(a, trail))
}

func (h *adminAPI) getActivity(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return h.showActivity(c, http.StatusOK, id)
}

func (h *adminAPI) listActivities(c echo.Context) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	state := activity.State(c.QueryParam("state"))
	if state != "" && !state.Valid() {
		return malformed("state must be one of %v", activity.States)
	}
	items, more, err := h.app.ListActivities(c.Request().Context(), state, p)
	if err != nil {
		return err
	}
	out := make([]activityResponse, len(items))
	var last int64
	for i, a := range items {
		out[i], last = activityJSON(a), a.ID()
	}
	return c.JSON(http.StatusOK, pageOf(out, more, last))
}

func (h *adminAPI) updateActivity(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req activityRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := h.app.UpdateActivity(c.Request().Context(), actorOf(c), id, req.input()); err != nil {
		return err
	}
	return h.showActivity(c, http.StatusOK, id)
}

func (h *adminAPI) transition(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req transitionRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var rd reader
	seen := rd.version(req.Version)
	if err := rd.refused.Err(); err != nil {
		return problemsError(err)
	}
	err = h.app.TransitionSeen(c.Request().Context(), id, actorOf(c), activity.Action(req.Action), req.Reason, seen)
	if err != nil {
		return err
	}
	return h.showActivity(c, http.StatusOK, id)
}

func (h *adminAPI) stats(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	st, err := h.app.Stats(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, statsJSON(st))
}

func (h *adminAPI) simulate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req simulateRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	sim, err := h.app.Simulate(c.Request().Context(), id, req.Draws)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, simulationJSON(sim))
}
