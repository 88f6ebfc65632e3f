package rest

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lottery-go/lottery/application/drawing"
	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/infrastructure/token"
)

// The draw errors, mapped at package initialisation like the admin ones (see admin.go).
func init() {
	mapErrorAs(draw.ErrSoldOut, http.StatusConflict, "activity_sold_out", "this activity has no draws left")
	// drawError says which limit, in its message and details.
	mapErrorAs(draw.ErrQuotaExhausted, http.StatusConflict, "user_quota_exhausted", "you have no draws left in this activity")
	mapErrorAs(draw.ErrBlacklisted, http.StatusForbidden, "blacklisted", "you may not draw in this activity")
	mapError(draw.ErrOrderNotFound, http.StatusNotFound, "not_found")
	// Why no activity matched is the tree's business (its nodes, facts and leaves), not
	// the user's: POST /admin/rule-trees/{id}/evaluate shows marketers the path.
	// Before ErrNoMatchingActivity, which it wraps: the user named this tree.
	mapErrorAs(drawing.ErrUnknownTree, http.StatusNotFound, "not_found", "rule tree not found")
	mapErrorAs(drawing.ErrNoMatchingActivity, http.StatusNotFound, "no_matching_activity",
		"no activity is open to you at the moment")
	mapError(activity.ErrNotRunning, http.StatusConflict, "activity_not_running")
	// Like every 503 of the table, it carries Retry-After.
	mapErrorAs(draw.ErrUnavailable, http.StatusServiceUnavailable, "try_again",
		"the draw could not be completed; please retry with the same Idempotency-Key, which answers with its order should it have been made")
}

type drawHandlers struct {
	svc *drawing.Service
}

// RegisterDraws adds the user routes of API.md: draw, list and read own orders, the public
// view of an activity and the caller's chances left.
func RegisterDraws(s *Server, v Verifier, svc *drawing.Service) {
	h := &drawHandlers{svc: svc}
	// Middleware per route, not on a group: see RegisterAdmin.
	auth := authenticate(v)
	g := s.echo.Group("/api/v1")
	g.POST("/draws", h.draw, auth, requireRole(token.RoleUser))
	g.GET("/draws", h.list, auth, requireRole(token.RoleUser))
	g.GET("/draws/:order_id", h.get, auth, requireRole(token.RoleUser))
	g.GET("/activities/:id", h.activity, auth)
	g.GET("/activities/:id/quota", h.quota, auth, requireRole(token.RoleUser))
}

func (h *drawHandlers) draw(c echo.Context) error {
	req, err := parseDrawRequest(c)
	if err != nil {
		return err
	}
	res, err := h.svc.Draw(c.Request().Context(), req)
	if err != nil {
		return drawError(err)
	}
	if res.Replayed {
		c.Response().Header().Set("Idempotent-Replayed", "true")
	}
	return writeOrder(c, orderJSON(res.Order, &res))
}

// drawError adds what the error table cannot: the wait a rate-limited caller must observe.
func drawError(err error) error {
	var rl *draw.RateLimitError
	if errors.As(err, &rl) {
		// Rounded up: a client that waits what it is told is never early.
		secs := max(1, int((rl.RetryAfter+time.Second-1)/time.Second))
		return Errorf(http.StatusTooManyRequests, "rate_limited", "too many draws; retry after %d s", secs).
			withHeader("Retry-After", strconv.Itoa(secs)).WithDetails(map[string]any{"retry_after_ms": rl.RetryAfter.Milliseconds()})
	}
	switch {
	case errors.Is(err, draw.ErrDailyQuotaExhausted):
		return Errorf(http.StatusConflict, "user_quota_exhausted",
			"you have used today's draws in this activity; its next day gives more").WithDetails(map[string]any{"limit": "daily"})
	case errors.Is(err, draw.ErrQuotaExhausted):
		return Errorf(http.StatusConflict, "user_quota_exhausted",
			"you have used all your draws in this activity").WithDetails(map[string]any{"limit": "total"})
	}
	return err
}

func (h *drawHandlers) list(c echo.Context) error {
	activityID, err := activityParam(c)
	if err != nil {
		return err
	}
	q := draw.OrderQuery{UserID: claimsOf(c).Subject, ActivityID: activityID}
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	// Newest first: the cursor is the last id seen and the next page lies below it. One
	// extra row tells whether there is a next page.
	q.BeforeID, q.Limit = p.After, p.Limit+1
	orders, err := h.svc.Orders(c.Request().Context(), q)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, newestFirst(orders, p.Limit, orderID, func(o draw.Order) orderResponse { return orderJSON(o, nil) }))
}

func (h *drawHandlers) get(c echo.Context) error {
	id, err := parseID(c.Param("order_id"))
	if err != nil {
		return draw.ErrOrderNotFound
	}
	o, err := h.svc.Order(c.Request().Context(), claimsOf(c).Subject, id)
	if err != nil {
		return err
	}
	// Without quota: clients poll this for grant_state, and reading the chances left could
	// mean waiting for an activity's counters to be loaded back into Redis (seconds), or
	// loading those of a long-closed one. GET /activities/{id}/quota answers that.
	return c.JSON(http.StatusOK, orderJSON(o, nil))
}

func (h *drawHandlers) activity(c echo.Context) error {
	id, err := parseID(c.Param("id"))
	if err != nil {
		return activity.ErrNotFound
	}
	a, err := h.svc.Activity(c.Request().Context(), id)
	if err != nil {
		return err
	}
	if !a.State().Public() {
		return activity.ErrNotFound
	}
	return c.JSON(http.StatusOK, publicActivityJSON(a))
}

func (h *drawHandlers) quota(c echo.Context) error {
	id, err := parseID(c.Param("id"))
	if err != nil {
		return activity.ErrNotFound
	}
	ctx := c.Request().Context()
	a, err := h.svc.Activity(ctx, id)
	if err != nil {
		return err
	}
	if !a.State().Public() { // hidden as GET /activities/{id} hides it
		return activity.ErrNotFound
	}
	chances, err := h.svc.Quota(ctx, claimsOf(c).Subject, id)
	if err != nil {
		return drawError(err)
	}
	out := quotaJSON(chances.LeftTotal, chances.LeftToday)
	out.SoldOut = chances.SoldOut
	out.Blacklisted = chances.Blacklisted
	return c.JSON(http.StatusOK, out)
}
