package bench

import (
	"bytes"
	"encoding/json"
)

// decodeDraw reads the fields of a draw answer the tally needs. The load generator
// shares the server's cores, so it picks them out of the server's own format by hand (a
// seventh of its CPU went to encoding/json); an answer it is not sure of (an escape
// anywhere, not one object, a field missing) goes through encoding/json. The body is
// whole: the client has read all its Content-Length.
func decodeDraw(body []byte, into *drawAnswer) error {
	if looksPlain(body) {
		d := drawAnswer{OrderID: stringField(body, `"order_id":"`), Outcome: stringField(body, `"outcome":"`)}
		if d.OrderID != "" && d.Outcome != "" {
			award, ok := awardOf(body)
			if ok {
				d.Award = award
				*into = d
				return nil
			}
		}
	}
	return json.Unmarshal(body, into)
}

// looksPlain reports whether body is one object with no escapes, so that every quote in
// it opens or closes a string and a key can be found by its text.
func looksPlain(body []byte) bool {
	b := bytes.TrimSpace(body)
	return len(b) >= 2 && b[0] == '{' && b[len(b)-1] == '}' && bytes.IndexByte(b, '\\') < 0
}

// awardOf finds the award object: ok with a nil award when there is none.
func awardOf(body []byte) (*awardAnswer, bool) {
	i := bytes.Index(body, []byte(`"award":{`))
	if i < 0 {
		return nil, !bytes.Contains(body, []byte(`"award":`))
	}
	obj := body[i:]
	if end := bytes.IndexByte(obj, '}'); end >= 0 {
		obj = obj[:end]
	}
	a := &awardAnswer{ID: stringField(obj, `"id":"`), Name: stringField(obj, `"name":"`)}
	return a, a.ID != ""
}

// stringField returns the string after key (which ends with the opening quote), or "".
// Without escapes in the body, the next quote closes it.
func stringField(body []byte, key string) string {
	i := bytes.Index(body, []byte(key))
	if i < 0 {
		return ""
	}
	rest := body[i+len(key):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return ""
	}
	return string(rest[:end])
}
