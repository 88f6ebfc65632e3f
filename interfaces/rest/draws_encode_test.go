package rest

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/application/drawing"
	"github.com/lottery-go/lottery/domain/draw"
)

func TestDrawAnswerIsWhatEncodingJSONWrites(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 23, 8, 30, 1, 123456000, time.UTC)
	orders := []draw.Order{
		{ID: 1, ActivityID: 2, Outcome: draw.OutcomeLose, GrantState: draw.GrantNone, CreatedAt: at},
		{ID: 712345678901234567, ActivityID: 9, Outcome: draw.OutcomeWin, AwardID: 4, AwardName: "Grand prize",
			AwardKind: "text", GrantState: draw.GrantPending, CreatedAt: at.Truncate(time.Second)},
		{ID: 3, ActivityID: 4, Outcome: draw.OutcomeWin, AwardID: 5, AwardName: `<b>"5 €" & more</b>` + "\u2028\t\x01\x7f\xff",
			AwardKind: "points", GrantState: draw.GrantGranted, Delivered: map[string]string{"points": "100", "z": "<&>"}, CreatedAt: at},
		{ID: 5, ActivityID: 6, Outcome: draw.OutcomeWin, AwardID: 7, AwardName: "Coupon", AwardKind: "coupon",
			GrantState: draw.GrantFailed, GrantError: "webhook said \"no\"\n", CreatedAt: at.In(time.FixedZone("X", 3600))},
	}
	results := []*drawing.Result{nil, {LeftTotal: -1, LeftToday: -1}, {LeftTotal: 0, LeftToday: 7}}
	for _, o := range orders {
		for _, res := range results {
			assertSameJSON(t, orderJSON(o, res))
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		o := orders[rng.IntN(len(orders))]
		o.AwardName, o.GrantError = randomText(rng), randomText(rng)
		assertSameJSON(t, orderJSON(o, results[rng.IntN(len(results))]))
	}
}

func assertSameJSON(t *testing.T, o orderResponse) {
	t.Helper()
	want, err := json.Marshal(o)
	require.NoError(t, err)
	got, err := o.appendJSON(nil)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))
}

// randomText mixes ASCII, the characters JSON and HTML escape, multi-byte runes and
// invalid UTF-8.
func randomText(rng *rand.Rand) string {
	pieces := []string{"a", "Z", " ", `"`, `\`, "<", ">", "&", "\n", "\x00", "\x1f", "\x7f", "é", "€",
		"\u2028", "\u2029", "😀", "\xff", "\xe2\x82", "\xed\xa0\x80"}
	var b []byte
	for range rng.IntN(12) {
		b = append(b, pieces[rng.IntN(len(pieces))]...)
	}
	return string(b)
}

// BenchmarkDrawAnswer compares the draw answer's body written by encoding/json (what
// echo's c.JSON does) with the hand-appended one, and the draw body read by the decoder
// with its fast path.
func BenchmarkDrawAnswer(b *testing.B) {
	at := time.Date(2026, 11, 23, 8, 30, 1, 123456000, time.UTC)
	o := orderJSON(draw.Order{ID: 712345678901234567, ActivityID: 712345678901234000, Outcome: draw.OutcomeWin,
		AwardID: 712345678901234001, AwardName: "$5 coupon", AwardKind: "text", GrantState: draw.GrantPending,
		CreatedAt: at}, &drawing.Result{LeftTotal: 9, LeftToday: 3})
	b.Run("encode/encoding_json", func(b *testing.B) {
		b.ReportAllocs()
		var buf bytes.Buffer
		for b.Loop() {
			buf.Reset()
			_ = json.NewEncoder(&buf).Encode(o)
		}
	})
	b.Run("encode/appended", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 512)
		for b.Loop() {
			buf, _ = o.appendJSON(buf[:0])
		}
	})
	body := []byte(`{"activity_id":"712345678901234000"}`)
	b.Run("decode/encoding_json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var d drawBody
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.DisallowUnknownFields()
			_ = dec.Decode(&d)
		}
	})
	b.Run("decode/fast_path", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = decodeDrawBody(bytes.NewReader(body))
		}
	})
}

func TestDrawAnswerHonoursPretty(t *testing.T) {
	t.Parallel()
	o := orderJSON(draw.Order{ID: 1, ActivityID: 2, Outcome: draw.OutcomeLose, GrantState: draw.GrantNone}, nil)
	answer := func(target string) string {
		rec := httptest.NewRecorder()
		c := echo.New().NewContext(httptest.NewRequest(http.MethodPost, target, nil), rec)
		require.NoError(t, writeOrder(c, o))
		assert.Equal(t, echo.MIMEApplicationJSON, rec.Header().Get(echo.HeaderContentType))
		return rec.Body.String()
	}
	compact, err := json.Marshal(o)
	require.NoError(t, err)
	assert.Equal(t, string(compact)+"\n", answer("/api/v1/draws"))
	assert.Equal(t, string(compact)+"\n", answer("/api/v1/draws?other=1"))
	assert.Contains(t, answer("/api/v1/draws?pretty"), "{\n  \"order_id\": \"1\",")
}
