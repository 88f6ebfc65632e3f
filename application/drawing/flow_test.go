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
	admitErr  error
	recordErr error
	ran       []string
}

func (f *fakeSteps) Pick(context.Context, *Draw) error {
	f.ran = append(f.ran, f.name+".pick")
	return nil
}
func (f *fakeSteps) Admit(_ context.Context, d *Draw) error {
	f.ran = append(f.ran, f.name+".admit")
	if f.admitErr != nil {
		return f.admitErr
	}
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

type fakeReplayer struct {
	byKey, refused int
	known          bool // Refused finds an earlier order for the key
}

func (r *fakeReplayer) Replay(context.Context, *Draw, int64) (Result, error) { return Result{}, nil }
func (r *fakeReplayer) ReplayByKey(context.Context, *Draw) (Result, error) {
	r.byKey++
	return Result{Order: draw.Order{ID: 7}, Replayed: true}, nil
}
func (r *fakeReplayer) Unresolved(ctx context.Context, d *Draw, refusal error) (Result, error) {
	return r.Refused(ctx, d, refusal)
}
func (r *fakeReplayer) Refused(_ context.Context, _ *Draw, refusal error) (Result, error) {
	r.refused++
	if r.known {
		return Result{Order: draw.Order{ID: 7}, Replayed: true}, nil
	}
	return Result{}, refusal
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

// A key repeated after Redis forgot it finds the user's chances used up by its own draw:
// the refusal asks SQL for the key's order. Other refusals, and draws without a key, do not.
func TestFlowAfterARefusal(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		refusal   error
		key       string
		known     bool
		wantErr   error
		wantAsked int
	}{
		{"limits, key made an order: that order", draw.ErrQuotaExhausted, "k", true, nil, 1},
		{"limits, key unknown: refused", draw.ErrQuotaExhausted, "k", false, draw.ErrQuotaExhausted, 1},
		{"limits, no key: refused without asking", draw.ErrQuotaExhausted, "", true, draw.ErrQuotaExhausted, 0},
		{"sold out: refused without asking", draw.ErrSoldOut, "k", true, draw.ErrSoldOut, 0},
		{"blacklisted: refused without asking", draw.ErrBlacklisted, "k", true, draw.ErrBlacklisted, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			steps, rp := &fakeSteps{name: "s", admitErr: tc.refusal}, &fakeReplayer{known: tc.known}
			flow := NewFlow(fixedResolver{activityOfKind(t, "lottery")}, rp, steps, slog.New(slog.NewTextHandler(io.Discard, nil)))
			res, err := flow.Run(context.Background(), Request{UserID: "u", IdempotencyKey: tc.key})
			assert.Equal(t, tc.wantAsked, rp.refused)
			assert.Equal(t, []string{"s.pick", "s.admit"}, steps.ran)
			if tc.wantErr != nil {
				assert.ErrorIs(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.True(t, res.Replayed)
			assert.Equal(t, int64(7), res.Order.ID)
		})
	}
}
