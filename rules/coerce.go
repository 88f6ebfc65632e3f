package rules

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"strconv"
	"time"
)

// CoerceFacts converts fact values to the Go types the schema's types are
// evaluated with: int, float64, string, bool, time.Time and []string. It
// accepts what JSON decoding and CSV imports produce — float64 or json.Number
// for numbers, numeric and boolean strings, []any of strings, RFC 3339 times —
// so that an int fact given as 30.0 compares as 30. The derived facts are
// coerced too. Facts outside the schema pass through; facts that cannot be
// converted are left out of the result and reported in the error.
func CoerceFacts(schema map[string]FactType, facts map[string]any) (map[string]any, error) {
	out := maps.Clone(facts)
	if out == nil {
		out = map[string]any{}
	}
	var errs []error
	for _, name := range sortedKeys(facts) {
		typ, ok := schema[name]
		if !ok {
			typ, ok = derivedFacts[name]
		}
		if !ok || facts[name] == nil {
			continue
		}
		v, ok := coerce(facts[name], typ)
		if !ok {
			delete(out, name)
			errs = append(errs, fmt.Errorf("fact %q must be %s, not %s", name, typ.noun(), describe(facts[name])))
			continue
		}
		out[name] = v
	}
	return out, errors.Join(errs...)
}

func hasType(v any, t FactType) bool {
	switch t {
	case TypeInt:
		_, ok := v.(int)
		return ok
	case TypeFloat:
		_, ok := v.(float64)
		return ok
	case TypeString:
		_, ok := v.(string)
		return ok
	case TypeBool:
		_, ok := v.(bool)
		return ok
	case TypeTime:
		_, ok := v.(time.Time)
		return ok
	case TypeStrings:
		_, ok := v.([]string)
		return ok
	}
	return false
}

func coerce(v any, t FactType) (any, bool) {
	switch t {
	case TypeInt:
		return toInt(v)
	case TypeFloat:
		return toFloat(v)
	case TypeString:
		switch s := v.(type) {
		case string:
			return s, true
		case json.Number:
			return s.String(), true
		case int64: // a whole number once user.ExactNumbers read it: a postcode sent as 12345
			return strconv.FormatInt(s, 10), true
		case int:
			return strconv.Itoa(s), true
		}
	case TypeBool:
		switch b := v.(type) {
		case bool:
			return b, true
		case string:
			parsed, err := strconv.ParseBool(b)
			return parsed, err == nil
		}
	case TypeTime:
		return toTime(v)
	case TypeStrings:
		return toStrings(v)
	}
	return nil, false
}

func toInt(v any) (any, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, uintptr:
		return intFromInteger(n)
	case float32:
		return intFromFloat(float64(n))
	case float64:
		return intFromFloat(n)
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return int(i), true
		}
		if f, err := n.Float64(); err == nil {
			return intFromFloat(f)
		}
	case string:
		return toInt(json.Number(n))
	}
	return nil, false
}

func intFromInteger(v any) (any, bool) {
	switch n := v.(type) {
	case int8:
		return int(n), true
	case int16:
		return int(n), true
	case int32:
		return int(n), true
	case int64:
		return int(n), true
	case uint8:
		return int(n), true
	case uint16:
		return int(n), true
	case uint32:
		return int(n), true
	case uint:
		return int(n), n <= math.MaxInt
	case uint64:
		return int(n), n <= math.MaxInt
	case uintptr:
		return int(n), uint64(n) <= math.MaxInt
	}
	return nil, false
}

// intFromFloat accepts only integral values in range: 30.0 is 30, 30.5 is not.
func intFromFloat(f float64) (any, bool) {
	if f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return nil, false
	}
	return int(f), true
}

func toFloat(v any) (any, bool) {
	var f float64
	switch n := v.(type) {
	case float64:
		f = n
	case float32:
		f = float64(n)
	case json.Number:
		parsed, err := n.Float64()
		if err != nil {
			return nil, false
		}
		f = parsed
	case string:
		return toFloat(json.Number(n))
	default:
		i, ok := toInt(v)
		if !ok {
			return nil, false
		}
		f = float64(i.(int))
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, false
	}
	return f, true
}

func toTime(v any) (any, bool) {
	switch t := v.(type) {
	case time.Time:
		return t, true
	case *time.Time:
		if t != nil {
			return *t, true
		}
	case string:
		parsed, err := time.Parse(time.RFC3339Nano, t)
		return parsed, err == nil
	}
	return nil, false
}

func toStrings(v any) (any, bool) {
	switch s := v.(type) {
	case []string:
		return s, true
	case []any:
		out := make([]string, len(s))
		for i, e := range s {
			str, ok := e.(string)
			if !ok {
				return nil, false
			}
			out[i] = str
		}
		return out, true
	}
	return nil, false
}
