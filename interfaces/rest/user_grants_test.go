package rest_test

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/application/granting"
	"github.com/lottery-go/lottery/domain/award"
	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/infrastructure/persistence"
	"github.com/lottery-go/lottery/infrastructure/token"
	"github.com/lottery-go/lottery/interfaces/rest"
)

// grantsHarness is the admin harness with the winner routes and the grant service.
type grantsHarness struct {
	*harness
	svc    *granting.Service
	points *persistence.PointsRepo
}

func newGrantsHarness(t *testing.T) *grantsHarness {
	t.Helper()
	h := newHarness(t)
	points := persistence.NewPointsRepo(h.db)
	svc := granting.New(granting.Deps{
		Orders: persistence.NewOrderRepo(h.db), Awards: persistence.NewAwardRepo(h.db),
		Grants: persistence.NewGrantRepo(h.db), Points: points,
		Granters: []award.Granter{granting.Text{}, granting.Physical{}}, Log: slog.New(slog.DiscardHandler),
	})
	rest.RegisterUserGrants(h.srv, h.keys, svc)
	return &grantsHarness{harness: h, svc: svc, points: points}
}

var lastOrder int64 = 1 << 40

// grantedWin commits a win of user for a new award of kind and runs its grant.
func (g *grantsHarness) grantedWin(user string, kind award.Kind, c award.Content) int64 {
	g.t.Helper()
	ctx := context.Background()
	a, err := award.New(time.Now().UnixNano(), "Prize", kind, c, time.Now())
	require.NoError(g.t, err)
	require.NoError(g.t, persistence.NewAwardRepo(g.db).Create(ctx, a))
	w, err := persistence.NewOrderWriter(g.db, persistence.WriterOptions{})
	require.NoError(g.t, err)
	defer w.Close()
	lastOrder++
	o := draw.Order{ID: lastOrder, ActivityID: 1, StrategyID: 1, UserID: user, Day: "2026-11-11", Outcome: draw.OutcomeWin,
		PrizeID: 2, AwardID: a.ID(), AwardName: a.Name(), AwardKind: string(kind), GrantState: draw.GrantPending,
		MQState: draw.MQSent, CreatedAt: time.Now()}
	require.NoError(g.t, w.Write(ctx, o, time.Time{}))
	require.NoError(g.t, g.svc.Grant(ctx, granting.Request{OrderID: o.ID, Attempt: 1}))
	return o.ID
}

func TestSubmitAddress(t *testing.T) {
	t.Parallel()
	g := newGrantsHarness(t)
	mug := g.grantedWin("dave", award.KindPhysical, award.Content{SKU: "MUG-01"})
	text := g.grantedWin("dave", award.KindText, award.Content{Text: "hi"})
	path := func(id int64) string { return "/api/v1/draws/" + strconv.FormatInt(id, 10) + "/address" }
	erin := who{"erin", []string{token.RoleUser}}

	tests := []struct {
		name   string
		as     who
		id     int64
		body   any
		status int
		code   string
	}{
		{"no token", anonymous, mug, map[string]any{"address": "x"}, http.StatusUnauthorized, "unauthorized"},
		{"not a user", alice, mug, map[string]any{"address": "x"}, http.StatusForbidden, "forbidden"},
		{"someone else's", erin, mug, map[string]any{"address": "x"}, http.StatusNotFound, "not_found"},
		{"unknown order", dave, 42, map[string]any{"address": "x"}, http.StatusNotFound, "not_found"},
		{"malformed", dave, mug, `{"address":`, http.StatusBadRequest, "malformed"},
		{"unknown field", dave, mug, map[string]any{"address": "x", "zip": "1"}, http.StatusBadRequest, "malformed"},
		{"blank", dave, mug, map[string]any{"address": " "}, http.StatusUnprocessableEntity, "invalid"},
		{"too long", dave, mug, map[string]any{"address": string(make([]byte, 1001))}, http.StatusUnprocessableEntity, "invalid"},
		{"not physical", dave, text, map[string]any{"address": "x"}, http.StatusConflict, "address_not_expected"},
	}
	for _, tt := range tests {
		r := g.do(http.MethodPost, path(tt.id), tt.as, tt.body)
		assert.Equal(t, tt.status, r.status, "%s: %s", tt.name, r.raw)
		assert.Equal(t, tt.code, r.errorCode(), tt.name)
	}

	r := g.must(http.StatusOK, g.do(http.MethodPost, path(mug), dave, map[string]any{"address": "1 Main St\nSpringfield"}))
	assert.Equal(t, "granted", r.body["grant_state"])
	award := r.body["award"].(map[string]any)
	assert.Equal(t, map[string]any{"sku": "MUG-01", "address": "1 Main St\nSpringfield"}, award["content"])
	r = g.do(http.MethodPost, path(mug), dave, map[string]any{"address": "again"})
	assert.Equal(t, http.StatusConflict, r.status, "only once")
	assert.Equal(t, "address_not_expected", r.errorCode())
}

func TestMyPoints(t *testing.T) {
	t.Parallel()
	g := newGrantsHarness(t)
	ctx := context.Background()
	for i, delta := range []int64{100, 50, -30} {
		require.NoError(t, g.points.Credit(ctx, award.PointsEntry{UserID: "dave", OrderID: int64(10 + i), Delta: delta,
			Reason: "lottery win", At: time.Now()}))
	}
	require.NoError(t, g.points.Credit(ctx, award.PointsEntry{UserID: "erin", OrderID: 99, Delta: 7, At: time.Now()}))

	r := g.must(http.StatusOK, g.do(http.MethodGet, "/api/v1/me/points?limit=2", dave, nil))
	assert.Equal(t, 120.0, r.body["balance"])
	items := r.body["items"].([]any)
	require.Len(t, items, 2)
	assert.Equal(t, -30.0, items[0].(map[string]any)["delta"], "newest first")
	assert.Equal(t, "12", items[0].(map[string]any)["order_id"])
	cursor := r.body["next_cursor"].(string)
	require.NotEmpty(t, cursor)

	r = g.must(http.StatusOK, g.do(http.MethodGet, "/api/v1/me/points?limit=2&cursor="+cursor, dave, nil))
	items = r.body["items"].([]any)
	require.Len(t, items, 1)
	assert.Equal(t, 100.0, items[0].(map[string]any)["delta"])
	assert.NotContains(t, r.body, "next_cursor")

	r = g.must(http.StatusOK, g.do(http.MethodGet, "/api/v1/me/points", who{"frank", []string{token.RoleUser}}, nil))
	assert.Equal(t, 0.0, r.body["balance"])
	assert.Empty(t, r.body["items"])
	g.must(http.StatusBadRequest, g.do(http.MethodGet, "/api/v1/me/points?cursor=nope", dave, nil))
	g.must(http.StatusUnauthorized, g.do(http.MethodGet, "/api/v1/me/points", anonymous, nil))
}

func TestOpenAPICoversTheWinnerRoutes(t *testing.T) {
	t.Parallel()
	for _, draws := range []bool{false, true} {
		g := newGrantsHarness(t)
		if draws {
			stubDrawRoutes(g.srv.Echo())
		}
		checkRouteCoverage(t, g.harness)
		doc := loadDocument(t, g.harness)
		assert.NotNil(t, doc.Paths.Find("/api/v1/me/points"))
	}
}
