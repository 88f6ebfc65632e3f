package rest

import (
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lottery-go/lottery/application/support"
	"github.com/lottery-go/lottery/domain/award"
	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/domain/user"
	"github.com/lottery-go/lottery/infrastructure/token"
)

func init() {
	mapErrorAs(draw.ErrSearchTooSlow, http.StatusUnprocessableEntity, "search_too_slow",
		"the search read orders for its whole time limit without finishing: outcome, grant state, award kind "+
			"and drawn_before are checked order by order, so name the user, or give drawn_after to start from a recent time")
}

// orderDesk serves the support routes under /api/v1/admin/orders.
type orderDesk struct {
	svc *support.Service
	log *slog.Logger
}

// RegisterSupport adds the routes that find orders and send failed grants again: reading
// needs the marketer or admin role (marketers see redeem codes masked), sending a grant
// again the admin role.
func RegisterSupport(s *Server, v Verifier, svc *support.Service) {
	h := &orderDesk{svc: svc, log: s.opts.Logger}
	auth := authenticate(v)
	g := s.echo.Group(adminPrefix)
	g.GET("/orders", h.search, auth, requireRole(token.RoleMarketer, token.RoleAdmin))
	g.GET("/orders/export", h.export, auth, requireRole(token.RoleMarketer, token.RoleAdmin))
	g.GET("/orders/:order_id", h.get, auth, requireRole(token.RoleMarketer, token.RoleAdmin))
	g.POST("/orders/:order_id/retry-grant", h.retry, auth, requireRole(token.RoleAdmin))
	g.POST("/orders/retry-grants", h.retryMany, auth, requireRole(token.RoleAdmin))
}

// adminOrder is an order as the people who run activities see it: whose it is, and the
// grant's whole story, including the reason a failed grant gives operators.
type adminOrder struct {
	OrderID        string      `json:"order_id"`
	ActivityID     string      `json:"activity_id"`
	UserID         string      `json:"user_id"`
	Outcome        string      `json:"outcome"`
	PrizeID        string      `json:"prize_id,omitempty"`
	Award          *awardBrief `json:"award,omitempty"`
	GrantState     string      `json:"grant_state"`
	GrantError     string      `json:"grant_error,omitempty"`
	EventState     string      `json:"event_state"`
	IdempotencyKey string      `json:"idempotency_key,omitempty"`
	Day            string      `json:"day"`
	CreatedAt      time.Time   `json:"created_at"`
}

func adminOrderJSON(o draw.Order) adminOrder {
	out := adminOrder{
		OrderID: itoa(o.ID), ActivityID: itoa(o.ActivityID), UserID: o.UserID, Outcome: string(o.Outcome),
		GrantState: string(o.GrantState), GrantError: o.GrantError, EventState: string(o.MQState),
		IdempotencyKey: o.IdempotencyKey, Day: o.Day, CreatedAt: o.CreatedAt.UTC(),
	}
	if o.Won() {
		out.PrizeID = itoa(o.PrizeID)
		out.Award = &awardBrief{ID: itoa(o.AwardID), Name: o.AwardName, Kind: o.AwardKind}
		if len(o.Delivered) > 0 {
			out.Award.Content = deliveredJSON(o.Delivered)
		}
	}
	return out
}

func (h *orderDesk) search(c echo.Context) error {
	q, err := orderSearchParams(c)
	if err != nil {
		return err
	}
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	// Newest first, as GET /draws: one extra row tells whether a next page follows.
	q.BeforeID, q.Limit = p.After, p.Limit+1
	orders, err := h.svc.Orders(c.Request().Context(), q)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, newestFirst(forReader(c, orders), p.Limit, orderID, adminOrderJSON))
}

// forReader masks the secrets the orders delivered (redeem codes) unless the caller is an
// admin: marketers see the last four characters, enough to match a code a user quotes.
func forReader(c echo.Context, orders []draw.Order) []draw.Order {
	if claimsOf(c).Has(token.RoleAdmin) {
		return orders
	}
	for i := range orders {
		orders[i] = orders[i].WithSecretsMasked()
	}
	return orders
}

// orderSearchParams reads the filters of GET /admin/orders. Like every query parameter
// of the API, a value that cannot be one is a malformed request.
func orderSearchParams(c echo.Context) (q draw.OrderSearch, err error) {
	if q.ActivityID, err = activityParam(c); err != nil {
		return q, err
	}
	if v := c.QueryParam("user_id"); v != "" {
		if err := user.ValidUserID(v); err != nil {
			return q, malformed("user_id: %v", err)
		}
		q.UserID = v
	}
	if q.Outcome, err = enumParam(c, "outcome", draw.Outcomes); err != nil {
		return q, err
	}
	if q.GrantState, err = enumParam(c, "grant_state", draw.GrantStates); err != nil {
		return q, err
	}
	kind, err := enumParam(c, "award_kind", award.Kinds)
	if err != nil {
		return q, err
	}
	q.AwardKind = string(kind)
	if q.DrawnAfter, err = timeParam(c, "drawn_after"); err != nil {
		return q, err
	}
	q.DrawnBefore, err = timeParam(c, "drawn_before")
	return q, err
}

// activityParam reads ?activity_id=; absent is 0.
func activityParam(c echo.Context) (int64, error) {
	v := c.QueryParam("activity_id")
	if v == "" {
		return 0, nil
	}
	id, err := parseID(v)
	if err != nil {
		return 0, malformed("activity_id must be an id")
	}
	return id, nil
}

// enumParam reads a query parameter that must be one of allowed; absent is "".
func enumParam[T ~string](c echo.Context, name string, allowed []T) (T, error) {
	v := T(c.QueryParam(name))
	if v != "" && !slices.Contains(allowed, v) {
		return "", malformed("%s must be one of %s; not %q", name, strings.Join(names(allowed), ", "), v)
	}
	return v, nil
}

// names are the string values of a domain enum, for messages and the OpenAPI document.
func names[T ~string](values []T) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

// timeParam reads an RFC 3339 time from the query; absent is the zero time. A "+" of the
// offset that arrived as a space (a URL typed without encoding it) is read as the "+".
func timeParam(c echo.Context, name string) (time.Time, error) {
	v := c.QueryParam(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil && len(v) > 6 && v[len(v)-6] == ' ' {
		t, err = time.Parse(time.RFC3339, v[:len(v)-6]+"+"+v[len(v)-5:])
	}
	if err != nil {
		return t, malformed("%s must be an RFC 3339 time such as 2026-11-11T00:00:00+08:00 (with the + encoded as %%2B), not %q", name, v)
	}
	return t, nil
}

// adminOrderDetail is one order with the retries of its grant, oldest first, and while
// the grant is pending, how its delivery is going.
type adminOrderDetail struct {
	adminOrder
	Retries  []grantRetryJSON `json:"retries"`
	Delivery *deliveryJSON    `json:"delivery,omitempty"`
}

type grantRetryJSON struct {
	By            string    `json:"by"`
	At            time.Time `json:"at"`
	PreviousError string    `json:"previous_error"`
}

// deliveryJSON is how a pending grant's delivery is going: the deliveries made so far,
// why the last failed, when it is tried again, while it waits for that, and when it gives
// up.
type deliveryJSON struct {
	Attempts      int       `json:"attempts"`
	LastError     string    `json:"last_error,omitempty"`
	NextAttemptAt time.Time `json:"next_attempt_at,omitzero"`
	GivesUpAt     time.Time `json:"gives_up_at,omitzero"`
}

func (h *orderDesk) get(c echo.Context) error {
	id, err := parseID(c.Param("order_id"))
	if err != nil {
		return draw.ErrOrderNotFound
	}
	return h.detail(c, id)
}

func (h *orderDesk) detail(c echo.Context, id int64) error {
	d, err := h.svc.Order(c.Request().Context(), id)
	if err != nil {
		return err
	}
	d.Order = forReader(c, []draw.Order{d.Order})[0]
	return c.JSON(http.StatusOK, adminOrderDetailJSON(d))
}

func adminOrderDetailJSON(d support.OrderDetail) adminOrderDetail {
	out := adminOrderDetail{adminOrder: adminOrderJSON(d.Order), Retries: make([]grantRetryJSON, len(d.Retries)),
		Delivery: deliveryOf(d.Delivery)}
	for i, r := range d.Retries {
		out.Retries[i] = grantRetryJSON{By: r.By, At: r.At, PreviousError: r.PreviousError}
	}
	return out
}

// deliveryOf is d as the answer shows it; nil (left out) when there is none.
func deliveryOf(d *draw.GrantDelivery) *deliveryJSON {
	if d == nil {
		return nil
	}
	return &deliveryJSON{Attempts: d.Attempts, LastError: d.LastError, NextAttemptAt: d.NextAttemptAt.UTC(), GivesUpAt: d.GivesUpAt.UTC()}
}

// retry answers with the order as GET /admin/orders/{id} shows it after the delivery.
func (h *orderDesk) retry(c echo.Context) error {
	id, err := parseID(c.Param("order_id"))
	if err != nil {
		return draw.ErrOrderNotFound
	}
	// No body, or an empty object: anything else is a client that means something this
	// action does not do.
	if err := decodeOptionalJSON(c, &struct{}{}); err != nil {
		return err
	}
	d, err := h.svc.RetryGrant(c.Request().Context(), id, claimsOf(c).Subject)
	if errors.Is(err, draw.ErrGrantNotFailed) {
		state := d.Order.GrantState
		return Errorf(http.StatusConflict, "grant_not_failed", "only a failed grant can be sent again; this order's grant is %s", state).
			WithDetails(map[string]any{"grant_state": string(state)})
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, adminOrderDetailJSON(d))
}
