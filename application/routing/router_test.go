package routing_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/application/drawing"
	"github.com/lottery-go/lottery/application/routing"
	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/domain/ruletree"
	"github.com/lottery-go/lottery/domain/user"
	"github.com/lottery-go/lottery/internal/testkit"
	"github.com/lottery-go/lottery/rules"
)

var now = time.Date(2026, 11, 11, 9, 0, 0, 0, time.UTC)

const longAgo = "2020-01-01T00:00:00Z"

// fakeTrees serves live versions from memory and counts its reads.
type fakeTrees struct {
	mu    sync.Mutex
	live  map[int64]ruletree.Version // Number 0: created but not published
	def   int64
	loads int
}

func (f *fakeTrees) Live(_ context.Context, id int64) (ruletree.Version, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.loads++
	v, ok := f.live[id]
	switch {
	case !ok:
		return ruletree.Version{}, ruletree.ErrNotFound
	case v.Number == 0:
		return ruletree.Version{}, ruletree.ErrNotPublished
	}
	return v, nil
}

func (f *fakeTrees) LiveDefault(ctx context.Context) (ruletree.Version, error) {
	f.mu.Lock()
	def := f.def
	f.mu.Unlock()
	if def == 0 {
		return ruletree.Version{}, ruletree.ErrNotFound
	}
	return f.Live(ctx, def)
}

func (f *fakeTrees) reads() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.loads
}

type fakeProfiles struct {
	mu    sync.Mutex
	m     map[string]user.Profile
	loads int
	err   error
}

func (f *fakeProfiles) Get(_ context.Context, id string) (user.Profile, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.loads++
	if f.err != nil {
		return user.Profile{}, f.err
	}
	p, ok := f.m[id]
	if !ok {
		return user.Profile{}, user.ErrNotFound
	}
	return p, nil
}

func (f *fakeProfiles) put(id string, attrs map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.m[id] = user.Profile{UserID: id, Attributes: attrs}
}

func (f *fakeProfiles) reads() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.loads
}

func cond(s string) *rules.Condition { return rules.Expression(s) }

// Tree 1 (the default) always reaches a leaf; tree 2 has no default edge; tree 3 leads to
// a leaf that is not an id; tree 4 is not published.
func newFakes() (*fakeTrees, *fakeProfiles) {
	facts := map[string]rules.FactType{"age": rules.TypeInt, "level": rules.TypeInt, "tags": rules.TypeStrings}
	wide := rules.Document{Name: "wide", Facts: facts, Root: "n1", Nodes: []rules.Node{
		{ID: "n1", Edges: []rules.Edge{
			{When: cond("age < 18"), To: "kids"},
			{When: cond("registered_days < 7"), To: "newbie"},
			{When: cond("level >= 3 && 'vip' in tags"), To: "vip"},
			{To: "general"}}},
		{ID: "kids", Leaf: "101"}, {ID: "newbie", Leaf: "102"}, {ID: "vip", Leaf: "103"}, {ID: "general", Leaf: "104"},
	}}
	strict := rules.Document{Name: "strict", Facts: facts, Root: "n1", Nodes: []rules.Node{
		{ID: "n1", Edges: []rules.Edge{{When: rules.Compare("age", rules.OpGte, 18), To: "adult"}}},
		{ID: "adult", Leaf: "201"},
	}}
	odd := rules.Document{Name: "odd", Root: "n1", Nodes: []rules.Node{{ID: "n1", Leaf: "not-an-id"}}}
	trees := &fakeTrees{def: 1, live: map[int64]ruletree.Version{
		1: {TreeID: 1, Number: 1, Document: wide},
		2: {TreeID: 2, Number: 4, Document: strict},
		3: {TreeID: 3, Number: 1, Document: odd},
		4: {TreeID: 4},
	}}
	return trees, &fakeProfiles{m: map[string]user.Profile{}}
}

func TestRoute(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		tree    int64
		profile map[string]any // nil: no profile stored
		claims  map[string]any
		want    int64 // 0: no matching activity
	}{
		{"default tree, no facts at all", 0, nil, nil, 104},
		{"default tree from the profile", 0, map[string]any{"age": int64(30), "registered_at": longAgo, "level": int64(5), "tags": []any{"vip"}}, nil, 103},
		{"profile and token merge", 0, map[string]any{"age": 30, "registered_at": longAgo, "level": 5.0}, map[string]any{"tags": []any{"vip"}}, 103},
		{"token overrides profile", 0, map[string]any{"age": int64(30)}, map[string]any{"age": 12.0}, 101},
		{"registered days from the profile", 0, map[string]any{"age": 30, "registered_at": now.Add(-50 * time.Hour).Format(time.RFC3339)}, nil, 102},
		{"registered long ago", 0, map[string]any{"age": 30, "registered_at": longAgo}, nil, 104},
		// API.md: a fact missing at evaluation takes the default edge, even when a
		// later edge would match.
		{"missing age takes the default", 0, map[string]any{"registered_at": longAgo, "level": 5, "tags": []any{"vip"}}, nil, 104},
		{"null age takes the default", 0, map[string]any{"age": nil, "registered_at": longAgo, "level": 5}, map[string]any{"tags": []any{"vip"}}, 104},
		{"missing registered_at takes the default", 0, map[string]any{"age": 30, "level": 5, "tags": []any{"vip"}}, nil, 104},
		{"named tree", 2, map[string]any{"age": int64(40)}, nil, 201},
		{"named tree, no edge matches", 2, map[string]any{"age": int64(10)}, nil, 0},
		{"named tree, fact missing", 2, nil, nil, 0},
		{"leaf is not an activity id", 3, nil, nil, 0},
		{"unpublished tree", 4, nil, nil, 0},
		{"unknown tree", 99, nil, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			trees, profiles := newFakes()
			if tt.profile != nil {
				profiles.put("u1", tt.profile)
			}
			r := routing.New(trees, profiles, routing.Options{Now: func() time.Time { return now }})
			got, err := r.Route(context.Background(), drawing.Request{UserID: "u1", TreeID: tt.tree, Facts: tt.claims})
			if tt.want == 0 {
				assert.ErrorIs(t, err, drawing.ErrNoMatchingActivity)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// A tree named that does not exist is told from one that cannot route now; both are
// routing answers.
func TestRouteTellsAnUnknownTree(t *testing.T) {
	t.Parallel()
	trees, profiles := newFakes()
	r := routing.New(trees, profiles, routing.Options{})
	_, err := r.Route(context.Background(), drawing.Request{UserID: "u1", TreeID: 99})
	assert.ErrorIs(t, err, drawing.ErrUnknownTree)
	assert.ErrorIs(t, err, drawing.ErrNoMatchingActivity)
	_, err = r.Route(context.Background(), drawing.Request{UserID: "u1", TreeID: 4})
	assert.ErrorIs(t, err, drawing.ErrNoMatchingActivity)
	assert.NotErrorIs(t, err, drawing.ErrUnknownTree, "an unpublished tree exists")
}

func TestRouteWithoutDefaultTree(t *testing.T) {
	t.Parallel()
	trees, profiles := newFakes()
	trees.def = 0
	_, err := routing.New(trees, profiles, routing.Options{}).Route(context.Background(), drawing.Request{UserID: "u1"})
	assert.ErrorIs(t, err, drawing.ErrNoMatchingActivity)
}

func TestRouteFailsWhenProfilesCannotBeRead(t *testing.T) {
	t.Parallel()
	trees, profiles := newFakes()
	profiles.err = errors.New("database down")
	_, err := routing.New(trees, profiles, routing.Options{}).Route(context.Background(), drawing.Request{UserID: "u1"})
	require.Error(t, err)
	assert.NotErrorIs(t, err, drawing.ErrNoMatchingActivity, "an outage is not a routing answer")
	assert.ErrorIs(t, err, draw.ErrUnavailable, "but one to retry (503)")
}

// failingTrees cannot be read.
type failingTrees struct{}

func (failingTrees) Live(context.Context, int64) (ruletree.Version, error) {
	return ruletree.Version{}, errors.New("database down")
}
func (failingTrees) LiveDefault(context.Context) (ruletree.Version, error) {
	return ruletree.Version{}, errors.New("database down")
}

func TestRouteFailsWhenTreesCannotBeRead(t *testing.T) {
	t.Parallel()
	_, profiles := newFakes()
	_, err := routing.New(failingTrees{}, profiles, routing.Options{}).Route(context.Background(), drawing.Request{UserID: "u1"})
	assert.NotErrorIs(t, err, drawing.ErrNoMatchingActivity, "an outage is not a routing answer")
	assert.ErrorIs(t, err, draw.ErrUnavailable, "but one to retry (503)")
}

// TestRouteReadsFromMemory: repeated draws read nothing; InvalidateAll and the profile TTL
// make changes visible.
func TestRouteReadsFromMemory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	trees, profiles := newFakes()
	profiles.put("u1", map[string]any{"age": int64(10)})
	clk := testkit.NewClock(now)
	r := routing.New(trees, profiles, routing.Options{ProfileTTL: time.Minute, Now: clk.Now})
	route := func() int64 {
		t.Helper()
		id, err := r.Route(ctx, drawing.Request{UserID: "u1"})
		require.NoError(t, err)
		return id
	}
	for range 50 {
		assert.Equal(t, int64(101), route())
	}
	assert.Equal(t, 1, trees.reads())
	assert.Equal(t, 1, profiles.reads())

	profiles.put("u1", map[string]any{"age": int64(30)})
	assert.Equal(t, int64(101), route(), "cached until told")
	r.InvalidateAll()
	assert.Equal(t, int64(104), route())
	assert.Equal(t, 2, trees.reads())
	assert.Equal(t, 2, profiles.reads())

	profiles.put("u1", map[string]any{"age": int64(10)})
	clk.Add(time.Minute)
	assert.Equal(t, int64(101), route(), "profiles expire without a feed too")
	assert.Equal(t, 2, trees.reads(), "trees do not expire")
	assert.Equal(t, 3, profiles.reads())
}

// A stored profile drops that user's profile only: the compiled tree and the other users'
// profiles stay in memory.
func TestInvalidateOneProfile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	trees, profiles := newFakes()
	profiles.put("u1", map[string]any{"age": int64(10)})
	profiles.put("u2", map[string]any{"age": int64(10)})
	r := routing.New(trees, profiles, routing.Options{ProfileTTL: time.Hour})
	route := func(user string) int64 {
		t.Helper()
		id, err := r.Route(ctx, drawing.Request{UserID: user})
		require.NoError(t, err)
		return id
	}
	assert.Equal(t, int64(101), route("u1"))
	assert.Equal(t, int64(101), route("u2"))
	profiles.put("u1", map[string]any{"age": int64(30)})
	profiles.put("u2", map[string]any{"age": int64(30)})
	r.InvalidateProfile("u1")
	assert.Equal(t, int64(104), route("u1"))
	assert.Equal(t, int64(101), route("u2"), "u2 was not told of")
	assert.Equal(t, 1, trees.reads(), "the tree stays compiled")
	assert.Equal(t, 3, profiles.reads())
	r.InvalidateProfiles()
	assert.Equal(t, int64(104), route("u2"))
	assert.Equal(t, 1, trees.reads())
}

func TestUnknownTreesAreRememberedBriefly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	trees, profiles := newFakes()
	clk := testkit.NewClock(now)
	r := routing.New(trees, profiles, routing.Options{MissTTL: time.Second, Now: clk.Now})
	for range 10 {
		_, err := r.Route(ctx, drawing.Request{UserID: "u1", TreeID: 99})
		require.ErrorIs(t, err, drawing.ErrNoMatchingActivity)
	}
	assert.Equal(t, 1, trees.reads())
	clk.Add(time.Second)
	_, err := r.Route(ctx, drawing.Request{UserID: "u1", TreeID: 99})
	require.ErrorIs(t, err, drawing.ErrNoMatchingActivity)
	assert.Equal(t, 2, trees.reads())
}

// A live version that no longer compiles is remembered like a miss, so draws do not
// compile it again each, and is not told to users as "no activity for you".
func TestBrokenLiveTreesAreRememberedBriefly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	trees, profiles := newFakes()
	broken := rules.Document{Name: "broken", Root: "n1", Nodes: []rules.Node{
		{ID: "n1", Edges: []rules.Edge{{To: "nowhere"}}}}}
	trees.live[5] = ruletree.Version{TreeID: 5, Number: 2, Document: broken}
	clk := testkit.NewClock(now)
	r := routing.New(trees, profiles, routing.Options{MissTTL: time.Second, Now: clk.Now})
	for range 10 {
		_, err := r.Route(ctx, drawing.Request{UserID: "u1", TreeID: 5})
		require.Error(t, err)
		require.NotErrorIs(t, err, drawing.ErrNoMatchingActivity)
		require.NotErrorIs(t, err, draw.ErrUnavailable, "a retry would fail the same: the server's fault (500)")
		require.ErrorContains(t, err, "rule tree 5 version 2")
	}
	assert.Equal(t, 1, trees.reads())
	clk.Add(time.Second)
	_, err := r.Route(ctx, drawing.Request{UserID: "u1", TreeID: 5})
	require.Error(t, err)
	assert.Equal(t, 2, trees.reads())
}
