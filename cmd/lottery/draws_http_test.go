package main

import (
	"fmt"
	"net/http"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/infrastructure/config"
	"github.com/lottery-go/lottery/internal/testkit"
)

// setUpActivity creates an award and a running activity through the admin API, the way a
// marketer and an admin would, and returns the activity id.
func setUpActivity(t *testing.T, base string, cfg config.Config, body map[string]any) string {
	t.Helper()
	marketer := newClient(t, base, cfg, "mia", "marketer")
	admin := newClient(t, base, cfg, "ada", "admin")
	id := createActivity(t, base, cfg, body)
	marketer.must(http.StatusOK, "POST", "/api/v1/admin/activities/"+id+"/transitions", map[string]any{"action": "submit"})
	admin.must(http.StatusOK, "POST", "/api/v1/admin/activities/"+id+"/transitions", map[string]any{"action": "approve"})
	// The state timer starts approved activities once their window has begun; it may have
	// been first.
	code, out, _ := admin.do("POST", "/api/v1/admin/activities/"+id+"/transitions", map[string]any{"action": "start"})
	if code != http.StatusOK {
		require.Equal(t, "illegal_transition", errCode(out), "%v", out)
		require.Equal(t, "running", admin.must(http.StatusOK, "GET", "/api/v1/admin/activities/"+id, nil)["state"])
	}
	return id
}

// createActivity creates an award and an activity in draft and returns the activity id.
func createActivity(t *testing.T, base string, cfg config.Config, body map[string]any) string {
	t.Helper()
	marketer := newClient(t, base, cfg, "mia", "marketer")
	aw := marketer.must(http.StatusCreated, "POST", "/api/v1/admin/awards",
		map[string]any{"name": "Thank-you note", "kind": "text", "content": map[string]any{"text": "Thanks!"}})
	now := time.Now().UTC()
	act := map[string]any{
		"name": "Spring wheel", "kind": "lottery", "time_zone": "Asia/Shanghai",
		"begin_at": now.Add(-time.Hour).Format(time.RFC3339), "end_at": now.Add(48 * time.Hour).Format(time.RFC3339),
		"stock": 100, "limits": map[string]any{"per_user_total": 3, "per_user_daily": 2},
		"strategy": map[string]any{"mode": "fixed", "prizes": []any{
			map[string]any{"award_id": aw["id"], "probability": "1", "stock": 1},
		}},
	}
	for k, v := range body {
		act[k] = v
	}
	created := marketer.must(http.StatusCreated, "POST", "/api/v1/admin/activities", act)
	return created["id"].(string)
}

func TestDrawAPI(t *testing.T) {
	t.Parallel()
	testkit.EachStack(t, func(t *testing.T, cfg config.Config) {
		t.Parallel()
		cfg.Draw.RatePerUser = 0
		srv := startServer(t, cfg, nil)
		id := setUpActivity(t, srv.base, cfg, nil)
		alice := newClient(t, srv.base, cfg, "alice", "user")

		// The only prize (probability 1, stock 1) goes to the first draw.
		first := alice.must(http.StatusOK, "POST", "/api/v1/draws", map[string]any{"activity_id": id}, "Idempotency-Key", "a-1")
		assert.Equal(t, "win", first["outcome"])
		assert.Equal(t, "Thank-you note", first["award"].(map[string]any)["name"])
		assert.Equal(t, map[string]any{"left_total": 2.0, "left_today": 1.0}, first["quota"])
		assert.Equal(t, "pending", first["grant_state"])

		// Same key: the same order, not a second draw.
		code, again, hdr := alice.do("POST", "/api/v1/draws", map[string]any{"activity_id": id}, "Idempotency-Key", "a-1")
		require.Equal(t, http.StatusOK, code, "%v", again)
		assert.Equal(t, first["order_id"], again["order_id"])
		assert.Equal(t, first["created_at"], again["created_at"], "the same order, to the microsecond")
		assert.Equal(t, "true", hdr.Get("Idempotent-Replayed"))

		// The same key sent for another activity answers with the first order, and the
		// chances left are those of the order's activity, not of the one asked for.
		other := setUpActivity(t, srv.base, cfg, map[string]any{"limits": map[string]any{"per_user_total": 9}})
		again = alice.must(http.StatusOK, "POST", "/api/v1/draws", map[string]any{"activity_id": other}, "Idempotency-Key", "a-1")
		assert.Equal(t, first["order_id"], again["order_id"])
		assert.Equal(t, id, again["activity_id"])
		assert.Equal(t, first["quota"], again["quota"])

		// The prize is gone: fixed mode loses, other odds unchanged.
		second := alice.must(http.StatusOK, "POST", "/api/v1/draws", map[string]any{"activity_id": id})
		assert.Equal(t, "lose", second["outcome"])
		assert.NotContains(t, second, "award")

		// Daily limit of 2 reached.
		out := alice.must(http.StatusConflict, "POST", "/api/v1/draws", map[string]any{"activity_id": id})
		assert.Equal(t, "user_quota_exhausted", errCode(out))
		assert.Equal(t, map[string]any{"left_total": 1.0, "left_today": 0.0},
			alice.must(http.StatusOK, "GET", "/api/v1/activities/"+id+"/quota", nil))

		// Own orders, newest first, paginated; one order with its grant state.
		page := alice.must(http.StatusOK, "GET", "/api/v1/draws?limit=1&activity_id="+id, nil)
		items := page["items"].([]any)
		require.Len(t, items, 1)
		assert.Equal(t, second["order_id"], items[0].(map[string]any)["order_id"])
		next := alice.must(http.StatusOK, "GET", "/api/v1/draws?limit=1&cursor="+page["next_cursor"].(string), nil)
		assert.Equal(t, first["order_id"], next["items"].([]any)[0].(map[string]any)["order_id"])
		one := alice.must(http.StatusOK, "GET", "/api/v1/draws/"+first["order_id"].(string), nil)
		assert.Equal(t, "win", one["outcome"])

		// Nobody else sees alice's order.
		bob := newClient(t, srv.base, cfg, "bob", "user")
		assert.Equal(t, "not_found", errCode(bob.must(http.StatusNotFound, "GET", "/api/v1/draws/"+first["order_id"].(string), nil)))

		public := bob.must(http.StatusOK, "GET", "/api/v1/activities/"+id, nil)
		assert.Equal(t, "running", public["state"])
		assert.Equal(t, "Spring wheel", public["name"])

		// Once the order's activity is closed, its replay through another says that no
		// chances are left, without its counters.
		admin := newClient(t, srv.base, cfg, "ada", "admin")
		admin.must(http.StatusOK, "POST", "/api/v1/admin/activities/"+id+"/transitions", map[string]any{"action": "close"})
		require.Eventually(t, func() bool {
			code, out, _ := alice.do("POST", "/api/v1/draws", map[string]any{"activity_id": other}, "Idempotency-Key", "a-1")
			return code == http.StatusOK && out["order_id"] == first["order_id"] &&
				assert.ObjectsAreEqual(map[string]any{"left_total": 0.0, "left_today": 0.0}, out["quota"])
		}, 2*time.Second, 20*time.Millisecond)
	})
}

func TestDrawAPIRefusals(t *testing.T) {
	t.Parallel()
	cfg := testkit.EmbeddedStack(t)
	cfg.Draw.RatePerUser, cfg.Draw.RateBurst = 0.001, 1
	srv := startServer(t, cfg, nil)
	id := setUpActivity(t, srv.base, cfg, nil)
	user := newClient(t, srv.base, cfg, "carol", "user")
	admin := newClient(t, srv.base, cfg, "ada", "admin")
	anon := &client{t: t, base: srv.base}

	cases := []struct {
		name   string
		c      *client
		body   any
		header []string
		status int
		code   string
	}{
		{"no token", anon, map[string]any{"activity_id": id}, nil, http.StatusUnauthorized, "unauthorized"},
		{"not a user", admin, map[string]any{"activity_id": id}, nil, http.StatusForbidden, "forbidden"},
		{"unknown activity", user, map[string]any{"activity_id": "12345"}, nil, http.StatusNotFound, "not_found"},
		{"not an id", user, map[string]any{"activity_id": "abc"}, nil, http.StatusUnprocessableEntity, "invalid"},
		{"tree not an id", user, map[string]any{"tree_id": "-1"}, nil, http.StatusUnprocessableEntity, "invalid"},
		{"id not a string", user, map[string]any{"activity_id": 42}, nil, http.StatusBadRequest, "malformed"},
		{"name in capitals", user, map[string]any{"ACTIVITY_ID": id}, nil, http.StatusBadRequest, "malformed"},
		{"unknown field", user, map[string]any{"activity": id}, nil, http.StatusBadRequest, "malformed"},
		{"both ids", user, map[string]any{"activity_id": id, "tree_id": "1"}, nil, http.StatusBadRequest, "malformed"},
		{"no tree published", user, map[string]any{}, nil, http.StatusNotFound, "no_matching_activity"},
		{"key too long", user, map[string]any{"activity_id": id}, []string{"Idempotency-Key", fmt.Sprintf("%065d", 1)}, http.StatusBadRequest, "invalid_idempotency_key"},
		{"two keys", user, map[string]any{"activity_id": id}, []string{"Idempotency-Key", "a", "Idempotency-Key", "b"}, http.StatusBadRequest, "invalid_idempotency_key"},
	}
	for _, tc := range cases {
		code, out, _ := tc.c.do("POST", "/api/v1/draws", tc.body, tc.header...)
		assert.Equal(t, tc.status, code, "%s: %v", tc.name, out)
		assert.Equal(t, tc.code, errCode(out), tc.name)
	}

	// A burst of one: the first draw passes, the next is rate limited with Retry-After.
	user.must(http.StatusOK, "POST", "/api/v1/draws", map[string]any{"activity_id": id})
	code, out, hdr := user.do("POST", "/api/v1/draws", map[string]any{"activity_id": id})
	assert.Equal(t, http.StatusTooManyRequests, code)
	assert.Equal(t, "rate_limited", errCode(out))
	assert.NotEmpty(t, hdr.Get("Retry-After"))

	// Blacklisted users are refused with 403.
	admin.must(http.StatusOK, "PUT", "/api/v1/admin/blacklist/dave", map[string]any{"reason": "abuse"})
	dave := newClient(t, srv.base, cfg, "dave", "user")
	assert.Equal(t, "blacklisted", errCode(dave.must(http.StatusForbidden, "POST", "/api/v1/draws", map[string]any{"activity_id": id})))
	out = dave.must(http.StatusOK, "GET", "/api/v1/activities/"+id+"/quota", nil)
	assert.Equal(t, map[string]any{"left_total": 0.0, "left_today": 0.0, "blacklisted": true}, out, "no chance left for a blacklisted user")
	out = newClient(t, srv.base, cfg, "frank", "user").must(http.StatusOK, "GET", "/api/v1/activities/"+id+"/quota", nil)
	assert.NotContains(t, out, "blacklisted")

	// A paused activity takes no draws: from the next one on, on the server that paused it.
	erin := newClient(t, srv.base, cfg, "erin", "user")
	erin.must(http.StatusOK, "GET", "/api/v1/activities/"+id+"/quota", nil) // cached
	admin.must(http.StatusOK, "POST", "/api/v1/admin/activities/"+id+"/transitions", map[string]any{"action": "pause"})
	assert.Equal(t, "activity_not_running", errCode(erin.must(http.StatusConflict, "POST", "/api/v1/draws", map[string]any{"activity_id": id})))

	// A closed one leaves no chances, whatever the limits said.
	admin.must(http.StatusOK, "POST", "/api/v1/admin/activities/"+id+"/transitions", map[string]any{"action": "close"})
	out = erin.must(http.StatusOK, "GET", "/api/v1/activities/"+id+"/quota", nil)
	assert.Equal(t, [2]any{0.0, 0.0}, [2]any{out["left_total"], out["left_today"]})

	assert.Equal(t, "not_found", errCode(user.must(http.StatusNotFound, "GET", "/api/v1/nothing-here", nil)))

	// A draft is hidden from users everywhere: its view and its quota alike.
	draft := createActivity(t, srv.base, cfg, nil)
	assert.Equal(t, "not_found", errCode(user.must(http.StatusNotFound, "GET", "/api/v1/activities/"+draft, nil)))
	assert.Equal(t, "not_found", errCode(user.must(http.StatusNotFound, "GET", "/api/v1/activities/"+draft+"/quota", nil)))
	assert.Equal(t, "not_found", errCode(user.must(http.StatusNotFound, "POST", "/api/v1/draws", map[string]any{"activity_id": draft})))
}

// A client repeating a draw whose answer it lost gets its order, also once the activity
// is paused or closed; a new key is refused.
func TestARepeatedKeyGetsItsOrderAfterTheActivityStops(t *testing.T) {
	t.Parallel()
	cfg := testkit.EmbeddedStack(t)
	srv := startServer(t, cfg, nil)
	id := setUpActivity(t, srv.base, cfg, nil)
	user := newClient(t, srv.base, cfg, "gil", "user")
	admin := newClient(t, srv.base, cfg, "ada", "admin")
	key := []string{"Idempotency-Key", "gil-1"}
	first := user.must(http.StatusOK, "POST", "/api/v1/draws", map[string]any{"activity_id": id}, key...)
	orderID := first["order_id"]

	for _, action := range []string{"pause", "close"} {
		admin.must(http.StatusOK, "POST", "/api/v1/admin/activities/"+id+"/transitions", map[string]any{"action": action})
		code, again, hdr := user.do("POST", "/api/v1/draws", map[string]any{"activity_id": id}, key...)
		require.Equal(t, http.StatusOK, code, "%s: %v", action, again)
		assert.Equal(t, orderID, again["order_id"], action)
		assert.Equal(t, "true", hdr.Get("Idempotent-Replayed"), action)
		code, out, _ := user.do("POST", "/api/v1/draws", map[string]any{"activity_id": id}, "Idempotency-Key", "gil-2-"+action)
		assert.Equal(t, http.StatusConflict, code, action)
		assert.Equal(t, "activity_not_running", errCode(out), action)
	}
	again := user.must(http.StatusOK, "POST", "/api/v1/draws", map[string]any{"activity_id": id}, key...)
	assert.Equal(t, map[string]any{"left_total": 0.0, "left_today": 0.0}, again["quota"], "a closed activity leaves no chances")
}

func TestSameKeyAtTheSameInstantDrawsOnce(t *testing.T) {
	t.Parallel()
	testkit.EachStack(t, func(t *testing.T, cfg config.Config) {
		t.Parallel()
		cfg.Draw.RatePerUser = 0
		srv := startServer(t, cfg, nil)
		id := setUpActivity(t, srv.base, cfg, map[string]any{"limits": map[string]any{"per_user_total": 50, "per_user_daily": 50}})
		frank := newClient(t, srv.base, cfg, "frank", "user")
		var wg sync.WaitGroup
		ids := make([]string, 16)
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				code, out, _ := frank.do("POST", "/api/v1/draws", map[string]any{"activity_id": id}, "Idempotency-Key", "burst")
				if code == http.StatusOK {
					ids[i] = out["order_id"].(string)
				}
			}()
		}
		wg.Wait()
		for _, got := range ids {
			assert.Equal(t, ids[0], got, "every duplicate gets the one order")
		}
		page := frank.must(http.StatusOK, "GET", "/api/v1/draws", nil)
		assert.Len(t, page["items"], 1, "one draw happened")
	})
}

// An activity's counters are loaded before it starts, so its first draws do not wait out
// the reload grace (which only draws admitted under a lost epoch need): with a grace of an
// hour, the first draw is answered at once.
func TestFirstDrawsOfANewActivityDoNotWait(t *testing.T) {
	t.Parallel()
	testkit.EachStack(t, func(t *testing.T, cfg config.Config) {
		t.Parallel()
		cfg.Draw.RatePerUser = 0
		cfg.Draw.ReloadGrace = time.Hour
		cfg.Roles = []string{config.RoleAPI} // no state timer: the admin's start is the one tested
		srv := startServer(t, cfg, nil)
		id := setUpActivity(t, srv.base, cfg, nil)
		alice := newClient(t, srv.base, cfg, "alice", "user")
		first := alice.must(http.StatusOK, "POST", "/api/v1/draws", map[string]any{"activity_id": id})
		assert.Equal(t, "win", first["outcome"])
	})
}

// Behind a load balancer named in http.trusted_proxies, the per-IP limit counts each
// client by the address the balancer forwarded; a header from any other peer is ignored.
func TestPerIPRateLimitBehindATrustedProxy(t *testing.T) {
	t.Parallel()
	cfg := testkit.EmbeddedStack(t)
	cfg.Draw.RatePerUser, cfg.Draw.RatePerIP, cfg.Draw.RateBurst = 0, 0.001, 1
	cfg.HTTP.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	srv := startServer(t, cfg, nil)
	id := setUpActivity(t, srv.base, cfg, nil)
	draw := func(user, from string) int {
		code, _, _ := newClient(t, srv.base, cfg, user, "user").do("POST", "/api/v1/draws",
			map[string]any{"activity_id": id}, "X-Forwarded-For", from)
		return code
	}
	assert.Equal(t, http.StatusOK, draw("u1", "198.51.100.1"))
	assert.Equal(t, http.StatusOK, draw("u2", "198.51.100.2"), "another client behind the balancer")
	assert.Equal(t, http.StatusTooManyRequests, draw("u3", "198.51.100.1"), "the first client again")
	assert.Equal(t, http.StatusTooManyRequests, draw("u4", "1.2.3.4, 198.51.100.2"), "a forged first hop changes nothing")
}

// Once an activity's stock is gone, its quota says so: a user with chances left under
// their limits learns before drawing that no draw is left.
func TestQuotaSaysSoldOut(t *testing.T) {
	t.Parallel()
	testkit.EachStack(t, func(t *testing.T, cfg config.Config) {
		t.Parallel()
		cfg.Draw.RatePerUser = 0
		srv := startServer(t, cfg, nil)
		id := setUpActivity(t, srv.base, cfg, map[string]any{"stock": 1})
		alice := newClient(t, srv.base, cfg, "alice", "user")
		bob := newClient(t, srv.base, cfg, "bob", "user")
		quota := "/api/v1/activities/" + id + "/quota"
		assert.Equal(t, map[string]any{"left_total": 3.0, "left_today": 2.0}, bob.must(http.StatusOK, "GET", quota, nil))

		alice.must(http.StatusOK, "POST", "/api/v1/draws", map[string]any{"activity_id": id})
		assert.Equal(t, map[string]any{"left_total": 3.0, "left_today": 2.0, "sold_out": true}, bob.must(http.StatusOK, "GET", quota, nil))
		out := bob.must(http.StatusConflict, "POST", "/api/v1/draws", map[string]any{"activity_id": id})
		assert.Equal(t, "activity_sold_out", errCode(out))
	})
}
