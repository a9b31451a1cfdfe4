package n8n

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// This file is the one definition of where a webhook may point: ValidateURL
// checks it when a subscription is made, and the Deliverer's dialer checks
// it again on every connection, after DNS, so that a name re-pointed at an
// inside address later on (DNS rebinding) is still refused.

// nonPublic lists special-purpose ranges (RFC 6890 and successors) that
// netip's predicates do not already exclude.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // shared address space (CGNAT; some cloud metadata)
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // TEST-NET-1
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // TEST-NET-2
	netip.MustParsePrefix("203.0.113.0/24"),  // TEST-NET-3
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64: embeds an IPv4 address
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("100::/64"),        // discard-only
	netip.MustParsePrefix("2001::/32"),       // Teredo: embeds an IPv4 address
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("2002::/16"),       // 6to4: embeds an IPv4 address
	netip.MustParsePrefix("fec0::/10"),       // deprecated site-local
}

// publicAddr reports whether a is a global unicast address outside the
// private and special-purpose ranges. IPv4-mapped IPv6 addresses are judged
// as the IPv4 address they carry.
func publicAddr(a netip.Addr) bool {
	a = a.Unmap().WithZone("")
	if !a.IsGlobalUnicast() || a.IsPrivate() {
		return false // loopback, link-local, multicast, unspecified, broadcast, RFC 1918, ULA
	}
	for _, p := range nonPublic {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// dialGuard lets connections reach public addresses and, besides them, the
// non-public ranges of allow (IPv4 ranges as IPv4, not IPv4-mapped).
type dialGuard struct {
	allow []netip.Prefix
}

func (g dialGuard) permits(a netip.Addr) bool {
	a = a.Unmap().WithZone("")
	if publicAddr(a) {
		return true
	}
	for _, p := range g.allow {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// permitsAll reports whether the guard lets every address through (an
// allow-list holding both 0.0.0.0/0 and ::/0, as on a developer's machine).
func (g dialGuard) permitsAll() bool {
	var v4, v6 bool
	for _, p := range g.allow {
		if p.Bits() == 0 {
			v4, v6 = v4 || p.Addr().Is4(), v6 || p.Addr().Is6()
		}
	}
	return v4 && v6
}

// control is the net.Dialer hook: it runs once for every address the
// dialer tries, after resolution, so it judges the address actually
// connected to rather than what DNS said at any earlier time.
func (g dialGuard) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: cannot read the dialled address %q", ErrNonPublicURL, address)
	}
	if !g.permits(ap.Addr()) {
		return fmt.Errorf("%w: %s is not public and not in the allow-list", ErrNonPublicURL, ap.Addr().Unmap().WithZone(""))
	}
	return nil
}

// guardedClient is the client for orgs' subscriptions: each connection is
// checked by a dialGuard over allow. It takes no proxy from the
// environment, since the guard would then judge the proxy's address and
// never the webhook's.
func guardedClient(allow []netip.Prefix) *http.Client {
	g := dialGuard{allow: allow}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	t.DialContext = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: g.control}).DialContext
	c := plainClient()
	c.Transport = t
	return c
}

// plainClient is the client for the operator's subscriptions.
func plainClient() *http.Client {
	return &http.Client{
		Timeout: DefaultTimeout,
		// A redirect is answered as it is: a failure, not followed (the
		// next hop could be anywhere, including inside our network).
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
