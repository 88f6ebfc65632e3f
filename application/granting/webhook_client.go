package granting

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// ErrPrivateAddress: a webhook's address is loopback, private, link-local or otherwise not
// on the public internet, and the server was not told to call such addresses.
var ErrPrivateAddress = errors.New("the webhook's address is not public")

// NewWebhookClient is the HTTP client of coupon webhooks. Unless allowPrivate, it refuses
// to connect to an address that is not public. The check is made on the address actually
// dialled, after name resolution, so a name that resolves to 127.0.0.1 does not get
// through (and Coupon follows no redirect, to 169.254.169.254 or anywhere else).
func NewWebhookClient(allowPrivate bool) *http.Client {
	d := &net.Dialer{Timeout: 3 * time.Second, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		d.Control = refusePrivate
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = d.DialContext
	tr.Proxy = nil // a proxy would dial for us, unchecked
	// No timeout of its own: Coupon bounds each call (CouponOptions.Timeout).
	return &http.Client{Transport: tr}
}

func refusePrivate(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrPrivateAddress, address)
	}
	if !public(ap.Addr().Unmap()) {
		return fmt.Errorf("%w: %s (set grants.webhook_private to allow it)", ErrPrivateAddress, ap.Addr())
	}
	return nil
}

// public reports whether a is a global unicast address outside the private, shared
// (100.64.0.0/10) and documentation ranges.
func public(a netip.Addr) bool {
	if !a.IsGlobalUnicast() || a.IsPrivate() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64, which can reach IPv4 private ranges
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("::/96"),           // IPv4-compatible (deprecated)
	netip.MustParsePrefix("2002::/16"),       // 6to4, which embeds an IPv4 address
	netip.MustParsePrefix("fec0::/10"),       // site-local (deprecated)
}

// CheckWebhookHost refuses a webhook URL whose host is localhost or an address that is not
// public: a client of NewWebhookClient(false) would refuse it at every grant, so an award
// naming it is refused when it is written. A name is not resolved here (what it resolves
// to may change before the grant); the client checks the address it dials.
func CheckWebhookHost(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return nil // the award's own validation names a malformed URL
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return fmt.Errorf("%w: %s", ErrPrivateAddress, host)
	}
	if a, err := netip.ParseAddr(host); err == nil && !public(a.Unmap()) {
		return fmt.Errorf("%w: %s", ErrPrivateAddress, a)
	}
	return nil
}
