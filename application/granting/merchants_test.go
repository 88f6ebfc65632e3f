package granting_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/application/granting"
	"github.com/lottery-go/lottery/domain/award"
	"github.com/lottery-go/lottery/domain/draw"
)

// lockedBuffer is a log sink safe for the grants' goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// A merchant whose webhook hangs costs a lot of grants a few of its calls, not one
// timeout each: once it has failed a few times its grants fail at once, to be tried again
// later, and the other merchant's coupons in the same lot are issued. The lot's failures
// are one line of log.
func TestAHangingMerchantHoldsUpNoOtherMerchant(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var hung atomic.Int32
	hanging := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		hung.Add(1)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(hanging.Close)
	t.Cleanup(func() { close(release) })
	healthy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusCreated) }))
	t.Cleanup(healthy.Close)

	s := newStore()
	stuck := mustAward(t, 1, award.KindCoupon, award.Content{WebhookURL: hanging.URL + "/issue", TemplateID: "slow"})
	fine := mustAward(t, 2, award.KindCoupon, award.Content{WebhookURL: healthy.URL + "/issue", TemplateID: "ok"})
	const wins = 300
	var rs []granting.Request
	for id := int64(1); id <= wins; id++ {
		a := stuck
		if id%10 == 0 {
			a = fine
		}
		s.addWin(id, "u", a)
		rs = append(rs, granting.Request{OrderID: id, Attempt: 1})
	}
	var logs lockedBuffer
	coupon := granting.NewCoupon(granting.CouponOptions{Secret: "secret-0123456789", Client: granting.NewWebhookClient(true),
		Timeout: 2 * time.Second, Log: slog.New(slog.DiscardHandler)})
	svc := granting.New(granting.Deps{Orders: s, Awards: awardsOf{s}, Grants: s, Points: s, Observer: s,
		Granters: []award.Granter{coupon}, Log: slog.New(slog.NewTextHandler(&logs, nil))})

	errs := svc.GrantAll(context.Background(), rs)

	paused := 0
	for i, err := range errs {
		o, _ := s.Get(context.Background(), rs[i].OrderID)
		if o.AwardID == fine.ID() {
			require.NoError(t, err)
			assert.Equal(t, draw.GrantGranted, o.GrantState)
			continue
		}
		require.Error(t, err, "tried again later")
		assert.NotErrorIs(t, err, award.ErrPermanent)
		assert.Equal(t, draw.GrantPending, o.GrantState)
		if errors.Is(err, granting.ErrMerchantPaused) {
			paused++
		}
	}
	// At most one call per slot of the lot, and the few begun before it was paused, waited
	// for the timeout (long enough for the healthy merchant on a loaded machine).
	assert.LessOrEqual(t, hung.Load(), int32(32+4), "calls that waited for the timeout")
	assert.Equal(t, wins*9/10-int(hung.Load()), paused, "the others were not made")
	lines := strings.Count(logs.String(), "grants failed; they are tried again later")
	assert.Equal(t, 1, lines, "one line for the lot:\n%s", logs.String())
	assert.Contains(t, logs.String(), "failed=270 of=300")
}
