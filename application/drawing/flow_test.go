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
	byKey, refused, rerouted int
	known                    bool // Refused and Rerouted find an earlier order for the key
}

func (r *fakeReplayer) Replay(context.Context, *Draw, int64) (Result, error) { return Result{}, nil }
func (r *fakeReplayer) ReplayByKey(context.Context, *Draw) (Result, error) {
	r.byKey++
	return Result{Order: draw.Order{ID: 7}, Replayed: true}, nil
}
func (r *fakeReplayer) Unresolved(ctx context.Context, d *Draw, refusal error) (Result, error) {
	return r.Refused(ctx, d, refusal)
}
func (r *fakeReplayer) Rerouted(ctx context.Context, d *Draw, refusal error) (Result, error) {
	r.rerouted++
	r.refused--
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
		name         string
		refusal      error
		key          string
		routed       bool
		known        bool
		wantErr      error
		wantAsked    int
		wantRerouted int
	}{
		{"limits, key made an order: that order", draw.ErrQuotaExhausted, "k", false, true, nil, 1, 0},
		{"limits, key unknown: refused", draw.ErrQuotaExhausted, "k", false, false, draw.ErrQuotaExhausted, 1, 0},
		{"limits, no key: refused without asking", draw.ErrQuotaExhausted, "", false, true, draw.ErrQuotaExhausted, 0, 0},
		{"sold out to a new user: refused without asking", draw.ErrSoldOut, "k", false, true, draw.ErrSoldOut, 0, 0},
		{"sold out to a returning user, key made an order: that order", draw.ErrSoldOutDrawnBefore, "k", false, true, nil, 1, 0},
		{"sold out to a returning user, key unknown: refused", draw.ErrSoldOutDrawnBefore, "k", false, false, draw.ErrSoldOut, 1, 0},
		{"sold out to a returning user, no key: refused without asking", draw.ErrSoldOutDrawnBefore, "", false, true, draw.ErrSoldOut, 0, 0},
		{"blacklisted: refused without asking", draw.ErrBlacklisted, "k", false, true, draw.ErrBlacklisted, 0, 0},
		{"routed, limits, key made an order: that order", draw.ErrQuotaExhausted, "k", true, true, nil, 0, 1},
		{"routed, sold out, key made an order: that order", draw.ErrSoldOut, "k", true, true, nil, 0, 1},
		{"routed, sold out, key unknown: refused", draw.ErrSoldOut, "k", true, false, draw.ErrSoldOut, 0, 1},
		{"routed, sold out, no key: refused without asking", draw.ErrSoldOut, "", true, true, draw.ErrSoldOut, 0, 0},
		{"routed, blacklisted: refused without asking", draw.ErrBlacklisted, "k", true, true, draw.ErrBlacklisted, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			steps, rp := &fakeSteps{name: "s", admitErr: tc.refusal}, &fakeReplayer{known: tc.known}
			flow := NewFlow(fixedResolver{activityOfKind(t, "lottery")}, rp, steps, slog.New(slog.NewTextHandler(io.Discard, nil)))
			req := Request{UserID: "u", IdempotencyKey: tc.key, ActivityID: 9}
			if tc.routed {
				req.ActivityID = 0
			}
			res, err := flow.Run(context.Background(), req)
			assert.Equal(t, tc.wantAsked, rp.refused)
			assert.Equal(t, tc.wantRerouted, rp.rerouted)
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

// noMatch is a resolver whose tree routes nobody.
type noMatch struct{}

func (noMatch) Resolve(context.Context, *Draw) error { return ErrNoMatchingActivity }

func TestFlowRoutedNowhere(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		key       string
		known     bool
		wantOrder bool
	}{
		{"key made an order: that order", "k", true, true},
		{"key unknown: no matching activity", "k", false, false},
		{"no key: no matching activity without asking", "", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rp := &fakeReplayer{known: tc.known}
			flow := NewFlow(noMatch{}, rp, &fakeSteps{name: "s"}, slog.New(slog.NewTextHandler(io.Discard, nil)))
			res, err := flow.Run(context.Background(), Request{UserID: "u", IdempotencyKey: tc.key})
			if !tc.wantOrder {
				assert.ErrorIs(t, err, ErrNoMatchingActivity)
				assert.Equal(t, len(tc.key) > 0, rp.rerouted == 1)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, int64(7), res.Order.ID)
		})
	}
}
