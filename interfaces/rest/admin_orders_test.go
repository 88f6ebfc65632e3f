package rest_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/application/support"
	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/infrastructure/idgen"
	"github.com/lottery-go/lottery/infrastructure/persistence"
	"github.com/lottery-go/lottery/interfaces/rest"
)

func newDeskHarness(t *testing.T, with ...func(*support.Deps)) *harness {
	h := newHarness(t)
	deps := support.Deps{
		Orders: persistence.NewOrderRepo(h.db), Grants: persistence.NewGrantRepo(h.db),
		Encode:  func(draw.Order, time.Time) (string, []byte) { return "", nil },
		Deliver: func(context.Context, int64) error { return nil },
	}
	for _, w := range with {
		w(&deps)
	}
	rest.RegisterSupport(h.srv, h.keys, support.New(deps))
	return h
}

// An export leaves out the orders drawn too lately to be final (one may still be on its
// way to the database) and says where it stopped; the next export, started there, has
// them: exports one after another miss no order.
func TestExportsOneAfterAnotherMissNothing(t *testing.T) {
	t.Parallel()
	clock := time.Now().UTC().Truncate(time.Second)
	h := newDeskHarness(t, func(d *support.Deps) {
		d.Now = func() time.Time { return clock }
		d.FinalAfter = 30 * time.Second
	})
	w, err := persistence.NewOrderWriter(h.db, persistence.WriterOptions{})
	require.NoError(t, err)
	var made []string
	for _, ago := range []time.Duration{time.Minute, 10 * time.Second} {
		id := idgen.FloorAt(clock.Add(-ago)) // made at its draw time, as the draw path does
		made = append(made, strconv.FormatInt(id, 10))
		o := draw.Order{ID: id, ActivityID: 7, StrategyID: 7, UserID: "u", Day: "2026-11-11",
			Outcome: draw.OutcomeLose, GrantState: draw.GrantNone, MQState: draw.MQNone, CreatedAt: clock.Add(-ago)}
		require.NoError(t, w.Write(context.Background(), o, time.Time{}))
	}
	w.Close()
	export := func(query string) ([]string, string) {
		r := h.do(http.MethodGet, "/api/v1/admin/orders/export?activity_id=7"+query, alice, nil)
		require.Equal(t, http.StatusOK, r.status, string(r.raw))
		rows, err := csv.NewReader(bytes.NewReader(r.raw)).ReadAll()
		require.NoError(t, err)
		var ids []string
		for _, row := range rows[1:] {
			ids = append(ids, row[0])
		}
		return ids, r.header.Get("X-Drawn-Before")
	}
	ids, until := export("")
	assert.Equal(t, made[:1], ids, "the order of 10 s ago is left for later")
	assert.Equal(t, clock.Add(-30*time.Second).Format(time.RFC3339Nano), until)

	clock = clock.Add(time.Minute)
	ids, _ = export("&drawn_after=" + url.QueryEscape(until))
	assert.Equal(t, made[1:], ids, "the next export starts where the last one stopped")
	ids, until = export("&drawn_before=" + url.QueryEscape(clock.Add(-100*time.Second).Format(time.RFC3339)))
	assert.Len(t, ids, 1, "an earlier bound asked for is kept")
	assert.Equal(t, clock.Add(-100*time.Second).Format(time.RFC3339Nano), until)
}

func TestOpenAPICoversTheOrderDesk(t *testing.T) {
	t.Parallel()
	h := newDeskHarness(t)
	checkRouteCoverage(t, h)
	doc := loadDocument(t, h)
	assert.NotNil(t, doc.Paths.Find("/api/v1/admin/orders/{order_id}/retry-grant"))
	assert.NotNil(t, doc.Components.Schemas["AdminOrder"])
}

// TestOrderExportReadsPastOneChunk: an export longer than one read has every order once,
// newest first.
func TestOrderExportReadsPastOneChunk(t *testing.T) {
	t.Parallel()
	h := newDeskHarness(t)
	w, err := persistence.NewOrderWriter(h.db, persistence.WriterOptions{})
	require.NoError(t, err)
	const n = 1203 // two whole reads of 500 and a part
	for i := range n {
		o := draw.Order{ID: 1<<41 + int64(i), ActivityID: 7, StrategyID: 7, UserID: fmt.Sprintf("u%d", i%40),
			Day: "2026-11-11", Outcome: draw.OutcomeLose, GrantState: draw.GrantNone, MQState: draw.MQNone, CreatedAt: time.Now()}
		require.NoError(t, w.Write(context.Background(), o, time.Time{}))
	}
	w.Close()
	r := h.do(http.MethodGet, "/api/v1/admin/orders/export?activity_id=7", alice, nil)
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	rows, err := csv.NewReader(bytes.NewReader(r.raw)).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, n+1)
	for i, row := range rows[1:] {
		assert.Equal(t, strconv.FormatInt(1<<41+int64(n-1-i), 10), row[0], "row %d", i)
	}
	assert.False(t, bytes.HasPrefix(r.raw, []byte("\ufeff")), "no byte order mark unless asked for")
	withBOM := h.do(http.MethodGet, "/api/v1/admin/orders/export?activity_id=7&bom=true", alice, nil)
	require.Equal(t, http.StatusOK, withBOM.status, string(withBOM.raw))
	assert.Equal(t, append([]byte("\ufeff"), r.raw...), withBOM.raw, "the same file after a byte order mark")
	assert.Equal(t, http.StatusBadRequest, h.do(http.MethodGet, "/api/v1/admin/orders/export?activity_id=7&bom=yes", alice, nil).status)
	assert.Equal(t, http.StatusBadRequest, h.do(http.MethodGet, "/api/v1/admin/orders/export?outcome=win", alice, nil).status)
	assert.Equal(t, http.StatusForbidden, h.do(http.MethodGet, "/api/v1/admin/orders/export?activity_id=7", dave, nil).status)
}

// failingOrders answers the first `good` searches with full chunks of orders, then fails
// with err, or a database gone away.
type failingOrders struct {
	good, calls int
	err         error
	limits      []time.Duration // each search's TimeLimit
}

func (f *failingOrders) Get(context.Context, int64) (draw.Order, error) {
	return draw.Order{}, draw.ErrOrderNotFound
}

func (f *failingOrders) Search(_ context.Context, q draw.OrderSearch) ([]draw.Order, error) {
	f.calls++
	f.limits = append(f.limits, q.TimeLimit)
	if f.calls > f.good && f.err != nil {
		return nil, f.err
	}
	if f.calls > f.good {
		return nil, errors.New("database went away")
	}
	out := make([]draw.Order, q.Limit)
	for i := range out {
		out[i] = draw.Order{ID: int64(1_000_000 - f.calls*q.Limit - i), ActivityID: 7, UserID: "u", Outcome: draw.OutcomeLose}
	}
	return out, nil
}

// TestOrderExportFailures: a database down at the start is an error answer; one that goes
// away part-way aborts the connection, so no file looks complete.
func TestOrderExportFailures(t *testing.T) {
	t.Parallel()
	desk := func(good int) *harness {
		h := newHarness(t)
		orders := &failingOrders{good: good}
		rest.RegisterSupport(h.srv, h.keys, support.New(support.Deps{Orders: orders, Grants: persistence.NewGrantRepo(h.db)}))
		return h
	}
	r := desk(0).do(http.MethodGet, "/api/v1/admin/orders/export?activity_id=7", alice, nil)
	assert.Equal(t, http.StatusInternalServerError, r.status, string(r.raw))
	assert.Equal(t, "internal", r.errorCode())

	h := desk(1)
	assert.PanicsWithValue(t, http.ErrAbortHandler, func() {
		h.do(http.MethodGet, "/api/v1/admin/orders/export?activity_id=7", alice, nil)
	})
}

// A search that runs out of time says so with 422 and what to do, on the desk and at an
// export's start.
func TestOrderSearchTooSlow(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	orders := &failingOrders{err: fmt.Errorf("%w: read orders for 10s without finishing", draw.ErrSearchTooSlow)}
	rest.RegisterSupport(h.srv, h.keys, support.New(support.Deps{Orders: orders, Grants: persistence.NewGrantRepo(h.db)}))
	for _, path := range []string{"/api/v1/admin/orders?activity_id=7&grant_state=awaiting_address", "/api/v1/admin/orders/export?activity_id=7"} {
		r := h.do(http.MethodGet, path, alice, nil)
		assert.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.raw))
		assert.Equal(t, "search_too_slow", r.errorCode(), path)
		assert.Contains(t, string(r.raw), "name the user", path)
	}
	// The desk's search takes the store's default; an export's reads have longer.
	require.Len(t, orders.limits, 2)
	assert.Zero(t, orders.limits[0])
	assert.Equal(t, 5*time.Minute, orders.limits[1])
}

// TestMarketersSeeRedeemCodesMasked: a redeem code is worth the prize to whoever types it
// in, so the order desk shows it whole to admins only; marketers see its last four
// characters, in the list, the detail and the export alike.
func TestMarketersSeeRedeemCodesMasked(t *testing.T) {
	t.Parallel()
	h := newDeskHarness(t)
	w, err := persistence.NewOrderWriter(h.db, persistence.WriterOptions{})
	require.NoError(t, err)
	o := draw.Order{ID: 1 << 42, ActivityID: 9, StrategyID: 9, UserID: "u1", Day: "2026-11-11",
		Outcome: draw.OutcomeWin, PrizeID: 3, AwardID: 4, AwardName: "gift card", AwardKind: "redeem_code",
		GrantState: draw.GrantPending, MQState: draw.MQPending, CreatedAt: time.Now()}
	require.NoError(t, w.Write(context.Background(), o, time.Time{}))
	w.Close()
	const code = "X7K2-9QPA-ZZ31"
	require.NoError(t, persistence.NewGrantRepo(h.db).Record(context.Background(), draw.GrantRecord{
		OrderID: o.ID, AwardID: 4, UserID: "u1", Kind: "redeem_code", State: draw.GrantGranted,
		Payload: map[string]string{"code": code}, At: time.Now()}))
	id := strconv.FormatInt(o.ID, 10)
	for _, c := range []struct {
		as   who
		want string
	}{{alice, "**********ZZ31"}, {bob, code}} {
		list := h.must(http.StatusOK, h.do(http.MethodGet, "/api/v1/admin/orders?activity_id=9", c.as, nil))
		item := list.body["items"].([]any)[0].(map[string]any)
		assert.Equal(t, c.want, item["award"].(map[string]any)["content"].(map[string]any)["code"], c.as.sub)
		one := h.must(http.StatusOK, h.do(http.MethodGet, "/api/v1/admin/orders/"+id, c.as, nil))
		assert.Equal(t, c.want, one.body["award"].(map[string]any)["content"].(map[string]any)["code"], c.as.sub)
		csvReply := h.must(http.StatusOK, h.do(http.MethodGet, "/api/v1/admin/orders/export?activity_id=9", c.as, nil))
		rows, err := csv.NewReader(bytes.NewReader(csvReply.raw)).ReadAll()
		require.NoError(t, err)
		require.Len(t, rows, 2)
		assert.Equal(t, "code="+c.want, rows[1][11], c.as.sub)
	}
}

// A time typed into a URL without encoding its "+" is read as meant; a wrong one is 400.
func TestDeskTimesWithAnUnencodedPlus(t *testing.T) {
	t.Parallel()
	h := newDeskHarness(t)
	h.must(http.StatusOK, h.do(http.MethodGet, "/api/v1/admin/orders?drawn_after=2026-11-11T00:00:00+08:00", alice, nil))
	h.must(http.StatusOK, h.do(http.MethodGet, "/api/v1/admin/orders?drawn_before=2026-11-11T00:00:00%2B08:00", alice, nil))
	r := h.must(http.StatusBadRequest, h.do(http.MethodGet, "/api/v1/admin/orders?drawn_after=2026-11-11T00:00:00%2008", alice, nil))
	assert.Contains(t, r.body["error"].(map[string]any)["message"], "drawn_after")
}

// TestOrderDetailTellsAPendingGrantsDelivery: the detail of a pending grant says how its
// delivery is going, from its outbox entry, and when it gives up (a day after its win);
// the list and the other grant states do not.
func TestOrderDetailTellsAPendingGrantsDelivery(t *testing.T) {
	t.Parallel()
	h := newDeskHarness(t, func(d *support.Deps) { d.GiveUpAfter = 24 * time.Hour })
	ctx := context.Background()
	won := time.Date(2026, 11, 11, 7, 59, 0, 0, time.FixedZone("CST", 8*3600))
	w, err := persistence.NewOrderWriter(h.db, persistence.WriterOptions{
		Outbox: func(o draw.Order) (string, []byte) { return "LOTTERY.grant.coupon", []byte(`{}`) }})
	require.NoError(t, err)
	var ids []string
	for i := range 2 {
		o := draw.Order{ID: 1<<43 + int64(i), ActivityID: 11, StrategyID: 11, UserID: "u1", Day: "2026-11-11",
			Outcome: draw.OutcomeWin, PrizeID: 3, AwardID: 4, AwardName: "$5 off", AwardKind: "coupon",
			GrantState: draw.GrantPending, MQState: draw.MQPending, CreatedAt: won}
		require.NoError(t, w.Write(ctx, o, time.Time{}))
		ids = append(ids, strconv.FormatInt(o.ID, 10))
	}
	w.Close()
	detail := func(id string) map[string]any {
		return h.must(http.StatusOK, h.do(http.MethodGet, "/api/v1/admin/orders/"+id, alice, nil)).body
	}
	assert.Equal(t, map[string]any{"attempts": float64(0), "gives_up_at": "2026-11-11T23:59:00Z"}, detail(ids[0])["delivery"], "queued")

	next := time.Date(2026, 11, 11, 8, 0, 10, 0, time.FixedZone("CST", 8*3600))
	require.NoError(t, persistence.NewOutboxRepo(h.db).Defer(ctx, []int64{1 << 43}, 2, next, "coupon webhook answered 503 Service Unavailable"))
	assert.Equal(t, map[string]any{"attempts": float64(2), "last_error": "coupon webhook answered 503 Service Unavailable",
		"next_attempt_at": "2026-11-11T00:00:10Z", "gives_up_at": "2026-11-11T23:59:00Z"}, detail(ids[0])["delivery"], "waiting for its next attempt, in UTC")

	list := h.must(http.StatusOK, h.do(http.MethodGet, "/api/v1/admin/orders?activity_id=11", alice, nil))
	for _, item := range list.body["items"].([]any) {
		assert.NotContains(t, item.(map[string]any), "delivery", "the list reads no outbox")
	}
	require.NoError(t, persistence.NewGrantRepo(h.db).Record(ctx, draw.GrantRecord{OrderID: 1<<43 + 1, AwardID: 4,
		UserID: "u1", Kind: "coupon", State: draw.GrantGranted, At: time.Now()}))
	assert.NotContains(t, detail(ids[1]), "delivery", "granted")
}
