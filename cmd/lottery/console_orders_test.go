package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/infrastructure/config"
	"github.com/lottery-go/lottery/interfaces/web"
)

// couponConsole starts the console's server with cfg, set for coupon grants, and a running
// activity whose every draw wins a $5 coupon of the merchant at url; it returns the rig and
// the activity's id.
func couponConsole(t *testing.T, cfg config.Config, url string) (*consoleRig, string) {
	t.Helper()
	cfg = forCoupons(cfg)
	con := &consoleRig{t: t, cfg: cfg, base: startServer(t, cfg, web.Register).base}
	coupon := con.client("mia", "marketer").must(http.StatusCreated, http.MethodPost, "/api/v1/admin/awards", map[string]any{
		"name": "$5 off", "kind": "coupon", "content": map[string]any{"webhook_url": url, "template_id": "T5"}})
	id := setUpActivity(t, con.base, cfg, map[string]any{"strategy": map[string]any{"mode": "fixed", "prizes": []any{
		map[string]any{"award_id": coupon["id"], "probability": "1", "stock": 5}}}})
	return con, id
}

// TestConsoleOrdersFindAndRetryAFailedGrant: a marketer finds a winner's failed coupon and
// reads the merchant's answer; an admin sends it again from the same list once the merchant
// is fixed, and the row shows it granted.
func TestConsoleOrdersFindAndRetryAFailedGrant(t *testing.T) {
	ctx := browser(t)
	shop := newMerchant(t)
	con, id := couponConsole(t, consoleStack(t), shop.URL)
	mia, ada := con.client("mia", "marketer"), con.client("ada", "admin")
	alice := con.client("alice", "user")
	order := alice.must(http.StatusOK, http.MethodPost, "/api/v1/draws", map[string]any{"activity_id": id})["order_id"].(string)
	require.Eventually(t, func() bool {
		return alice.must(http.StatusOK, http.MethodGet, "/api/v1/draws/"+order, nil)["grant_state"] == "failed"
	}, 20*time.Second, 20*time.Millisecond)

	shots := filepath.Join("..", "..", "test-artifacts", "console")
	require.NoError(t, os.MkdirAll(shots, 0o755))
	row := fmt.Sprintf(`#orders-table tr[data-id="%s"]`, order)
	findFailed := chromedp.Tasks{
		chromedp.Navigate(con.base + "/console/#/orders"),
		exists("#orders-filter"),
		chromedp.SetValue(`#orders-filter [name="grant_state"]`, "failed", chromedp.ByQuery),
		click(`#orders-filter button[type="submit"]`), // the list is busy until this search answers
		waitTrue(`!document.querySelector("#orders-list[aria-busy]")`),
		exists(row),
		waitTrue(`document.querySelectorAll("#orders-table tbody tr").length === 1`),
	}
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Navigate(con.base+"/console"),
		signInAs(mia.token),
		findFailed,
		textHas(row+" .grant-error", "410"),
		textHas(row, "alice"),
		// Drawn from a time to come: nothing; the time filter then cleared again.
		chromedp.SetValue(`#orders-filter [name="drawn_after"]`, "2099-01-01T00:00", chromedp.ByQuery),
		click(`#orders-filter button[type="submit"]`),
		waitTrue(`!document.querySelector("#orders-list[aria-busy]")`),
		textHas("#orders-list", "No orders match."),
		chromedp.SetValue(`#orders-filter [name="drawn_after"]`, "", chromedp.ByQuery),
		click(`#orders-filter button[type="submit"]`),
		exists(row),
		waitTrue(`!document.querySelector(`+fmt.Sprintf("%q", row+" .retry-grant")+`)`),
		// An export needs the activity or the user named; with the activity it is saved.
		click("#orders-export"),
		textHas("#orders-filter .form-error", "activity_id or user_id"),
		chromedp.SetValue(`#orders-filter [name="activity_id"]`, id, chromedp.ByQuery),
		click("#orders-export"),
		textHas("#orders-saved", "Saved orders-activity-"+id),
		textHas("#orders-saved", "later ones come with the next export"),
		textHas("#orders-filter", "your time ("),
		waitTrue(`document.querySelector("#orders-filter .form-error").hidden`),
		screenshot(t, shots, "orders-failed-1280.png", 1280),
		screenshot(t, shots, "orders-failed-390.png", 390),
		chromedp.EmulateViewport(1280, 900),
		signOut(),
	))
	shop.issue.Store(true)
	require.NoError(t, chromedp.Run(ctx,
		signInAs(ada.token),
		findFailed,
		click(row+" .retry-grant"),
		waitTrue(fmt.Sprintf(`document.querySelector(%q)?.dataset.state === "granted"`, row)),
		textHas(row+" .grant-state", "granted"),
		textHas(row+" .retries", "by ada, after: permanent grant failure: coupon webhook answered 410"),
		waitTrue(`!document.querySelector(`+fmt.Sprintf("%q", row+" .grant-error")+`)`),
	))
	require.Equal(t, "granted", alice.must(http.StatusOK, http.MethodGet, "/api/v1/draws/"+order, nil)["grant_state"])
}

// TestConsoleOrdersTellAPendingGrantsDelivery: a marketer looking at a coupon pending for a
// while asks how it goes and reads that the merchant answered 503, when it is tried again
// and when it gives up.
func TestConsoleOrdersTellAPendingGrantsDelivery(t *testing.T) {
	ctx := browser(t)
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
	}))
	t.Cleanup(shop.Close)
	con, id := couponConsole(t, consoleStack(t), shop.URL)
	mia := con.client("mia", "marketer")
	order := con.client("alice", "user").must(http.StatusOK, http.MethodPost, "/api/v1/draws", map[string]any{"activity_id": id})["order_id"].(string)
	require.Eventually(t, func() bool {
		d, _ := mia.must(http.StatusOK, http.MethodGet, "/api/v1/admin/orders/"+order, nil)["delivery"].(map[string]any)
		return d["last_error"] != nil
	}, 20*time.Second, 20*time.Millisecond)

	row := fmt.Sprintf(`#orders-table tr[data-id="%s"]`, order)
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Navigate(con.base+"/console"),
		signInAs(mia.token),
		chromedp.Navigate(con.base+"/console/#/orders"),
		exists("#orders-filter"),
		chromedp.SetValue(`#orders-filter [name="grant_state"]`, "pending", chromedp.ByQuery),
		click(`#orders-filter button[type="submit"]`),
		waitTrue(`!document.querySelector("#orders-list[aria-busy]")`),
		exists(row),
		click(row+" .delivery-check"),
		textHas(row+" .delivery", "1 attempt failed, last: coupon webhook answered 503 Service Unavailable; next try"),
		textHas(row+" .delivery", "; gives up "),
		textHas(row+" .grant-state", "pending"),
	))
}

// TestConsoleOrdersSendAnActivitysFailedGrantsAgain: an admin who lists one activity's
// failed grants sends them all again with one button once the merchant is fixed, and
// reads how many went; a marketer, or a list that is not of failed grants, has no button.
func TestConsoleOrdersSendAnActivitysFailedGrantsAgain(t *testing.T) {
	ctx := browser(t)
	cfg := consoleStack(t)
	cfg.Roles = append(cfg.Roles, config.RoleScheduler)
	cfg.Jobs.Outbox = "@every 1s" // grants sent again in bulk go through the outbox job
	shop := newMerchant(t)
	con, id := couponConsole(t, cfg, shop.URL)
	mia, ada := con.client("mia", "marketer"), con.client("ada", "admin")
	var orders []string
	for _, user := range []string{"alice", "bob", "carol"} {
		orders = append(orders, con.client(user, "user").must(http.StatusOK, http.MethodPost, "/api/v1/draws",
			map[string]any{"activity_id": id})["order_id"].(string))
	}
	state := func(order string) any {
		return ada.must(http.StatusOK, http.MethodGet, "/api/v1/admin/orders/"+order, nil)["grant_state"]
	}
	for _, o := range orders {
		require.Eventually(t, func() bool { return state(o) == "failed" }, 20*time.Second, 20*time.Millisecond)
	}

	search := func(grantState string) chromedp.Tasks {
		return chromedp.Tasks{
			chromedp.Navigate(con.base + "/console/#/orders"),
			exists("#orders-filter"),
			chromedp.SetValue(`#orders-filter [name="activity_id"]`, id, chromedp.ByQuery),
			chromedp.SetValue(`#orders-filter [name="grant_state"]`, grantState, chromedp.ByQuery),
			click(`#orders-filter button[type="submit"]`),
			waitTrue(`!document.querySelector("#orders-list[aria-busy]")`),
			waitTrue(`document.querySelectorAll("#orders-table tbody tr").length === 3`),
		}
	}
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Navigate(con.base+"/console"),
		signInAs(mia.token),
		search("failed"),
		waitTrue(`document.querySelector("#orders-bulk").hidden`), // a marketer sends nothing again
		signOut(),
		signInAs(ada.token),
		search(""),
		waitTrue(`document.querySelector("#orders-bulk").hidden`), // not a list of failed grants
		search("failed"),
		waitTrue(`!document.querySelector("#orders-bulk").hidden`),
	))
	shots := filepath.Join("..", "..", "test-artifacts", "console")
	require.NoError(t, os.MkdirAll(shots, 0o755))
	shop.issue.Store(true)
	require.NoError(t, chromedp.Run(ctx,
		click("#orders-retry-all"),
		textHas("#orders-retried", "Sent 3 grants again."),
		// The list is searched again: the grants sent again are no longer failed.
		waitTrue(`!document.querySelector("#orders-list[aria-busy]")`),
		textHas("#orders-list", "No orders match."),
		screenshot(t, shots, "orders-retried-1280.png", 1280),
	))
	for _, o := range orders {
		require.Eventually(t, func() bool { return state(o) == "granted" }, 20*time.Second, 20*time.Millisecond)
	}
}
