package rest

import (
	"bufio"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lottery-go/lottery/domain/draw"
)

// exportChunk is how many orders one read of an export takes.
const exportChunk = 500

// exportReadLimit bounds one read of an export. An export is a batch download, and the
// last read of one that continues from an earlier one (drawn_after) goes through the rest
// of the activity to find no more: a few seconds per million orders, far more when they
// are not in the database's memory, which the desk's 10 s would cut off.
const exportReadLimit = 5 * time.Minute

var exportHeader = []string{"order_id", "activity_id", "user_id", "outcome", "prize_id", "award_id", "award_name",
	"award_kind", "grant_state", "grant_error", "address", "delivered", "day", "created_at"}

// export answers GET /admin/orders/export: every order the filters select, newest first,
// as CSV for a spreadsheet (fulfilment of physical prizes, a user's data request). The
// activity or the user must be named, so an export reads by index and has an end. The
// first chunk is read before anything is sent, so a database that is down is an error
// answer; the rest is written while it is read, and a read that fails part-way is logged
// and aborts the connection, so the client sees a broken download rather than a file
// that looks complete.
func (h *orderDesk) export(c echo.Context) error {
	q, err := orderSearchParams(c)
	if err != nil {
		return err
	}
	if q.ActivityID == 0 && q.UserID == "" {
		return malformed("name activity_id or user_id: an export of every order is not offered")
	}
	bom, err := bomParam(c)
	if err != nil {
		return err
	}
	// Orders drawn since FinalBefore may still be on their way to the database: they are
	// left to the next export, which can start where this one ended (the header says
	// where), so that exports one after another miss none.
	if final := h.svc.FinalBefore().UTC(); q.DrawnBefore.IsZero() || q.DrawnBefore.After(final) {
		q.DrawnBefore = final.Truncate(time.Microsecond)
	}
	ctx := c.Request().Context()
	q.Limit, q.TimeLimit = exportChunk, exportReadLimit
	orders, err := h.svc.Orders(ctx, q)
	if err != nil {
		return err
	}
	w := c.Response()
	w.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	w.Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s"`, exportName(q)))
	w.Header().Set("X-Drawn-Before", q.DrawnBefore.Format(time.RFC3339Nano))
	w.WriteHeader(http.StatusOK)
	out := bufio.NewWriter(w)
	rc := http.NewResponseController(w)
	if bom {
		_, _ = out.WriteString(utf8BOM)
	}
	_ = writeQuoted(out, exportHeader)
	for {
		// Each chunk has the server's write timeout to reach the client, however long
		// the export: a reader that stops reading is cut off, a slow one is not.
		_ = rc.SetWriteDeadline(time.Now().Add(ResponseWriteTimeout))
		for _, o := range forReader(c, orders) {
			_ = writeQuoted(out, exportRow(o))
		}
		if err := out.Flush(); err != nil || len(orders) < exportChunk {
			return nil
		}
		q.BeforeID = orders[len(orders)-1].ID
		if orders, err = h.svc.Orders(ctx, q); err != nil {
			h.log.ErrorContext(ctx, "order export aborted part-way", "request_id", requestID(c), "err", err)
			panic(http.ErrAbortHandler)
		}
	}
}

// utf8BOM starts an export asked for with ?bom=true: without it, Excel reads a CSV file in
// the system's legacy code page, and names in Chinese, Japanese or accented Latin come out
// garbled.
const utf8BOM = "\ufeff"

// bomParam reads ?bom=; absent is false.
func bomParam(c echo.Context) (bool, error) {
	v := c.QueryParam("bom")
	if v == "" {
		return false, nil
	}
	bom, err := strconv.ParseBool(v)
	if err != nil {
		return false, malformed("bom must be true or false, not %q", v)
	}
	return bom, nil
}

func exportName(q draw.OrderSearch) string {
	name := "orders"
	if q.ActivityID != 0 {
		name += "-activity-" + itoa(q.ActivityID)
	}
	if q.UserID != "" {
		name += "-user"
	}
	return name + "-" + time.Now().UTC().Format("20060102-150405") + ".csv"
}

func exportRow(o draw.Order) []string {
	row := []string{itoa(o.ID), itoa(o.ActivityID), o.UserID, string(o.Outcome), "", "", o.AwardName, o.AwardKind,
		string(o.GrantState), o.GrantError, o.Delivered["address"], deliveredText(o.Delivered), o.Day,
		o.CreatedAt.UTC().Format(time.RFC3339Nano)}
	if o.Won() {
		row[4], row[5] = itoa(o.PrizeID), itoa(o.AwardID)
	}
	for i, v := range row {
		row[i] = inertCell(v)
	}
	return row
}

// deliveredText is what a grant delivered besides the address, as "key=value; …".
func deliveredText(d map[string]string) string {
	keys := make([]string, 0, len(d))
	for k := range d {
		if k != "address" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + d[k]
	}
	return strings.Join(parts, "; ")
}

// inertCell keeps a spreadsheet from reading a cell as a formula: user ids, addresses and
// award names come from users and marketers, and "=…", "+…", "-…", "@…" (or a tab or
// carriage return before one) would run when the file is opened. Such a cell starts with
// an apostrophe instead, which makes spreadsheets take it as text (some show the
// apostrophe).
func inertCell(v string) string {
	if v != "" && strings.ContainsRune(formulaStarts, rune(v[0])) {
		return "'" + v
	}
	return v
}

// writeQuoted writes one CSV record with every field in quotes (RFC 4180). encoding/csv
// quotes a field only when it holds a comma, a quote or a line break, and a spreadsheet
// whose list separator is ';' (much of Europe) splits an unquoted "x;=1+1" at the ';',
// leaving "=1+1" a cell of its own, read as a formula; inertCell sees only a field's first
// character. Quoted, the field stays one cell whatever the separator.
func writeQuoted(w *bufio.Writer, fields []string) error {
	for i, f := range fields {
		if i > 0 {
			_ = w.WriteByte(',')
		}
		_ = w.WriteByte('"')
		_, _ = w.WriteString(strings.ReplaceAll(f, `"`, `""`))
		_ = w.WriteByte('"')
	}
	return w.WriteByte('\n')
}

// formulaStarts are the first characters that make a spreadsheet read a cell as a formula.
const formulaStarts = "=+-@\t\r"
