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
