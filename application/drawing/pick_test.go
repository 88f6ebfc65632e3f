package drawing

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/domain/strategy"
)

// renormalizeActivity has three prizes of 20 % each and 40 % "no prize".
func renormalizeActivity(t *testing.T) *activity.Activity {
	t.Helper()
	var prizes []strategy.Prize
	for i := range int64(3) {
		prizes = append(prizes, strategy.Prize{ID: 10 + i, AwardID: 1, Probability: strategy.One / 5, Stock: 100, DailyQuota: i})
	}
	st, err := strategy.New(strategy.ModeRenormalize, prizes)
	require.NoError(t, err)
	now := time.Now()
	a, err := activity.New(9, activity.Params{Name: "a", BeginAt: now, EndAt: now.Add(time.Hour),
		TimeZone: "UTC", Stock: 100, Strategy: st}, "m", now)
	require.NoError(t, err)
	return a
}

// walk is the ledger's choice among candidates when the prizes in empty have no pool
// left: the first "no prize" or prize not empty; 0 and false when every one is empty.
func walk(cands []draw.Candidate, empty map[int64]bool) (int64, bool) {
	for _, c := range cands {
		if c.PrizeID == 0 || !empty[c.PrizeID] {
			return c.PrizeID, true
		}
	}
	return 0, false
}

// emptySets are every subset of the activity's prizes.
func emptySets() []map[int64]bool {
	var sets []map[int64]bool
	for mask := range 8 {
		set := map[int64]bool{}
		for i := range int64(3) {
			if mask&(1<<i) != 0 {
				set[10+i] = true
			}
		}
		sets = append(sets, set)
	}
	return sets
}

// A renormalize draw sends no candidate after its first "no prize" and no prize twice,
// and the ledger's choice is the same as among all the samples drawn, whichever prizes
// are empty: the same random numbers give the same outcome, with a shorter call.
func TestPickSendsOnlyTheCandidatesThatCanDecide(t *testing.T) {
	t.Parallel()
	a := renormalizeActivity(t)
	st := a.Strategy()
	const n = 5
	for seed := range uint64(2000) {
		all := make([]draw.Candidate, n)
		r := rand.New(rand.NewPCG(seed, 7))
		for i := range all {
			if idx := st.PickExcluding(r, 0); idx >= 0 {
				p := st.At(idx)
				all[i] = draw.Candidate{PrizeID: p.ID, DailyQuota: p.DailyQuota}
			}
		}

		l := NewLottery(nil, nil, nil, nil, nil, LotteryOptions{Candidates: n})
		l.rands.New = func() any { return rand.New(rand.NewPCG(seed, 7)) }
		d := &Draw{View: &View{Activity: a}, Now: time.Now()}
		require.NoError(t, l.Pick(context.Background(), d))
		sent := d.Admission.Candidates

		require.NotEmpty(t, sent)
		assert.LessOrEqual(t, len(sent), n)
		seen := map[draw.Candidate]bool{}
		for i, c := range sent {
			assert.False(t, seen[c], "seed %d: %v sent twice in %v", seed, c, sent)
			seen[c] = true
			if c.PrizeID == 0 {
				assert.Equal(t, len(sent)-1, i, "seed %d: candidates after no prize: %v", seed, sent)
			}
		}
		for _, empty := range emptySets() {
			wantPrize, wantOK := walk(all, empty)
			gotPrize, gotOK := walk(sent, empty)
			assert.Equal(t, wantOK, gotOK, "seed %d, empty %v: %v against %v", seed, empty, sent, all)
			assert.Equal(t, wantPrize, gotPrize, "seed %d, empty %v: %v against %v", seed, empty, sent, all)
		}
	}
}

// A fixed draw sends its one sample, "no prize" included.
func TestPickSendsOneCandidateInFixedMode(t *testing.T) {
	t.Parallel()
	l := NewLottery(nil, nil, nil, nil, nil, LotteryOptions{})
	a := activityOfKind(t, "")
	for range 200 {
		d := &Draw{View: &View{Activity: a}, Now: time.Now()}
		require.NoError(t, l.Pick(context.Background(), d))
		assert.Len(t, d.Admission.Candidates, 1)
	}
}
