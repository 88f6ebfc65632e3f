package main

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/infrastructure/config"
	"github.com/lottery-go/lottery/internal/testkit"
)

// A grant sent again that meets a passing error (the merchant answering 503 a moment more)
// waits in the outbox for its next attempt after the first backoff, as any grant's, and is
// granted then: it is not left for the outbox job to find forgotten, which holds back while
// the stream keeps older messages.
func TestAGrantSentAgainIntoAPassingErrorIsTriedAgainSoon(t *testing.T) {
	t.Parallel()
	testkit.EachStack(t, func(t *testing.T, cfg config.Config) {
		t.Parallel()
		cfg.Jobs.Outbox = "@every 1s"
		var status atomic.Int32
		status.Store(http.StatusGone)
		shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(int(status.Load()))
		}))
		t.Cleanup(shop.Close)
		c := failedCouponWin(t, cfg, shop.URL, "T5")

		status.Store(http.StatusServiceUnavailable)
		sent := time.Now()
		again := c.admin.must(http.StatusOK, "POST", "/api/v1/admin/orders/"+c.order+"/retry-grant", nil)
		require.Equal(t, "pending", again["grant_state"], "a passing error: tried again later")
		delivery, _ := again["delivery"].(map[string]any)
		require.NotNil(t, delivery, "the outbox has it: %v", again)
		assert.Equal(t, float64(1), delivery["attempts"])
		assert.Contains(t, delivery["last_error"], "503")
		at, _ := delivery["next_attempt_at"].(string)
		next, err := time.Parse(time.RFC3339, at)
		require.NoError(t, err, "it waits for its next attempt: %v", delivery)
		assert.WithinRange(t, next, sent.Add(5*time.Second), time.Now().Add(15*time.Second), "after the first backoff")
		at, _ = delivery["gives_up_at"].(string)
		givesUp, err := time.Parse(time.RFC3339, at)
		require.NoError(t, err, "it says when it gives up: %v", delivery)
		assert.WithinRange(t, givesUp, sent.Add(24*time.Hour-time.Second), time.Now().Add(24*time.Hour), "a day after it was sent again, not after its win")

		status.Store(http.StatusCreated)
		require.Eventually(t, func() bool {
			return c.alice.must(http.StatusOK, "GET", "/api/v1/draws/"+c.order, nil)["grant_state"] == "granted"
		}, 60*time.Second, 50*time.Millisecond)
	})
}

// grants.max_attempts is the deliveries a grant gets: with 1, a merchant's passing error
// on the first fails the grant for good, where the default would try it 7 times more.
func TestGrantsGiveUpAfterTheConfiguredAttempts(t *testing.T) {
	t.Parallel()
	testkit.EachStack(t, func(t *testing.T, cfg config.Config) {
		t.Parallel()
		cfg.Grants.MaxAttempts = 1
		var calls atomic.Int32
		shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			calls.Add(1)
			w.WriteHeader(http.StatusServiceUnavailable)
		}))
		t.Cleanup(shop.Close)
		c := failedCouponWin(t, cfg, shop.URL, "T5")
		o := c.admin.must(http.StatusOK, "GET", "/api/v1/admin/orders/"+c.order, nil)
		assert.Contains(t, o["grant_error"], "not delivered after 1 attempt: coupon webhook answered 503")
		assert.Equal(t, int32(1), calls.Load())
	})
}

// Once a merchant's refusals are fixed, an admin sends the failed grants of the activity
// again in bulk, a limit at a time: each is granted once, the answers say when none are
// left, and the filters and roles are checked as the order list's are.
func TestFailedGrantsAreSentAgainInBulk(t *testing.T) {
	t.Parallel()
	testkit.EachStack(t, func(t *testing.T, cfg config.Config) {
		t.Parallel()
		cfg.Jobs.Outbox = "@every 1s"
		shop := newMerchant(t)
		c := failedCouponWin(t, cfg, shop.URL, "T5")
		orders := []string{c.order}
		for _, who := range []string{"bob", "carol"} {
			u := newClient(t, c.base, cfg, who, "user")
			id := u.must(http.StatusOK, "POST", "/api/v1/draws", map[string]any{"activity_id": c.activity})["order_id"].(string)
			require.Eventually(t, func() bool {
				return u.must(http.StatusOK, "GET", "/api/v1/draws/"+id, nil)["grant_state"] == "failed"
			}, 20*time.Second, 5*time.Millisecond)
			orders = append(orders, id)
		}
		bulk := "/api/v1/admin/orders/retry-grants?activity_id=" + c.activity

		code, out, _ := c.marketer.do("POST", bulk, nil)
		require.Equal(t, http.StatusForbidden, code, "%v", out)
		for _, q := range []string{"/api/v1/admin/orders/retry-grants", bulk + "&grant_state=pending", bulk + "&outcome=lose", bulk + "&limit=0"} {
			assert.Equal(t, "malformed", errCode(c.admin.must(http.StatusBadRequest, "POST", q, nil)), q)
		}
		assert.Equal(t, "malformed", errCode(c.admin.must(http.StatusBadRequest, "POST", bulk, map[string]any{"all": true})))
		none := c.admin.must(http.StatusOK, "POST", bulk+"&award_kind=points", nil)
		assert.Equal(t, map[string]any{"reopened": float64(0), "order_ids": []any{}, "more": false}, none, "the filters apply")

		shop.issue.Store(true)
		first := c.admin.must(http.StatusOK, "POST", bulk+"&limit=2&grant_state=failed", nil)
		assert.Equal(t, float64(2), first["reopened"])
		assert.Equal(t, []any{orders[2], orders[1]}, first["order_ids"], "newest first")
		assert.Equal(t, true, first["more"])
		if d, ok := c.admin.must(http.StatusOK, "GET", "/api/v1/admin/orders/"+orders[2], nil)["delivery"].(map[string]any); ok {
			assert.NotContains(t, d, "last_error", "a grant sent again has not failed since")
		}
		rest := c.admin.must(http.StatusOK, "POST", bulk+"&limit=2", nil)
		assert.Equal(t, map[string]any{"reopened": float64(1), "order_ids": []any{orders[0]}, "more": false}, rest)
		again := c.admin.must(http.StatusOK, "POST", bulk, nil)
		assert.Equal(t, float64(0), again["reopened"], "those sent are no longer failed")

		for _, id := range orders {
			require.Eventually(t, func() bool {
				return c.admin.must(http.StatusOK, "GET", "/api/v1/admin/orders/"+id, nil)["grant_state"] == "granted"
			}, 30*time.Second, 20*time.Millisecond, "order %s is granted", id)
			retries := c.admin.must(http.StatusOK, "GET", "/api/v1/admin/orders/"+id, nil)["retries"].([]any)
			require.Len(t, retries, 1)
			assert.Equal(t, "ada", retries[0].(map[string]any)["by"])
		}
		calls := map[string]int{}
		for _, id := range shop.calls() {
			calls[id]++
		}
		for _, id := range orders {
			assert.Equal(t, 2, calls[id], "order %s: refused once, issued once", id)
		}
	})
}
