package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

// decodeJSON reads exactly one JSON value into v. Unknown fields are refused rather than
// ignored, so a misspelt "per_user_daly" is an error and not a silently unlimited quota,
// and so are names in another case than the field's ("ACTION"). Every failure says where
// it happened.
func decodeJSON(c echo.Context, v any) error {
	return decodeStrict(c.Request().Body, v)
}

// decodeExact is decodeJSON for bodies with free-form values (facts): their numbers are
// kept as json.Number rather than float64, so a whole number above 2^53 stays exact.
func decodeExact(c echo.Context, v any) error {
	return decodeBody(c.Request().Body, v, true)
}

// decodeStrict is decodeJSON on any reader. JSON is UTF-8: a body that is not is refused,
// rather than stored with its bad bytes turned into U+FFFD.
func decodeStrict(r io.Reader, v any) error {
	return decodeBody(r, v, false)
}

func decodeBody(r io.Reader, v any, exact bool) error {
	body, err := io.ReadAll(r)
	if err != nil {
		return decodeError(err)
	}
	if !utf8.Valid(body) {
		return malformed("the request body is not valid UTF-8 (from byte %d)", invalidUTF8At(body))
	}
	if at := loneSurrogateAt(body); at >= 0 {
		return malformed("the request body escapes half of a UTF-16 surrogate pair at byte %d, which is no character", at)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if exact {
		dec.UseNumber()
	}
	if err := dec.Decode(v); err != nil {
		return locate(decodeError(err), err, body, v)
	}
	// Go decodes null into a struct as nothing at all, which would read as {}.
	if bytes.Equal(bytes.TrimSpace(body), []byte("null")) {
		return malformed("the request body must be a JSON object, not null")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if errors.Is(err, echo.ErrStatusRequestEntityTooLarge) {
			return echo.ErrStatusRequestEntityTooLarge
		}
		return malformed("unexpected data after the JSON value at byte %d", dec.InputOffset())
	}
	if err := repeatedKey(body); err != nil {
		return err
	}
	return exactFieldNames(body, v)
}

// invalidUTF8At is the offset of the first byte of b that is not valid UTF-8.
func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// loneSurrogateAt is the offset of the first \uD800–\uDFFF escape in a JSON string of b
// that is not half of a pair, or -1. Go's decoder would store it as U+FFFD.
func loneSurrogateAt(b []byte) int {
	if !bytes.Contains(b, []byte(`\u`)) {
		return -1
	}
	inString := false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case !inString:
			inString = c == '"'
		case c == '"':
			inString = false
		case c == '\\' && i+1 < len(b) && b[i+1] != 'u':
			i++ // a one-character escape, such as \" or \\
		case c == '\\':
			r, ok := hex4(b, i+2)
			switch {
			case !ok:
				return -1 // malformed: the decoder says so
			case r >= 0xD800 && r < 0xDC00:
				if lo, ok := hex4(b, i+8); ok && b[i+6] == '\\' && b[i+7] == 'u' && lo >= 0xDC00 && lo < 0xE000 {
					i += 11
					continue
				}
				return i
			case r >= 0xDC00 && r < 0xE000:
				return i
			}
			i += 5
		}
	}
	return -1
}

// hex4 reads four hex digits of b from at.
func hex4(b []byte, at int) (rune, bool) {
	if at < 0 || at+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[at : at+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// decodeOptionalJSON is decodeJSON for a body that may be left out entirely.
func decodeOptionalJSON(c echo.Context, v any) error {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return decodeError(err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	c.Request().Body = io.NopCloser(bytes.NewReader(body))
	return decodeJSON(c, v)
}

// decodeError explains a json.Decoder failure. The body limit surfaces here while the body
// is read, so it is turned back into the 413 it is.
func decodeError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, echo.ErrStatusRequestEntityTooLarge):
		return echo.ErrStatusRequestEntityTooLarge
	case errors.Is(err, io.EOF):
		return malformed("the request body is empty; a JSON object is expected")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return malformed("the request body ends in the middle of a JSON value")
	case errors.As(err, &syn):
		return malformed("malformed JSON at byte %d: %s", syn.Offset, syn.Error())
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "the body"
		}
		return malformed("%s must be %s, not JSON %s (byte %d)", field, jsonType(typ.Type.Kind().String()), typ.Value, typ.Offset)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return malformed("unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return malformed("malformed JSON: %s", err.Error())
}

// locate names where in body the decoder's err happened, with array elements by index:
// the value of the wrong type, or the object holding the unknown field. api is returned
// as it is when there is nothing better to say.
func locate(api error, err error, body []byte, v any) error {
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typ):
		if path := pathAt(body, typ.Offset); path != "" {
			return malformed("%s must be %s, not JSON %s (byte %d)", path, jsonType(typ.Type.Kind().String()), typ.Value, typ.Offset)
		}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		if located := unknownField(body, v); located != nil {
			return located
		}
	}
	return api
}

// jsonType names a Go kind the way a JSON client thinks of it.
func jsonType(kind string) string {
	switch {
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"):
		return "an integer"
	case strings.HasPrefix(kind, "float"):
		return "a number"
	case kind == "string":
		return "a string"
	case kind == "bool":
		return "a boolean"
	case kind == "slice", kind == "array":
		return "an array"
	}
	return "an object"
}

func malformed(format string, args ...any) *APIError {
	return Errorf(http.StatusBadRequest, "malformed", format, args...)
}
