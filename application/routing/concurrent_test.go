package routing_test

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/application/admin"
	"github.com/lottery-go/lottery/application/drawing"
	"github.com/lottery-go/lottery/application/routing"
	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/award"
	"github.com/lottery-go/lottery/domain/ruletree"
	"github.com/lottery-go/lottery/domain/strategy"
	"github.com/lottery-go/lottery/infrastructure/idgen"
	"github.com/lottery-go/lottery/infrastructure/persistence"
	"github.com/lottery-go/lottery/internal/testkit"
	"github.com/lottery-go/lottery/rules"
)

// invalidator is the change feed in one process: publishing drops the router's caches.
type invalidator struct{ r *routing.Router }

func (i invalidator) RoutingChanged(context.Context) error {
	i.r.InvalidateAll()
	return nil
}

func (i invalidator) ProfileChanged(_ context.Context, userID string) error {
	i.r.InvalidateProfile(userID)
	return nil
}

func (i invalidator) ProfilesChanged(context.Context) error {
	i.r.InvalidateProfiles()
	return nil
}

var admins = activity.Actor{ID: "bob", Admin: true}

// stamped is a version marked with k: its only condition reads "level > -k" and its leaf
// is acts[k % len(acts)], so an answer shows which version produced it and whether it
// came from one version entirely.
func stamped(k int, acts []int64) rules.Document {
	return rules.Document{Name: "stamped", Facts: map[string]rules.FactType{"level": rules.TypeInt}, Root: "r", Nodes: []rules.Node{
		{ID: "r", Edges: []rules.Edge{{When: rules.Expression(fmt.Sprintf("level > -%d", k)), To: "leaf"}}},
		{ID: "leaf", Leaf: strconv.FormatInt(acts[k%len(acts)], 10)},
	}}
}

func activities(t *testing.T, s *admin.Service, n int) []int64 {
	t.Helper()
	ctx := context.Background()
	aw, err := s.CreateAward(ctx, admin.AwardInput{Name: "Points", Kind: award.KindPoints, Content: award.Content{Points: 10}})
	require.NoError(t, err)
	begin := time.Now().UTC().Truncate(time.Hour).Add(24 * time.Hour)
	ids := make([]int64, n)
	for i := range ids {
		ids[i], err = s.CreateActivity(ctx, activity.Actor{ID: "alice", Marketer: true}, admin.ActivityInput{
			Name: "Wheel", BeginAt: begin, EndAt: begin.Add(time.Hour), TimeZone: "UTC", Stock: 10,
			Mode: strategy.ModeFixed, Prizes: []strategy.Prize{{AwardID: aw.ID(), Probability: 100_000, Stock: 3}},
		})
		require.NoError(t, err)
	}
	return ids
}

// TestEvaluateAndRouteDuringPublishes: while publishers save and publish new versions,
// routers route draws through the default tree and evaluators dry-run the latest version.
// Every answer must come from one complete version, and once the publishers are done the
// router follows the last published version.
func TestEvaluateAndRouteDuringPublishes(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		gen, err := idgen.New(3)
		require.NoError(t, err)
		trees, profiles := persistence.NewRuleTreeRepo(env.DB), persistence.NewProfileRepo(env.DB)
		router := routing.New(trees, profiles, routing.Options{})
		s := admin.New(admin.Deps{
			Awards: persistence.NewAwardRepo(env.DB), Activities: persistence.NewActivityRepo(env.DB, gen.Next),
			RuleTrees: trees, Profiles: profiles, Routing: invalidator{router}, IDs: gen.Next,
			Logger: slog.New(slog.DiscardHandler),
		})
		acts := activities(t, s, 3)
		isAct := map[int64]bool{acts[0]: true, acts[1]: true, acts[2]: true}
		id, err := s.CreateRuleTree(ctx, "alice", stamped(1, acts))
		require.NoError(t, err)
		require.NoError(t, s.PublishRuleTree(ctx, admins, id, ruletree.Publication{Version: 1, Default: new(true)}))

		const publishers, rounds = 2, 8
		var done atomic.Bool
		var readers, writers sync.WaitGroup
		var routed, evaluated atomic.Int64
		for p := range publishers {
			writers.Go(func() {
				for j := range rounds {
					k := 2 + p*rounds + j
					n, err := s.SaveRuleTree(ctx, id, "alice", stamped(k, acts))
					if !assert.NoError(t, err) {
						return
					}
					assert.NoError(t, s.PublishRuleTree(ctx, admins, id, ruletree.Publication{Version: n}))
				}
			})
		}
		for g := range 4 {
			readers.Go(func() {
				for first := true; first || !done.Load(); first = false {
					got, err := router.Route(ctx, drawing.Request{UserID: fmt.Sprintf("u%d", g), Facts: map[string]any{"level": 0}})
					if assert.NoError(t, err) {
						assert.True(t, isAct[got], "routed to %d", got)
					}
					routed.Add(1)
				}
			})
		}
		for range 2 {
			readers.Go(func() {
				for first := true; first || !done.Load(); first = false {
					ev, err := s.EvaluateRuleTree(ctx, id, 0, map[string]any{"level": 0})
					if assert.NoError(t, err) && assert.Len(t, ev.Result.Path, 1) {
						k, err := strconv.Atoi(strings.TrimPrefix(ev.Result.Path[0].Condition, "level > -"))
						require.NoError(t, err)
						assert.Equal(t, strconv.FormatInt(acts[k%len(acts)], 10), ev.Result.Value, "version %d came whole", ev.Version)
					}
					evaluated.Add(1)
				}
			})
		}
		writers.Wait()
		done.Store(true)
		readers.Wait()
		assert.Positive(t, routed.Load())
		assert.Positive(t, evaluated.Load())

		live, err := trees.LiveDefault(ctx)
		require.NoError(t, err)
		want, err := strconv.ParseInt(live.Document.Nodes[1].Leaf, 10, 64)
		require.NoError(t, err)
		got, err := router.Route(ctx, drawing.Request{UserID: "u0", Facts: map[string]any{"level": 0}})
		require.NoError(t, err)
		assert.Equal(t, want, got, "the router follows the last publication")
	})
}
