package api

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/google/uuid"
)

func prefixes(cidrs ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(cidrs))
	for i, c := range cidrs {
		out[i] = netip.MustParsePrefix(c)
	}
	return out
}

func TestForwardedClient(t *testing.T) {
	t.Parallel()
	proxies := prefixes("10.0.0.0/8", "fd00::/8")
	for _, tt := range []struct {
		name, remote string
		xff          []string
		trusted      []netip.Prefix
		want         string
	}{
		{"no proxies configured", "198.51.100.7:4711", []string{"203.0.113.1"}, nil, "198.51.100.7"},
		{"untrusted peer's header is ignored", "198.51.100.7:4711", []string{"203.0.113.1"}, proxies, "198.51.100.7"},
		{"untrusted peer claiming to be a proxy", "198.51.100.7:4711", []string{"203.0.113.1, 10.0.0.1"}, proxies, "198.51.100.7"},
		{"trusted peer without the header", "10.0.0.1:4711", nil, proxies, "10.0.0.1"},
		{"trusted peer", "10.0.0.1:4711", []string{"203.0.113.1"}, proxies, "203.0.113.1"},
		{"client's own entries left of the proxy's are not believed", "10.0.0.1:4711", []string{"192.0.2.66, 203.0.113.1"}, proxies, "203.0.113.1"},
		{"chain of trusted proxies", "10.0.0.1:4711", []string{"192.0.2.66, 203.0.113.1, 10.2.0.9, 10.3.0.1"}, proxies, "203.0.113.1"},
		{"several header lines read as one list", "10.0.0.1:4711", []string{"192.0.2.66, 203.0.113.1", "10.2.0.9"}, proxies, "203.0.113.1"},
		{"all hops trusted", "10.0.0.1:4711", []string{"10.9.9.9, 10.2.0.9"}, proxies, "10.9.9.9"},
		{"malformed rightmost entry: the peer", "10.0.0.1:4711", []string{"203.0.113.1, unknown"}, proxies, "10.0.0.1"},
		{"malformed entry: the last good hop", "10.0.0.1:4711", []string{"203.0.113.1, not-an-ip, 10.2.0.9"}, proxies, "10.2.0.9"},
		{"empty entry: the peer", "10.0.0.1:4711", []string{"203.0.113.1,"}, proxies, "10.0.0.1"},
		{"entry with a port", "10.0.0.1:4711", []string{"203.0.113.1:5555"}, proxies, "203.0.113.1"},
		{"IPv6 peer and client", "[fd00::1]:4711", []string{"2001:db8::99, 2001:db8::7"}, proxies, "2001:db8::7"},
		{"IPv6 entry with a port", "[fd00::1]:4711", []string{"[2001:db8::7]:5555"}, proxies, "2001:db8::7"},
		{"IPv6 untrusted peer", "[2001:db8::5]:4711", []string{"2001:db8::7"}, proxies, "2001:db8::5"},
		{"IPv4-mapped peer is its IPv4 address", "[::ffff:10.0.0.1]:4711", []string{"::ffff:203.0.113.1"}, proxies, "203.0.113.1"},
		{"IPv4-mapped untrusted peer", "[::ffff:198.51.100.7]:4711", []string{"203.0.113.1"}, proxies, "198.51.100.7"},
		{"RemoteAddr without a port", "pipe", []string{"203.0.113.1"}, proxies, "pipe"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			var got string
			clientAddress(tt.trusted)(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { got = clientIP(r) })).
				ServeHTTP(httptest.NewRecorder(), r)
			if got != tt.want {
				t.Errorf("client of %s with X-Forwarded-For %q = %q, want %q", tt.remote, tt.xff, got, tt.want)
			}
		})
	}
}

// loginFrom tries a login with xff as the header, for a fresh e-mail each
// time (so that only the per-address limit can be reached) and no password
// (counted by the limit, then refused without hashing one).
func (b *coreBundle) loginFrom(t *testing.T, xff string) result {
	t.Helper()
	return b.do(t, req{method: "POST", path: "/api/v1/auth/login", header: map[string]string{"X-Forwarded-For": xff},
		body: map[string]string{"email": "nobody-" + uuid.NewString()[:8] + "@example.test", "password": ""}})
}

// TestLoginRateLimitIsPerClientBehindATrustedProxy: the test server's
// every request comes from 127.0.0.1, here an ingress with a trusted
// internal proxy (10.0.0.2) in front of it. Two clients behind them fill
// separate buckets, and a client cannot escape its own by writing
// addresses into the header itself.
func TestLoginRateLimitIsPerClientBehindATrustedProxy(t *testing.T) {
	t.Parallel()
	b := setupCore(t, func(c *Config) { c.TrustedProxies = prefixes("127.0.0.0/8", "::1/128", "10.0.0.0/8") })
	for i := range loginPerIP {
		res := b.loginFrom(t, fmt.Sprintf("192.0.2.%d, 198.51.100.1, 10.0.0.2", i+1))
		if res.status == http.StatusTooManyRequests {
			t.Fatalf("client A limited after %d logins, want %d", i, loginPerIP)
		}
	}
	wantProblem(t, b.loginFrom(t, "192.0.2.200, 198.51.100.1, 10.0.0.2"), http.StatusTooManyRequests)
	if res := b.loginFrom(t, "198.51.100.2, 10.0.0.2"); res.status == http.StatusTooManyRequests {
		t.Fatalf("client B, behind the same proxies, was limited by client A's logins: %s", res.body)
	}
}

// TestLoginRateLimitIgnoresForwardedForFromUntrustedPeers: with no trusted
// proxy, X-Forwarded-For is the caller's word and cannot buy new buckets.
func TestLoginRateLimitIgnoresForwardedForFromUntrustedPeers(t *testing.T) {
	t.Parallel()
	b := setupCore(t, func(c *Config) { c.TrustedProxies = prefixes("10.0.0.0/8") })
	for i := range loginPerIP {
		if res := b.loginFrom(t, fmt.Sprintf("198.51.100.%d", i+1)); res.status == http.StatusTooManyRequests {
			t.Fatalf("limited after %d logins, want %d", i, loginPerIP)
		}
	}
	wantProblem(t, b.loginFrom(t, "198.51.100.200"), http.StatusTooManyRequests)
}
