package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/application/jobs"
	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/infrastructure/persistence"
	"github.com/lottery-go/lottery/internal/testkit"
)

// admit takes one losing draw of user in a.
func (w *world) admit(t *testing.T, a *activity.Activity, user string) (draw.Admission, draw.Admitted) {
	t.Helper()
	adm := draw.Admission{OrderID: nextID(), ActivityID: a.ID(), UserID: user, Day: a.Day(w.clock.Now()),
		Candidates: []draw.Candidate{{PrizeID: 0}}}
	ad, err := w.ledger.Admit(context.Background(), adm)
	require.NoError(t, err)
	return adm, ad
}

func TestRecoveryUndoesLostAdmissionsAndSettlesCommittedOnes(t *testing.T) {
	now := time.Now().UTC()
	eachWorld(t, now, func(t *testing.T, w *world) {
		ctx := context.Background()
		a := w.activity(t, now.Add(-time.Hour), now.Add(time.Hour), activity.StateRunning)
		committed, _ := w.admit(t, a, "u1")
		w.admit(t, a, "u2") // its process died before the commit
		writer, err := persistence.NewOrderWriter(w.sql.DB, persistence.WriterOptions{})
		require.NoError(t, err)
		require.NoError(t, writer.Write(ctx, draw.Order{ID: committed.OrderID, ActivityID: a.ID(), StrategyID: a.ID(),
			UserID: "u1", Day: committed.Day, Outcome: draw.OutcomeLose, GrantState: draw.GrantNone, MQState: draw.MQNone, CreatedAt: now}, time.Time{}))
		writer.Close()

		job := &jobs.Recovery{Journal: w.ledger, Orders: persistence.NewOrderRepo(w.sql.DB), OlderThan: time.Millisecond}
		total := jobs.Report{"settled": 0, "undone": 0}
		require.Eventually(t, func() bool {
			rep, err := job.Run(ctx)
			require.NoError(t, err)
			total["settled"] += rep["settled"]
			total["undone"] += rep["undone"]
			return total["settled"]+total["undone"] == 2
		}, 5*time.Second, 10*time.Millisecond)
		assert.Equal(t, jobs.Report{"settled": 1, "undone": 1}, total)

		c, _, err := w.ledger.Counters(ctx, a.ID())
		require.NoError(t, err)
		assert.Equal(t, int64(999), c.StockLeft, "the lost draw's stock is back, the committed one's is not")
		left, _, err := w.ledger.Quota(ctx, a.ID(), "u2", committed.Day, 5, 0)
		require.NoError(t, err)
		assert.Equal(t, int64(5), left, "and so is u2's chance")
	})
}

// fakeJournal holds entries and records what was recovered how.
type fakeJournal struct {
	entries   []draw.JournalEntry
	recovered map[int64]bool
}

func (f *fakeJournal) Pending(context.Context, time.Duration) ([]draw.JournalEntry, error) {
	return f.entries, nil
}

func (f *fakeJournal) Recover(_ context.Context, e draw.JournalEntry, exists bool) error {
	f.recovered[e.OrderID] = exists
	return nil
}

// heldOrders answers Committed from a map; an order in held waits for a lock that is not
// given up.
type heldOrders struct {
	committed map[int64]bool
	held      map[int64]bool
}

func (h heldOrders) Committed(ctx context.Context, id int64) (bool, error) {
	if h.held[id] {
		<-ctx.Done()
		return false, ctx.Err()
	}
	return h.committed[id], nil
}

// An entry whose order a stuck transaction holds waits for a later run; the entries after
// it are recovered now.
func TestRecoveryIsNotHeldUpByOneStuckOrder(t *testing.T) {
	t.Parallel()
	journal := &fakeJournal{entries: []draw.JournalEntry{{OrderID: 1}, {OrderID: 2}, {OrderID: 3}}, recovered: map[int64]bool{}}
	clock := testkit.NewClock(time.Now())
	job := &jobs.Recovery{Journal: journal, Orders: heldOrders{committed: map[int64]bool{3: true}, held: map[int64]bool{1: true}},
		WaitPerOrder: 50 * time.Millisecond, Now: clock.Now}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := job.Run(ctx)
	require.NoError(t, err)
	clock.Add(jobs.DefaultRecoverAfter)

	rep, err := job.Run(ctx)

	require.Error(t, err, "the stuck entry is reported")
	assert.Equal(t, jobs.Report{"settled": 1, "undone": 1, "waiting": 1, "watching": 0}, rep)
	assert.Equal(t, map[int64]bool{2: false, 3: true}, journal.recovered)
}

// An entry's age is the job's to measure: one that the ledger's clock calls old (it jumped
// forward) waits OlderThan from the run that first saw it, so an order still on its way
// commits before its admission could be undone. Entries settled meanwhile are forgotten.
func TestRecoveryAgesEntriesOnItsOwnClock(t *testing.T) {
	t.Parallel()
	journal := &fakeJournal{entries: []draw.JournalEntry{{OrderID: 1}, {OrderID: 2}}, recovered: map[int64]bool{}}
	clock := testkit.NewClock(time.Now())
	job := &jobs.Recovery{Journal: journal, Orders: heldOrders{committed: map[int64]bool{}}, OlderThan: time.Minute, Now: clock.Now}
	ctx := context.Background()

	rep, err := job.Run(ctx)
	require.NoError(t, err)
	assert.Equal(t, jobs.Report{"settled": 0, "undone": 0, "waiting": 0, "watching": 0}, rep, "first seen: not undone, nor worth a word yet")
	watched, dueIn := job.Watched()
	assert.Equal(t, 2, watched)
	assert.Equal(t, time.Minute, dueIn)

	clock.Add(time.Minute - time.Second)
	journal.entries = append(journal.entries[1:], draw.JournalEntry{OrderID: 3}) // 1 was settled by its draw
	rep, err = job.Run(ctx)
	require.NoError(t, err)
	assert.Equal(t, jobs.Report{"settled": 0, "undone": 0, "waiting": 0, "watching": 1}, rep, "not yet a minute; 3 is new")

	clock.Add(time.Second)
	rep, err = job.Run(ctx)
	require.NoError(t, err)
	assert.Equal(t, jobs.Report{"settled": 0, "undone": 1, "waiting": 0, "watching": 1}, rep)
	assert.Equal(t, map[int64]bool{2: false}, journal.recovered, "only the entry seen a minute ago")

	journal.entries = []draw.JournalEntry{{OrderID: 1}} // the same id again, say after a rebuild: seen anew
	rep, err = job.Run(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(0), rep["watching"])
	watched, _ = job.Watched()
	assert.Equal(t, 1, watched)
}
