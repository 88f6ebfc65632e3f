package rest

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/lottery-go/lottery/application/admin"
)

const (
	defaultPageSize = 20
	maxPageSize     = 100
	cursorPrefix    = "v1:"
)

// page is the list response of API.md. NextCursor is empty on the last page.
type page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// pageOf builds the response for items; last is the id of the last item, used only when
// more follow.
func pageOf[T any](items []T, more bool, last int64) page[T] {
	p := page[T]{Items: items}
	if more {
		p.NextCursor = encodeCursor(last)
	}
	return p
}

// encodeCursor hides the position (the last id seen) behind base64, so clients treat it
// as opaque and the format can change; the version prefix tells old cursors apart then.
func encodeCursor(after int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.FormatInt(after, 10)))
}

func decodeCursor(s string) (int64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, false
	}
	digits, ok := strings.CutPrefix(string(b), cursorPrefix)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	return n, err == nil && n > 0
}

// pageParams reads ?limit= (1..100, default 20; larger values are capped at 100) and
// ?cursor=. A cursor this server did not issue is a malformed request.
func pageParams(c echo.Context) (admin.Page, error) {
	p := admin.Page{Limit: defaultPageSize}
	if s := c.QueryParam("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return p, malformed("limit must be a whole number from 1 to %d", maxPageSize)
		}
		p.Limit = min(n, maxPageSize)
	}
	if s := c.QueryParam("cursor"); s != "" {
		after, ok := decodeCursor(s)
		if !ok {
			return p, malformed("cursor is not one this server issued; pass next_cursor back unchanged")
		}
		p.After = after
	}
	return p, nil
}

// pathID reads a numeric id from the path. An id that is not a positive number cannot
// name anything, so it is answered like any unknown id: 404.
func pathID(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, Errorf(http.StatusNotFound, "not_found", "nothing has the %s %q", name, c.Param(name))
	}
	return id, nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
