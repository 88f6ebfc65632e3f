package rules

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var exprFacts = map[string]FactType{
	"age": TypeInt, "score": TypeFloat, "gender": TypeString, "member": TypeBool,
	"birthday": TypeTime, "tags": TypeStrings,
}

func exprDoc(src string) Document {
	return Document{Facts: exprFacts, Root: "r", Nodes: []Node{
		{ID: "r", Edges: []Edge{when("age > 0", "a"), when(src, "b"), to("a")}},
		leaf("a"), leaf("b"),
	}}
}

func TestExpressionProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src          string
		code         string
		line, column int
		message      string
	}{
		{src: "age < 'x'", code: CodeExpressionType, line: 1, column: 5, message: "mismatched types int and string"},
		{src: "age + 1", code: CodeExpressionType, line: 1, column: 1, message: "expected bool"},
		{src: "gender > 3", code: CodeExpressionType, line: 1, column: 8},
		{src: "member &&\n  tags > 1", code: CodeExpressionType, line: 2, column: 8},
		{src: "age >", code: CodeExpressionSyntax, line: 1, column: 5},
		{src: "(age > 1", code: CodeExpressionSyntax, line: 1, column: 8},
		{src: "height > 150", code: CodeUnknownFact, line: 1, column: 1, message: "unknown name height"},
		{src: "age > 1 && weight < 3", code: CodeUnknownFact, line: 1, column: 12},
		{src: "nosuch(age)", code: CodeExpressionType, line: 1, column: 1, message: "unknown function nosuch"},
		{src: "let x = age; x > 1", code: CodeExpressionForbidden, line: 1, column: 5, message: "variables"},
		{src: "len(map(tags, # + #)) > 1", code: CodeExpressionForbidden, line: 1, column: 5, message: "map()"},
		{src: "len(repeat(gender, 1000000)) > 1", code: CodeExpressionForbidden, line: 1, column: 5},
		{src: "len(join(tags, gender)) > 1", code: CodeExpressionForbidden, line: 1, column: 5},
		{src: "reduce(tags, #acc + #, '') != ''", code: CodeExpressionForbidden, line: 1, column: 1},
		{src: "len(toJSON(tags)) > 1", code: CodeExpressionForbidden, line: 1, column: 5},
		{src: "any(tags, all(tags, # != ''))", code: CodeExpressionForbidden, line: 1, column: 11, message: "predicate"},
		{src: "now() > birthday", code: CodeExpressionForbidden, line: 1, column: 1, message: "now()"},
		{src: "$env.age >= 18", code: CodeExpressionForbidden, line: 1, column: 1, message: "$env"},
		{src: "'x' in $env", code: CodeExpressionForbidden, line: 1, column: 8, message: "$env"},
		{src: "any(1..4990, # > age)", code: CodeExpressionForbidden, line: 1, column: 6, message: "range"},
		{src: "age in 1..score", code: CodeExpressionForbidden, line: 1, column: 9, message: "range"},
		{src: "len(1..9) > 2", code: CodeExpressionForbidden, line: 1, column: 6, message: "range"},
		{src: "any(tags, gender matches #)", code: CodeExpressionForbidden, line: 1, column: 18, message: "literal"},
		{src: "score in 0..20000", code: CodeExpressionForbidden, line: 1, column: 11, message: "`score >= 0 && score <= 20000`"},
		{src: "member && score not in -5..5", code: CodeExpressionForbidden, line: 1, column: 26, message: "`score >= -5 && score <= 5`"},
		{src: `now.In(timezone("Mars/Base")).Hour() > 3`, code: CodeExpressionType, line: 1, column: 17, message: "unknown time zone Mars/Base"},
		{src: `birthday > date("2026-13-45")`, code: CodeExpressionType, line: 1, column: 17, message: "fails on every draw"},
		{src: `birthday > date("2026/01/02", "2006-01-02")`, code: CodeExpressionType, line: 1, column: 17, message: "cannot parse"},
		{src: `birthday > date("2026-01-02", "2006-01-02", "Mars/Base")`, code: CodeExpressionType, line: 1, column: 45, message: "unknown time zone"},
		{src: `birthday > date(timezone("Asia/Shanghai"), "2026-13-45")`, code: CodeExpressionType, line: 1, column: 44, message: "fails on every draw"},
		{src: `now - birthday > duration("5x")`, code: CodeExpressionType, line: 1, column: 27, message: `unknown unit "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			_, err := Compile(exprDoc(tt.src))
			problems := requireProblems(t, err)
			require.Len(t, problems, 1, "%v", problems)
			p := problems[0]
			assert.Equal(t, tt.code, p.Code, p.Message)
			assert.Equal(t, "r", p.Node)
			assert.Equal(t, 1, p.Edge)
			assert.Equal(t, "nodes[0].edges[1].when", p.Field)
			assert.Equal(t, tt.line, p.Line, "line")
			assert.Equal(t, tt.column, p.Column, "column")
			assert.Contains(t, p.Message, tt.message)
		})
	}
}

func TestExpressionsAllowed(t *testing.T) {
	t.Parallel()
	facts := map[string]any{
		"age": 30, "score": 4.5, "gender": "female", "member": true,
		"birthday": "1996-03-04T00:00:00Z", "tags": []any{"vip", "new"},
		"now": "2026-11-11T21:00:00+08:00", "registered_days": 3,
	}
	tests := []struct {
		src  string
		want bool
	}{
		{"'vip' in tags", true},
		{"'gold' not in tags", true},
		{"age in 18..30", true},
		{"age >= 18 and age < 30 or member", true},
		{"score > 4 && score <= 5.0", true},
		{"gender startsWith 'fe' && upper(gender) == 'FEMALE'", true},
		{"gender matches '^f.*e$'", true},
		{"any(tags, # startsWith 'v')", true},
		{"count(tags, len(#) == 3) == 2", true},
		{"len(filter(tags, # != 'new')) == 1", true},
		{"birthday < now && birthday.Year() == 1996", true},
		{"now - birthday > duration('8760h')", true},
		{"now.Hour() >= 20 && registered_days < 7", true},
		{"birthday.Day() == 4 ? member : !member", true},
		{"age in -5..30 && age not in 40..+50", true},
		{"tags[0] == 'vip'", true},
		{"score in [4.5, 5.5]", true},
		{`birthday < date("2026-11-11") && birthday > date("1996-03-03 23:00:00")`, true},
		{`birthday == date(timezone("Asia/Shanghai"), "1996-03-04 08:00:00")`, true},
		{`birthday == date("04/03/1996 08:00", "02/01/2006 15:04", "Asia/Shanghai")`, true},
		{`now.In(timezone("Asia/Shanghai")).Hour() == 21 && now.In(timezone("Asia//Shanghai")).Hour() == 21`, true},
		{`now - birthday > duration("1h30m")`, true},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			tree, err := Compile(Document{Facts: exprFacts, Root: "r", Nodes: []Node{
				{ID: "r", Edges: []Edge{when(tt.src, "yes"), to("no")}}, leaf("yes"), leaf("no"),
			}})
			require.NoError(t, err)
			res, err := tree.Evaluate(facts)
			require.NoError(t, err)
			assert.Equal(t, tt.want, res.Value == "activity-yes", "%+v", res.Path)
		})
	}
}

func TestFastPathsReplaceReflection(t *testing.T) {
	t.Parallel()
	tree, err := Compile(exprDoc("'vip' in tags && now.Hour() >= 20 && birthday.Weekday() == now.Weekday()"))
	require.NoError(t, err)
	code := tree.nodes[0].edges[1].test.(*exprTest).program.Disassemble()
	for _, fn := range []string{inStringsFunc, "$timeHour", "$timeWeekday"} {
		assert.Contains(t, code, fn)
	}
	res, err := tree.Evaluate(map[string]any{"age": 1, "tags": []string{"vip"},
		"now": "2026-11-11T21:00:00Z", "birthday": "2026-11-04T00:00:00Z"})
	require.NoError(t, err)
	assert.Equal(t, "activity-a", res.Value, "first edge wins")
	res, err = tree.Evaluate(map[string]any{"age": 0, "tags": []string{"vip"},
		"now": "2026-11-11T21:00:00Z", "birthday": "2026-11-04T00:00:00Z"})
	require.NoError(t, err)
	assert.Equal(t, "activity-b", res.Value, "%+v", res.Path)
}
