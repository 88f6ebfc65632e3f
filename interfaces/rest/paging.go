package rest

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/lottery-go/lottery/application/admin"
	"github.com/lottery-go/lottery/domain/check"
	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/domain/user"
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

// newestFirst builds the page of a newest-first list read with one row more than limit:
// that extra row only tells that another page follows, whose cursor is the id of the last
// row shown (the next page lies below it).
func newestFirst[S, T any](rows []S, limit int, id func(S) int64, conv func(S) T) page[T] {
	more := len(rows) > limit
	rows = rows[:min(len(rows), limit)]
	items := make([]T, len(rows))
	for i, r := range rows {
		items[i] = conv(r)
	}
	var last int64
	if len(rows) > 0 {
		last = id(rows[len(rows)-1])
	}
	return pageOf(items, more, last)
}

func orderID(o draw.Order) int64 { return o.ID }

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
	p := admin.Page{}
	var err error
	if p.Limit, err = limitParam(c, defaultPageSize, maxPageSize); err != nil {
		return p, err
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

// limitParam reads ?limit=: a whole number from 1, larger than most gives most; absent
// is def.
func limitParam(c echo.Context, def, most int) (int, error) {
	s := c.QueryParam("limit")
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, malformed("limit must be a whole number from 1 (larger than %d gives %d)", most, most)
	}
	return min(n, most), nil
}

// pathID reads a numeric id from the path. An id that is not a positive number cannot
// name anything, so it is answered like any unknown id: 404.
func pathID(c echo.Context, name string) (int64, error) {
	id, ok := canonicalID(c.Param(name))
	if !ok {
		return 0, Errorf(http.StatusNotFound, "not_found", "nothing has the %s %q", name, c.Param(name))
	}
	return id, nil
}

// canonicalID reads an id written as the API writes it: a positive decimal integer with
// no sign, no leading zero and nothing around it, so each id has one spelling.
func canonicalID(s string) (int64, bool) {
	if s == "" || s[0] < '1' || s[0] > '9' {
		return 0, false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// userParam is the user id in the path, percent-decoded. Go decodes a path into URL.Path,
// and echo routes on it, unless the client escaped a character Go would not have escaped
// ("%2B" for "+", "%40" for "@", "%3A" for ":"): then echo routes on URL.RawPath and its
// parameters arrive still escaped. Decoding them here names the same user either way, as
// the token's subject names them.
// Every verb checks the id alike, so GET, PUT and DELETE answer an id no token can carry
// with the same 422.
func userParam(c echo.Context) (string, error) {
	id := c.Param("user_id")
	if c.Request().URL.RawPath != "" {
		var err error
		if id, err = url.PathUnescape(id); err != nil {
			return "", malformed("user_id in the path is not properly percent-encoded")
		}
	}
	if err := user.ValidUserID(id); err != nil {
		var l check.List
		l.Add("user_id", check.CodeInvalid, err.Error())
		return "", problemsError(l.Err())
	}
	return id, nil
}
