package rest

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// pathAt is the path of the value of body that the decoder had read up to offset, as
// encoding/json reports a value of the wrong type: the end of a string, number, boolean
// or null, or just past the opening of an object or array. It names array elements by
// index ("strategy.prizes[1].probability"), which the decoder's own Field leaves out;
// "" when no value ends there.
func pathAt(body []byte, offset int64) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	type frame struct {
		object    bool
		key       string
		index     int
		expectKey bool
	}
	var stack []frame
	done := func() { // the value at the top's current key or index was read
		if top := len(stack) - 1; top >= 0 {
			if stack[top].object {
				stack[top].expectKey = true
			} else {
				stack[top].index++
			}
		}
	}
	path := func() string {
		var b strings.Builder
		for _, f := range stack {
			if f.object {
				b.WriteString("." + f.key)
			} else {
				b.WriteString("[" + strconv.Itoa(f.index) + "]")
			}
		}
		return strings.TrimPrefix(b.String(), ".")
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		top := len(stack) - 1
		if top >= 0 && stack[top].object && stack[top].expectKey {
			if key, ok := tok.(string); ok {
				stack[top].key, stack[top].expectKey = key, false
				continue
			}
		}
		switch tok {
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:top]
			done()
			continue
		}
		if dec.InputOffset() == offset {
			return path()
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{object: true, expectKey: true})
		case json.Delim('['):
			stack = append(stack, frame{})
		default:
			done()
		}
	}
}
