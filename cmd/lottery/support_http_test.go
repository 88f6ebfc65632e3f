package main

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/infrastructure/config"
	"github.com/lottery-go/lottery/internal/testkit"
)

// merchant is a coupon webhook that refuses (410) until told to issue, and records the
// order id of every call.
type merchant struct {
	*httptest.Server
	issue  atomic.Bool
	mu     sync.Mutex
	orders []string
}

func newMerchant(t *testing.T) *merchant {
	m := &merchant{}
	m.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			OrderID string `json:"order_id"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		m.mu.Lock()
		m.orders = append(m.orders, body.OrderID)
		m.mu.Unlock()
		if !m.issue.Load() {
			http.Error(w, "template retired", http.StatusGone)
		}
	}))
	t.Cleanup(m.Close)
	return m
}

func (m *merchant) calls() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.orders...)
}

// couponCase is a server whose one running activity gives a $5 coupon of a merchant's
// template at every draw, and alice's first draw there, whose grant has failed.
type couponCase struct {
	marketer, admin, alice  *client
	coupon, activity, order string
	base                    string // the server's address
}

// failedCouponWin starts a server with cfg, sets up the coupon of template at webhook url
// (a merchant that refuses it), draws once as alice and waits for the grant to fail.
func failedCouponWin(t *testing.T, cfg config.Config, url, template string) couponCase {
	t.Helper()
	c := couponWin(t, cfg, url, template)
	require.Eventually(t, func() bool {
		return c.alice.must(http.StatusOK, "GET", "/api/v1/draws/"+c.order, nil)["grant_state"] == "failed"
	}, 20*time.Second, 5*time.Millisecond)
	return c
}

// forCoupons is cfg set for coupon grants to merchants on this machine, and for users
// drawing as often as a test needs.
func forCoupons(cfg config.Config) config.Config {
	cfg.Draw.RatePerUser = 0
	cfg.Grants.WebhookSecret, cfg.Grants.WebhookPrivate = "merchant-secret", true
	return cfg
}

// couponWin starts a server with cfg, sets up the coupon of template at webhook url and
// draws it once as alice.
func couponWin(t *testing.T, cfg config.Config, url, template string) couponCase {
	t.Helper()
	cfg = forCoupons(cfg)
	srv := startServer(t, cfg, nil)
	c := couponCase{marketer: newClient(t, srv.base, cfg, "mia", "marketer"), admin: newClient(t, srv.base, cfg, "ada", "admin"),
		alice: newClient(t, srv.base, cfg, "alice", "user"), base: srv.base}
	c.coupon = c.marketer.must(http.StatusCreated, "POST", "/api/v1/admin/awards", map[string]any{"name": "$5 off",
		"kind": "coupon", "content": map[string]any{"webhook_url": url, "template_id": template}})["id"].(string)
	c.activity = setUpActivity(t, srv.base, cfg, map[string]any{"strategy": map[string]any{"mode": "fixed", "prizes": []any{
		map[string]any{"award_id": c.coupon, "probability": "1", "stock": 5}}}})
	c.order = c.alice.must(http.StatusOK, "POST", "/api/v1/draws", map[string]any{"activity_id": c.activity})["order_id"].(string)
	return c
}

// TestFailedGrantIsFoundAndSentAgain follows a support case: a winner's coupon is refused
// by the merchant, support finds the failed order with the merchant's answer, the merchant
// is fixed, an admin sends the grant again and sees it granted, and the winner has the
// coupon, issued once.
func TestFailedGrantIsFoundAndSentAgain(t *testing.T) {
	t.Parallel()
	testkit.EachStack(t, func(t *testing.T, cfg config.Config) {
		t.Parallel()
		shop := newMerchant(t)
		c := failedCouponWin(t, cfg, shop.URL, "T5")
		marketer, admin, alice, id, order := c.marketer, c.admin, c.alice, c.activity, c.order

		failed := marketer.must(http.StatusOK, "GET", "/api/v1/admin/orders?activity_id="+id+"&grant_state=failed", nil)
		items := failed["items"].([]any)
		require.Len(t, items, 1)
		seen := items[0].(map[string]any)
		assert.Equal(t, order, seen["order_id"])
		assert.Equal(t, "alice", seen["user_id"])
		assert.Contains(t, seen["grant_error"], "410", "support sees the merchant's answer")
		assert.Equal(t, "sent", seen["event_state"])
		one := admin.must(http.StatusOK, "GET", "/api/v1/admin/orders/"+order, nil)
		assert.Equal(t, []any{}, one["retries"], "not sent again yet")
		delete(one, "retries")
		assert.Equal(t, seen, one)

		code, out, _ := marketer.do("POST", "/api/v1/admin/orders/"+order+"/retry-grant", nil)
		require.Equal(t, http.StatusForbidden, code, "%v", out)
		odd := admin.must(http.StatusBadRequest, "POST", "/api/v1/admin/orders/"+order+"/retry-grant", map[string]any{"force": true})
		assert.Equal(t, "malformed", errCode(odd), "the action takes no options: %v", odd)
		still := admin.must(http.StatusOK, "POST", "/api/v1/admin/orders/"+order+"/retry-grant", map[string]any{})
		assert.Equal(t, "failed", still["grant_state"], "sent again too early: failed again")
		assert.Contains(t, still["grant_error"], "410")
		shop.issue.Store(true)
		again := admin.must(http.StatusOK, "POST", "/api/v1/admin/orders/"+order+"/retry-grant", nil)
		assert.Equal(t, "granted", again["grant_state"], "the answer tells how the grant went")
		assert.Nil(t, again["grant_error"])
		assert.Equal(t, "granted", alice.must(http.StatusOK, "GET", "/api/v1/draws/"+order, nil)["grant_state"])
		code, out, _ = admin.do("POST", "/api/v1/admin/orders/"+order+"/retry-grant", nil)
		require.Equal(t, http.StatusConflict, code, "%v", out)
		assert.Equal(t, "grant_not_failed", errCode(out))
		assert.Equal(t, map[string]any{"grant_state": "granted"}, out["error"].(map[string]any)["details"])
		assert.Equal(t, "only a failed grant can be sent again; this order's grant is granted", out["error"].(map[string]any)["message"])
		assert.Equal(t, []string{order, order, order}, shop.calls(), "refused twice, issued once, for the same order id")
		retries := marketer.must(http.StatusOK, "GET", "/api/v1/admin/orders/"+order, nil)["retries"].([]any)
		require.Len(t, retries, 2, "each retry is on record, with the failure it had")
		for _, r := range retries {
			assert.Equal(t, "ada", r.(map[string]any)["by"])
			assert.Contains(t, r.(map[string]any)["previous_error"], "410")
		}
	})
}

// TestAPendingGrantShowsHowItsDeliveryGoes: support looking at a grant pending for a while
// sees that it was tried against a merchant answering 503, when it is tried again and when
// it gives up, where the order list (kept fast) shows no more than before.
func TestAPendingGrantShowsHowItsDeliveryGoes(t *testing.T) {
	t.Parallel()
	testkit.EachStack(t, func(t *testing.T, cfg config.Config) {
		t.Parallel()
		var calls atomic.Int64
		shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			calls.Add(1)
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		}))
		t.Cleanup(shop.Close)
		drawn := time.Now()
		c := couponWin(t, cfg, shop.URL, "T5")

		var one, delivery map[string]any
		require.Eventually(t, func() bool {
			one = c.marketer.must(http.StatusOK, "GET", "/api/v1/admin/orders/"+c.order, nil)
			delivery, _ = one["delivery"].(map[string]any)
			attempts, _ := delivery["attempts"].(float64)
			return attempts >= 1 && delivery["next_attempt_at"] != nil
		}, 15*time.Second, 20*time.Millisecond, "the first delivery fails and the grant waits in the outbox")
		assert.Equal(t, "pending", one["grant_state"])
		assert.Nil(t, one["grant_error"], "not failed: tried again")
		assert.Contains(t, delivery["last_error"], "503", "support sees the merchant's answer")
		next, err := time.Parse(time.RFC3339, delivery["next_attempt_at"].(string))
		require.NoError(t, err)
		assert.Equal(t, time.UTC, next.Location(), "in UTC")
		assert.True(t, next.After(drawn), "tried again later: %v", next)
		assert.Positive(t, calls.Load())
		gives, _ := delivery["gives_up_at"].(string)
		givesUp, err := time.Parse(time.RFC3339, gives)
		require.NoError(t, err, "it says when it gives up: %v", delivery)
		assert.WithinRange(t, givesUp, drawn.Add(24*time.Hour-time.Second), time.Now().Add(24*time.Hour), "a day after its win")

		page := c.marketer.must(http.StatusOK, "GET", "/api/v1/admin/orders?activity_id="+c.activity, nil)["items"].([]any)
		require.Len(t, page, 1)
		assert.Equal(t, "pending", page[0].(map[string]any)["grant_state"])
		assert.NotContains(t, page[0].(map[string]any), "delivery", "the list reads no outbox")
	})
}

// An admin who repairs an award and at once sends its failed grant again gets the award as
// saved: the grant just failed read the award into caches that would otherwise serve the
// old one for a while.
func TestAGrantSentAgainRightAfterItsAwardIsRepairedGetsTheRepair(t *testing.T) {
	t.Parallel()
	cfg := testkit.EmbeddedStack(t)
	var templates []string
	var mu sync.Mutex
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			TemplateID string `json:"template_id"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		mu.Lock()
		templates = append(templates, body.TemplateID)
		mu.Unlock()
		if body.TemplateID != "NEW" {
			http.Error(w, "template retired", http.StatusGone)
		}
	}))
	t.Cleanup(shop.Close)
	c := failedCouponWin(t, cfg, shop.URL, "OLD")
	c.admin.must(http.StatusOK, "PUT", "/api/v1/admin/awards/"+c.coupon, map[string]any{"name": "$5 off",
		"kind": "coupon", "content": map[string]any{"webhook_url": shop.URL, "template_id": "NEW"}})
	again := c.admin.must(http.StatusOK, "POST", "/api/v1/admin/orders/"+c.order+"/retry-grant", nil)
	assert.Equal(t, "granted", again["grant_state"], "%v", again)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, "NEW", templates[len(templates)-1])
}

func TestOrderSearchRefusesMalformedFilters(t *testing.T) {
	t.Parallel()
	cfg := testkit.EmbeddedStack(t)
	srv := startServer(t, cfg, nil)
	marketer := newClient(t, srv.base, cfg, "mia", "marketer")
	for _, q := range []string{"activity_id=abc", "user_id=a%20b", "outcome=won", "grant_state=lost", "limit=0", "cursor=x",
		"award_kind=car", "drawn_after=yesterday", "drawn_before=2026-11-11"} {
		code, out, _ := marketer.do("GET", "/api/v1/admin/orders?"+q, nil)
		assert.Equal(t, http.StatusBadRequest, code, "%s: %v", q, out)
		assert.Equal(t, "malformed", errCode(out), q)
	}
	code, out, _ := marketer.do("GET", "/api/v1/admin/orders/123", nil)
	assert.Equal(t, http.StatusNotFound, code, "%v", out)
	code, out, _ = newClient(t, srv.base, cfg, "alice", "user").do("GET", "/api/v1/admin/orders", nil)
	assert.Equal(t, http.StatusForbidden, code, "%v", out)
	page := marketer.must(http.StatusOK, "GET", "/api/v1/admin/orders", nil)
	assert.Equal(t, []any{}, page["items"])

	id := setUpActivity(t, srv.base, cfg, nil) // its one prize goes to the first draw
	bob := newClient(t, srv.base, cfg, "bob", "user")
	require.Equal(t, "win", bob.must(http.StatusOK, "POST", "/api/v1/draws", map[string]any{"activity_id": id})["outcome"])
	lost := bob.must(http.StatusOK, "POST", "/api/v1/draws", map[string]any{"activity_id": id})
	require.Equal(t, "lose", lost["outcome"])
	code, out, _ = newClient(t, srv.base, cfg, "ada", "admin").do("POST", "/api/v1/admin/orders/"+lost["order_id"].(string)+"/retry-grant", nil)
	assert.Equal(t, http.StatusConflict, code, "%v", out)
	assert.Equal(t, "grant_not_failed", errCode(out))
	seen := marketer.must(http.StatusOK, "GET", "/api/v1/admin/orders?user_id=bob&outcome=lose", nil)["items"].([]any)
	require.Len(t, seen, 1)
	assert.Equal(t, "none", seen[0].(map[string]any)["grant_state"])
	assert.Nil(t, seen[0].(map[string]any)["award"])
}

// TestOrderExportForFulfilment: the orders of a physical prize come out as CSV with the
// winners' addresses, and an address a spreadsheet would run as a formula stays text.
func TestOrderExportForFulfilment(t *testing.T) {
	t.Parallel()
	cfg := testkit.EmbeddedStack(t)
	cfg.Draw.RatePerUser = 0
	srv := startServer(t, cfg, nil)
	marketer := newClient(t, srv.base, cfg, "mia", "marketer")
	mug := marketer.must(http.StatusCreated, "POST", "/api/v1/admin/awards", map[string]any{"name": "Mug",
		"kind": "physical", "content": map[string]any{"sku": "MUG-1"}})
	id := setUpActivity(t, srv.base, cfg, map[string]any{"strategy": map[string]any{"mode": "fixed", "prizes": []any{
		map[string]any{"award_id": mug["id"], "probability": "1", "stock": 5}}}})
	addresses := map[string]string{"alice": "=HYPERLINK(\"http://x\")", "bob": "1 Main St, Springfield"}
	orders := map[string]string{}
	for _, who := range []string{"alice", "bob"} {
		c := newClient(t, srv.base, cfg, who, "user")
		order := c.must(http.StatusOK, "POST", "/api/v1/draws", map[string]any{"activity_id": id})["order_id"].(string)
		require.Eventually(t, func() bool {
			return c.must(http.StatusOK, "GET", "/api/v1/draws/"+order, nil)["grant_state"] == "awaiting_address"
		}, 20*time.Second, 20*time.Millisecond)
		c.must(http.StatusOK, "POST", "/api/v1/draws/"+order+"/address", map[string]any{"address": addresses[who]})
		orders[who] = order
	}

	// An export leaves out the orders of the last seconds, which may still be on their
	// way to the database: these two come out once they are final.
	var rows [][]string
	var header http.Header
	require.Eventually(t, func() bool {
		req, err := http.NewRequest(http.MethodGet, srv.base+"/api/v1/admin/orders/export?activity_id="+id+"&grant_state=granted&award_kind=physical&drawn_after="+
			url.QueryEscape(time.Now().Add(-time.Hour).Format(time.RFC3339)), nil)
		if err != nil {
			return false
		}
		req.Header.Set("Authorization", "Bearer "+marketer.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		header = resp.Header
		got, err := csv.NewReader(resp.Body).ReadAll()
		if err != nil || resp.StatusCode != http.StatusOK || len(got) != 3 {
			return false
		}
		rows = got
		return true
	}, time.Minute, 250*time.Millisecond, "a header and the two granted orders")
	assert.Equal(t, "text/csv; charset=utf-8", header.Get("Content-Type"))
	assert.Contains(t, header.Get("Content-Disposition"), `attachment; filename="orders-activity-`+id+"-")
	assert.NotEmpty(t, header.Get("X-Drawn-Before"))
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	byUser := map[string][]string{rows[1][col["user_id"]]: rows[1], rows[2][col["user_id"]]: rows[2]}
	assert.Equal(t, orders["bob"], byUser["bob"][col["order_id"]])
	assert.Equal(t, "1 Main St, Springfield", byUser["bob"][col["address"]])
	assert.Equal(t, "'=HYPERLINK(\"http://x\")", byUser["alice"][col["address"]], "a formula stays text")
	assert.Equal(t, "sku=MUG-1", byUser["bob"][col["delivered"]])
	assert.Equal(t, "Mug", byUser["bob"][col["award_name"]])
	assert.Equal(t, "granted", byUser["bob"][col["grant_state"]])

	none := marketer.must(http.StatusOK, "GET", "/api/v1/admin/orders?activity_id="+id+"&award_kind=coupon", nil)
	assert.Equal(t, []any{}, none["items"], "no coupon was won")
	code, out, _ := marketer.do("GET", "/api/v1/admin/orders/export", nil)
	assert.Equal(t, http.StatusBadRequest, code, "%v", out)
	assert.Contains(t, out["error"].(map[string]any)["message"], "activity_id or user_id")
}
