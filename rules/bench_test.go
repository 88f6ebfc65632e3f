package rules

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// benchFacts reaches vip-general, the longest way through the ten-node tree:
// six edges tried, three of them expressions, two structured.
func benchFacts() map[string]any {
	return map[string]any{
		"age": 30, "gender": "female", "level": 4, "tags": []string{"new", "vip"},
		"city": "hangzhou", "spent": 420.0, "member": true,
		"now": time.Date(2026, 11, 11, 10, 0, 0, 0, time.UTC), "registered_days": 200,
	}
}

func TestTenNodeTree(t *testing.T) {
	t.Parallel()
	tree, err := Compile(loadDoc(t, "ten-nodes.json"))
	require.NoError(t, err)
	res, err := tree.Evaluate(benchFacts())
	require.NoError(t, err)
	require.Equal(t, "a-vip-general", res.Value)
	require.Len(t, res.Path, 6)
}

func BenchmarkEvaluate10Nodes(b *testing.B) {
	tree, err := Compile(loadDoc(b, "ten-nodes.json"))
	require.NoError(b, err)
	facts := benchFacts()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tree.Evaluate(facts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvaluate10NodesJSONFacts pays for coercion, as a caller passing
// facts straight from decoded JSON does.
func BenchmarkEvaluate10NodesJSONFacts(b *testing.B) {
	tree, err := Compile(loadDoc(b, "ten-nodes.json"))
	require.NoError(b, err)
	var facts map[string]any
	require.NoError(b, json.Unmarshal([]byte(`{"age":30,"gender":"female","level":4,"tags":["new","vip"],
		"city":"hangzhou","spent":420,"member":true,"now":"2026-11-11T10:00:00Z","registered_days":200}`), &facts))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tree.Evaluate(facts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEvaluate10NodesParallel(b *testing.B) {
	tree, err := Compile(loadDoc(b, "ten-nodes.json"))
	require.NoError(b, err)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		facts := benchFacts()
		for pb.Next() {
			if _, err := tree.Evaluate(facts); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkCompile10Nodes(b *testing.B) {
	data, err := os.ReadFile("testdata/ten-nodes.json")
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		doc, err := ParseDocument(data)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Compile(doc); err != nil {
			b.Fatal(err)
		}
	}
}
