package rules

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func springRouter(t testing.TB) *Tree {
	t.Helper()
	tree, err := Compile(loadDoc(t, "spring-router.json"))
	require.NoError(t, err)
	return tree
}

func TestEvaluateSpringRouter(t *testing.T) {
	t.Parallel()
	tree := springRouter(t)
	tests := []struct {
		name  string
		facts map[string]any
		want  string
		path  []Step
	}{
		{name: "kid", facts: map[string]any{"age": 12, "gender": "female"}, want: "a-kids",
			path: []Step{{Node: "n1", Edge: 0, Condition: "age < 18", Matched: true}}},
		{name: "vip woman", facts: map[string]any{"age": 30, "gender": "female", "level": 3, "tags": []string{"vip"}}, want: "a-vip",
			path: []Step{
				{Node: "n1", Edge: 0, Condition: "age < 18"},
				{Node: "n1", Edge: 1, Condition: `gender eq "female"`, Matched: true},
				{Node: "n2", Edge: 0, Condition: "level >= 3 && 'vip' in tags", Matched: true},
			}},
		{name: "JSON-typed facts", facts: map[string]any{"age": 30.0, "gender": "female", "level": 3.0, "tags": []any{"new", "vip"}}, want: "a-vip"},
		{name: "woman without level takes the default", facts: map[string]any{"age": 30, "gender": "female", "tags": []string{"vip"}}, want: "a-general",
			path: []Step{
				{Node: "n1", Edge: 0, Condition: "age < 18"},
				{Node: "n1", Edge: 1, Condition: `gender eq "female"`, Matched: true},
				{Node: "n2", Edge: 0, Condition: "level >= 3 && 'vip' in tags", Missing: "level"},
				{Node: "n2", Edge: 1, Matched: true, Missing: "level"},
			}},
		{name: "no facts at all", facts: nil, want: "a-general"},
		{name: "uncoercible fact counts as missing", facts: map[string]any{"age": "old", "gender": "male"}, want: "a-general"},
		{name: "fractional int counts as missing", facts: map[string]any{"age": 12.5}, want: "a-general"},
		{name: "numeric string", facts: map[string]any{"age": "12"}, want: "a-kids"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := tree.Evaluate(tt.facts)
			require.NoError(t, err)
			assert.Equal(t, tt.want, res.Value)
			if tt.path != nil {
				assert.Equal(t, tt.path, res.Path)
			}
		})
	}
}

func TestEvaluateDoesNotModifyFacts(t *testing.T) {
	t.Parallel()
	facts := map[string]any{"age": 30.0, "tags": []any{"vip"}}
	_, err := springRouter(t).Evaluate(facts)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"age": 30.0, "tags": []any{"vip"}}, facts)
}

func TestEvaluateNoMatch(t *testing.T) {
	t.Parallel()
	tree, err := Compile(Document{
		Name: "strict", Facts: map[string]FactType{"age": TypeInt}, Root: "r",
		Nodes: []Node{
			{ID: "r", Edges: []Edge{{When: Expression("age >= 18"), To: "adult"}}},
			{ID: "adult", Leaf: "a1"},
		},
	})
	require.NoError(t, err)

	res, err := tree.Evaluate(map[string]any{"age": 12})
	require.ErrorIs(t, err, ErrNoMatch)
	assert.Contains(t, err.Error(), `node "r"`)
	assert.Empty(t, res.Value)
	assert.Equal(t, []Step{{Node: "r", Edge: 0, Condition: "age >= 18"}}, res.Path)

	_, err = tree.Evaluate(map[string]any{})
	assert.ErrorIs(t, err, ErrNoMatch, "a missing fact must not match")
}

func TestEvaluateRuntimeErrorDoesNotMatch(t *testing.T) {
	t.Parallel()
	tree, err := Compile(Document{
		Facts: map[string]FactType{"tags": TypeStrings}, Root: "r",
		Nodes: []Node{
			{ID: "r", Edges: []Edge{{When: Expression("tags[3] == 'x'"), To: "x"}, {To: "d"}}},
			{ID: "x", Leaf: "x"}, {ID: "d", Leaf: "d"},
		},
	})
	require.NoError(t, err)
	res, err := tree.Evaluate(map[string]any{"tags": []string{"a"}})
	require.NoError(t, err)
	assert.Equal(t, "d", res.Value)
	assert.False(t, res.Path[0].Matched)
	assert.Contains(t, res.Path[0].Error, "out of range")
}

// A range that is not only compared against (a float fact's `in`, which the optimizer
// cannot turn into two comparisons) is built element by element, within the budget.
// Compile refuses such a range now; a stored tree may still hold one.
func TestEvaluateMemoryBudget(t *testing.T) {
	t.Parallel()
	doc := func(upper string) Document {
		return Document{
			Facts: map[string]FactType{"f": TypeFloat}, Root: "r",
			Nodes: []Node{
				{ID: "r", Edges: []Edge{{When: Expression("f in 1.." + upper), To: "x"}, {To: "d"}}},
				{ID: "x", Leaf: "x"}, {ID: "d", Leaf: "d"},
			},
		}
	}
	tree, err := Compile(doc("100"), Stored())
	require.NoError(t, err)
	res, err := tree.Evaluate(map[string]any{"f": 50.0})
	require.NoError(t, err)
	assert.Equal(t, "x", res.Value)

	tree, err = Compile(doc("10000000"), Stored())
	require.NoError(t, err)
	res, err = tree.Evaluate(map[string]any{"f": 50.0})
	require.NoError(t, err)
	assert.Equal(t, "d", res.Value)
	assert.Contains(t, res.Path[0].Error, "memory budget")
}

// The walk's cost bounds an evaluation's work: a tree whose conditions, tried on its
// longest path, could iterate too much is refused, naming the cost.
func TestCompileRefusesACostlyWalk(t *testing.T) {
	t.Parallel()
	var body []string
	for range 30 {
		body = append(body, "len(#) > age")
	}
	costly := "any(tags, " + strings.Join(body, " && ") + ")" // ~15,000: 100 elements of a list fact
	nodes := []Node{}
	for i := range 10 {
		next := fmt.Sprintf("n%d", i+1)
		if i == 9 {
			next = "d"
		}
		nodes = append(nodes, Node{ID: fmt.Sprintf("n%d", i), Edges: []Edge{
			{When: Expression(costly), To: "d"}, {When: Expression(costly), To: "d"}, {To: next}}})
	}
	nodes = append(nodes, Node{ID: "d", Leaf: "d"})
	facts := map[string]FactType{"age": TypeInt, "tags": TypeStrings}
	_, err := Compile(Document{Facts: facts, Root: "n0", Nodes: nodes})
	problems := requireProblems(t, err)
	require.Len(t, problems, 1)
	assert.Equal(t, CodeTooCostly, problems[0].Code)
	assert.Contains(t, problems[0].Message, "more than the limit of 50000")

	_, err = Compile(Document{Facts: facts, Root: "n9", Nodes: nodes[9:]})
	assert.NoError(t, err, "one such node is within the limit")
}

func TestEvaluateDerivedFacts(t *testing.T) {
	t.Parallel()
	tree, err := Compile(Document{
		Root: "r",
		Nodes: []Node{
			{ID: "r", Edges: []Edge{
				{When: Expression("registered_days < 7 && now.Hour() >= 20"), To: "newcomer-night"},
				{When: Compare(FactNow, OpBetween, []string{"2026-11-11T00:00:00+08:00", "2026-11-11T23:59:59+08:00"}), To: "double11"},
				{To: "d"}}},
			{ID: "newcomer-night", Leaf: "n"}, {ID: "double11", Leaf: "s"}, {ID: "d", Leaf: "d"},
		},
	})
	require.NoError(t, err)
	night := time.Date(2026, 5, 1, 21, 0, 0, 0, time.UTC)
	tests := []struct {
		facts map[string]any
		want  string
	}{
		{map[string]any{"registered_days": 3, "now": night}, "n"},
		{map[string]any{"registered_days": 3.0, "now": "2026-05-01T21:00:00Z"}, "n"},
		{map[string]any{"registered_days": 30, "now": "2026-11-11T09:00:00Z"}, "s"},
		{map[string]any{"registered_days": 30, "now": "2026-11-11T16:00:00Z"}, "d"},
		{map[string]any{"registered_days": 3}, "d"},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			res, err := tree.Evaluate(tt.facts)
			require.NoError(t, err)
			assert.Equal(t, tt.want, res.Value)
		})
	}
}

func TestEvaluateConcurrently(t *testing.T) {
	t.Parallel()
	tree := springRouter(t)
	inputs := []struct {
		facts map[string]any
		want  string
	}{
		{map[string]any{"age": 12}, "a-kids"},
		{map[string]any{"age": 30, "gender": "female", "level": 5, "tags": []string{"vip"}}, "a-vip"},
		{map[string]any{"age": 30.0, "gender": "female", "level": 1.0}, "a-general"},
		{map[string]any{}, "a-general"},
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				in := inputs[(g+i)%len(inputs)]
				res, err := tree.Evaluate(in.facts)
				if err != nil || res.Value != in.want {
					errs <- fmt.Errorf("facts %v: got %q, %v; want %q", in.facts, res.Value, err, in.want)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// What a builtin or operator reads is charged too: a list split from a string fact and
// searched by every element of another is refused, though its syntax is short.
func TestCompileChargesWhatBuiltinsRead(t *testing.T) {
	t.Parallel()
	facts := map[string]FactType{"tags": TypeStrings, "s": TypeString}
	doc := func(when string) Document {
		return Document{Facts: facts, Root: "r", Nodes: []Node{
			{ID: "r", Edges: []Edge{{When: Expression(when), To: "x"}, {To: "x"}}}, {ID: "x", Leaf: "x"}}}
	}
	_, err := Compile(doc(`any(tags, # in split(s, ""))`))
	problems := requireProblems(t, err)
	require.Len(t, problems, 1)
	assert.Equal(t, CodeTooCostly, problems[0].Code)
	_, err = Compile(doc(`any(tags, s contains #) || 'vip' in tags`))
	assert.NoError(t, err, "a scan of a string per element is affordable")
}

// A tree saved before a check was added keeps compiling as stored, so a published tree
// goes on routing after an upgrade; saving it again applies every check.
func TestStoredTreesKeepCompiling(t *testing.T) {
	t.Parallel()
	var body []string
	for range 30 {
		body = append(body, "len(#) > age")
	}
	costly := "any(tags, " + strings.Join(body, " && ") + ")"
	doc := Document{Facts: map[string]FactType{"age": TypeInt, "tags": TypeStrings, "max_age": TypeInt}, Root: "r", Nodes: []Node{
		{ID: "r", Edges: []Edge{
			{When: Expression("age in 18..max_age"), To: "x"}, {When: Expression("$env.age > 3"), To: "x"},
			{When: Expression(costly), To: "x"}, {When: Expression(costly), To: "x"}, {When: Expression(costly), To: "x"},
			{When: Expression(costly), To: "x"}, {To: "x"}}},
		{ID: "x", Leaf: "x"}}}
	_, err := Compile(doc)
	problems := requireProblems(t, err)
	assert.Len(t, problems, 2, "the range and $env; the cost is checked once the rest is valid")
	doc.Nodes[0].Edges = doc.Nodes[0].Edges[2:]
	_, err = Compile(doc)
	problems = requireProblems(t, err)
	assert.Equal(t, CodeTooCostly, problems[0].Code)
	doc.Nodes[0].Edges = append([]Edge{{When: Expression("age in 18..max_age"), To: "x"}, {When: Expression("$env.age > 3"), To: "x"}},
		doc.Nodes[0].Edges...)
	tree, err := Compile(doc, Stored())
	require.NoError(t, err)
	res, err := tree.Evaluate(map[string]any{"age": 20, "max_age": 30, "tags": []string{}})
	require.NoError(t, err)
	assert.Equal(t, "x", res.Value)

	// A pathological one does not: the walk's cost is bounded for stored trees too.
	for range 100 {
		doc.Nodes[0].Edges = append([]Edge{{When: Expression(costly), To: "x"}}, doc.Nodes[0].Edges...)
	}
	doc.Nodes[0].Edges = doc.Nodes[0].Edges[:32]
	doc.Nodes[0].Edges = append(doc.Nodes[0].Edges[:31], Edge{To: "x"})
	_, err = Compile(doc, Stored(), WithLimits(Limits{MaxWalkCost: 10_000}))
	problems = requireProblems(t, err)
	assert.Equal(t, CodeTooCostly, problems[0].Code)
}

// The checks added with the cost of patterns, ranges a float is tested against, and
// literal arguments refuse a new tree but not one saved before them.
func TestStoredTreesSkipNewChecks(t *testing.T) {
	t.Parallel()
	facts := map[string]FactType{"score": TypeFloat, "s": TypeString, "birthday": TypeTime}
	for _, src := range []string{
		"score in 0..100",
		`s matches "[a-z]{1,1000}[0-9]{1,100}y"`, // 2,199 instructions
		`now.In(timezone("Mars/Base")).Hour() > 3`,
		`birthday > date("2026-13-45")`,
		`now - birthday > duration("5x")`,
	} {
		t.Run(src, func(t *testing.T) {
			t.Parallel()
			doc := Document{Facts: facts, Root: "r", Nodes: []Node{{ID: "r", Edges: []Edge{when(src, "x"), to("d")}},
				leaf("x"), leaf("d")}}
			_, err := Compile(doc)
			requireProblems(t, err)
			tree, err := Compile(doc, Stored())
			require.NoError(t, err)
			res, err := tree.Evaluate(map[string]any{"score": 50.0, "s": "x", "birthday": "2000-01-01T00:00:00Z", "now": "2026-01-01T00:00:00Z"})
			require.NoError(t, err)
			assert.Contains(t, []string{"activity-x", "activity-d"}, res.Value)
		})
	}

	// A pathological one does not: its pattern's size counts in the walk's cost.
	doc := Document{Facts: facts, Root: "r", Nodes: []Node{{ID: "r", Edges: []Edge{
		when(`s matches "[a-z]{1,1000}[0-9]{1,1000}y"`, "x"), to("x")}}, leaf("x")}}
	_, err := Compile(doc, Stored())
	assert.Equal(t, []where{{CodeTooCostly, "r", NoEdge}}, locate(requireProblems(t, err)))
}
