package granting

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/award"
	"github.com/lottery-go/lottery/internal/testkit"
)

// merchantAt is a test merchant answering status, counting its calls.
func merchantAt(t *testing.T, status *atomic.Int32) (url string, calls *atomic.Int32) {
	t.Helper()
	calls = &atomic.Int32{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		calls.Add(1)
		w.WriteHeader(int(status.Load()))
	}))
	t.Cleanup(srv.Close)
	return srv.URL, calls
}

func couponOn(c *testkit.Clock) *Coupon {
	g := NewCoupon(CouponOptions{Secret: "secret-0123456789", Client: NewWebhookClient(true), Log: slog.New(slog.DiscardHandler)})
	g.breakers.now = c.Now
	return g
}

// A merchant whose webhook fails tripAfter times in a row is not called for a while; then
// once, and its pause doubles while that probe fails; one answer resumes its calls. Another
// merchant is called all along.
func TestAFailingMerchantIsPausedThenProbed(t *testing.T) {
	t.Parallel()
	var failing, healthy atomic.Int32
	failing.Store(http.StatusServiceUnavailable)
	healthy.Store(http.StatusCreated)
	bad, badCalls := merchantAt(t, &failing)
	good, goodCalls := merchantAt(t, &healthy)
	c := testkit.NewClock(time.Date(2026, 11, 11, 0, 0, 0, 0, time.UTC))
	g := couponOn(c)
	grant := func(url string) error {
		_, err := g.Grant(context.Background(), award.Grant{OrderID: 1, Content: award.Content{WebhookURL: url + "/issue", TemplateID: "t"}})
		return err
	}
	for range tripAfter {
		err := grant(bad)
		require.Error(t, err)
		assert.NotErrorIs(t, err, ErrMerchantPaused)
	}
	err := grant(bad)
	require.ErrorIs(t, err, ErrMerchantPaused)
	assert.NotErrorIs(t, err, award.ErrPermanent, "a paused merchant's grants are tried again")
	assert.Contains(t, err.Error(), "503 Service Unavailable", "the pause says why")
	assert.Equal(t, int32(tripAfter), badCalls.Load(), "not called while paused")
	require.NoError(t, grant(good), "another merchant is called")
	assert.Equal(t, int32(1), goodCalls.Load())

	c.Add(firstPause)
	var later *award.NotTried
	require.ErrorAs(t, grant(bad), &later, "a failed probe tested the merchant, not the grant: not counted")
	assert.Equal(t, c.Now().Add(2*firstPause), later.At, "due when the doubled pause ends")
	assert.Contains(t, later.Error(), "503 Service Unavailable")
	assert.Equal(t, int32(tripAfter+1), badCalls.Load(), "one probe once the pause ends")
	c.Add(firstPause)
	require.ErrorIs(t, grant(bad), ErrMerchantPaused, "a failed probe doubles the pause")
	c.Add(firstPause)
	failing.Store(http.StatusCreated)
	require.NoError(t, grant(bad))
	require.NoError(t, grant(bad))
	assert.Equal(t, int32(tripAfter+3), badCalls.Load(), "calls resume once it answers")
}

// A paused merchant's grants are not tried, and say when they may be: when the pause
// ends, or while the probe is under way, when it ends at the latest.
func TestAPausedMerchantsGrantsSayWhenToComeBack(t *testing.T) {
	t.Parallel()
	var failing atomic.Int32
	failing.Store(http.StatusBadGateway)
	bad, _ := merchantAt(t, &failing)
	c := testkit.NewClock(time.Date(2026, 11, 11, 0, 0, 0, 0, time.UTC))
	g := couponOn(c)
	grant := func() error {
		_, err := g.Grant(context.Background(), award.Grant{OrderID: 1, Content: award.Content{WebhookURL: bad, TemplateID: "t"}})
		return err
	}
	for range tripAfter {
		var later *award.NotTried
		require.False(t, errors.As(grant(), &later), "a call made is an attempt")
	}
	var later *award.NotTried
	require.ErrorAs(t, grant(), &later)
	assert.Equal(t, c.Now().Add(firstPause), later.At)

	c.Add(firstPause)
	probeStart := c.Now()
	require.NoError(t, g.breakers.enter(merchantOf(bad)), "the probe goes ahead")
	c.Add(time.Second)
	require.ErrorAs(t, g.breakers.enter(merchantOf(bad)), &later)
	assert.Equal(t, probeStart.Add(DefaultWebhookTimeout), later.At, "when the probe ends at the latest")
	c.Add(DefaultWebhookTimeout)
	require.ErrorAs(t, g.breakers.enter(merchantOf(bad)), &later)
	assert.Equal(t, c.Now().Add(DefaultWebhookTimeout), later.At, "a probe overrunning: soon, never in the past")
}

// A refusal is an answer: a merchant that refuses a template is not paused.
func TestAMerchantThatRefusesIsNotPaused(t *testing.T) {
	t.Parallel()
	var gone atomic.Int32
	gone.Store(http.StatusGone)
	url, calls := merchantAt(t, &gone)
	g := couponOn(testkit.NewClock(time.Now()))
	for range 2 * tripAfter {
		_, err := g.Grant(context.Background(), award.Grant{OrderID: 1, Content: award.Content{WebhookURL: url, TemplateID: "t"}})
		require.ErrorIs(t, err, award.ErrPermanent)
	}
	assert.Equal(t, int32(2*tripAfter), calls.Load())
}

// Calls this process cuts short (it is stopping) are not the merchant's failures.
func TestCallsCutShortDoNotPauseTheMerchant(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	entered, release := make(chan struct{}, tripAfter), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= tripAfter {
			entered <- struct{}{}
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		w.WriteHeader(http.StatusCreated)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	g := couponOn(testkit.NewClock(time.Now()))
	for range tripAfter {
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			<-entered
			cancel()
		}()
		_, err := g.Grant(ctx, award.Grant{OrderID: 1, Content: award.Content{WebhookURL: srv.URL, TemplateID: "t"}})
		require.True(t, errors.Is(err, context.Canceled), "%v", err)
	}
	_, err := g.Grant(context.Background(), award.Grant{OrderID: 1, Content: award.Content{WebhookURL: srv.URL, TemplateID: "t"}})
	require.NoError(t, err, "still called")
}

func TestMerchantOf(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		"https://Shop.example/issue?x=1":  "https://shop.example:443",
		"https://shop.example:443/other":  "https://shop.example:443",
		"http://shop.example/issue":       "http://shop.example:80",
		"https://shop.example:8443/issue": "https://shop.example:8443",
		"https://[2001:db8::1]/issue":     "https://[2001:db8::1]:443",
	} {
		assert.Equal(t, want, merchantOf(raw), raw)
	}
}
