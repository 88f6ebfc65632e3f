package granting_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/application/granting"
	"github.com/lottery-go/lottery/domain/award"
	"github.com/lottery-go/lottery/domain/check"
	"github.com/lottery-go/lottery/domain/draw"
)

func newService(s *store, extra ...award.Granter) *granting.Service {
	now := func() time.Time { return at }
	granters := []award.Granter{granting.Text{}, granting.Physical{},
		granting.RedeemCode{Pool: s, Now: now}, granting.Points{Ledger: s, Now: now}}
	return granting.New(granting.Deps{
		Orders: s, Awards: awardsOf{s}, Grants: s, Points: s, Observer: s, Now: now,
		Granters: append(granters, extra...), Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
}

func mustAward(t *testing.T, id int64, kind award.Kind, c award.Content) *award.Award {
	t.Helper()
	a, err := award.New(id, "Prize", kind, c, at)
	require.NoError(t, err)
	return a
}

func TestGrantEachKind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind    award.Kind
		content award.Content
		state   draw.GrantState
		payload map[string]string
	}{
		{award.KindText, award.Content{Text: "Thanks!"}, draw.GrantGranted, map[string]string{"text": "Thanks!"}},
		{award.KindRedeemCode, award.Content{}, draw.GrantGranted, map[string]string{"code": "X7K2"}},
		{award.KindPoints, award.Content{Points: 100}, draw.GrantGranted, map[string]string{"points": "100"}},
		{award.KindPhysical, award.Content{SKU: "MUG-01"}, draw.GrantAwaitingAddress, map[string]string{"sku": "MUG-01"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			t.Parallel()
			s := newStore()
			s.codes = []string{"X7K2", "Y8L3"}
			s.addWin(1, "u1", mustAward(t, 9, tt.kind, tt.content))
			svc := newService(s)
			for range 2 { // the second delivery is a redelivery: nothing changes
				require.NoError(t, svc.Grant(context.Background(), granting.Request{OrderID: 1, Attempt: 1}))
			}
			o, err := s.Get(context.Background(), 1)
			require.NoError(t, err)
			assert.Equal(t, tt.state, o.GrantState)
			assert.Equal(t, tt.payload, o.Delivered)
			assert.Len(t, s.codes, 1+boolInt(tt.kind != award.KindRedeemCode), "one code at most")
			assert.Len(t, s.points, boolInt(tt.kind == award.KindPoints), "credited once at most")
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestGrantFailures(t *testing.T) {
	t.Parallel()
	transient := errors.New("connection reset")
	tests := []struct {
		name      string
		kind      award.Kind
		content   award.Content
		grantErr  error
		last      bool
		reason    string
		userError string // the failure recorded; empty: the grant comes back
	}{
		{"empty pool", award.KindRedeemCode, award.Content{}, nil, false, granting.ReasonPoolEmpty, "no redeem code is left for this award"},
		{"refused", award.KindCoupon, award.Content{WebhookURL: "https://x.example/", TemplateID: "t"},
			fmt.Errorf("%w: coupon webhook answered 400 Bad Request", award.ErrPermanent), false, granting.ReasonRefused, "coupon webhook answered 400"},
		{"transient is retried", award.KindCoupon, award.Content{WebhookURL: "https://x.example/", TemplateID: "t"},
			transient, false, "", ""},
		{"transient on the last delivery", award.KindCoupon, award.Content{WebhookURL: "https://x.example/", TemplateID: "t"},
			transient, true, granting.ReasonExhausted, "not delivered after 8 attempts: connection reset"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStore()
			s.addWin(1, "u1", mustAward(t, 9, tt.kind, tt.content))
			svc := newService(s, failing{kind: award.KindCoupon, err: tt.grantErr})
			err := svc.Grant(context.Background(), granting.Request{OrderID: 1, Attempt: 8, Last: tt.last})
			s.comesBackOrFails(t, err, transient, tt.userError, tt.reason)
		})
	}
}

func TestGrantRetriesWhenTheFailureCannotBeRecorded(t *testing.T) {
	t.Parallel()
	s := newStore()
	s.addWin(1, "u1", mustAward(t, 9, award.KindRedeemCode, award.Content{}))
	s.fails = errors.New("database is locked")
	err := newService(s).Grant(context.Background(), granting.Request{OrderID: 1, Attempt: 8, Last: true})
	require.ErrorContains(t, err, "database is locked")
}

func TestGrantIgnoresUnknownAndDecidedOrders(t *testing.T) {
	t.Parallel()
	s := newStore()
	svc := newService(s)
	require.NoError(t, svc.Grant(context.Background(), granting.Request{OrderID: 404}))
	s.addWin(1, "u1", mustAward(t, 9, award.KindText, award.Content{Text: "hi"}))
	require.NoError(t, s.Fail(context.Background(), 1, "gave up", at))
	require.NoError(t, svc.Grant(context.Background(), granting.Request{OrderID: 1}))
	o, _ := s.Get(context.Background(), 1)
	assert.Equal(t, draw.GrantFailed, o.GrantState, "a decided order stays decided")
}

// A grant not tried (its merchant paused) on what would be its last delivery is not failed:
// it used up no attempt, and comes back. A grant tried and failed then is failed for good.
func TestAGrantNotTriedOnItsLastDeliveryComesBack(t *testing.T) {
	t.Parallel()
	s := newStore()
	s.addWin(1, "u1", mustAward(t, 9, award.KindCoupon, award.Content{WebhookURL: "https://shop.example/issue", TemplateID: "t"}))
	paused := &award.NotTried{At: at.Add(time.Minute), Err: fmt.Errorf("coupon webhook: %w", granting.ErrMerchantPaused)}
	err := newService(s, failing{award.KindCoupon, paused}).Grant(context.Background(), granting.Request{OrderID: 1, Attempt: 8, Last: true})
	var later *award.NotTried
	require.ErrorAs(t, err, &later)
	o, _ := s.Get(context.Background(), 1)
	assert.Equal(t, draw.GrantPending, o.GrantState)
	assert.Equal(t, []bool{false}, s.retries, "counted as a retry not tried")

	err = newService(s, failing{award.KindCoupon, errors.New("503")}).Grant(context.Background(), granting.Request{OrderID: 1, Attempt: 8, Last: true})
	require.NoError(t, err)
	o, _ = s.Get(context.Background(), 1)
	assert.Equal(t, draw.GrantFailed, o.GrantState)
	assert.Equal(t, []string{granting.ReasonExhausted}, s.failed)
	assert.Equal(t, []bool{false}, s.retries, "a grant failed for good is no retry")
}

// A grant still failing grants.give_up_after after its win fails for good, though its
// merchant was not tried (paused) and attempts remain; one sent again waits anew from
// then, and one whose wait began at an unknown time never gives up.
func TestAGrantGivesUpAfterWaitingTooLong(t *testing.T) {
	t.Parallel()
	coupon := award.Content{WebhookURL: "https://shop.example/issue", TemplateID: "t"}
	paused := &award.NotTried{At: at.Add(25 * time.Hour), Err: fmt.Errorf("coupon webhook: %w", granting.ErrMerchantPaused)}
	tests := []struct {
		name    string
		grant   error
		since   time.Time
		gaveUp  string // the failure recorded; empty: the grant comes back
		attempt int
	}{
		{"paused, waited a day", paused, at, "not delivered within 24h of the win: coupon webhook: " + granting.ErrMerchantPaused.Error(), 1},
		{"tried, waited a day", errors.New("503"), at, "not delivered within 24h of the win: 503", 2},
		{"paused, sent again 24h ago", paused, at.Add(time.Hour), "not delivered within 24h of being sent again", 1},
		{"paused, waited less than a day", paused, at.Add(2 * time.Hour), "", 1},
		{"paused, since unknown", paused, time.Time{}, "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStore()
			s.addWin(1, "u1", mustAward(t, 9, award.KindCoupon, coupon))
			svc := granting.New(granting.Deps{
				Orders: s, Awards: awardsOf{s}, Grants: s, Points: s, Observer: s,
				Now:         func() time.Time { return at.Add(25 * time.Hour) },
				GiveUpAfter: 24 * time.Hour, Granters: []award.Granter{failing{award.KindCoupon, tt.grant}},
				Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			})
			err := svc.Grant(context.Background(), granting.Request{OrderID: 1, Attempt: tt.attempt, Since: tt.since})
			if s.comesBackOrFails(t, err, tt.grant, tt.gaveUp, granting.ReasonGaveUp) {
				assert.Empty(t, s.retries, "a grant failed for good is no retry")
			}
		})
	}
}

// How long after its draw each win was delivered is observed, whether it was granted on
// its own or recorded with others; a failure that comes back is counted as a retry tried.
func TestGrantsTellHowLongAfterTheDrawTheyCame(t *testing.T) {
	t.Parallel()
	s := newStore()
	text := mustAward(t, 9, award.KindText, award.Content{Text: "hi"})
	for id := int64(1); id <= 3; id++ {
		s.addWin(id, "u1", text)
		o := s.orders[id]
		o.CreatedAt = at.Add(-time.Duration(id) * time.Second)
		s.orders[id] = o
	}
	coupon := mustAward(t, 8, award.KindCoupon, award.Content{WebhookURL: "https://shop.example/issue", TemplateID: "t"})
	s.addWin(4, "u1", coupon)
	svc := newService(s, failing{award.KindCoupon, errors.New("503")})
	require.NoError(t, svc.Grant(context.Background(), granting.Request{OrderID: 1, Attempt: 1}))
	errs := svc.GrantAll(context.Background(), []granting.Request{{OrderID: 2, Attempt: 1}, {OrderID: 3, Attempt: 1}, {OrderID: 4, Attempt: 1}})
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	require.Error(t, errs[2])
	assert.Equal(t, 1, s.together, "2 and 3 recorded together")
	assert.ElementsMatch(t, []time.Duration{time.Second, 2 * time.Second, 3 * time.Second}, s.took)
	assert.Equal(t, []bool{true}, s.retries)
}

// failing is a coupon granter that answers err.
type failing struct {
	kind award.Kind
	err  error
}

func (f failing) Kind() award.Kind { return f.kind }

func (f failing) Grant(context.Context, award.Grant) (award.Delivered, error) {
	return award.Delivered{State: award.StateGranted}, f.err
}

func TestSubmitAddress(t *testing.T) {
	t.Parallel()
	s := newStore()
	s.addWin(1, "u1", mustAward(t, 9, award.KindPhysical, award.Content{SKU: "MUG"}))
	s.addWin(2, "u1", mustAward(t, 8, award.KindText, award.Content{Text: "hi"}))
	svc := newService(s)
	ctx := context.Background()

	require.NoError(t, svc.Grant(ctx, granting.Request{OrderID: 1}))
	require.NoError(t, svc.Grant(ctx, granting.Request{OrderID: 2}))

	tests := []struct {
		name    string
		user    string
		order   int64
		address string
		want    error
	}{
		{"blank", "u1", 1, "  ", check.ErrInvalid},
		{"too long", "u1", 1, string(make([]rune, 1001)), check.ErrInvalid},
		{"someone else's", "u2", 1, "1 Main St", draw.ErrOrderNotFound},
		{"unknown", "u1", 404, "1 Main St", draw.ErrOrderNotFound},
		{"not physical", "u1", 2, "1 Main St", draw.ErrAddressNotExpected},
	}
	for _, tt := range tests {
		_, err := svc.SubmitAddress(ctx, tt.user, tt.order, tt.address)
		require.ErrorIs(t, err, tt.want, tt.name)
	}
	o, err := svc.SubmitAddress(ctx, "u1", 1, "1 Main St\nSpringfield")
	require.NoError(t, err)
	assert.Equal(t, draw.GrantGranted, o.GrantState)
	assert.Equal(t, map[string]string{"sku": "MUG", "address": "1 Main St\nSpringfield"}, o.Delivered)
	_, err = svc.SubmitAddress(ctx, "u1", 1, "again")
	require.ErrorIs(t, err, draw.ErrAddressNotExpected, "only once")
	assert.ErrorContains(t, err, "is granted, not awaiting an address")
	again, err := svc.SubmitAddress(ctx, "u1", 1, "1 Main St\nSpringfield")
	require.NoError(t, err, "the same address again: a retry whose answer was lost")
	assert.Equal(t, o, again)
}

// A winner may send the address while the grant's event still waits behind others: the
// grant is made then, once, and its event finds it done.
func TestAnAddressSentBeforeTheGrantIsTaken(t *testing.T) {
	t.Parallel()
	s := newStore()
	s.addWin(1, "u1", mustAward(t, 9, award.KindPhysical, award.Content{SKU: "MUG"}))
	s.addWin(2, "u1", mustAward(t, 8, award.KindCoupon, award.Content{WebhookURL: "https://x.example/", TemplateID: "t"}))
	svc := newService(s)
	ctx := context.Background()

	o, err := svc.SubmitAddress(ctx, "u1", 1, "1 Main St")
	require.NoError(t, err)
	assert.Equal(t, draw.GrantGranted, o.GrantState)
	assert.Equal(t, map[string]string{"sku": "MUG", "address": "1 Main St"}, o.Delivered)
	require.NoError(t, svc.Grant(ctx, granting.Request{OrderID: 1, Attempt: 1}), "the event comes later")
	again, _ := s.Get(ctx, 1)
	assert.Equal(t, o, again, "and changes nothing")
	assert.Equal(t, 2, s.grantedCount, "granted once, shipped once")

	_, err = svc.SubmitAddress(ctx, "u2", 1, "1 Main St")
	require.ErrorIs(t, err, draw.ErrOrderNotFound)
	_, err = svc.SubmitAddress(ctx, "u1", 2, "1 Main St")
	require.ErrorIs(t, err, draw.ErrAddressNotExpected, "a coupon is not shipped")
	coupon, _ := s.Get(ctx, 2)
	assert.Equal(t, draw.GrantPending, coupon.GrantState, "and not granted by the address")
}

func TestPoints(t *testing.T) {
	t.Parallel()
	s := newStore()
	svc := newService(s)
	for i := int64(1); i <= 3; i++ {
		s.addWin(i, "u1", mustAward(t, 10+i, award.KindPoints, award.Content{Points: 10 * i}))
		require.NoError(t, svc.Grant(context.Background(), granting.Request{OrderID: i}))
	}
	bal, entries, err := svc.Points(context.Background(), "u1", 0, 2)
	require.NoError(t, err)
	assert.Equal(t, int64(60), bal)
	require.Len(t, entries, 2)
	assert.Equal(t, int64(3), entries[0].OrderID, "newest first")
}

func TestCouponWebhookIsSigned(t *testing.T) {
	t.Parallel()
	const secret = "whsec-0123456789abcdef"
	type call struct {
		body, sig, order string
	}
	calls := make(chan call, 4)
	status := http.StatusCreated
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		calls <- call{string(body), r.Header.Get(granting.SignatureHeader), r.Header.Get(granting.OrderHeader)}
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)

	s := newStore()
	s.addWin(7263, "u1", mustAward(t, 7259, award.KindCoupon, award.Content{WebhookURL: srv.URL + "/issue", TemplateID: "tpl-5off"}))
	svc := newService(s, granting.NewCoupon(granting.CouponOptions{Secret: secret, Client: srv.Client()}))
	require.NoError(t, svc.Grant(context.Background(), granting.Request{OrderID: 7263, Attempt: 1}))

	c := <-calls
	assert.JSONEq(t, `{"order_id":"7263","user_id":"u1","award_id":"7259","template_id":"tpl-5off"}`, c.body)
	// The receiver verifies the time, its own address and the body as sent.
	ts, sum, ok := strings.Cut(strings.TrimPrefix(c.sig, "t="), ",sha256=")
	require.True(t, ok, c.sig)
	sent, err := strconv.ParseInt(ts, 10, 64)
	require.NoError(t, err)
	assert.InDelta(t, time.Now().Unix(), sent, 60)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "." + srv.URL + "/issue." + c.body))
	assert.Equal(t, hex.EncodeToString(mac.Sum(nil)), sum, "the receiver can verify the call")
	other := hmac.New(sha256.New, []byte(secret))
	other.Write([]byte(ts + ".https://other.example/issue." + c.body))
	assert.NotEqual(t, hex.EncodeToString(other.Sum(nil)), sum, "another merchant's address does not verify")
	assert.Equal(t, granting.Sign([]byte(secret), sent, srv.URL+"/issue", []byte(c.body)), c.sig)
	assert.Equal(t, "7263", c.order)
	o, _ := s.Get(context.Background(), 7263)
	assert.Equal(t, draw.GrantGranted, o.GrantState)
	assert.Equal(t, map[string]string{"template_id": "tpl-5off"}, o.Delivered)
}

func TestCouponAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status    int
		permanent bool
	}{
		{http.StatusMovedPermanently, true},
		{http.StatusFound, false},
		{http.StatusSeeOther, false},
		{http.StatusTemporaryRedirect, false},
		{http.StatusPermanentRedirect, true},
		{http.StatusBadRequest, true},
		{http.StatusNotFound, true},
		{http.StatusRequestTimeout, false},
		{http.StatusTooManyRequests, false},
		{http.StatusInternalServerError, false},
		{http.StatusBadGateway, false},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			t.Parallel()
			var gets atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodPost {
					gets.Add(1)
					return // a 200 that must not count as issued
				}
				w.Header().Set("Location", "/moved")
				w.WriteHeader(tt.status)
			}))
			t.Cleanup(srv.Close)
			c := granting.NewCoupon(granting.CouponOptions{Secret: "secret-0123456789", Client: srv.Client()})
			_, err := c.Grant(context.Background(), award.Grant{OrderID: 1, Content: award.Content{WebhookURL: srv.URL, TemplateID: "t"}})
			require.Error(t, err)
			assert.Equal(t, tt.permanent, errors.Is(err, award.ErrPermanent))
			assert.Zero(t, gets.Load(), "redirect followed")
		})
	}
	_, err := granting.NewCoupon(granting.CouponOptions{}).Grant(context.Background(), award.Grant{Content: award.Content{WebhookURL: "https://x.example/"}})
	require.ErrorIs(t, err, award.ErrPermanent, "no secret, no unsigned calls")
}

// staleOrders answers every Get with what the order was when the event was read: the
// grant races a delivery that decides the order in between.
type staleOrders struct {
	*store
	seen draw.Order
}

func (s staleOrders) Get(context.Context, int64) (draw.Order, error) { return s.seen, nil }

func TestPointsAreNotKeptByAnOrderDecidedMeanwhile(t *testing.T) {
	t.Parallel()
	s := newStore()
	s.addWin(1, "u1", mustAward(t, 11, award.KindPoints, award.Content{Points: 100}))
	pending, err := s.Get(context.Background(), 1)
	require.NoError(t, err)
	require.NoError(t, s.Fail(context.Background(), 1, "decided by another delivery", at))
	now := func() time.Time { return at }
	svc := granting.New(granting.Deps{
		Orders: staleOrders{s, pending}, Awards: awardsOf{s}, Grants: s, Points: s, Observer: s, Now: now,
		Granters: []award.Granter{granting.Points{Ledger: s, Now: now}}, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})

	require.NoError(t, svc.Grant(context.Background(), granting.Request{OrderID: 1}), "a decided order is done with")
	bal, entries, err := svc.Points(context.Background(), "u1", 0, 10)
	require.NoError(t, err)
	assert.Zero(t, bal, "no points for a failed order")
	assert.Empty(t, entries)
}

// A copy of the event whose grant fails for good while another copy granted the order
// meanwhile records no failure: the order stays granted, nothing is logged or counted.
func TestAFailureAfterAnotherDeliveryGrantedIsNoFailure(t *testing.T) {
	t.Parallel()
	s := newStore()
	s.addWin(1, "u1", mustAward(t, 9, award.KindCoupon, award.Content{WebhookURL: "https://x.example/", TemplateID: "t"}))
	pending, err := s.Get(context.Background(), 1)
	require.NoError(t, err)
	require.NoError(t, s.Record(context.Background(), draw.GrantRecord{OrderID: 1, State: draw.GrantGranted, At: at}))
	now := func() time.Time { return at }
	svc := granting.New(granting.Deps{
		Orders: staleOrders{s, pending}, Awards: awardsOf{s}, Grants: s, Points: s, Observer: s, Now: now,
		Granters: []award.Granter{failing{kind: award.KindCoupon, err: fmt.Errorf("%w: coupon webhook answered 400", award.ErrPermanent)}},
		Log:      slog.New(slog.NewTextHandler(io.Discard, nil)),
	})

	require.NoError(t, svc.Grant(context.Background(), granting.Request{OrderID: 1, Attempt: 8, Last: true}))
	o, _ := s.Get(context.Background(), 1)
	assert.Equal(t, draw.GrantGranted, o.GrantState)
	assert.Empty(t, s.failed, "no failure counted")
}
