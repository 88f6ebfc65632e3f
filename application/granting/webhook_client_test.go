package granting

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/award"
)

func TestOnlyPublicAddressesArePublic(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]bool{
		"8.8.8.8": true, "2606:4700::1111": true, "93.184.216.34": true,
		"127.0.0.1": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false,
		"169.254.169.254": false, "100.64.0.1": false, "0.0.0.0": false, "255.255.255.255": false,
		"::1": false, "fc00::1": false, "fe80::1": false, "::": false, "64:ff9b::a00:1": false,
		"203.0.113.9": false, "224.0.0.1": false,
		"64:ff9b:1::a00:1": false, "::7f00:1": false, "2002:7f00:1::": false, "fec0::1": false,
	} {
		assert.Equal(t, want, public(netip.MustParseAddr(addr).Unmap()), addr)
	}
	assert.False(t, public(netip.MustParseAddr("::ffff:127.0.0.1").Unmap()), "an IPv4-mapped loopback")
}

// A coupon webhook on a private address (here the loopback of a test server) fails for
// good unless the server was told to allow such calls.
func TestWebhookClientRefusesPrivateAddresses(t *testing.T) {
	t.Parallel()
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { calls++ }))
	t.Cleanup(srv.Close)
	g := award.Grant{OrderID: 1, Content: award.Content{WebhookURL: srv.URL, TemplateID: "t"}}

	_, err := NewCoupon(CouponOptions{Secret: "secret-0123456789"}).Grant(context.Background(), g)
	require.ErrorIs(t, err, award.ErrPermanent)
	assert.ErrorContains(t, err, "grants.webhook_private")
	assert.Zero(t, calls, "nothing reached the private address")

	d, err := NewCoupon(CouponOptions{Secret: "secret-0123456789", Client: NewWebhookClient(true)}).Grant(context.Background(), g)
	require.NoError(t, err)
	assert.Equal(t, award.StateGranted, d.State)
	assert.Equal(t, 1, calls)
	assert.False(t, errors.Is(err, ErrPrivateAddress))
}

// An award's webhook URL written with a host grants would refuse is refused when written;
// a name is left to the dial-time check.
func TestCheckWebhookHostRefusesWhatGrantsWouldRefuse(t *testing.T) {
	t.Parallel()
	for raw, refused := range map[string]bool{
		"https://shop.example/coupons": false, "http://93.184.216.34/c": false,
		"https://[2606:4700::1111]:8443/c": false, "https://internal.corp/c": false,
		"http://127.0.0.1:8080/c": true, "https://10.1.2.3/c": true, "http://169.254.169.254/latest": true,
		"http://[::1]/c": true, "http://[fe80::1%25eth0]/c": true, "http://localhost:9000/c": true,
		"http://LocalHost./c": true, "http://shop.localhost/c": true, "http://[::ffff:192.168.0.1]/c": true,
	} {
		err := CheckWebhookHost(raw)
		assert.Equal(t, refused, err != nil, raw)
		if refused {
			assert.ErrorIs(t, err, ErrPrivateAddress, raw)
		}
	}
}
