package drawing

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/draw"
)

// countingLedger counts admissions; the rest of the ledger is not used here.
type countingLedger struct {
	draw.Ledger
	admits int
}

func (l *countingLedger) Admit(context.Context, draw.Admission) (draw.Admitted, error) {
	l.admits++
	return draw.Admitted{}, nil
}

// No order id, no admission: a draw whose id cannot be made safely (the id generator's
// lease lapsed) is refused as unavailable before anything is taken.
func TestAdmitWithoutAnOrderIDTakesNothing(t *testing.T) {
	ledger := &countingLedger{}
	lapsed := errors.New("lease lapsed")
	l := NewLottery(ledger, nil, nil, nil, func() (int64, error) { return 0, lapsed }, LotteryOptions{})
	d := &Draw{Req: Request{UserID: "u1"}, View: &View{Activity: activityOfKind(t, "")}, Now: time.Now()}

	err := l.Admit(context.Background(), d)
	require.ErrorIs(t, err, draw.ErrUnavailable)
	assert.ErrorContains(t, err, "lease lapsed")
	assert.Zero(t, ledger.admits)
}

// byWriter records the deadline it is given and writes nothing.
type byWriter struct{ by time.Time }

func (w *byWriter) Write(_ context.Context, _ draw.Order, by time.Time) error {
	w.by = by
	return draw.ErrNotWritten
}

// An order commits within CommitWithin of its admission, and never later than MaxAge after
// its draw time: a draw that waited long for its counters must not commit an order older
// than an export already took as final.
func TestAnOrderCommitsWithinItsDeadlines(t *testing.T) {
	drawn := time.Date(2026, 11, 11, 0, 0, 0, 0, time.UTC)
	w := &byWriter{}
	l := NewLottery(nil, w, nil, nil, nil, LotteryOptions{CommitWithin: 2 * time.Second, MaxAge: 10 * time.Second})
	for _, tc := range []struct {
		admitted, want time.Duration
	}{
		{time.Second, 3 * time.Second},
		{9 * time.Second, 10 * time.Second},
		{25 * time.Second, 10 * time.Second},
	} {
		d := &Draw{Now: drawn, Admitted: draw.Admitted{At: drawn.Add(tc.admitted)}}
		require.ErrorIs(t, l.Record(context.Background(), d), draw.ErrNotWritten)
		assert.Equal(t, drawn.Add(tc.want), w.by, "admitted after %v", tc.admitted)
	}
}
