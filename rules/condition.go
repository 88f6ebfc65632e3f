package rules

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Condition is an edge's test: either an expr-lang expression (Expr) or a
// structured comparison of one fact (Fact, Op, Value). In JSON the first is a
// string and the second an object, so a marketer's editor can offer a form for
// the common cases and free text for the rest.
type Condition struct {
	Expr  string
	Fact  string
	Op    Op
	Value any
	// malformed says why the JSON was neither form; Compile reports it at the edge.
	malformed string
}

// Op is a structured condition's operator.
type Op string

// The structured operators. In and NotIn take an array value, Between a
// two-element array read as an inclusive range; Contains tests membership for a
// []string fact and substring for a string fact.
const (
	OpEq       Op = "eq"
	OpNe       Op = "ne"
	OpGt       Op = "gt"
	OpGte      Op = "gte"
	OpLt       Op = "lt"
	OpLte      Op = "lte"
	OpIn       Op = "in"
	OpNotIn    Op = "not_in"
	OpContains Op = "contains"
	OpBetween  Op = "between"
)

// Expression returns a condition holding an expr-lang expression.
func Expression(src string) *Condition { return &Condition{Expr: src} }

// Compare returns a structured condition.
func Compare(fact string, op Op, value any) *Condition {
	return &Condition{Fact: fact, Op: op, Value: value}
}

// structured reports whether c is the object form.
func (c Condition) structured() bool { return c.Expr == "" && c.hasCompare() }

func (c Condition) hasCompare() bool { return c.Fact != "" || c.Op != "" || c.Value != nil }

// String renders the condition as it appears in evaluation paths.
func (c Condition) String() string {
	if !c.structured() {
		return c.Expr
	}
	v, err := json.Marshal(c.Value)
	if err != nil {
		v = []byte(fmt.Sprint(c.Value))
	}
	return fmt.Sprintf("%s %s %s", c.Fact, c.Op, v)
}

type structuredJSON struct {
	Fact  string `json:"fact"`
	Op    Op     `json:"op"`
	Value any    `json:"value"`
}

// MarshalJSON writes the string form for expressions and the object form otherwise.
func (c Condition) MarshalJSON() ([]byte, error) {
	if !c.structured() {
		return json.Marshal(c.Expr)
	}
	return json.Marshal(structuredJSON{Fact: c.Fact, Op: c.Op, Value: c.Value})
}

// UnmarshalJSON accepts a string or a {"fact","op","value"} object. Numbers are
// kept as json.Number so that large integers survive exactly; unknown keys are
// refused because a misspelt "value" would otherwise silently compare to null.
// Anything else decodes to a condition Compile reports as malformed at its edge,
// among the document's other problems.
func (c *Condition) UnmarshalJSON(data []byte) error {
	if err := c.decode(data); err != nil {
		*c = Condition{malformed: err.Error()}
	}
	return nil
}

func (c *Condition) decode(data []byte) error {
	data = bytes.TrimSpace(data)
	switch {
	case len(data) > 0 && data[0] == '"':
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		*c = Condition{Expr: s}
		return nil
	case len(data) > 0 && data[0] == '{':
		if err := exactKeys(data); err != nil {
			return err
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber() // the keys are checked above
		var s structuredJSON
		if err := dec.Decode(&s); err != nil {
			return fmt.Errorf("a structured condition has only fact, op and value: %w", err)
		}
		*c = Condition{Fact: s.Fact, Op: s.Op, Value: s.Value}
		return nil
	}
	return errors.New(`a condition is an expression string or a {"fact", "op", "value"} object`)
}

// exactKeys refuses a structured condition's key in another case than fact, op or value
// ("Fact"), and one given twice: Go's decoder matches names regardless of case and keeps
// the last, so {"fact":"age",…,"Fact":"gender"} would route on gender while a reviewer
// reads age.
func exactKeys(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil { // {
		return err
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		k, _ := t.(string)
		switch {
		case k != "fact" && k != "op" && k != "value":
			return fmt.Errorf("a structured condition has only fact, op and value, not %q", k)
		case seen[k]:
			return fmt.Errorf("a structured condition names %q twice", k)
		}
		seen[k] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return err
		}
	}
	return nil
}
