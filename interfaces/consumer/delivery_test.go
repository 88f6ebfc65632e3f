package consumer_test

import (
	"context"
	"net"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/application/granting"
	"github.com/lottery-go/lottery/application/jobs"
	"github.com/lottery-go/lottery/domain/award"
	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/infrastructure/messaging"
	"github.com/lottery-go/lottery/infrastructure/persistence"
	"github.com/lottery-go/lottery/internal/testkit"
)

// startNATS runs a JetStream server on port with its store in dir; the same port and dir
// make a restarted server the same server to its clients.
func startNATS(t *testing.T, port int, dir string) *server.Server {
	t.Helper()
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: port, JetStream: true, StoreDir: dir, NoLog: true, NoSigs: true})
	require.NoError(t, err)
	go srv.Start()
	require.True(t, srv.ReadyForConnections(10*time.Second))
	t.Cleanup(srv.Shutdown)
	return srv
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func TestNATSOutageThenCompensationGrantsEveryWinOnce(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, sqlEnv testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		port, dir := freePort(t), t.TempDir()
		srv := startNATS(t, port, dir)
		conn, err := messaging.Connect(srv.ClientURL(), "test")
		require.NoError(t, err)
		t.Cleanup(conn.Close)
		r := newRig(t, sqlEnv, conn, "OUTAGE")
		points := r.award(t, award.KindPoints, award.Content{Points: 10})

		var ids []int64
		for i := range 5 {
			ids = append(ids, r.win(t, "u"+strconv.Itoa(i), points))
		}
		sent, failed, err := r.relay.Flush(ctx)
		require.NoError(t, err)
		assert.Equal(t, 5, sent)
		assert.Zero(t, failed)

		srv.Shutdown()
		srv.WaitForShutdown()
		require.Eventually(t, func() bool { return !conn.NC.IsConnected() }, 10*time.Second, 10*time.Millisecond)
		var during []int64
		for i := range 5 {
			during = append(during, r.win(t, "v"+strconv.Itoa(i), points))
		}
		sent, failed, err = r.relay.Flush(ctx)
		require.NoError(t, err)
		assert.Zero(t, sent)
		assert.Equal(t, 5, failed)
		for _, id := range during {
			assert.Equal(t, draw.MQFailed, r.order(t, id).MQState)
		}

		startNATS(t, port, dir)
		require.Eventually(t, func() bool { return conn.NC.IsConnected() }, 10*time.Second, 10*time.Millisecond)
		job := &jobs.Outbox{Relay: r.relay}
		rep, err := job.Run(ctx)
		require.NoError(t, err)
		assert.Zero(t, rep["republished"], "the failed entries wait for their backoff")
		r.advance(2 * time.Minute)
		rep, err = job.Run(ctx)
		require.NoError(t, err)
		assert.Equal(t, int64(5), rep["republished"],
			"the 5 failed; the 5 published wait in the stream for a granter, not copied")
		rep, err = job.Run(ctx)
		require.NoError(t, err)
		assert.Zero(t, rep["republished"], "republished entries back off")

		r.consume(t, ctx, r.service(), 5)
		ids = append(ids, during...)
		r.allGranted(t, ids)
		for _, id := range ids {
			assert.Equal(t, draw.MQSent, r.order(t, id).MQState)
		}

		// Anything delivered again, alone or in a batch, changes nothing.
		again := make([]draw.OutboxEntry, len(ids))
		for i, id := range ids {
			again[i] = draw.OutboxEntry{OrderID: id, Subject: messaging.GrantSubject(r.prefix, "points"),
				Payload: []byte(`{"order_id":"` + strconv.FormatInt(id, 10) + `","kind":"points"}`)}
		}
		pub, err := messaging.NewPublisher(conn, r.prefix, 2*time.Second)
		require.NoError(t, err)
		require.Equal(t, make([]error, 3), pub.Publish(ctx, again[:3]))
		require.Equal(t, []error{nil}, pub.Publish(ctx, again[3:4]))
		r.drained(t)
		rep, err = job.Run(ctx)
		require.NoError(t, err)
		assert.Zero(t, rep["republished"], "nothing is left to compensate")
		assert.Equal(t, int64(10), r.count(t, "grants"))
		assert.Equal(t, int64(10), r.count(t, "points_ledger"))
	})
}

// Compensation copies a pending event only once the stream holds nothing as old: an event
// may be waiting behind a backlog, or held by a granter, and a copy would only add to it.
func TestCompensationCopiesNoEventTheStreamMayHold(t *testing.T) {
	t.Parallel()
	testkit.EachNATS(t, func(t *testing.T, natsEnv testkit.NATSEnv) {
		ctx := context.Background()
		r, queued, lost, job := backlog(t, natsEnv, func(r *rig, points *award.Award) []int64 {
			// A win whose process died before it published: in the outbox only.
			o := draw.Order{ID: nextID(), ActivityID: 1, StrategyID: 1, UserID: "u2", Day: "2026-11-11",
				Outcome: draw.OutcomeWin, PrizeID: 2, AwardID: points.ID(), AwardName: points.Name(), AwardKind: string(points.Kind()),
				GrantState: draw.GrantPending, MQState: draw.MQPending, CreatedAt: r.clock().UTC()}
			require.NoError(t, r.writer.Write(ctx, o, time.Time{}))
			return []int64{o.ID}
		})

		r.consume(t, ctx, r.service(), 5)
		r.allGranted(t, []int64{queued})
		r.drained(t)
		rep, err := job.Run(ctx)
		require.NoError(t, err)
		assert.Equal(t, int64(1), rep["republished"], "the stream is empty: the lost one is copied")
		r.allGranted(t, lost)
		assert.Equal(t, int64(2), r.count(t, "points_ledger"))
	})
}

// backlog is a rig with one win published (queued) and no granter for ten minutes, and
// the orders more writes (others), in which compensation copies nothing: the stream holds an event as old as
// any pending entry.
func backlog(t *testing.T, natsEnv testkit.NATSEnv, more func(r *rig, points *award.Award) []int64) (r *rig, queued int64, others []int64, job *jobs.Outbox) {
	t.Helper()
	ctx := context.Background()
	r = newRig(t, testkit.SQLite(t), natsEnv.Conn, natsEnv.Prefix)
	points := r.award(t, award.KindPoints, award.Content{Points: 10})
	queued = r.win(t, "u1", points)
	_, _, err := r.relay.Flush(ctx)
	require.NoError(t, err)
	if more != nil {
		others = more(r, points)
	}
	job = &jobs.Outbox{Relay: r.relay}
	r.advance(10 * time.Minute)
	rep, err := job.Run(ctx)
	require.NoError(t, err)
	require.Zero(t, rep["republished"], "the stream holds an event as old: any may be in it")
	return r, queued, others, job
}

// A message that stays in the stream for over an hour (one the consumer gave up on, or a
// granter away that long) no longer holds compensation back.
func TestCompensationLooksPastAnOldMessage(t *testing.T) {
	t.Parallel()
	testkit.EachNATS(t, func(t *testing.T, natsEnv testkit.NATSEnv) {
		ctx := context.Background()
		r, _, _, job := backlog(t, natsEnv, nil)
		r.advance(2 * time.Hour) // the message is now older than an hour, by the relay's clock
		rep, err := job.Run(ctx)
		require.NoError(t, err)
		assert.Equal(t, int64(1), rep["republished"])
	})
}

// flaky wraps a granter: its first call delivers and then fails the way a dying
// consumer would, by running fail.
type flaky struct {
	award.Granter
	calls atomic.Int64
	fail  func(ctx context.Context)
}

func (f *flaky) Grant(ctx context.Context, g award.Grant) (award.Delivered, error) {
	d, err := f.Granter.Grant(ctx, g)
	if f.calls.Add(1) == 1 {
		f.fail(ctx)
	}
	return d, err
}

func TestAConsumerDyingMidGrantGrantsOnce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fail func(ctx context.Context)
	}{
		{"granter panics", func(context.Context) { panic("granter crashed") }},
		{"consumer stops before ack", func(ctx context.Context) { <-ctx.Done() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			testkit.EachNATS(t, func(t *testing.T, natsEnv testkit.NATSEnv) {
				r := newRig(t, testkit.SQLite(t), natsEnv.Conn, natsEnv.Prefix)
				points := r.award(t, award.KindPoints, award.Content{Points: 25})
				id := r.win(t, "u1", points)
				_, _, err := r.relay.Flush(context.Background())
				require.NoError(t, err)

				g := &flaky{Granter: granting.Points{Ledger: pointsOf(r), Now: time.Now}, fail: tt.fail}
				first, stop := context.WithCancel(context.Background())
				dying := r.consume(t, first, r.service(append(r.granters()[:2], g)...), 5)
				require.Eventually(t, func() bool { return g.calls.Load() >= 1 }, 10*time.Second, 10*time.Millisecond)
				stop()
				dying.Stop()

				r.consume(t, context.Background(), r.service(), 5)
				r.allGranted(t, []int64{id})
				assert.Equal(t, map[string]string{"points": "25"}, r.order(t, id).Delivered)
				assert.Equal(t, int64(1), r.count(t, "grants"))
				assert.Equal(t, int64(1), r.count(t, "points_ledger"), "credited once although granted twice")
			})
		})
	}
}

func TestGrantsGiveUpAfterMaxDeliver(t *testing.T) {
	t.Parallel()
	testkit.EachNATS(t, func(t *testing.T, natsEnv testkit.NATSEnv) {
		r := newRig(t, testkit.SQLite(t), natsEnv.Conn, natsEnv.Prefix)
		down := r.award(t, award.KindText, award.Content{Text: "hi"})
		id := r.win(t, "u1", down)
		_, _, err := r.relay.Flush(context.Background())
		require.NoError(t, err)
		calls := &atomic.Int64{}
		r.consume(t, context.Background(), r.service(broken{calls}), 3)
		require.Eventually(t, func() bool { return r.order(t, id).GrantState == draw.GrantFailed }, 20*time.Second, 20*time.Millisecond)
		o := r.order(t, id)
		assert.Equal(t, "not delivered after 3 attempts: upstream unavailable", o.GrantError)
		assert.Equal(t, int64(3), calls.Load())
	})
}

// Grants that fail wait in the outbox for their next attempt, not in the stream: however
// many fail, the consumer's unacknowledged deliveries are free for the others, and a
// failing grant still gives up after MaxDeliver deliveries in all.
func TestFailingGrantsWaitInTheOutbox(t *testing.T) {
	t.Parallel()
	testkit.EachNATS(t, func(t *testing.T, natsEnv testkit.NATSEnv) {
		ctx := context.Background()
		r := newRig(t, testkit.SQLite(t), natsEnv.Conn, natsEnv.Prefix)
		down := r.award(t, award.KindText, award.Content{Text: "hi"})
		points := r.award(t, award.KindPoints, award.Content{Points: 10})
		var failing []int64
		for i := range 4 { // one message each, twice the consumer's slots
			failing = append(failing, r.win(t, "f"+strconv.Itoa(i), down))
			_, _, err := r.relay.Flush(ctx)
			require.NoError(t, err)
		}
		calls := &atomic.Int64{}
		outbox := persistence.NewOutboxRepo(r.sql.DB)
		r.consumeWith(t, ctx, r.service(broken{calls}, granting.Points{Ledger: pointsOf(r), Now: time.Now}), messaging.ConsumerOptions{
			MaxDeliver: 3, Backoff: []time.Duration{time.Minute}, Workers: 1, Batch: 1, Log: quiet, Defer: outbox.Defer,
		})
		require.Eventually(t, func() bool { return calls.Load() == 4 }, 10*time.Second, 10*time.Millisecond)
		fine := r.win(t, "u1", points)
		_, _, err := r.relay.Flush(ctx)
		require.NoError(t, err)
		r.allGranted(t, []int64{fine}) // with two slots, both held for a minute, it would wait

		job := &jobs.Outbox{Relay: r.relay}
		// deferred tells when the four failures wait in the outbox with the deliveries they
		// had: the granter's call comes before the deferral's write, so a count of calls
		// alone let the job run before the failures were due.
		deferred := func(deliveries int64) bool {
			var n int64
			require.NoError(t, r.sql.DB.Gorm.Raw(`SELECT COUNT(*) FROM outbox WHERE state = ? AND deliveries = ?`,
				string(draw.MQFailed), deliveries).Scan(&n).Error)
			return n == 4
		}
		for round := int64(2); round <= 3; round++ {
			require.Eventually(t, func() bool { return deferred(round - 1) }, 10*time.Second, 10*time.Millisecond,
				"round %d: the failures wait in the outbox", round)
			r.advance(2 * time.Minute)
			rep, err := job.Run(ctx)
			require.NoError(t, err)
			assert.Equal(t, int64(4), rep["republished"], "round %d", round)
			require.Eventually(t, func() bool { return calls.Load() == 4*round }, 10*time.Second, 10*time.Millisecond)
		}
		for _, id := range failing {
			require.Eventually(t, func() bool { return r.order(t, id).GrantState == draw.GrantFailed }, 10*time.Second, 10*time.Millisecond)
			assert.Equal(t, "not delivered after 3 attempts: upstream unavailable", r.order(t, id).GrantError)
		}
		assert.Zero(t, r.count(t, "outbox"))
	})
}

// Grants not tried (their merchant paused) wait in the outbox until it may be called and
// use up none of their attempts: paused for more rounds than MaxDeliver allows, they are
// granted once it answers, not failed.
func TestPausedGrantsUseUpNoAttempts(t *testing.T) {
	t.Parallel()
	testkit.EachNATS(t, func(t *testing.T, natsEnv testkit.NATSEnv) {
		ctx := context.Background()
		r, id := oneTextWin(t, natsEnv)
		const pausedRounds = 5
		calls := &atomic.Int64{}
		r.heldBack(t, ctx, r.service(paused{calls, pausedRounds, r.clock}), id, calls, pausedRounds)
		r.allGranted(t, []int64{id})
		assert.Equal(t, int64(pausedRounds+1), calls.Load())
		assert.Zero(t, r.count(t, "outbox"))
	})
}

// A grant whose merchant stays paused fails for good once it has waited GiveUpAfter from
// its win, as the event's creation time tells the granter: it does not wait for ever.
func TestPausedGrantsGiveUpAfterTheirWait(t *testing.T) {
	t.Parallel()
	testkit.EachNATS(t, func(t *testing.T, natsEnv testkit.NATSEnv) {
		ctx := context.Background()
		r, id := oneTextWin(t, natsEnv)
		calls := &atomic.Int64{}
		svc := granting.New(granting.Deps{
			Orders: r.orders, Awards: r.awards, Grants: persistence.NewGrantRepo(r.sql.DB),
			Granters: []award.Granter{paused{calls, 1000, r.clock}}, Now: r.clock, GiveUpAfter: 3 * time.Minute, Log: quiet,
		})
		r.heldBack(t, ctx, svc, id, calls, 2)
		require.Eventually(t, func() bool { return r.order(t, id).GrantState == draw.GrantFailed }, 10*time.Second, 10*time.Millisecond)
		assert.Equal(t, "not delivered within 3m of the win: the merchant's webhook is paused", r.order(t, id).GrantError)
		assert.Equal(t, int64(3), calls.Load())
		assert.Zero(t, r.count(t, "outbox"))
	})
}

// heldBack has svc grant order id from a consumer with a minute's backoff and the outbox,
// through rounds in which the granter holds it back (a paused merchant): in each it waits
// in the outbox, pending and with no attempt counted, after calls in all, until the
// clock passes its time and the outbox job publishes it again.
func (r *rig) heldBack(t *testing.T, ctx context.Context, svc *granting.Service, id int64, calls *atomic.Int64, rounds int64) {
	t.Helper()
	r.consumeWith(t, ctx, svc, messaging.ConsumerOptions{
		MaxDeliver: 3, Backoff: []time.Duration{time.Minute}, Workers: 1, Batch: 1, Log: quiet,
		Defer: persistence.NewOutboxRepo(r.sql.DB).Defer,
	})
	job := &jobs.Outbox{Relay: r.relay}
	for round := int64(1); round <= rounds; round++ {
		require.Eventually(t, func() bool {
			var n int64
			require.NoError(t, r.sql.DB.Gorm.Raw(`SELECT COUNT(*) FROM outbox WHERE state = ? AND deliveries = 0 AND last_error LIKE ?`,
				string(draw.MQFailed), "%paused%").Scan(&n).Error)
			return n == 1 && calls.Load() == round
		}, 10*time.Second, 10*time.Millisecond, "round %d: waits in the outbox, no attempt counted", round)
		assert.Equal(t, draw.GrantPending, r.order(t, id).GrantState)
		r.advance(2 * time.Minute)
		rep, err := job.Run(ctx)
		require.NoError(t, err)
		assert.Equal(t, int64(1), rep["republished"], "round %d", round)
	}
}

// oneTextWin is a rig over natsEnv with one text win published.
func oneTextWin(t *testing.T, natsEnv testkit.NATSEnv) (*rig, int64) {
	t.Helper()
	r := newRig(t, testkit.SQLite(t), natsEnv.Conn, natsEnv.Prefix)
	id := r.win(t, "u1", r.award(t, award.KindText, award.Content{Text: "hi"}))
	_, _, err := r.relay.Flush(context.Background())
	require.NoError(t, err)
	return r, id
}

// paused is a text granter whose merchant is paused for its first rounds calls, until a
// minute after now.
type paused struct {
	calls  *atomic.Int64
	rounds int64
	now    func() time.Time
}

func (paused) Kind() award.Kind { return award.KindText }

func (p paused) Grant(context.Context, award.Grant) (award.Delivered, error) {
	if p.calls.Add(1) <= p.rounds {
		return award.Delivered{}, &award.NotTried{At: p.now().Add(time.Minute), Err: errorString("the merchant's webhook is paused")}
	}
	return award.Delivered{State: award.StateGranted}, nil
}

// broken is a text granter whose upstream is always down.
type broken struct{ calls *atomic.Int64 }

func (broken) Kind() award.Kind { return award.KindText }

func (b broken) Grant(context.Context, award.Grant) (award.Delivered, error) {
	b.calls.Add(1)
	return award.Delivered{}, errUpstream
}

var errUpstream = errorString("upstream unavailable")

type errorString string

func (e errorString) Error() string { return string(e) }

func TestRedeemCodesStayUniqueUnder64ConcurrentGrants(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, sqlEnv testkit.SQLEnv) {
		t.Parallel()
		natsEnv := testkit.EmbeddedNATS(t)
		r := newRig(t, sqlEnv, natsEnv.Conn, natsEnv.Prefix)
		codes := r.award(t, award.KindRedeemCode, award.Content{})
		pool := make([]string, 60)
		for i := range pool {
			pool[i] = "C-" + strconv.Itoa(i)
		}
		_, err := r.awards.AddCodes(context.Background(), codes.ID(), pool)
		require.NoError(t, err)
		ids := make([]int64, 64)
		for i := range ids {
			ids[i] = r.win(t, "u"+strconv.Itoa(i), codes)
		}
		_, _, err = r.relay.Flush(context.Background())
		require.NoError(t, err)
		svc := r.service()
		for range 2 { // two granter processes
			r.consume(t, context.Background(), svc, 5)
		}
		require.Eventually(t, func() bool {
			for _, id := range ids {
				if r.order(t, id).GrantState == draw.GrantPending {
					return false
				}
			}
			return true
		}, 30*time.Second, 20*time.Millisecond)
		seen := map[string]bool{}
		failed := 0
		for _, id := range ids {
			o := r.order(t, id)
			if o.GrantState == draw.GrantFailed {
				failed++
				assert.Equal(t, "no redeem code is left for this award", o.GrantError)
				continue
			}
			code := o.Delivered["code"]
			assert.False(t, seen[code], "code %s given twice", code)
			seen[code] = true
		}
		assert.Len(t, seen, 60)
		assert.Equal(t, 4, failed)
	})
}
