package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/infrastructure/config"
	"github.com/lottery-go/lottery/infrastructure/token"
	"github.com/lottery-go/lottery/internal/testkit"
)

func TestDrawRoutedByTheDefaultRuleTree(t *testing.T) {
	t.Parallel()
	testkit.EachStack(t, func(t *testing.T, cfg config.Config) {
		t.Parallel()
		cfg.Draw.RatePerUser = 0
		srv := startServer(t, cfg, nil)
		vip := setUpActivity(t, srv.base, cfg, map[string]any{"name": "VIP wheel"})
		general := setUpActivity(t, srv.base, cfg, map[string]any{"name": "General wheel"})
		marketer := newClient(t, srv.base, cfg, "mia", "marketer")
		admin := newClient(t, srv.base, cfg, "ada", "admin")

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

		user := func(sub string, facts map[string]any) *client {
			tok, err := token.NewKeys(cfg.Auth.Secret).Mint(sub, []string{"user"}, facts, time.Hour)
			require.NoError(t, err)
			return &client{t: t, base: srv.base, token: tok}
		}
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
	})
}
