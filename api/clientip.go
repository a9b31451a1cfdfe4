package api

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
)

type clientIPKey struct{}

// clientAddress works out once per request which address the client has,
// for rate limits and the access log (clientIP reads it). Behind a reverse
// proxy every request comes from the proxy, so from a peer inside trusted
// the client is read from X-Forwarded-For instead; from any other peer that
// header is the client's own word and is ignored.
func clientAddress(trusted []netip.Prefix) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ip := forwardedClient(r.RemoteAddr, r.Header.Values("X-Forwarded-For"), trusted)
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientIPKey{}, ip)))
		})
	}
}

// clientIP is the caller's address: as clientAddress found it, or the peer's.
func clientIP(r *http.Request) string {
	if ip, ok := r.Context().Value(clientIPKey{}).(string); ok {
		return ip
	}
	return peerHost(r.RemoteAddr)
}

// forwardedClient is the client behind remoteAddr. Each proxy appends the
// address it got the request from to X-Forwarded-For, so the list is read
// from the right: past the trusted proxies, the first address is the one
// that the nearest trusted proxy saw, which the client cannot forge;
// everything left of it can be. A malformed entry ends the walk at the last
// good hop. Addresses are unmapped (::ffff:a.b.c.d is a.b.c.d), so one
// client has one form.
func forwardedClient(remoteAddr string, xff []string, trusted []netip.Prefix) string {
	peer, err := netip.ParseAddrPort(remoteAddr)
	if err != nil {
		return peerHost(remoteAddr) // not IP:port (a test, a unix socket): nothing to trust
	}
	client := peer.Addr().Unmap().WithZone("")
	if !isTrusted(client, trusted) {
		return client.String()
	}
	var hops []string
	for _, h := range xff {
		hops = append(hops, strings.Split(h, ",")...)
	}
	for _, hop := range slices.Backward(hops) {
		a, ok := parseHop(strings.TrimSpace(hop))
		if !ok {
			break
		}
		client = a
		if !isTrusted(client, trusted) {
			break
		}
	}
	return client.String()
}

// parseHop reads one X-Forwarded-For entry: an address, bare or with a
// port as some proxies write it (1.2.3.4:5678, [2001:db8::1]:5678).
func parseHop(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, perr := netip.ParseAddrPort(s)
		if perr != nil {
			return netip.Addr{}, false
		}
		a = ap.Addr()
	}
	return a.Unmap().WithZone(""), true
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func peerHost(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return remoteAddr
	}
	return host
}
