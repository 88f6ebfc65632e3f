package rules

import (
	"fmt"
	"regexp"
	"sort"
	"time"

	"github.com/expr-lang/expr/builtin"
)

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// keywords cannot name facts: the expression parser reads them as operators
// or literals before it ever looks at the environment.
var keywords = map[string]bool{
	"true": true, "false": true, "nil": true, "in": true, "not": true, "and": true, "or": true,
	"matches": true, "contains": true, "startsWith": true, "endsWith": true,
	"let": true, "if": true, "else": true,
}

// zeroOf gives the expression checker a value of each type; only the type matters.
var zeroOf = map[FactType]any{
	TypeInt:     0,
	TypeFloat:   0.0,
	TypeString:  "",
	TypeBool:    false,
	TypeTime:    time.Time{},
	TypeStrings: []string{},
}

// checkSchema builds the expression environment from the declared and derived
// facts. A fact with a bad type still enters the environment, untyped, so that
// every expression using it is not also reported as naming an unknown fact.
func (c *compiler) checkSchema() {
	for name, typ := range derivedFacts {
		c.types[name] = typ
		c.env[name] = zeroOf[typ]
	}
	for _, name := range sortedKeys(c.doc.Facts) {
		typ := c.doc.Facts[name]
		field := fmt.Sprintf("facts.%s", name)
		if derived, ok := derivedFacts[name]; ok {
			if typ != derived {
				c.docProblem(CodeReservedFact, field, "fact %q is always provided as %s and cannot be declared as %q", name, derived, typ)
			}
			continue
		}
		switch {
		case !identifier.MatchString(name) || keywords[name]:
			c.docProblem(CodeInvalidFactName, field, "fact name %q is not a valid identifier", name)
			continue
		case isBuiltin(name):
			c.docProblem(CodeInvalidFactName, field, "fact name %q is the name of a built-in function", name)
			continue
		}
		if !typ.valid() {
			c.docProblem(CodeUnknownFactType, field, "fact %q has unknown type %q; use int, float, string, bool, time or []string", name, typ)
			c.env[name] = nil
			continue
		}
		c.types[name] = typ
		c.env[name] = zeroOf[typ]
	}
}

func isBuiltin(name string) bool {
	_, ok := builtin.Index[name]
	return ok
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
