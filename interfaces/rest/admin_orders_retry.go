package rest

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/lottery-go/lottery/domain/draw"
)

// Bulk retries: how many failed grants one call sends again.
const (
	defaultRetryBatch = 100
	maxRetryBatch     = 500
)

// retriedGrants is the answer of POST /admin/orders/retry-grants.
type retriedGrants struct {
	Reopened int      `json:"reopened"`
	OrderIDs []string `json:"order_ids"`
	More     bool     `json:"more"`
}

// retryMany sends again the failed grants of one activity that the filters select, up to
// limit of them: once the cause of many failures is fixed (a merchant's webhook repaired,
// codes uploaded), support need not send them one by one. Called again, it takes the next
// ones, as those sent are no longer failed.
func (h *orderDesk) retryMany(c echo.Context) error {
	q, err := orderSearchParams(c)
	if err != nil {
		return err
	}
	if q.ActivityID == 0 {
		return malformed("activity_id is required: failed grants are sent again one activity at a time")
	}
	if (q.Outcome != "" && q.Outcome != draw.OutcomeWin) || (q.GrantState != "" && q.GrantState != draw.GrantFailed) {
		return malformed("only failed grants of wins can be sent again: leave out outcome and grant_state, or give win and failed")
	}
	limit, err := limitParam(c, defaultRetryBatch, maxRetryBatch)
	if err != nil {
		return err
	}
	if err := decodeOptionalJSON(c, &struct{}{}); err != nil {
		return err
	}
	q.Limit = limit
	reopened, more, err := h.svc.RetryGrants(c.Request().Context(), q, claimsOf(c).Subject)
	if err != nil {
		return err
	}
	out := retriedGrants{Reopened: len(reopened), OrderIDs: make([]string, len(reopened)), More: more}
	for i, id := range reopened {
		out.OrderIDs[i] = itoa(id)
	}
	return c.JSON(http.StatusOK, out)
}
