package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/lottery-go/lottery/infrastructure/token"
)

func TestCountersCheckReadsTheDrift(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		status int
		body   string
		want   Status
	}{
		{"equal", 200, `{"stock_left":10,"live":{"stock_left":10,"drift":0}}`, StatusOK},
		{"drifted", 200, `{"stock_left":10,"live":{"stock_left":7,"drift":3}}`, StatusViolated},
		{"not loaded", 200, `{"stock_left":10}`, StatusNotChecked},
		{"no stats endpoint", 404, `{"error":{"code":"not_found"}}`, StatusNotChecked},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				assert.Equal(t, "/api/v1/admin/activities/7/stats", r.URL.Path)
				w.WriteHeader(c.status)
				_, _ = w.Write([]byte(c.body))
			}))
			defer srv.Close()
			got := checkCounters(context.Background(), srv.URL, token.NewKeys(testSecret), 7, 0)
			assert.Equal(t, c.want, got.Status, got.Detail)
		})
	}
}
