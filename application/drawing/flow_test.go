package drawing

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/domain/strategy"
)

// fakeSteps records which steps ran and fails Record as told.
type fakeSteps struct {
	name      string
	recordErr error
	ran       []string
}

func (f *fakeSteps) Pick(context.Context, *Draw) error {
	f.ran = append(f.ran, f.name+".pick")
	return nil
}
func (f *fakeSteps) Admit(_ context.Context, d *Draw) error {
	f.ran = append(f.ran, f.name+".admit")
	d.Order = draw.Order{ID: 42, UserID: d.Req.UserID}
	return nil
}
func (f *fakeSteps) Record(context.Context, *Draw) error {
	f.ran = append(f.ran, f.name+".record")
	return f.recordErr
}
func (f *fakeSteps) Enqueue(context.Context, *Draw) { f.ran = append(f.ran, f.name+".enqueue") }
func (f *fakeSteps) Undo(context.Context, *Draw) error {
	f.ran = append(f.ran, f.name+".undo")
	return nil
}

// fixedResolver resolves every request to one activity of the given kind.
type fixedResolver struct{ a *activity.Activity }

func (r fixedResolver) Resolve(_ context.Context, d *Draw) error {
	d.View = &View{Activity: r.a}
	return nil
}

type fakeReplayer struct{ byKey int }

func (r *fakeReplayer) Replay(context.Context, *Draw, int64) (Result, error) { return Result{}, nil }
func (r *fakeReplayer) ReplayByKey(context.Context, *Draw) (Result, error) {
	r.byKey++
	return Result{Order: draw.Order{ID: 7}, Replayed: true}, nil
}

func activityOfKind(t *testing.T, kind string) *activity.Activity {
	t.Helper()
	st, err := strategy.New(strategy.ModeFixed, []strategy.Prize{{ID: 1, AwardID: 1, Probability: strategy.One / 2, Stock: 1}})
	require.NoError(t, err)
	now := time.Now()
	a, err := activity.New(9, activity.Params{Name: "a", Kind: kind, BeginAt: now, EndAt: now.Add(time.Hour),
		TimeZone: "UTC", Stock: 1, Strategy: st}, "m", now)
	require.NoError(t, err)
	return a
}

func TestFlowRunsTheStepsOfTheActivityKind(t *testing.T) {
	t.Parallel()
	lottery, cards := &fakeSteps{name: "lottery"}, &fakeSteps{name: "cards"}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	flow := NewFlow(fixedResolver{activityOfKind(t, "cards")}, &fakeReplayer{}, lottery, log)
	flow.Plug("cards", cards)
	res, err := flow.Run(context.Background(), Request{UserID: "u"})
	require.NoError(t, err)
	assert.Equal(t, int64(42), res.Order.ID)
	assert.Equal(t, []string{"cards.pick", "cards.admit", "cards.record", "cards.enqueue"}, cards.ran)
	assert.Empty(t, lottery.ran, "the plugged kind replaces the default steps")
}

func TestFlowAfterAFailedRecord(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		err      error
		wantRan  []string
		wantErr  error
		replayed bool
	}{
		{"not written: undone, retryable", draw.ErrNotWritten,
			[]string{"s.pick", "s.admit", "s.record", "s.undo"}, draw.ErrUnavailable, false},
		{"outcome unknown: left to recovery", errors.New("commit lost"),
			[]string{"s.pick", "s.admit", "s.record"}, draw.ErrUnavailable, false},
		{"key already used: undone, earlier order", errors.Join(draw.ErrNotWritten, draw.ErrDuplicateKey),
			[]string{"s.pick", "s.admit", "s.record", "s.undo"}, nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			steps, rp := &fakeSteps{name: "s", recordErr: tc.err}, &fakeReplayer{}
			flow := NewFlow(fixedResolver{activityOfKind(t, "lottery")}, rp, steps, slog.New(slog.NewTextHandler(io.Discard, nil)))
			res, err := flow.Run(context.Background(), Request{UserID: "u", IdempotencyKey: "k"})
			assert.Equal(t, tc.wantRan, steps.ran)
			if tc.wantErr != nil {
				assert.ErrorIs(t, err, tc.wantErr)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tc.replayed, res.Replayed)
		})
	}
}
