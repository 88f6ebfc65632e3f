package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lottery-go/lottery/application/drawing"
	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/check"
	"github.com/lottery-go/lottery/domain/draw"
)

// orderResponse is the draw object of API.md, for a fresh draw and a stored order alike.
type orderResponse struct {
	OrderID    string        `json:"order_id"`
	ActivityID string        `json:"activity_id"`
	Outcome    string        `json:"outcome"`
	Award      *awardBrief   `json:"award,omitempty"`
	Quota      *quotaJSONOut `json:"quota,omitempty"`
	GrantState string        `json:"grant_state"`
	GrantError string        `json:"grant_error,omitempty"`
	CreatedAt  time.Time     `json:"created_at"`
}

type awardBrief struct {
	ID      string         `json:"id"`
	Name    string         `json:"name"`
	Kind    string         `json:"kind"`
	Content map[string]any `json:"content,omitempty"`
}

// quotaJSONOut holds chances left; -1 means unlimited (the OpenAPI document says so).
type quotaJSONOut struct {
	LeftTotal int64 `json:"left_total"`
	LeftToday int64 `json:"left_today"`
	// SoldOut is said by GET …/quota only, when true: the activity's stock is gone.
	SoldOut bool `json:"sold_out,omitempty"`
	// Blacklisted is said by GET …/quota only, when true: the user may not draw.
	Blacklisted bool `json:"blacklisted,omitempty"`
}

func orderJSON(o draw.Order, res *drawing.Result) orderResponse {
	out := orderResponse{
		OrderID: strconv.FormatInt(o.ID, 10), ActivityID: strconv.FormatInt(o.ActivityID, 10),
		Outcome: string(o.Outcome), GrantState: string(o.GrantState), GrantError: userGrantError(o),
		CreatedAt: o.CreatedAt.UTC(),
	}
	if o.Won() {
		out.Award = &awardBrief{ID: strconv.FormatInt(o.AwardID, 10), Name: o.AwardName, Kind: o.AwardKind}
		if o.GrantState == draw.GrantGranted {
			out.Award.Content = deliveredJSON(o.Delivered)
		}
	}
	if res != nil {
		q := quotaJSON(res.LeftTotal, res.LeftToday)
		out.Quota = &q
	}
	return out
}

// failedGrant is what a user is told of a failed grant. The stored reason is written for
// operators (a webhook's answer, a setting to fix) and stays in the order's row and the
// logs; a user learns that it failed and what to quote.
const failedGrant = "the prize could not be delivered; please contact support and quote this order id"

func userGrantError(o draw.Order) string {
	if o.GrantState != draw.GrantFailed {
		return ""
	}
	return failedGrant
}

// deliveredJSON shows what the user received as API.md does: points are a number, e.g.
// {"points":100}; everything else (a code, a text) is text.
func deliveredJSON(d map[string]string) map[string]any {
	out := make(map[string]any, len(d))
	for k, v := range d {
		out[k] = v
		if k == "points" {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				out[k] = n
			}
		}
	}
	return out
}

func quotaJSON(total, today int64) quotaJSONOut {
	total, today = max(total, -1), max(today, -1)
	return quotaJSONOut{LeftTotal: total, LeftToday: draw.LeftToday(total, today)}
}

type publicActivity struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Kind     string    `json:"kind"`
	State    string    `json:"state"`
	BeginAt  time.Time `json:"begin_at"`
	EndAt    time.Time `json:"end_at"`
	TimeZone string    `json:"time_zone"`
}

func publicActivityJSON(a *activity.Activity) publicActivity {
	return publicActivity{
		ID: strconv.FormatInt(a.ID(), 10), Name: a.Name(), Kind: a.Kind(), State: string(a.State()),
		BeginAt: a.BeginAt().In(a.Location()), EndAt: a.EndAt().In(a.Location()), TimeZone: a.TimeZone(),
	}
}

type drawBody struct {
	ActivityID string `json:"activity_id"`
	TreeID     string `json:"tree_id"`
}

const maxIdempotencyKey = 64

// parseDrawRequest reads the body ({"activity_id"}, {"tree_id"} or {}) and the
// Idempotency-Key header. Facts come from the verified token, never from the body.
func parseDrawRequest(c echo.Context) (drawing.Request, error) {
	cl := claimsOf(c)
	req := drawing.Request{UserID: cl.Subject, Facts: cl.Facts, ClientIP: c.RealIP()}
	keys := c.Request().Header.Values("Idempotency-Key")
	if len(keys) > 1 {
		return req, Errorf(http.StatusBadRequest, "invalid_idempotency_key",
			"Idempotency-Key is given %d times; give one key per draw", len(keys))
	}
	var key string
	if len(keys) == 1 {
		key = keys[0]
	}
	if len(key) > maxIdempotencyKey || !printableASCII(key) {
		return req, Errorf(http.StatusBadRequest, "invalid_idempotency_key",
			"Idempotency-Key must be at most %d printable ASCII characters", maxIdempotencyKey)
	}
	req.IdempotencyKey = key
	body, err := decodeDrawBody(c.Request().Body)
	if err != nil {
		var apiErr *APIError
		if errors.Is(err, echo.ErrStatusRequestEntityTooLarge) || errors.As(err, &apiErr) {
			return req, err
		}
		return req, Errorf(http.StatusBadRequest, "malformed", "the request body could not be read")
	}
	switch { // both named is refused while decoding
	case body.ActivityID != "":
		if req.ActivityID, err = parseID(body.ActivityID); err != nil {
			return req, notAnID("activity_id", body.ActivityID)
		}
	case body.TreeID != "":
		if req.TreeID, err = parseID(body.TreeID); err != nil {
			return req, notAnID("tree_id", body.TreeID)
		}
	}
	return req, nil
}

// decodeDrawBody reads a draw's body. The common body, {"activity_id":"<digits>"}, is
// recognised by hand; anything else is read strictly: one JSON object and nothing after
// it, whose names are exactly "activity_id" or "tree_id" (encoding/json alone would also
// take "ACTIVITY_ID"), each a string. An empty body is an empty object.
func decodeDrawBody(r io.Reader) (drawBody, error) {
	var body drawBody
	var buf [128]byte
	n, err := io.ReadFull(r, buf[:])
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		if id, ok := plainActivityBody(buf[:n]); ok {
			body.ActivityID = id
			return body, nil
		}
		if len(bytes.TrimSpace(buf[:n])) == 0 {
			return body, nil
		}
	case err != nil:
		return body, err
	}
	return strictDrawBody(io.MultiReader(bytes.NewReader(buf[:n]), r))
}

// strictDrawBody decodes a draw body that is not the common one.
func strictDrawBody(r io.Reader) (drawBody, error) {
	var body drawBody
	var fields map[string]json.RawMessage
	if err := decodeStrict(r, &fields); err != nil {
		return body, err // null too
	}
	for name, raw := range fields {
		var into *string
		switch name {
		case "activity_id":
			into = &body.ActivityID
		case "tree_id":
			into = &body.TreeID
		default:
			return body, malformed("unknown field %q: a draw takes activity_id or tree_id", name)
		}
		if err := json.Unmarshal(raw, into); err != nil || string(raw) == "null" {
			kind := "null" // which Unmarshal leaves alone
			if typ := (*json.UnmarshalTypeError)(nil); errors.As(err, &typ) {
				kind = typ.Value
			}
			return body, malformed("%s must be a string of digits, not JSON %s (ids are quoted: \"123\")", name, kind)
		}
		if *into == "" { // named but empty: not the same as leaving it out, which lets a tree choose
			return body, notAnID(name, "")
		}
	}
	if len(fields) > 1 {
		return body, malformed("give activity_id or tree_id, not both")
	}
	return body, nil
}

// plainActivityBody matches b against {"activity_id":"<digits>"} with nothing but
// white space after it, and returns the digits.
func plainActivityBody(b []byte) (string, bool) {
	const head, tail = `{"activity_id":"`, `"}`
	b = bytes.TrimRight(b, " \t\r\n")
	if !bytes.HasPrefix(b, []byte(head)) || !bytes.HasSuffix(b, []byte(tail)) {
		return "", false
	}
	digits := b[len(head) : len(b)-len(tail)]
	if len(digits) == 0 || len(digits) > 19 {
		return "", false
	}
	for _, d := range digits {
		if d < '0' || d > '9' {
			return "", false
		}
	}
	return string(digits), true
}

// notAnID is the 422 for an id field that cannot name anything: ids are positive integers
// written as strings of digits.
func notAnID(field, value string) error {
	var l check.List
	l.Add(field, check.CodeInvalid, fmt.Sprintf("%s must be a positive integer written as a string of digits, not %q", field, value))
	return problemsError(l.Err())
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

func parseID(s string) (int64, error) {
	id, ok := canonicalID(s)
	if !ok {
		return 0, errors.New("not an id")
	}
	return id, nil
}
