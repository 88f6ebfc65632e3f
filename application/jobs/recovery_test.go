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
