package rest

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// exactFieldNames checks that every object key of body that encoding/json matched to a
// struct field of v's type is spelt exactly as the field's name. encoding/json matches
// names case-insensitively, so {"action":"pause","ACTION":"close"} was decoded as "close",
// while anything else reading the body (a proxy, an audit log, a reviewer) saw "pause".
// Maps keep their keys as sent (facts, attributes); what v decodes itself is not looked at.
func exactFieldNames(body []byte, v any) error {
	t := reflect.TypeOf(v)
	if !hasStructFields(t, map[reflect.Type]bool{}) {
		return nil
	}
	var doc any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil // the decode of v has reported it already
	}
	return checkNames(doc, t, "", false)
}

// unknownField names a key of body that matches no field of v's type, and where it is;
// nil if it finds none.
func unknownField(body []byte, v any) error {
	var doc any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil
	}
	return checkNames(doc, reflect.TypeOf(v), "", true)
}

var unmarshaler = reflect.TypeFor[json.Unmarshaler]()

// checkNames refuses a key of doc that matches a field of t only in another case, and,
// when strict, any key that matches no field at all.
func checkNames(doc any, t reflect.Type, path string, strict bool) error {
	for t.Kind() == reflect.Pointer {
		if t.Implements(unmarshaler) {
			return nil
		}
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(unmarshaler) {
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := doc.(map[string]any)
		if !ok {
			return nil
		}
		fields := jsonFields(t)
		for key, val := range obj {
			f, ok := fields[key]
			if !ok {
				for name := range fields {
					if strings.EqualFold(name, key) {
						return malformed("unknown field %q at %s; field names are case-sensitive: %q", key, where(path), name)
					}
				}
				if strict {
					return malformed("unknown field %q at %s", key, where(path))
				}
				continue // refused by the decoder already
			}
			if err := checkNames(val, f, path+"."+key, strict); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		if arr, ok := doc.([]any); ok {
			for i, el := range arr {
				if err := checkNames(el, t.Elem(), path+"["+strconv.Itoa(i)+"]", strict); err != nil {
					return err
				}
			}
		}
	case reflect.Map:
		if obj, ok := doc.(map[string]any); ok {
			for key, val := range obj {
				if err := checkNames(val, t.Elem(), path+"."+key, strict); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func where(path string) string {
	if path == "" {
		return "the top level"
	}
	return strings.TrimPrefix(path, ".")
}

// fieldCache holds jsonFields by struct type.
var fieldCache sync.Map

// jsonFields maps each JSON name of t's fields to the field's type. Embedded structs
// without a tag lend their fields, as encoding/json has it.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := map[string]reflect.Type{}
	addFields(m, t)
	fieldCache.Store(t, m)
	return m
}

func addFields(m map[string]reflect.Type, t reflect.Type) {
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := sf.Type
		if sf.Anonymous && name == "" {
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				addFields(m, ft)
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		m[name] = sf.Type
	}
}

// hasStructFields reports whether decoding into t can match a name to a struct field.
func hasStructFields(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		return hasStructFields(t.Elem(), seen)
	case reflect.Struct:
		return true
	}
	return false
}

// repeatedKey refuses an object that names a key twice: encoding/json keeps the last,
// other readers of the body the first.
func repeatedKey(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	type level struct {
		keys   map[string]bool // nil for an array
		expect bool            // an object's next token is a key
	}
	var stack []level
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil // the end, or an error the decode of the value has reported
		}
		top := len(stack) - 1
		if top >= 0 && stack[top].keys != nil && stack[top].expect {
			if key, ok := tok.(string); ok {
				if stack[top].keys[key] {
					return malformed("field %q appears twice in one object (byte %d)", key, dec.InputOffset())
				}
				stack[top].keys[key] = true
				stack[top].expect = false
				continue
			}
		}
		if top >= 0 && stack[top].keys != nil {
			stack[top].expect = true // a value was read: a key follows, or the end
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, level{keys: map[string]bool{}, expect: true})
		case json.Delim('['):
			stack = append(stack, level{})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:top]
		}
	}
}
