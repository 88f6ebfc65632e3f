package bench

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDrawAnswerReadLikeEncodingJSON(t *testing.T) {
	t.Parallel()
	bodies := []string{
		`{"order_id":"71","activity_id":"9","outcome":"lose","quota":{"left_total":-1,"left_today":3},"grant_state":"none","created_at":"2026-11-23T08:30:01.123456Z"}` + "\n",
		`{"order_id":"72","activity_id":"9","outcome":"win","award":{"id":"4","name":"Grand prize","kind":"text"},"quota":{"left_total":1,"left_today":0},"grant_state":"pending","created_at":"2026-11-23T08:30:01Z"}`,
		`{"order_id":"73","activity_id":"9","outcome":"win","award":{"id":"5","name":"100 points","kind":"points","content":{"points":100}},"grant_state":"granted","created_at":"2026-11-23T08:30:01Z"}`,
		`{"order_id":"74","outcome":"win","award":{"id":"6","name":"\"5 €\" \u003cb\u003e","kind":"text"},"grant_state":"pending"}`,
		"{\n  \"order_id\": \"75\",\n  \"outcome\": \"win\",\n  \"award\": {\n    \"id\": \"7\",\n    \"name\": \"Mug\"\n  }\n}\n",
		`{"outcome":"win","award":{"name":"No id first","id":"8"},"order_id":"76"}`,
		`{"order_id":"77","outcome":"lose","award":null}`,
		`{"order_id":"78"}`,
		`{}`,
	}
	for _, body := range bodies {
		var want, got drawAnswer
		require.NoError(t, json.Unmarshal([]byte(body), &want), body)
		require.NoError(t, decodeDraw([]byte(body), &got), body)
		assert.Equal(t, want, got, body)
	}
	var got drawAnswer
	assert.Error(t, decodeDraw([]byte(`{"order_id":"79","outcome":"win"`), &got), "cut short")
}

func BenchmarkDrawAnswerRead(b *testing.B) {
	body := []byte(`{"order_id":"712345678901234567","activity_id":"712345678901234000","outcome":"win","award":{"id":"712345678901234001","name":"$5 coupon","kind":"text"},"quota":{"left_total":9,"left_today":3},"grant_state":"pending","created_at":"2026-11-23T08:30:01.123456Z"}` + "\n")
	b.Run("encoding_json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var d drawAnswer
			_ = json.Unmarshal(body, &d)
		}
	})
	b.Run("by_hand", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var d drawAnswer
			_ = decodeDraw(body, &d)
		}
	})
}
