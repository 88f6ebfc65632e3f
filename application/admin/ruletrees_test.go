package admin_test

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/application/admin"
	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/check"
	"github.com/lottery-go/lottery/domain/ruletree"
	"github.com/lottery-go/lottery/infrastructure/idgen"
	"github.com/lottery-go/lottery/infrastructure/persistence"
	"github.com/lottery-go/lottery/internal/testkit"
	"github.com/lottery-go/lottery/rules"
)

// routingCount is a RoutingNotifier that counts what it was told: n changes in all, and
// the users whose profile changed (one at a time).
type routingCount struct {
	n     atomic.Int64
	mu    sync.Mutex
	users []string
}

func (c *routingCount) RoutingChanged(context.Context) error {
	c.n.Add(1)
	return nil
}

func (c *routingCount) ProfileChanged(_ context.Context, userID string) error {
	c.n.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.users = append(c.users, userID)
	return nil
}

func (c *routingCount) ProfilesChanged(context.Context) error {
	c.n.Add(1)
	return nil
}

func newRulesService(t *testing.T) (*admin.Service, *routingCount) {
	t.Helper()
	env := testkit.SQLite(t)
	gen, err := idgen.New(2)
	require.NoError(t, err)
	rc := &routingCount{}
	return admin.New(admin.Deps{
		Awards:     persistence.NewAwardRepo(env.DB),
		Activities: persistence.NewActivityRepo(env.DB, gen.Next),
		RuleTrees:  persistence.NewRuleTreeRepo(env.DB),
		Profiles:   persistence.NewProfileRepo(env.DB),
		Routing:    rc,
		IDs:        gen.Next,
		Now:        func() time.Time { return inTheWindow },
		Logger:     slog.New(slog.DiscardHandler),
	}), rc
}

func ageTree(kids, adults string) rules.Document {
	return rules.Document{Name: "ages", Facts: map[string]rules.FactType{"age": rules.TypeInt}, Root: "r", Nodes: []rules.Node{
		{ID: "r", Edges: []rules.Edge{{When: rules.Expression("age < 18"), To: "kids"}, {When: rules.Expression("age >= 18"), To: "adults"}}},
		{ID: "kids", Leaf: kids}, {ID: "adults", Leaf: adults},
	}}
}

var (
	marketer = activity.Actor{ID: "alice", Marketer: true}
	boss     = activity.Actor{ID: "bob", Admin: true}
)

func TestValidateRuleTreeListsEveryProblem(t *testing.T) {
	t.Parallel()
	s, _ := newRulesService(t)
	id := strconv.FormatInt(draft(t, s), 10)
	doc := ageTree(id, "999")
	doc.Name = ""
	doc.Nodes = append(doc.Nodes, rules.Node{ID: "odd", Leaf: "abc"})
	doc.Nodes[0].Edges[0].When = rules.Expression("age <")

	var ce *rules.CompileError
	require.ErrorAs(t, s.ValidateRuleTree(context.Background(), doc), &ce)
	got := map[string]string{}
	for _, p := range ce.Problems {
		got[p.Field] = p.Code
	}
	assert.Equal(t, map[string]string{
		"name":                   check.CodeRequired,
		"nodes[0].edges[0].when": rules.CodeExpressionSyntax,
		"nodes[2].leaf":          admin.CodeUnknownActivity,
		"nodes[3]":               rules.CodeUnreachableNode,
		"nodes[3].leaf":          admin.CodeInvalidLeaf,
	}, got)
	require.NoError(t, s.ValidateRuleTree(context.Background(), ageTree(id, id)))
}

// A leaf may name an activity in any state but closed: nobody routed to a closed activity
// could draw, and it never opens again.
func TestRuleTreeLeavesNameNoClosedActivity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newRulesService(t)
	open, closed := draft(t, s), draft(t, s)
	saved, err := s.CreateRuleTree(ctx, "alice", ageTree(strconv.FormatInt(open, 10), strconv.FormatInt(closed, 10)))
	require.NoError(t, err, "both open when the tree is saved")
	require.NoError(t, s.PublishRuleTree(ctx, boss, saved, ruletree.Publication{Version: 1}), "and when it is published")
	for _, step := range []struct {
		by  activity.Actor
		act activity.Action
	}{{marketer, activity.ActionSubmit}, {boss, activity.ActionApprove}, {boss, activity.ActionStart}, {boss, activity.ActionClose}} {
		require.NoError(t, s.Transition(ctx, closed, step.by, step.act, ""), "%s", step.act)
	}
	var ce *rules.CompileError
	require.ErrorAs(t, s.ValidateRuleTree(ctx, ageTree(strconv.FormatInt(open, 10), strconv.FormatInt(closed, 10))), &ce)
	require.Len(t, ce.Problems, 1)
	assert.Equal(t, admin.CodeClosedActivity, ce.Problems[0].Code)
	assert.Equal(t, "nodes[2].leaf", ce.Problems[0].Field)
	assert.Contains(t, ce.Problems[0].Message, "which is closed")

	// The version saved before the close is not published again, nor made the default as
	// it is live.
	err = s.PublishRuleTree(ctx, boss, saved, ruletree.Publication{Version: 1})
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, admin.CodeClosedActivity, ce.Problems[0].Code)
	yes := true
	err = s.PublishRuleTree(ctx, boss, saved, ruletree.Publication{Default: &yes})
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, admin.CodeClosedActivity, ce.Problems[0].Code)
}

func TestRuleTreeLifeCycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, rc := newRulesService(t)
	a, b := strconv.FormatInt(draft(t, s), 10), strconv.FormatInt(draft(t, s), 10)
	id, err := s.CreateRuleTree(ctx, "alice", ageTree(a, b))
	require.NoError(t, err)
	n, err := s.SaveRuleTree(ctx, id, "carol", ageTree(b, a))
	require.NoError(t, err)
	assert.Equal(t, 2, n)

	v, err := s.RuleTree(ctx, id, 0)
	require.NoError(t, err)
	assert.Equal(t, 2, v.Version.Number)
	assert.Equal(t, "carol", v.Version.CreatedBy)
	assert.Zero(t, v.Tree.Live)

	assert.ErrorIs(t, s.PublishRuleTree(ctx, marketer, id, ruletree.Publication{Version: 1}), ruletree.ErrForbidden)
	assert.ErrorIs(t, s.PublishRuleTree(ctx, boss, id, ruletree.Publication{Default: new(true)}), ruletree.ErrNotPublished)
	assert.ErrorIs(t, s.PublishRuleTree(ctx, boss, id, ruletree.Publication{Version: 3}), check.ErrInvalid)
	assert.Zero(t, rc.n.Load(), "refusals tell nobody")
	require.NoError(t, s.PublishRuleTree(ctx, boss, id, ruletree.Publication{Version: 1, Default: new(true)}))
	assert.Equal(t, int64(1), rc.n.Load())
	v, err = s.RuleTree(ctx, id, 0)
	require.NoError(t, err)
	assert.Equal(t, 1, v.Tree.Live)
	assert.True(t, v.Tree.Default)

	items, more, err := s.ListRuleTrees(ctx, admin.Page{Limit: 1})
	require.NoError(t, err)
	assert.False(t, more)
	assert.Equal(t, id, items[0].ID)

	// Withdrawn: out of routing, live version and default both gone; published again later.
	assert.ErrorIs(t, s.PublishRuleTree(ctx, boss, id, ruletree.Publication{Withdraw: true, Version: 1}), check.ErrInvalid)
	assert.ErrorIs(t, s.PublishRuleTree(ctx, marketer, id, ruletree.Publication{Withdraw: true}), ruletree.ErrForbidden)
	require.NoError(t, s.PublishRuleTree(ctx, boss, id, ruletree.Publication{Withdraw: true}))
	assert.Equal(t, int64(2), rc.n.Load(), "routers are told")
	v, err = s.RuleTree(ctx, id, 0)
	require.NoError(t, err)
	assert.Zero(t, v.Tree.Live)
	assert.False(t, v.Tree.Default)
	require.NoError(t, s.PublishRuleTree(ctx, boss, id, ruletree.Publication{Version: 1}))

	_, err = s.SaveRuleTree(ctx, id+1, "alice", ageTree(a, b))
	assert.ErrorIs(t, err, ruletree.ErrNotFound)
}

func TestEvaluateRuleTree(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newRulesService(t)
	a := strconv.FormatInt(draft(t, s), 10)
	doc := ageTree(a, a)
	doc.Facts["since"] = rules.TypeTime
	doc.Nodes[0].Edges = append([]rules.Edge{
		{When: rules.Expression("registered_days >= 30"), To: "adults"},
		{When: rules.Expression("now > since"), To: "kids"},
	}, doc.Nodes[0].Edges...)
	id, err := s.CreateRuleTree(ctx, "alice", doc)
	require.NoError(t, err)

	tests := []struct {
		name    string
		facts   map[string]any
		path    int // edges tried
		noMatch bool
	}{
		{"registered_days derived", map[string]any{"registered_at": "2020-01-01T00:00:00Z"}, 1, false},
		{"now given", map[string]any{"now": "2030-01-01T00:00:00Z", "registered_at": "2029-12-20T00:00:00Z", "since": "2029-01-01T00:00:00Z"}, 2, false},
		// API.md: a missing fact takes the default edge; without one the walk ends there.
		{"missing fact, no default edge", map[string]any{"since": "2029-01-01T00:00:00Z"}, 1, true},
		{"no edge matches, no default edge", map[string]any{"now": "2030-01-01T00:00:00Z", "registered_at": "2029-12-20T00:00:00Z", "since": "2999-01-01T00:00:00Z"}, 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ev, err := s.EvaluateRuleTree(ctx, id, 0, tt.facts)
			if tt.noMatch {
				require.ErrorIs(t, err, rules.ErrNoMatch)
			} else {
				require.NoError(t, err)
				assert.Equal(t, a, ev.Result.Value)
			}
			assert.Equal(t, 1, ev.Version)
			assert.Len(t, ev.Result.Path, tt.path)
		})
	}
	_, err = s.EvaluateRuleTree(ctx, id, 0, map[string]any{"age": "young"})
	assert.ErrorIs(t, err, check.ErrInvalid)
	_, err = s.EvaluateRuleTree(ctx, id, 2, nil)
	assert.ErrorIs(t, err, ruletree.ErrVersionNotFound)
}
