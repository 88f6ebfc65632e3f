package rest

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lottery-go/lottery/domain/award"
)

// pointsEntry is one line of GET /me/points.
type pointsEntry struct {
	ID        string    `json:"id"`
	Delta     int64     `json:"delta"`
	Reason    string    `json:"reason"`
	OrderID   string    `json:"order_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// pointsPage is the list response of API.md with the balance beside it.
type pointsPage struct {
	Balance int64 `json:"balance"`
	page[pointsEntry]
}

func (h *grantHandlers) points(c echo.Context) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	// Newest first, like the draws: the cursor is the last id seen; one extra row tells
	// whether another page follows.
	balance, entries, err := h.svc.Points(c.Request().Context(), claimsOf(c).Subject, p.After, p.Limit+1)
	if err != nil {
		return err
	}
	id := func(e award.PointsEntry) int64 { return e.ID }
	return c.JSON(http.StatusOK, pointsPage{Balance: balance, page: newestFirst(entries, p.Limit, id, pointsEntryJSON)})
}

func pointsEntryJSON(e award.PointsEntry) pointsEntry {
	out := pointsEntry{ID: itoa(e.ID), Delta: e.Delta, Reason: e.Reason, CreatedAt: e.At.UTC()}
	if e.OrderID != 0 {
		out.OrderID = itoa(e.OrderID)
	}
	return out
}
