package rules

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func loadDoc(t testing.TB, name string) Document {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	require.NoError(t, err)
	doc, err := ParseDocument(data)
	require.NoError(t, err)
	return doc
}

func TestDocumentRoundTrip(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("testdata/spring-router.json")
	require.NoError(t, err)
	doc, err := ParseDocument(raw)
	require.NoError(t, err)

	assert.Equal(t, "age < 18", doc.Nodes[0].Edges[0].When.Expr)
	assert.Equal(t, Compare("gender", OpEq, "female"), doc.Nodes[0].Edges[1].When)
	assert.Nil(t, doc.Nodes[0].Edges[2].When)

	out, err := json.Marshal(doc)
	require.NoError(t, err)
	assert.JSONEq(t, string(raw), string(out))

	again, err := ParseDocument(out)
	require.NoError(t, err)
	assert.Equal(t, doc, again)
}

// A tree that declares no facts says so with an empty object, as the API documents.
func TestNoFactsAreAnEmptyObject(t *testing.T) {
	t.Parallel()
	out, err := json.Marshal(Document{Name: "x", Root: "n", Nodes: []Node{{ID: "n", Leaf: "1"}}})
	require.NoError(t, err)
	assert.Contains(t, string(out), `"facts":{}`)
	out, err = json.Marshal(&Document{Facts: map[string]FactType{"age": TypeInt}})
	require.NoError(t, err)
	assert.Contains(t, string(out), `"facts":{"age":"int"}`)
}

func TestConditionJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    Condition
		wantErr bool // malformed
	}{
		{name: "expression", in: `"age < 18"`, want: Condition{Expr: "age < 18"}},
		{name: "structured", in: `{"fact":"age","op":"between","value":[18,30]}`,
			want: Condition{Fact: "age", Op: OpBetween, Value: []any{json.Number("18"), json.Number("30")}}},
		{name: "big integer stays exact", in: `{"fact":"id","op":"eq","value":9007199254740993}`,
			want: Condition{Fact: "id", Op: OpEq, Value: json.Number("9007199254740993")}},
		{name: "empty string", in: `""`, want: Condition{}},
		{name: "unknown key", in: `{"fact":"age","op":"eq","vaule":1}`, wantErr: true},
		{name: "a key in another case", in: `{"Fact":"age","op":"eq","value":1}`, wantErr: true},
		{name: "a key again in another case", in: `{"fact":"age","op":"gt","value":1,"Fact":"gender","OP":"eq","VALUE":"f"}`,
			wantErr: true},
		{name: "a key twice", in: `{"fact":"age","op":"eq","value":1,"fact":"gender"}`, wantErr: true},
		{name: "number", in: `42`, wantErr: true},
		{name: "array", in: `["age"]`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var c Condition
			err := json.Unmarshal([]byte(tt.in), &c)
			if tt.wantErr {
				// Decoded, to be reported at its edge by Compile with the document's
				// other problems rather than failing the whole body.
				require.NoError(t, err)
				assert.NotEmpty(t, c.malformed)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, c)
			out, err := json.Marshal(c)
			require.NoError(t, err)
			assert.JSONEq(t, tt.in, string(out))
		})
	}
}

func TestConditionString(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "age < 18", Expression("age < 18").String())
	assert.Equal(t, `gender eq "female"`, Compare("gender", OpEq, "female").String())
	assert.Equal(t, `age between [18,30]`, Compare("age", OpBetween, []int{18, 30}).String())
}

func TestMalformedConditionIsReportedAtItsEdge(t *testing.T) {
	t.Parallel()
	doc, err := ParseDocument([]byte(`{"name":"t","facts":{"age":"int"},"root":"r","nodes":[
		{"id":"r","edges":[{"when":5,"to":"a"},{"when":{"fact":"age","op":"eq","vaule":1},"to":"a"},{"to":"a"}]},
		{"id":"a","leaf":"1"}]}`))
	require.NoError(t, err)
	_, err = Compile(doc)
	problems := requireProblems(t, err)
	require.Len(t, problems, 2)
	for j, p := range problems {
		assert.Equal(t, CodeMalformedCondition, p.Code)
		assert.Equal(t, fmt.Sprintf("nodes[0].edges[%d].when", j), p.Field)
		assert.Equal(t, "r", p.Node)
	}
	assert.Contains(t, problems[1].Message, "vaule")
}
