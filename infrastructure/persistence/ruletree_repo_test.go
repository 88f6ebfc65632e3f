package persistence_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/ruletree"
	"github.com/lottery-go/lottery/infrastructure/persistence"
	"github.com/lottery-go/lottery/internal/testkit"
	"github.com/lottery-go/lottery/rules"
)

// treeDoc is a one-edge document whose leaf is leaf.
func treeDoc(name, leaf string) rules.Document {
	return rules.Document{Name: name, Facts: map[string]rules.FactType{"age": rules.TypeInt}, Root: "r", Nodes: []rules.Node{
		{ID: "r", Edges: []rules.Edge{{When: rules.Compare("age", rules.OpLt, 18), To: "kids"}, {To: "all"}}},
		{ID: "kids", Leaf: leaf}, {ID: "all", Leaf: "1"},
	}}
}

func createTree(t *testing.T, repo *persistence.RuleTreeRepo, name string) int64 {
	t.Helper()
	id := newID()
	tree := ruletree.Tree{ID: id, Name: name, Latest: 1, CreatedBy: "alice", CreatedAt: testNow, UpdatedAt: testNow}
	require.NoError(t, repo.Create(context.Background(), tree, ruletree.Version{Document: treeDoc(name, "2"), CreatedBy: "alice", CreatedAt: testNow}))
	return id
}

func publish(version int, def *bool) func(*ruletree.Tree) error {
	return func(t *ruletree.Tree) error {
		return t.Publish(ruletree.Publication{Version: version, Default: def}, testNow)
	}
}

var yes, no = true, false

func TestRuleTreeVersions(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		repo := persistence.NewRuleTreeRepo(env.DB)
		id := createTree(t, repo, "spring")

		n, err := repo.AddVersion(ctx, id, treeDoc("spring v2", "3"), "bob", testNow)
		require.NoError(t, err)
		assert.Equal(t, 2, n)
		got, err := repo.Get(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, ruletree.Tree{ID: id, Name: "spring v2", Latest: 2, CreatedBy: "alice", CreatedAt: testNow, UpdatedAt: testNow}, got)

		latest, err := repo.Version(ctx, id, 0)
		require.NoError(t, err)
		assert.Equal(t, 2, latest.Number)
		assert.Equal(t, "bob", latest.CreatedBy)
		assert.Equal(t, treeDoc("spring v2", "3").Nodes[1], latest.Document.Nodes[1])
		first, err := repo.Version(ctx, id, 1)
		require.NoError(t, err)
		assert.Equal(t, "spring", first.Document.Name)
		assert.Equal(t, "age lt 18", first.Document.Nodes[0].Edges[0].When.String(), "conditions survive the round trip")

		_, err = repo.Version(ctx, id, 3)
		assert.ErrorIs(t, err, ruletree.ErrVersionNotFound)
		_, err = repo.Version(ctx, newID(), 1)
		assert.ErrorIs(t, err, ruletree.ErrNotFound)
		_, err = repo.AddVersion(ctx, newID(), treeDoc("x", "1"), "bob", testNow)
		assert.ErrorIs(t, err, ruletree.ErrNotFound)
	})
}

func TestRuleTreeConcurrentSavesGetConsecutiveNumbers(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		repo := persistence.NewRuleTreeRepo(env.DB)
		id := createTree(t, repo, "busy")
		const savers = 8
		numbers := make([]int, savers)
		var wg sync.WaitGroup
		for i := range savers {
			wg.Go(func() {
				n, err := repo.AddVersion(context.Background(), id, treeDoc("busy", "2"), "bob", testNow)
				assert.NoError(t, err)
				numbers[i] = n
			})
		}
		wg.Wait()
		assert.ElementsMatch(t, []int{2, 3, 4, 5, 6, 7, 8, 9}, numbers)
	})
}

func TestRuleTreeList(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		repo := persistence.NewRuleTreeRepo(env.DB)
		a := createTree(t, repo, "a")
		b := createTree(t, repo, "b")
		_, err := repo.AddVersion(ctx, b, treeDoc("b", "2"), "bob", testNow)
		require.NoError(t, err)

		page, err := repo.List(ctx, 0, 1)
		require.NoError(t, err)
		require.Len(t, page, 1)
		assert.Equal(t, a, page[0].ID)
		page, err = repo.List(ctx, a, 10)
		require.NoError(t, err)
		require.Len(t, page, 1)
		assert.Equal(t, b, page[0].ID)
		assert.Equal(t, 2, page[0].Latest)
		page, err = repo.List(ctx, b, 10)
		require.NoError(t, err)
		assert.Empty(t, page)
	})
}

func TestRuleTreePublishAndDefault(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		repo := persistence.NewRuleTreeRepo(env.DB)
		a := createTree(t, repo, "a")
		b := createTree(t, repo, "b")

		_, err := repo.Live(ctx, a)
		assert.ErrorIs(t, err, ruletree.ErrNotPublished)
		_, err = repo.Live(ctx, newID())
		assert.ErrorIs(t, err, ruletree.ErrNotFound)
		_, err = repo.LiveDefault(ctx)
		assert.ErrorIs(t, err, ruletree.ErrNotFound)
		assert.ErrorIs(t, repo.Update(ctx, a, publish(0, &yes)), ruletree.ErrNotPublished, "no default without a live version")

		require.NoError(t, repo.Update(ctx, a, publish(1, &yes)))
		live, err := repo.Live(ctx, a)
		require.NoError(t, err)
		assert.Equal(t, 1, live.Number)
		def, err := repo.LiveDefault(ctx)
		require.NoError(t, err)
		assert.Equal(t, a, def.TreeID)

		_, err = repo.AddVersion(ctx, b, treeDoc("b2", "5"), "bob", testNow)
		require.NoError(t, err)
		require.NoError(t, repo.Update(ctx, b, publish(2, &yes)))
		def, err = repo.LiveDefault(ctx)
		require.NoError(t, err)
		assert.Equal(t, b, def.TreeID)
		assert.Equal(t, 2, def.Number)
		assert.Equal(t, "b2", def.Document.Name)
		gotA, err := repo.Get(ctx, a)
		require.NoError(t, err)
		assert.False(t, gotA.Default, "the previous default was unset")
		assert.Equal(t, 1, gotA.Live, "and stays published")

		require.NoError(t, repo.Update(ctx, b, publish(0, &no)))
		_, err = repo.LiveDefault(ctx)
		assert.ErrorIs(t, err, ruletree.ErrNotFound)
	})
}

// TestConcurrentDefaultsLeaveOne makes many trees the default at once: every publication
// succeeds and exactly one tree ends up the default.
func TestConcurrentDefaultsLeaveOne(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		repo := persistence.NewRuleTreeRepo(env.DB)
		const trees = 6
		ids := make([]int64, trees)
		for i := range ids {
			ids[i] = createTree(t, repo, "t")
		}
		var wg sync.WaitGroup
		for _, id := range ids {
			wg.Go(func() { assert.NoError(t, repo.Update(ctx, id, publish(1, &yes))) })
		}
		wg.Wait()
		var n int64
		require.NoError(t, env.DB.Gorm.Raw("SELECT COUNT(*) FROM rule_trees WHERE is_default = ?", true).Scan(&n).Error)
		assert.Equal(t, int64(1), n)
	})
}
