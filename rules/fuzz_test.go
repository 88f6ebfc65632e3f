package rules

import (
	"encoding/json"
	"errors"
	"testing"
)

// FuzzCompileEvaluate feeds arbitrary documents and facts through the whole
// pipeline. Whatever the input, nothing may panic, a document that compiles
// must evaluate to a leaf or ErrNoMatch, and a rejected one must say why.
func FuzzCompileEvaluate(f *testing.F) {
	f.Add(`{"name":"t","facts":{"age":"int"},"root":"a","nodes":[{"id":"a","edges":[{"when":"age > 1","to":"b"},{"to":"c"}]},{"id":"b","leaf":"x"},{"id":"c","leaf":"y"}]}`, `{"age":3}`)
	f.Fuzz(func(t *testing.T, docJSON, factsJSON string) {
		doc, err := ParseDocument([]byte(docJSON))
		if err != nil {
			return
		}
		tree, err := Compile(doc, WithLimits(Limits{MaxNodes: 50, MaxEdges: 200}))
		if err != nil {
			var ce *CompileError
			if !errors.As(err, &ce) || len(ce.Problems) == 0 {
				t.Fatalf("compile error without problems: %v", err)
			}
			_ = ce.Error()
			if _, err := json.Marshal(ce.Problems); err != nil {
				t.Fatal(err)
			}
			return
		}
		var facts map[string]any
		_ = json.Unmarshal([]byte(factsJSON), &facts)
		res, err := tree.Evaluate(facts)
		switch {
		case err != nil && !errors.Is(err, ErrNoMatch):
			t.Fatalf("unexpected evaluation error: %v", err)
		case err == nil && res.Value == "":
			t.Fatalf("evaluation reached an empty leaf: %+v", res)
		}
		if _, err := json.Marshal(doc); err != nil {
			t.Fatalf("document does not marshal: %v", err)
		}
	})
}
