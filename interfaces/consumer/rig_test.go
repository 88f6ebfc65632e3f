package consumer_test

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/application/granting"
	"github.com/lottery-go/lottery/domain/award"
	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/infrastructure/messaging"
	"github.com/lottery-go/lottery/infrastructure/persistence"
	"github.com/lottery-go/lottery/interfaces/consumer"
	"github.com/lottery-go/lottery/internal/testkit"

	"github.com/prometheus/client_golang/prometheus"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

var lastID atomic.Int64

func nextID() int64 { return 1<<52 + lastID.Add(1) }

// rig is the award path of one deployment: SQL with its outbox, the relay, the grant
// service and its consumers.
type rig struct {
	sql      testkit.SQLEnv
	conn     *messaging.Conn
	prefix   string
	writer   *persistence.OrderWriter
	awards   *persistence.AwardRepo
	orders   *persistence.OrderRepo
	relay    *messaging.Relay
	now      atomic.Pointer[time.Time]
	registry *prometheus.Registry
}

func newRig(t *testing.T, sqlEnv testkit.SQLEnv, conn *messaging.Conn, prefix string) *rig {
	t.Helper()
	r := &rig{sql: sqlEnv, conn: conn, prefix: prefix, awards: persistence.NewAwardRepo(sqlEnv.DB),
		orders: persistence.NewOrderRepo(sqlEnv.DB), registry: prometheus.NewRegistry()}
	now := time.Now()
	r.now.Store(&now)
	w, err := persistence.NewOrderWriter(sqlEnv.DB, persistence.WriterOptions{Outbox: messaging.GrantEncoder(prefix)})
	require.NoError(t, err)
	t.Cleanup(w.Close)
	r.writer = w
	require.NoError(t, messaging.EnsureStream(context.Background(), conn.JS, prefix))
	pub, err := messaging.NewPublisher(conn, prefix, 2*time.Second)
	require.NoError(t, err)
	r.relay = messaging.NewRelay(persistence.NewOutboxRepo(sqlEnv.DB), pub, messaging.RelayOptions{
		Encode: messaging.GrantEncoder(prefix), Now: r.clock, Log: quiet})
	return r
}

func (r *rig) clock() time.Time { return *r.now.Load() }

func (r *rig) advance(d time.Duration) {
	t := r.clock().Add(d)
	r.now.Store(&t)
}

// service is the grant use case over the rig's SQL with granters; nil takes the standard ones.
func (r *rig) service(granters ...award.Granter) *granting.Service {
	if granters == nil {
		granters = r.granters()
	}
	return granting.New(granting.Deps{
		Orders: r.orders, Awards: r.awards, Grants: persistence.NewGrantRepo(r.sql.DB),
		Points: persistence.NewPointsRepo(r.sql.DB), Granters: granters, Log: quiet,
		Observer: consumer.NewObserver(prometheus.NewRegistry()),
	})
}

func (r *rig) granters() []award.Granter {
	return []award.Granter{granting.Text{}, granting.Physical{},
		granting.Points{Ledger: persistence.NewPointsRepo(r.sql.DB), Now: time.Now},
		granting.RedeemCode{Pool: persistence.NewCodePool(r.sql.DB), Now: time.Now}}
}

// consume starts a consumer (one granter process) stopped with the test.
func (r *rig) consume(t *testing.T, ctx context.Context, svc *granting.Service, maxDeliver int) *consumer.Grants {
	t.Helper()
	return r.consumeWith(t, ctx, svc, messaging.ConsumerOptions{
		MaxDeliver: maxDeliver, Backoff: []time.Duration{300 * time.Millisecond}, Workers: 8, Log: quiet,
	})
}

func (r *rig) consumeWith(t *testing.T, ctx context.Context, svc *granting.Service, opts messaging.ConsumerOptions) *consumer.Grants {
	t.Helper()
	g, err := consumer.StartGrants(ctx, r.conn, r.prefix, svc, opts)
	require.NoError(t, err)
	t.Cleanup(g.Stop)
	return g
}

func (r *rig) award(t *testing.T, kind award.Kind, c award.Content) *award.Award {
	t.Helper()
	a, err := award.New(nextID(), "prize", kind, c, time.Now())
	require.NoError(t, err)
	require.NoError(t, r.awards.Create(context.Background(), a))
	return a
}

// win commits a won order of a and hands it to the relay, as the draw flow does.
func (r *rig) win(t *testing.T, user string, a *award.Award) int64 {
	t.Helper()
	o := draw.Order{ID: nextID(), ActivityID: 1, StrategyID: 1, UserID: user, Day: "2026-11-11",
		Outcome: draw.OutcomeWin, PrizeID: 2, AwardID: a.ID(), AwardName: a.Name(), AwardKind: string(a.Kind()),
		GrantState: draw.GrantPending, MQState: draw.MQPending, CreatedAt: r.clock().UTC()}
	require.NoError(t, r.writer.Write(context.Background(), o, time.Time{}))
	r.relay.Relay(o)
	return o.ID
}

func (r *rig) order(t *testing.T, id int64) draw.Order {
	t.Helper()
	o, err := r.orders.Get(context.Background(), id)
	require.NoError(t, err)
	return o
}

func (r *rig) count(t *testing.T, table string) int64 {
	t.Helper()
	var n int64
	require.NoError(t, r.sql.DB.Gorm.Table(table).Count(&n).Error)
	return n
}

// drained waits until the granters have acknowledged everything in the stream.
func (r *rig) drained(t *testing.T) {
	t.Helper()
	require.Eventually(t, func() bool {
		c, err := r.conn.JS.Consumer(context.Background(), messaging.StreamName(r.prefix), r.prefix+"_GRANTER")
		if err != nil {
			return false
		}
		info, err := c.Info(context.Background())
		return err == nil && info.NumPending == 0 && info.NumAckPending == 0
	}, 20*time.Second, 20*time.Millisecond)
}

// allGranted waits until every order is granted.
func (r *rig) allGranted(t *testing.T, ids []int64) {
	t.Helper()
	require.Eventually(t, func() bool {
		for _, id := range ids {
			if r.order(t, id).GrantState != draw.GrantGranted {
				return false
			}
		}
		return true
	}, 20*time.Second, 20*time.Millisecond)
}

func pointsOf(r *rig) award.PointsLedger { return persistence.NewPointsRepo(r.sql.DB) }
