package routing_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/application/drawing"
	"github.com/lottery-go/lottery/application/routing"
	"github.com/lottery-go/lottery/domain/ruletree"
	"github.com/lottery-go/lottery/internal/testkit"
	"github.com/lottery-go/lottery/rules"
)

// A condition failing at run time counts as not matched; the operator hears of it, once
// a minute per edge, not once per draw.
func TestFailingConditionsAreLoggedOnceAMinute(t *testing.T) {
	t.Parallel()
	trees, profiles := newFakes()
	facts := map[string]rules.FactType{"tags": rules.TypeStrings}
	trees.live[6] = ruletree.Version{TreeID: 6, Number: 1, Document: rules.Document{Name: "indexing", Facts: facts,
		Root: "n1", Nodes: []rules.Node{
			{ID: "n1", Edges: []rules.Edge{{When: cond("tags[5] == 'vip'"), To: "vip"}, {To: "general"}}},
			{ID: "vip", Leaf: "601"}, {ID: "general", Leaf: "602"}}}}
	profiles.put("u1", map[string]any{"tags": []any{"new"}})
	var out bytes.Buffer // Route logs from the caller's goroutine
	clk := testkit.NewClock(now)
	r := routing.New(trees, profiles, routing.Options{Now: clk.Now, Log: slog.New(slog.NewTextHandler(&out, nil))})
	route := func() {
		id, err := r.Route(context.Background(), drawing.Request{UserID: "u1", TreeID: 6})
		require.NoError(t, err)
		require.Equal(t, int64(602), id)
	}
	for range 5 {
		route()
	}
	assert.Equal(t, 1, strings.Count(out.String(), "\n"), out.String())
	assert.Contains(t, out.String(), "tags[5]")
	clk.Add(time.Minute)
	route()
	assert.Equal(t, 2, strings.Count(out.String(), "\n"))
}
