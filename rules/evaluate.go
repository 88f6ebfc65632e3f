package rules

import (
	"errors"
	"fmt"
	"maps"

	"github.com/expr-lang/expr/vm"
)

// ErrNoMatch ends an evaluation that reached a node where no edge matched and
// there was no default edge.
var ErrNoMatch = errors.New("no edge matched")

// Result is the outcome of one evaluation.
type Result struct {
	Value string `json:"value"` // the leaf reached; empty when the walk failed
	Path  []Step `json:"path"`  // every edge tried, in order
}

// Step records one edge tried, so that marketers can see why a user was sent
// where they were.
type Step struct {
	Node      string `json:"node"`
	Edge      int    `json:"edge"`
	Condition string `json:"condition"` // source text; empty for a default edge
	Matched   bool   `json:"matched"`
	// Error explains a condition that failed at run time (say, an index out
	// of range). Such a condition counts as not matched: a user's draw should
	// not fail on one unusual profile.
	Error string `json:"error,omitempty"`
	// Missing names the fact that sent the walk to the node's default edge. It
	// is set on the edge whose condition reads the missing fact (not matched,
	// its condition not run) and on the default edge taken because of it.
	Missing string `json:"missing,omitempty"`
}

// Evaluate walks the tree from the root with the given facts and returns the
// leaf reached and the path taken. It does not modify facts.
//
// At each node the edges are tried in order. The first edge whose condition
// reads a missing fact — absent, null, or not convertible to its schema type —
// ends the trying: the node takes its default edge, whatever the later edges
// say, or the walk ends with ErrNoMatch when the node has none. An unknown
// fact cannot be said to pass or fail a test, and a marketer's default edge is
// the answer for users the tree cannot judge; letting the later edges decide
// would take the unknown for a known "no" (a user whose age is unknown is not
// thereby an adult).
//
// The only error is one wrapping ErrNoMatch, returned together with the path
// up to the node that had no way out.
func (t *Tree) Evaluate(facts map[string]any) (Result, error) {
	facts = t.prepare(facts)
	m := t.vms.Get().(*vm.VM)
	defer t.vms.Put(m)

	path := make([]Step, 0, t.maxSteps)
	n := &t.nodes[t.root]
	for len(n.edges) > 0 {
		next := -1
		for j := range n.edges {
			e := &n.edges[j]
			step := Step{Node: n.id, Edge: j, Condition: e.text, Matched: true}
			if e.test != nil {
				ok, missing, err := e.test.match(facts, m)
				step.Matched = ok
				step.Missing = missing
				if err != nil {
					step.Error = plainTypes(err.Error())
				}
			}
			path = append(path, step)
			if step.Missing != "" {
				if n.fallback < 0 {
					return Result{Path: path}, fmt.Errorf("rule tree %q, node %q: fact %q is missing and the node has no default edge: %w",
						t.name, n.id, step.Missing, ErrNoMatch)
				}
				path = append(path, Step{Node: n.id, Edge: n.fallback, Matched: true, Missing: step.Missing})
				next = n.edges[n.fallback].to
				break
			}
			if step.Matched {
				next = e.to
				break
			}
		}
		if next < 0 {
			return Result{Path: path}, fmt.Errorf("rule tree %q, node %q: %w", t.name, n.id, ErrNoMatch)
		}
		n = &t.nodes[next]
	}
	return Result{Value: n.leaf, Path: path}, nil
}

// prepare returns facts with every fact the tree reads in its schema type; a
// fact that cannot be converted is left out, so it counts as missing.
// Callers that pass already-typed facts pay only a type check per fact; the map
// is copied only when something must change, and never written in place since
// it belongs to the caller and may be shared between goroutines.
func (t *Tree) prepare(facts map[string]any) map[string]any {
	var out map[string]any
	for _, f := range t.used {
		v, ok := facts[f.name]
		if !ok || v == nil || hasType(v, f.typ) {
			continue
		}
		if out == nil {
			out = maps.Clone(facts)
		}
		if c, ok := coerce(v, f.typ); ok {
			out[f.name] = c
		} else {
			delete(out, f.name)
		}
	}
	if out == nil {
		return facts
	}
	return out
}

// missingFact returns the first of names that facts lack or hold as null.
func missingFact(facts map[string]any, names []string) string {
	for _, name := range names {
		if v, ok := facts[name]; !ok || v == nil {
			return name
		}
	}
	return ""
}
