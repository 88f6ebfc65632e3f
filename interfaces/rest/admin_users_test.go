package rest_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestProfileEndpoints(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	path := "/api/v1/admin/users/u-7/profile"
	h.must(http.StatusNotFound, h.do(http.MethodGet, path, alice, nil))

	r := h.must(http.StatusOK, h.do(http.MethodPut, path, alice, map[string]any{"attributes": map[string]any{"age": 30, "tags": []string{"vip"}}}))
	assert.Equal(t, "u-7", r.body["user_id"])
	r = h.must(http.StatusOK, h.do(http.MethodGet, path, bob, nil))
	assert.Equal(t, map[string]any{"age": 30.0, "tags": []any{"vip"}}, r.body["attributes"])

	// Attribute names are the marketer's own: two that differ in case are two attributes.
	r = h.must(http.StatusOK, h.do(http.MethodPut, path, alice, `{"attributes":{"VIP":true,"vip":false,"Age":1}}`))
	assert.Equal(t, map[string]any{"VIP": true, "vip": false, "Age": 1.0}, r.body["attributes"])
	h.must(http.StatusBadRequest, h.do(http.MethodPut, path, alice, `{"Attributes":{"age":1}}`))

	// An escaped id names the same user as the plain one.
	h.must(http.StatusOK, h.do(http.MethodPut, "/api/v1/admin/users/user%3A42/profile", alice, map[string]any{"attributes": map[string]any{"age": 9}}))
	r = h.must(http.StatusOK, h.do(http.MethodGet, "/api/v1/admin/users/user:42/profile", bob, nil))
	assert.Equal(t, "user:42", r.body["user_id"])
	// {} clears a profile; leaving attributes out does not.
	r = h.must(http.StatusOK, h.do(http.MethodPut, "/api/v1/admin/users/user:42/profile", alice, map[string]any{"attributes": map[string]any{}}))
	assert.Equal(t, map[string]any{}, r.body["attributes"])

	csv := "user_id,age:int,tags:[]string\nu-7,31,vip|gold\nu-8,,\n"
	r = h.must(http.StatusOK, h.do(http.MethodPost, "/api/v1/admin/users/import", alice, csv, "text/csv"))
	assert.EqualValues(t, 2, r.body["imported"])
	r = h.must(http.StatusOK, h.do(http.MethodGet, path, bob, nil))
	assert.Equal(t, map[string]any{"age": 31.0, "tags": []any{"vip", "gold"}}, r.body["attributes"])
}

func TestProfileRefusals(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tests := []struct {
		name, method, path string
		as                 who
		body               any
		contentType        string
		status             int
		code               string
	}{
		{"nested attribute", http.MethodPut, "/api/v1/admin/users/u1/profile", alice, map[string]any{"attributes": map[string]any{"a": map[string]any{}}}, "", 422, "invalid"},
		{"bad user id", http.MethodPut, "/api/v1/admin/users/a%7Bb%7D/profile", alice, map[string]any{"attributes": map[string]any{}}, "", 422, "invalid"},
		{"unknown field", http.MethodPut, "/api/v1/admin/users/u1/profile", alice, `{"attrs":{}}`, "", 400, "malformed"},
		{"no attributes", http.MethodPut, "/api/v1/admin/users/u1/profile", alice, `{}`, "", 422, "invalid"},
		{"null attributes", http.MethodPut, "/api/v1/admin/users/u1/profile", alice, `{"attributes":null}`, "", 422, "invalid"},
		{"id no token can carry", http.MethodGet, "/api/v1/admin/users/a%20b/profile", alice, nil, "", 422, "invalid"},
		{"user role", http.MethodGet, "/api/v1/admin/users/u1/profile", dave, nil, "", 403, "forbidden"},
		{"import as JSON", http.MethodPost, "/api/v1/admin/users/import", alice, `{}`, "", 415, "unsupported_media_type"},
		{"import with a bad row", http.MethodPost, "/api/v1/admin/users/import", alice, "user_id,age:int\nu1,1\nu2,old\n", "text/csv", 422, "invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var r reply
			if tt.contentType != "" {
				r = h.do(tt.method, tt.path, tt.as, tt.body, tt.contentType)
			} else {
				r = h.do(tt.method, tt.path, tt.as, tt.body)
			}
			assert.Equal(t, tt.status, r.status, "%s", r.raw)
			assert.Equal(t, tt.code, r.errorCode())
		})
	}
	r := h.must(http.StatusUnprocessableEntity, h.do(http.MethodPost, "/api/v1/admin/users/import", alice, "user_id,age:int\nu1,1\nu2,old\n", "text/csv"))
	assert.Equal(t, map[string]string{"rows[3].age": "invalid"}, problemFields(r))
	h.must(http.StatusNotFound, h.do(http.MethodGet, "/api/v1/admin/users/u1/profile", alice, nil))
}

// Whole numbers are kept exact beyond 2^53, as the profile store keeps them.
func TestProfileWholeNumbersStayExact(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	path := "/api/v1/admin/users/u-9/profile"
	body := `{"attributes":{"uid":9007199254740993,"max":9223372036854775807,"score":2.5,"ids":[9007199254740995,"x"]}}`
	h.must(http.StatusOK, h.do(http.MethodPut, path, alice, body, "application/json"))
	r := h.must(http.StatusOK, h.do(http.MethodGet, path, bob, nil))
	for _, want := range []string{`"uid":9007199254740993`, `"max":9223372036854775807`, `"score":2.5`, `"ids":[9007199254740995,"x"]`} {
		assert.Contains(t, string(r.raw), want)
	}
	r = h.do(http.MethodPut, path, alice, `{"attributes":{"huge":1e400}}`, "application/json")
	assert.Equal(t, http.StatusUnprocessableEntity, r.status, "a number no fact can hold: %s", r.raw)
	r = h.do(http.MethodPut, path, alice, `{"attributes":{"big":99999999999999999999999,"ids":[1,-9223372036854775809]}}`, "application/json")
	assert.Equal(t, http.StatusUnprocessableEntity, r.status, "a whole number a float would round: %s", r.raw)
	assert.Contains(t, string(r.raw), "out_of_range")
	r = h.do(http.MethodPut, path, alice, `{"attributes":{"big":1e23}}`, "application/json")
	assert.Equal(t, http.StatusOK, r.status, "written as a float, kept as one: %s", r.raw)
}

// A file saved as Latin-1 is refused at its cell, not imported with U+FFFD in it.
func TestProfileImportRefusesTextThatIsNotUTF8(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.do(http.MethodPost, "/api/v1/admin/users/import", alice, "user_id,city\r\nu1,Z\xfcrich\r\n", "text/csv")
	assert.Equal(t, http.StatusUnprocessableEntity, r.status, "%s", r.raw)
	assert.Contains(t, string(r.raw), `"field":"rows[2].city","code":"invalid_character"`, "rows are numbered by line")
	h.must(http.StatusNotFound, h.do(http.MethodGet, "/api/v1/admin/users/u1/profile", bob, nil))
}
