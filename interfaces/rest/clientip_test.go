package rest

import (
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
)

// X-Forwarded-For is believed only as written by a proxy the operator named; behind one,
// the client is the last address that is not a trusted proxy.
func TestClientIP(t *testing.T) {
	t.Parallel()
	ip := func(trusted []netip.Prefix, peer, xff string) string {
		r := httptest.NewRequest("POST", "/api/v1/draws", nil)
		r.RemoteAddr = peer
		if xff != "" {
			r.Header.Set("X-Forwarded-For", xff)
		}
		return clientIP(trusted)(r)
	}
	none := []netip.Prefix(nil)
	lb := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}

	assert.Equal(t, "203.0.113.9", ip(none, "203.0.113.9:5000", "1.2.3.4"), "no proxy named: the header is anyone's")
	assert.Equal(t, "10.1.1.1", ip(none, "10.1.1.1:5000", "198.51.100.7"), "a private peer is not trusted unless named")
	assert.Equal(t, "198.51.100.7", ip(lb, "10.1.1.1:5000", "198.51.100.7"), "behind the named balancer")
	assert.Equal(t, "198.51.100.7", ip(lb, "10.1.1.1:5000", "1.2.3.4, 198.51.100.7, 10.2.2.2"), "a forged first hop is passed over")
	assert.Equal(t, "203.0.113.9", ip(lb, "203.0.113.9:5000", "198.51.100.7"), "a peer that is not the balancer")
	assert.Equal(t, "127.0.0.1", ip(lb, "127.0.0.1:5000", "198.51.100.7"), "loopback is not trusted unless named")
}
