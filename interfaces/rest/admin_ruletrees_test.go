package rest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const trees = "/api/v1/admin/rule-trees"

// routerDoc is API.md's example tree with every leaf at activity.
func routerDoc(activity string) map[string]any {
	return map[string]any{
		"name": "spring-router", "facts": map[string]any{"age": "int", "gender": "string", "level": "int", "tags": "[]string"},
		"root": "n1",
		"nodes": []any{
			map[string]any{"id": "n1", "edges": []any{
				map[string]any{"when": "age < 18", "to": "kids"},
				map[string]any{"when": map[string]any{"fact": "gender", "op": "eq", "value": "female"}, "to": "n2"},
				map[string]any{"to": "general"}}},
			map[string]any{"id": "n2", "edges": []any{map[string]any{"when": "level >= 3 && 'vip' in tags", "to": "vip"}, map[string]any{"to": "general"}}},
			map[string]any{"id": "kids", "leaf": activity}, map[string]any{"id": "vip", "leaf": activity}, map[string]any{"id": "general", "leaf": activity},
		},
	}
}

func TestRuleTreesCoverage(t *testing.T) {
	t.Parallel()
	checkRouteCoverage(t, newHarness(t))
}

func TestRuleTreeEndpoints(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	act := h.activity()

	r := h.must(http.StatusOK, h.do(http.MethodPost, trees+"/validate", alice, routerDoc(act)))
	assert.Equal(t, true, r.body["valid"])

	r = h.must(http.StatusCreated, h.do(http.MethodPost, trees, alice, routerDoc(act)))
	id := r.body["id"].(string)
	assert.Equal(t, trees+"/"+id, r.header.Get("Location"))
	assert.EqualValues(t, 1, r.body["version"])
	assert.EqualValues(t, 1, r.body["versions"])
	assert.Nil(t, r.body["live_version"])
	assert.Equal(t, false, r.body["default"])
	assert.Equal(t, "alice", r.body["saved_by"])
	assert.Equal(t, "spring-router", r.body["document"].(map[string]any)["name"])

	v2 := routerDoc(act)
	v2["name"] = "summer-router"
	r = h.must(http.StatusOK, h.do(http.MethodPut, trees+"/"+id, carol, v2))
	assert.EqualValues(t, 2, r.body["version"])
	assert.Equal(t, "summer-router", r.body["name"])

	r = h.must(http.StatusOK, h.do(http.MethodGet, trees+"/"+id, alice, nil))
	assert.EqualValues(t, 2, r.body["version"], "the latest by default")
	r = h.must(http.StatusOK, h.do(http.MethodGet, trees+"/"+id+"?version=1", alice, nil))
	assert.Equal(t, "spring-router", r.body["document"].(map[string]any)["name"])
	assert.Equal(t, "summer-router", r.body["name"], "the tree is named after its latest version")

	r = h.must(http.StatusForbidden, h.do(http.MethodPost, trees+"/"+id+"/publish", alice, map[string]any{"version": 1}))
	assert.Equal(t, "forbidden", r.errorCode())
	assert.Equal(t, map[string]any{"scope": "action", "reason": "role", "roles": []any{"admin"}}, r.errorDetails(),
		"a marketer may use the rule tree routes, only not publish")
	r = h.must(http.StatusOK, h.do(http.MethodPost, trees+"/"+id+"/publish", bob, map[string]any{"version": 1, "default": true}))
	assert.EqualValues(t, 1, r.body["live_version"])
	assert.Equal(t, true, r.body["default"])
	assert.EqualValues(t, 1, r.body["version"], "the answer shows the version published, not the latest")
	assert.Equal(t, "spring-router", r.body["document"].(map[string]any)["name"])

	r = h.must(http.StatusOK, h.do(http.MethodGet, trees+"?limit=1", alice, nil))
	items := r.body["items"].([]any)
	require.Len(t, items, 1)
	assert.Equal(t, id, items[0].(map[string]any)["id"])
	assert.EqualValues(t, 2, items[0].(map[string]any)["versions"])
	assert.NotContains(t, items[0], "document")

	r = h.must(http.StatusOK, h.do(http.MethodPost, trees+"/"+id+"/evaluate", alice,
		map[string]any{"facts": map[string]any{"age": 30, "gender": "female", "level": 3, "tags": []string{"vip"}}, "version": 1}))
	assert.Equal(t, act, r.body["value"])
	assert.EqualValues(t, 1, r.body["version"])
	path := r.body["path"].([]any)
	require.Len(t, path, 3)
	assert.Equal(t, map[string]any{"node": "n1", "edge": 1.0, "condition": `gender eq "female"`, "matched": true}, path[1])

	// Facts no larger than a profile's: conditions are priced for those.
	r = h.must(http.StatusUnprocessableEntity, h.do(http.MethodPost, trees+"/"+id+"/evaluate", alice,
		map[string]any{"facts": map[string]any{"tags": make([]string, 101), "gender": strings.Repeat("x", 1025)}, "version": 1}))
	assert.Equal(t, map[string]string{"facts.tags": "too_many", "facts.gender": "too_long"}, problemFields(r))
}

func TestEvaluateWithoutMatch(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	act := h.activity()
	doc := map[string]any{"name": "strict", "facts": map[string]any{"age": "int"}, "root": "r", "nodes": []any{
		map[string]any{"id": "r", "edges": []any{map[string]any{"when": "age >= 18", "to": "a"}}},
		map[string]any{"id": "a", "leaf": act},
	}}
	id := h.must(http.StatusCreated, h.do(http.MethodPost, trees, alice, doc)).body["id"].(string)
	r := h.must(http.StatusNotFound, h.do(http.MethodPost, trees+"/"+id+"/evaluate", alice, map[string]any{"facts": map[string]any{"age": 3}}))
	assert.Equal(t, "no_matching_activity", r.errorCode())
	details := r.body["error"].(map[string]any)["details"].(map[string]any)
	assert.Equal(t, []any{map[string]any{"node": "r", "edge": 0.0, "condition": "age >= 18", "matched": false}}, details["path"])
}

func TestRuleTreeRefusals(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	act := h.activity()
	id := h.must(http.StatusCreated, h.do(http.MethodPost, trees, alice, routerDoc(act))).body["id"].(string)
	bad := routerDoc("12345")
	bad["nodes"].([]any)[0].(map[string]any)["edges"].([]any)[0].(map[string]any)["when"] = "age <"
	tests := []struct {
		name, method, path string
		as                 who
		body               any
		status             int
		code               string
	}{
		{"validate: problems", http.MethodPost, trees + "/validate", alice, bad, 422, "invalid"},
		{"create: problems", http.MethodPost, trees, alice, bad, 422, "invalid"},
		{"create: unknown field", http.MethodPost, trees, alice, `{"name":"x","rooot":"r"}`, 400, "malformed"},
		{"create: user role", http.MethodPost, trees, dave, routerDoc(act), 403, "forbidden"},
		{"list: bad cursor", http.MethodGet, trees + "?cursor=nope", alice, nil, 400, "malformed"},
		{"get: unknown", http.MethodGet, trees + "/42", alice, nil, 404, "not_found"},
		{"get: unknown version", http.MethodGet, trees + "/" + id + "?version=9", alice, nil, 404, "not_found"},
		{"get: bad version", http.MethodGet, trees + "/" + id + "?version=x", alice, nil, 400, "malformed"},
		{"update: unknown", http.MethodPut, trees + "/42", alice, routerDoc(act), 404, "not_found"},
		{"update: problems", http.MethodPut, trees + "/" + id, alice, bad, 422, "invalid"},
		{"publish: nothing asked", http.MethodPost, trees + "/" + id + "/publish", bob, map[string]any{}, 422, "invalid"},
		{"publish: unknown version", http.MethodPost, trees + "/" + id + "/publish", bob, map[string]any{"version": 7}, 422, "invalid"},
		{"publish: default unpublished", http.MethodPost, trees + "/" + id + "/publish", bob, map[string]any{"default": true}, 409, "not_published"},
		{"publish: unknown tree", http.MethodPost, trees + "/42/publish", bob, map[string]any{"version": 1}, 404, "not_found"},
		{"evaluate: bad fact", http.MethodPost, trees + "/" + id + "/evaluate", alice, map[string]any{"facts": map[string]any{"age": "old"}}, 422, "invalid"},
		{"evaluate: a list fact larger than a profile's", http.MethodPost, trees + "/" + id + "/evaluate", alice,
			map[string]any{"facts": map[string]any{"tags": make([]string, 101)}}, 422, "invalid"},
		{"evaluate: unknown version", http.MethodPost, trees + "/" + id + "/evaluate", alice, map[string]any{"version": 5}, 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := h.do(tt.method, tt.path, tt.as, tt.body)
			assert.Equal(t, tt.status, r.status, "%s", r.raw)
			assert.Equal(t, tt.code, r.errorCode())
		})
	}
}

// TestRuleTreeProblemsArePositioned: a 422 names the node, edge, field and position of
// each problem, leaves naming no activity included.
func TestRuleTreeProblemsArePositioned(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	doc := routerDoc("12345")
	doc["nodes"].([]any)[1].(map[string]any)["edges"].([]any)[0].(map[string]any)["when"] = "level >= 3 &&"
	r := h.must(http.StatusUnprocessableEntity, h.do(http.MethodPost, trees+"/validate", alice, doc))
	problems := r.body["error"].(map[string]any)["details"].(map[string]any)["problems"].([]any)
	byField := map[string]map[string]any{}
	for _, p := range problems {
		m := p.(map[string]any)
		byField[m["field"].(string)] = m
	}
	syntax := byField["nodes[1].edges[0].when"]
	require.NotNil(t, syntax, "%s", r.raw)
	assert.Equal(t, "expression_syntax", syntax["code"])
	assert.Equal(t, "n2", syntax["node"])
	assert.EqualValues(t, 0, syntax["edge"])
	assert.Positive(t, syntax["column"])
	for _, leaf := range []string{"nodes[2].leaf", "nodes[3].leaf", "nodes[4].leaf"} {
		assert.Equal(t, "unknown_activity", byField[leaf]["code"], leaf)
	}
}

// TestEvaluateMissingFactTakesTheDefault: API.md, "a fact missing at evaluation takes the
// default edge". Without age, n1 goes to general although the later edges lead to vip,
// and the path says which fact was missing.
func TestEvaluateMissingFactTakesTheDefault(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	kids, vip, general := h.activity(), h.activity(), h.activity()
	doc := routerDoc(kids)
	nodes := doc["nodes"].([]any)
	nodes[3].(map[string]any)["leaf"] = vip
	nodes[4].(map[string]any)["leaf"] = general
	id := h.must(http.StatusCreated, h.do(http.MethodPost, trees, alice, doc)).body["id"].(string)
	evaluate := trees + "/" + id + "/evaluate"

	ageMissing := []any{
		map[string]any{"node": "n1", "edge": 0.0, "condition": "age < 18", "matched": false, "missing": "age"},
		map[string]any{"node": "n1", "edge": 2.0, "condition": "", "matched": true, "missing": "age"},
	}
	for _, facts := range []map[string]any{
		{"gender": "female", "level": 5, "tags": []string{"vip"}},
		{"age": nil, "gender": "female", "level": 5, "tags": []string{"vip"}},
	} {
		r := h.must(http.StatusOK, h.do(http.MethodPost, evaluate, alice, map[string]any{"facts": facts}))
		assert.Equal(t, general, r.body["value"], "facts %v", facts)
		assert.Equal(t, ageMissing, r.body["path"], "facts %v", facts)
	}

	r := h.must(http.StatusOK, h.do(http.MethodPost, evaluate, alice,
		map[string]any{"facts": map[string]any{"age": 30, "gender": "female", "level": 5, "tags": []string{"vip"}}}))
	assert.Equal(t, vip, r.body["value"], "with every fact given the tree still routes")
}

func TestEvaluateMissingFactWithoutDefault(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	act := h.activity()
	doc := map[string]any{"name": "strict", "facts": map[string]any{"age": "int", "member": "bool"}, "root": "r", "nodes": []any{
		map[string]any{"id": "r", "edges": []any{
			map[string]any{"when": "age >= 18", "to": "a"},
			map[string]any{"when": map[string]any{"fact": "member", "op": "eq", "value": true}, "to": "a"}}},
		map[string]any{"id": "a", "leaf": act},
	}}
	id := h.must(http.StatusCreated, h.do(http.MethodPost, trees, alice, doc)).body["id"].(string)
	r := h.must(http.StatusNotFound, h.do(http.MethodPost, trees+"/"+id+"/evaluate", alice,
		map[string]any{"facts": map[string]any{"member": true}}))
	assert.Equal(t, "no_matching_activity", r.errorCode())
	e := r.body["error"].(map[string]any)
	assert.Contains(t, e["message"], `fact "age" is missing`)
	assert.Equal(t, []any{map[string]any{"node": "r", "edge": 0.0, "condition": "age >= 18", "matched": false, "missing": "age"}},
		e["details"].(map[string]any)["path"])
}

// TestRuleTreeVersionMustBeANumber: a version given is a version number; left out, it
// keeps its meaning (publish: keep the live one; evaluate: the latest).
func TestRuleTreeVersionMustBeANumber(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	act := h.activity()
	id := h.must(http.StatusCreated, h.do(http.MethodPost, trees, alice, routerDoc(act))).body["id"].(string)
	facts := map[string]any{"age": 12}
	for _, tt := range []struct {
		path string
		as   who
		body map[string]any
	}{
		{"/publish", bob, map[string]any{"version": 0}},
		{"/publish", bob, map[string]any{"version": 0, "default": false}},
		{"/publish", bob, map[string]any{"version": -1, "default": true}},
		{"/evaluate", alice, map[string]any{"version": 0, "facts": facts}},
		{"/evaluate", alice, map[string]any{"version": -2, "facts": facts}},
	} {
		r := h.must(http.StatusUnprocessableEntity, h.do(http.MethodPost, trees+"/"+id+tt.path, tt.as, tt.body))
		assert.Equal(t, map[string]string{"version": "out_of_range"}, problemFields(r), "%s %v", tt.path, tt.body)
		assert.Contains(t, string(r.raw), "version must be a version number, 1 or more", "%s %v", tt.path, tt.body)
	}

	r := h.must(http.StatusOK, h.do(http.MethodPost, trees+"/"+id+"/evaluate", alice, map[string]any{"facts": facts}))
	assert.EqualValues(t, 1, r.body["version"], "left out, the latest")
	h.must(http.StatusOK, h.do(http.MethodPost, trees+"/"+id+"/publish", bob, map[string]any{"version": 1}))
	r = h.must(http.StatusOK, h.do(http.MethodPost, trees+"/"+id+"/publish", bob, map[string]any{"default": true}))
	assert.EqualValues(t, 1, r.body["live_version"], "left out, the live version stays")
}

// TestRuleTreeMessagesNameNoGoTypes: messages speak of JSON values, not Go types.
func TestRuleTreeMessagesNameNoGoTypes(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	act := h.activity()
	bad := routerDoc(act)
	bad["nodes"].([]any)[0].(map[string]any)["edges"].([]any)[1].(map[string]any)["when"] = map[string]any{"fact": "tags", "op": "contains", "value": 5}
	r := h.must(http.StatusUnprocessableEntity, h.do(http.MethodPost, trees+"/validate", alice, bad))
	problems := r.body["error"].(map[string]any)["details"].(map[string]any)["problems"].([]any)
	require.Len(t, problems, 1)
	assert.Equal(t, "tags contains: want a string, got the number 5", problems[0].(map[string]any)["message"])

	id := h.must(http.StatusCreated, h.do(http.MethodPost, trees, alice, routerDoc(act))).body["id"].(string)
	r = h.must(http.StatusUnprocessableEntity, h.do(http.MethodPost, trees+"/"+id+"/evaluate", alice,
		map[string]any{"facts": map[string]any{"age": "old"}}))
	problems = r.body["error"].(map[string]any)["details"].(map[string]any)["problems"].([]any)
	require.Len(t, problems, 1)
	assert.Equal(t, `fact "age" must be a whole number, not the string "old"`, problems[0].(map[string]any)["message"])
}

// Facts given to evaluate keep whole numbers exact beyond 2^53.
func TestEvaluateWholeNumbersStayExact(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	act, other := h.activity(), h.activity()
	doc := map[string]any{"name": "ids", "facts": map[string]any{"uid": "int"}, "root": "n1", "nodes": []any{
		map[string]any{"id": "n1", "edges": []any{map[string]any{"when": "uid == 9007199254740993", "to": "hit"}, map[string]any{"to": "miss"}}},
		map[string]any{"id": "hit", "leaf": act}, map[string]any{"id": "miss", "leaf": other}}}
	id := h.must(http.StatusCreated, h.do(http.MethodPost, trees, alice, doc)).body["id"].(string)
	r := h.must(http.StatusOK, h.do(http.MethodPost, trees+"/"+id+"/evaluate", alice, `{"facts":{"uid":9007199254740993}}`, "application/json"))
	assert.Equal(t, act, r.body["value"])
	r = h.must(http.StatusOK, h.do(http.MethodPost, trees+"/"+id+"/evaluate", alice, `{"facts":{"uid":9007199254740992}}`, "application/json"))
	assert.Equal(t, other, r.body["value"], "the neighbour does not match")
}
