package bench

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/lottery-go/lottery/infrastructure/token"
)

const testSecret = "bench-test-secret-0123456789"

// fakeServer answers the draw API like the server would: every 5th new order wins award
// "1" named Coupon, every 50th draw is sold out, every 97th is 503 try_again. With
// forgetful it ignores Idempotency-Keys, as a broken server would.
type fakeServer struct {
	keys      *token.Keys
	forgetful bool

	mu      sync.Mutex
	n       int64
	byKey   map[string]string
	orders  []string // every order id it made
	winners []string
	badAuth int
}

func newFakeServer(t *testing.T, forgetful bool) (*fakeServer, *httptest.Server) {
	t.Helper()
	f := &fakeServer{keys: token.NewKeys(testSecret), forgetful: forgetful, byKey: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	})
	mux.HandleFunc("POST /api/v1/draws", f.draw)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeServer) draw(w http.ResponseWriter, r *http.Request) {
	cl, err := f.keys.Verify(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	f.mu.Lock()
	defer f.mu.Unlock()
	if err != nil || !cl.Has(token.RoleUser) {
		f.badAuth++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	key := cl.Subject + "|" + r.Header.Get("Idempotency-Key")
	if id, ok := f.byKey[key]; ok && !f.forgetful {
		writeOrder(w, id, f.won(id))
		return
	}
	f.n++
	switch {
	case f.n%50 == 0:
		w.WriteHeader(http.StatusConflict)
		_, _ = w.Write([]byte(`{"error":{"code":"activity_sold_out","message":"sold out"}}`))
		return
	case f.n%97 == 0:
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"error":{"code":"try_again","message":"retry"}}`))
		return
	}
	id := fmt.Sprint(1000 + f.n)
	f.byKey[key] = id
	f.orders = append(f.orders, id)
	if len(f.orders)%5 == 0 {
		f.winners = append(f.winners, id)
	}
	writeOrder(w, id, f.won(id))
}

func (f *fakeServer) won(id string) bool {
	for _, w := range f.winners {
		if w == id {
			return true
		}
	}
	return false
}

func writeOrder(w http.ResponseWriter, id string, won bool) {
	body := map[string]any{"order_id": id, "activity_id": "7", "outcome": "lose", "grant_state": "none"}
	if won {
		body["outcome"] = "win"
		body["award"] = map[string]any{"id": "1", "name": "Coupon", "kind": "text"}
	}
	_ = json.NewEncoder(w).Encode(body)
}
