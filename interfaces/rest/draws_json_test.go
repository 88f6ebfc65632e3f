package rest

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/lottery-go/lottery/domain/draw"
)

func TestGrantedContentAsAPIShowsIt(t *testing.T) {
	t.Parallel()
	cases := []struct {
		delivered map[string]string
		want      map[string]any
	}{
		{map[string]string{"points": "100"}, map[string]any{"points": int64(100)}},
		{map[string]string{"code": "X7K2-0001"}, map[string]any{"code": "X7K2-0001"}},
		{map[string]string{"text": "Thanks!"}, map[string]any{"text": "Thanks!"}},
	}
	for _, tc := range cases {
		o := draw.Order{Outcome: draw.OutcomeWin, GrantState: draw.GrantGranted, Delivered: tc.delivered}
		assert.Equal(t, tc.want, orderJSON(o, nil).Award.Content)
	}
	pending := draw.Order{Outcome: draw.OutcomeWin, GrantState: draw.GrantPending, Delivered: map[string]string{"code": "secret"}}
	assert.Nil(t, orderJSON(pending, nil).Award.Content, "nothing is shown before it is granted")
}

func TestDrawBodyIsReadStrictly(t *testing.T) {
	t.Parallel()
	cases := []struct {
		body, activity, tree, err string
	}{
		{``, "", "", ""},
		{`{}`, "", "", ""},
		{`{"activity_id":"42"}`, "42", "", ""},
		{`{"activity_id":"42"}` + "\r\n", "42", "", ""},
		{` {"activity_id": "42"} `, "42", "", ""},
		{`{"activity_id":"007"}`, "007", "", ""},
		{`{"activity_id":"4x2"}`, "4x2", "", ""},
		{`{"activity_id":"42"} trailing`, "", "", "unexpected data after the JSON value"},
		{`{"activity_id":"42"} {"x":1}`, "", "", "unexpected data after the JSON value"},
		{`{"ACTIVITY_ID":"42"}`, "", "", `unknown field "ACTIVITY_ID"`},
		{`{"Tree_Id":"9"}`, "", "", `unknown field "Tree_Id"`},
		{`null`, "", "", "not null"},
		{`[]`, "", "", "the body must be an object, not JSON array"},
		{"  \n", "", "", ""},
		{`{"activity_id":""}`, "", "", "422 invalid"},
		{`{"tree_id":""}`, "", "", "422 invalid"},
		{`{"activity_id":null}`, "", "", "activity_id must be a string of digits, not JSON null (ids are quoted: \"123\")"},
		{`{"activity_id":"1","tree_id":""}`, "", "", "422 invalid"},
		{`{"activity_id":"1","tree_id":"2"}`, "", "", "not both"},
		{`{"tree_id":"9"}`, "", "9", ""},
		{`{"activity_id":"42","user_id":"someone else"}`, "", "", `unknown field "user_id"`},
		{`{"activity_id":42}`, "", "", "activity_id must be a string of digits, not JSON number (ids are quoted: \"123\")"},
		{`{"activity_id":"` + strings.Repeat("9", 200) + `"}`, strings.Repeat("9", 200), "", ""},
		{`{"activity_id":`, "", "", "ends in the middle of a JSON value"},
	}
	for _, tc := range cases {
		got, err := decodeDrawBody(strings.NewReader(tc.body))
		if tc.err != "" {
			assert.ErrorContains(t, err, tc.err, tc.body)
			continue
		}
		if assert.NoError(t, err, tc.body) {
			assert.Equal(t, drawBody{ActivityID: tc.activity, TreeID: tc.tree}, got, tc.body)
		}
	}
}

// A user is told a grant failed and what to do, not the operators' reason, which may name
// settings or quote a partner's answer.
func TestFailedGrantIsWordedForTheUser(t *testing.T) {
	t.Parallel()
	failed := draw.Order{Outcome: draw.OutcomeWin, GrantState: draw.GrantFailed,
		GrantError: "permanent grant failure: no webhook secret is configured (grants.webhook_secret)"}
	assert.Equal(t, failedGrant, orderJSON(failed, nil).GrantError)
	pending := draw.Order{Outcome: draw.OutcomeWin, GrantState: draw.GrantPending}
	assert.Empty(t, orderJSON(pending, nil).GrantError)
}

// An id has one spelling: the one the API writes.
func TestIDsAreReadOnlyAsWritten(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"1", "42", "9223372036854775807"} {
		_, ok := canonicalID(s)
		assert.True(t, ok, s)
	}
	for _, s := range []string{"", "0", "+42", "042", "-1", " 42", "42 ", "4_2", "9223372036854775808", "abc"} {
		_, ok := canonicalID(s)
		assert.False(t, ok, "%q", s)
	}
}

// Half of a surrogate pair, escaped, is valid UTF-8 but no character: it is found, pairs
// and escaped backslashes are not mistaken for it.
func TestLoneSurrogatesAreFound(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]int{
		`{"name":"plain"}`:              -1,
		`{"name":"\u00e9 \u4e2d"}`:      -1,
		`{"name":"\ud83d\ude00 smile"}`: -1,
		`{"name":"a\\ud800"}`:           -1, // an escaped backslash, then text
		`{"name":"\ud800"}`:             9,
		`{"name":"x\udc00"}`:            10,
		`{"name":"\ud83d\u0041"}`:       9,
		`{"name":"\ud83d`:               9,
		`{"a":"\"","b":"\ud800"}`:       15,
	} {
		assert.Equal(t, want, loneSurrogateAt([]byte(body)), body)
	}
}
