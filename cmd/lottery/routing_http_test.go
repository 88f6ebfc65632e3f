package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/infrastructure/config"
	"github.com/lottery-go/lottery/internal/testkit"
)

// routingStack is a server with a VIP and a general activity running (general takes
// generalBody's fields too), the marketer and admin who run them, and users of it.
type routingStack struct {
	vip, general    string
	marketer, admin *client
	user            func(sub string, facts map[string]any) *client
}

func newRoutingStack(t *testing.T, cfg config.Config, generalBody map[string]any) routingStack {
	t.Helper()
	cfg.Draw.RatePerUser = 0
	srv := startServer(t, cfg, nil)
	general := map[string]any{"name": "General wheel"}
	for k, v := range generalBody {
		general[k] = v
	}
	return routingStack{
		vip:      setUpActivity(t, srv.base, cfg, map[string]any{"name": "VIP wheel"}),
		general:  setUpActivity(t, srv.base, cfg, general),
		marketer: newClient(t, srv.base, cfg, "mia", "marketer"),
		admin:    newClient(t, srv.base, cfg, "ada", "admin"),
		user: func(sub string, facts map[string]any) *client {
			return newUserWithFacts(t, srv.base, cfg, sub, facts, "user")
		},
	}
}

func TestDrawRoutedByTheDefaultRuleTree(t *testing.T) {
	t.Parallel()
	testkit.EachStack(t, func(t *testing.T, cfg config.Config) {
		t.Parallel()
		st := newRoutingStack(t, cfg, nil)
		vip, general, marketer, admin, user := st.vip, st.general, st.marketer, st.admin, st.user

		tree := marketer.must(http.StatusCreated, "POST", "/api/v1/admin/rule-trees", map[string]any{
			"name": "router", "facts": map[string]any{"level": "int", "city": "string"}, "root": "n1",
			"nodes": []any{
				map[string]any{"id": "n1", "edges": []any{
					map[string]any{"when": "level >= 3", "to": "vip"},
					map[string]any{"to": "general"},
				}},
				map[string]any{"id": "vip", "leaf": vip},
				map[string]any{"id": "general", "leaf": general},
			},
		})
		treeID := tree["id"].(string)

		gold := user("gold", map[string]any{"level": 5})
		assert.Equal(t, "no_matching_activity", errCode(gold.must(http.StatusNotFound, "POST", "/api/v1/draws", map[string]any{})),
			"nothing is published yet")

		admin.must(http.StatusOK, "POST", "/api/v1/admin/rule-trees/"+treeID+"/publish", map[string]any{"version": 1, "default": true})
		require.Eventually(t, func() bool {
			code, out, _ := gold.do("POST", "/api/v1/draws", map[string]any{})
			return code == http.StatusOK && out["activity_id"] == vip
		}, 3*time.Second, 20*time.Millisecond, "the published default tree routes level 5 to the VIP activity")

		plain := user("plain", map[string]any{"level": 1})
		assert.Equal(t, general, plain.must(http.StatusOK, "POST", "/api/v1/draws", map[string]any{"tree_id": treeID})["activity_id"])

		// A stored profile counts too; the token's facts win where both speak.
		admin.must(http.StatusOK, "PUT", "/api/v1/admin/users/silver/profile", map[string]any{"attributes": map[string]any{"level": 4}})
		silver := user("silver", nil)
		require.Eventually(t, func() bool {
			code, out, _ := silver.do("POST", "/api/v1/draws", map[string]any{})
			return code == http.StatusOK && out["activity_id"] == vip
		}, 3*time.Second, 20*time.Millisecond, "the profile's level routes silver to the VIP activity")

		// Withdrawn, the tree routes nobody, by its id or as the default.
		out := admin.must(http.StatusOK, "POST", "/api/v1/admin/rule-trees/"+treeID+"/publish", map[string]any{"withdraw": true})
		assert.Nil(t, out["live_version"])
		assert.Equal(t, false, out["default"])
		require.Eventually(t, func() bool {
			code, _, _ := silver.do("POST", "/api/v1/draws", map[string]any{})
			return code == http.StatusNotFound
		}, 3*time.Second, 20*time.Millisecond, "no default tree any more")
		assert.Equal(t, "no_matching_activity", errCode(plain.must(http.StatusNotFound, "POST", "/api/v1/draws", map[string]any{"tree_id": treeID})))
		unknown := plain.must(http.StatusNotFound, "POST", "/api/v1/draws", map[string]any{"tree_id": "999999"})
		assert.Equal(t, "not_found", errCode(unknown), "a tree that does not exist, unlike one withdrawn: %v", unknown)
		admin.must(http.StatusUnprocessableEntity, "POST", "/api/v1/admin/rule-trees/"+treeID+"/publish", map[string]any{"withdraw": true, "version": 1})
	})
}

// A key repeated after the tree changed returns its first order, wherever the tree now
// routes the user: to an activity whose chances the user has used up, or nowhere.
func TestRoutedDrawKeyRepeatedAfterTheTreeChanged(t *testing.T) {
	t.Parallel()
	testkit.EachStack(t, func(t *testing.T, cfg config.Config) {
		t.Parallel()
		st := newRoutingStack(t, cfg, map[string]any{"limits": map[string]any{"per_user_total": 1, "per_user_daily": 1}})
		vip, general, marketer, admin := st.vip, st.general, st.marketer, st.admin
		doc := func(vipWhen string, fallback map[string]any) map[string]any {
			return map[string]any{"name": "router", "facts": map[string]any{"level": "int"}, "root": "n1",
				"nodes": []any{map[string]any{"id": "n1", "edges": []any{map[string]any{"when": vipWhen, "to": "vip"}, fallback}},
					map[string]any{"id": "vip", "leaf": vip}, map[string]any{"id": "general", "leaf": general}}}
		}
		tree := marketer.must(http.StatusCreated, "POST", "/api/v1/admin/rule-trees", doc("level >= 3", map[string]any{"to": "general"}))
		id := tree["id"].(string)
		admin.must(http.StatusOK, "POST", "/api/v1/admin/rule-trees/"+id+"/publish", map[string]any{"version": 1, "default": true})
		level5 := map[string]any{"level": 5}
		gold, probe := st.user("gold", level5), st.user("probe", level5)
		var first map[string]any
		require.Eventually(t, func() bool {
			code, out, _ := gold.do("POST", "/api/v1/draws", map[string]any{}, "Idempotency-Key", "k1")
			first = out
			return code == http.StatusOK
		}, 5*time.Second, 20*time.Millisecond)
		require.Equal(t, vip, first["activity_id"])
		gold.must(http.StatusOK, "POST", "/api/v1/draws", map[string]any{"activity_id": general}) // its one chance there

		// Version 2 sends level 5 to general, where gold has no chance left.
		marketer.must(http.StatusOK, "PUT", "/api/v1/admin/rule-trees/"+id, doc("level >= 100", map[string]any{"to": "general"}))
		admin.must(http.StatusOK, "POST", "/api/v1/admin/rule-trees/"+id+"/publish", map[string]any{"version": 2})
		require.Eventually(t, func() bool {
			code, out, _ := probe.do("POST", "/api/v1/draws", map[string]any{})
			return code == http.StatusOK && out["activity_id"] == general
		}, 5*time.Second, 20*time.Millisecond, "version 2 routes")
		again := gold.must(http.StatusOK, "POST", "/api/v1/draws", map[string]any{}, "Idempotency-Key", "k1")
		assert.Equal(t, first["order_id"], again["order_id"], "routed elsewhere, refused there: the first order")

		// Version 3 routes level 5 nowhere.
		marketer.must(http.StatusOK, "PUT", "/api/v1/admin/rule-trees/"+id, doc("level >= 100", map[string]any{"when": "level < 0", "to": "general"}))
		admin.must(http.StatusOK, "POST", "/api/v1/admin/rule-trees/"+id+"/publish", map[string]any{"version": 3})
		require.Eventually(t, func() bool {
			code, _, _ := probe.do("POST", "/api/v1/draws", map[string]any{})
			return code == http.StatusNotFound
		}, 5*time.Second, 20*time.Millisecond, "version 3 routes")
		again = gold.must(http.StatusOK, "POST", "/api/v1/draws", map[string]any{}, "Idempotency-Key", "k1")
		assert.Equal(t, first["order_id"], again["order_id"], "routed nowhere: the first order")
		code, out, _ := gold.do("POST", "/api/v1/draws", map[string]any{}, "Idempotency-Key", "k2")
		assert.Equal(t, http.StatusNotFound, code, "a new key is still refused")
		assert.Equal(t, map[string]any{"code": "no_matching_activity", "message": "no activity is open to you at the moment",
			"details": map[string]any{}}, out["error"], "the tree's nodes and facts are not the user's business")
	})
}
