package rules

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Values reach error messages from JSON documents and from Go callers alike; both
// are described in JSON's terms, which is what a marketer wrote, never as Go types.

// factNames names a value of each fact type, with its article, and values of it.
var factNames = map[FactType][2]string{
	TypeInt:     {"a whole number", "whole numbers"},
	TypeFloat:   {"a number", "numbers"},
	TypeString:  {"a string", "strings"},
	TypeBool:    {"true or false", "true or false values"},
	TypeTime:    {"an RFC 3339 time", "RFC 3339 times"},
	TypeStrings: {"an array of strings", "arrays of strings"},
}

// noun names what a value of the fact type is, with its article.
func (t FactType) noun() string {
	if n, ok := factNames[t]; ok {
		return n[0]
	}
	return fmt.Sprintf("a value of type %q", string(t))
}

// plural names values of the fact type, for arrays of them.
func (t FactType) plural() string {
	if n, ok := factNames[t]; ok {
		return n[1]
	}
	return fmt.Sprintf("values of type %q", string(t))
}

// goTypes renames, in expr-lang's messages, the Go types its checker reports to
// the names of the schema and of JSON. Longer names come first: the replacer
// prefers the earlier of two matches at one position.
var goTypes = strings.NewReplacer(
	"map[string]interface {}", "object",
	"[]interface {}", "array",
	"interface {}", "any",
	"time.Time", "time",
	"time.Duration", "duration",
	"time.Month", "month",
	"time.Weekday", "weekday",
	"float64", "float",
)

// plainTypes rewrites a message of expr-lang for marketers.
func plainTypes(msg string) string { return goTypes.Replace(msg) }

// describe names a value for an error message: "the number 5", "the string \"x\"",
// "an array of 3 elements".
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(x)
	case json.Number:
		return "the number " + x.String()
	case string:
		return "the string " + strconv.Quote(x)
	case time.Time:
		return "the time " + x.Format(time.RFC3339Nano)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return fmt.Sprintf("the number %v", v)
	case reflect.Slice, reflect.Array:
		if rv.Len() == 1 {
			return "an array of 1 element"
		}
		return fmt.Sprintf("an array of %d elements", rv.Len())
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Pointer:
		if rv.IsNil() {
			return "null"
		}
		return describe(rv.Elem().Interface())
	}
	return "an unsupported value"
}
