package testkit

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const tinyDoc = `{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/api/v1/things": {"get": {
  "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object",
    "required": ["n"], "properties": {"n": {"type": "integer"}}}}}}}}}}}`

// A reply is held to its operation; an answer from a route the document lacks is a
// departure unless it says the route is unknown.
func TestContractCheck(t *testing.T) {
	t.Parallel()
	c, err := NewContract([]byte(tinyDoc))
	require.NoError(t, err)
	json := http.Header{"Content-Type": {"application/json"}}
	get := func(path string) *http.Request { return httptest.NewRequest(http.MethodGet, path, nil) }

	assert.NoError(t, c.Check(get("/api/v1/things"), 200, json, []byte(`{"n": 1}`)))
	assert.Error(t, c.Check(get("/api/v1/things"), 200, json, []byte(`{"n": "one"}`)), "body unlike its schema")
	assert.Error(t, c.Check(get("/api/v1/things"), 409, json, []byte(`{}`)), "undocumented status")
	assert.NoError(t, c.Check(get("/api/v1/things"), 500, json, []byte(`{}`)), "any operation may fail")
	assert.NoError(t, c.Check(get("/api/v1/nothing"), 404, json, []byte(`{}`)), "unknown path")
	assert.ErrorContains(t, c.Check(get("/api/v1/nothing"), 200, json, []byte(`{}`)), "no such operation", "an undocumented route")
	assert.NoError(t, c.Check(get("/healthz"), 200, nil, nil), "outside /api/")
}
