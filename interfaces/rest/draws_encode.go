package rest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

// The draw answer is the busiest body the server writes, so it is appended by hand into a
// pooled buffer instead of going through reflection: the bytes are the ones
// encoding/json writes for orderResponse (a test holds the two equal), at a fraction of
// the CPU. Anything else keeps echo's JSON.

var answerBufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// writeOrder answers with o as c.JSON would.
func writeOrder(c echo.Context, o orderResponse) error {
	if c.Request().URL.RawQuery != "" { // parsed only when there is a query to parse
		if _, pretty := c.QueryParams()["pretty"]; pretty {
			return c.JSON(http.StatusOK, o)
		}
	}
	bp := answerBufs.Get().(*[]byte)
	defer answerBufs.Put(bp)
	b, err := o.appendJSON((*bp)[:0])
	if err != nil {
		return err
	}
	*bp = append(b, '\n')
	return c.JSONBlob(http.StatusOK, *bp)
}

// appendJSON appends o as encoding/json marshals it, fields in declaration order.
func (o orderResponse) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"order_id":`...)
	b = appendJSONString(b, o.OrderID)
	b = append(b, `,"activity_id":`...)
	b = appendJSONString(b, o.ActivityID)
	b = append(b, `,"outcome":`...)
	b = appendJSONString(b, o.Outcome)
	if o.Award != nil {
		var err error
		if b, err = o.Award.appendJSON(append(b, `,"award":`...)); err != nil {
			return nil, err
		}
	}
	if o.Quota != nil {
		b = append(b, `,"quota":{"left_total":`...)
		b = strconv.AppendInt(b, o.Quota.LeftTotal, 10)
		b = append(b, `,"left_today":`...)
		b = strconv.AppendInt(b, o.Quota.LeftToday, 10)
		b = append(b, '}')
	}
	b = append(b, `,"grant_state":`...)
	b = appendJSONString(b, o.GrantState)
	if o.GrantError != "" {
		b = append(b, `,"grant_error":`...)
		b = appendJSONString(b, o.GrantError)
	}
	b = append(b, `,"created_at":`...)
	b, err := appendJSONTime(b, o.CreatedAt)
	return append(b, '}'), err
}

func (a *awardBrief) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, a.ID)
	b = append(b, `,"name":`...)
	b = appendJSONString(b, a.Name)
	b = append(b, `,"kind":`...)
	b = appendJSONString(b, a.Kind)
	if len(a.Content) > 0 { // rare on a draw: only a replay of a granted order
		content, err := json.Marshal(a.Content)
		if err != nil {
			return nil, err
		}
		b = append(append(b, `,"content":`...), content...)
	}
	return append(b, '}'), nil
}

// appendJSONTime writes t as time.Time's MarshalJSON does (RFC 3339 with nanoseconds).
func appendJSONTime(b []byte, t time.Time) ([]byte, error) {
	if y := t.Year(); y < 0 || y > 9999 {
		return nil, &json.UnsupportedValueError{Str: t.String()}
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), nil
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as encoding/json does by default: HTML-safe (<, > and & as
// \u escapes), U+2028 and U+2029 escaped, invalid UTF-8 as U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			b = appendASCIIEscape(b, c)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(append(b, s[start:i]...), `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(append(b, s[start:i]...), `\u202`...)
			b = append(b, hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func appendASCIIEscape(b []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(b, '\\', c)
	case '\b':
		return append(b, '\\', 'b')
	case '\f':
		return append(b, '\\', 'f')
	case '\n':
		return append(b, '\\', 'n')
	case '\r':
		return append(b, '\\', 'r')
	case '\t':
		return append(b, '\\', 't')
	}
	return append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
}
