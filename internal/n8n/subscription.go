package n8n

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/xentri/xentri/contracts"
)

// Subscription routes the events whose type matches Pattern to the n8n
// webhook at URL.
type Subscription struct {
	ID string
	// OrgID scopes the subscription to one org; "" means all orgs, which
	// only the operator's XENTRI_N8N_SUBSCRIPTIONS can say.
	OrgID   string
	Pattern string // an event type, "prefix.*" or "*"; see ValidatePattern
	URL     string
	// Operator marks a subscription of XENTRI_N8N_SUBSCRIPTIONS: the
	// operator's own URL, which may name a private address (n8n beside
	// Xentri) and is delivered to without the dial-time address check that
	// orgs' subscriptions get.
	Operator bool
}

// Matches reports whether e is for s: the org agrees and the type matches
// the pattern.
func (s Subscription) Matches(e contracts.Envelope) bool {
	if s.OrgID != "" && s.OrgID != e.OrgID {
		return false
	}
	return matchType(s.Pattern, e.Type)
}

// matchType: "*" matches every type; "a.b.*" matches a type that starts
// with "a.b." and has at least one more segment; anything else must be
// equal.
func matchType(pattern, typ string) bool {
	if typ == "" {
		return false
	}
	if pattern == "*" {
		return true
	}
	if prefix, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasSuffix(prefix, ".") && len(typ) > len(prefix) && strings.HasPrefix(typ, prefix)
	}
	return pattern == typ
}

// Errors of the validators, for errors.Is.
var (
	ErrInvalidPattern = errors.New("invalid event type pattern")
	ErrInvalidURL     = errors.New("invalid webhook url")
	ErrNonPublicURL   = errors.New("webhook url is not on a public address")
)

const maxPatternLen = 200

// ValidatePattern accepts "*" (every event), an exact event type such as
// "xentri.lead.created.v1", or a prefix of whole segments followed by ".*"
// such as "xentri.lead.*" or "xentri.*" (one or more further segments).
// Segments are lowercase letters, digits, '_' and '-'.
func ValidatePattern(p string) error {
	if p == "*" {
		return nil
	}
	if p == "" || len(p) > maxPatternLen {
		return fmt.Errorf("%w: %q: empty or longer than %d", ErrInvalidPattern, p, maxPatternLen)
	}
	segs := strings.Split(p, ".")
	for i, seg := range segs {
		if seg == "*" && i == len(segs)-1 && i > 0 {
			continue
		}
		if !validSegment(seg) {
			return fmt.Errorf("%w: %q: segment %d %q (want [a-z0-9_-]+, and '*' only as the whole last segment)", ErrInvalidPattern, p, i+1, seg)
		}
	}
	return nil
}

func validSegment(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// anyAddress permits every address: operator subscriptions may point
// anywhere.
var anyAddress = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}

// ParseSubscriptions reads XENTRI_N8N_SUBSCRIPTIONS: comma-separated
// "pattern=url" entries, e.g.
//
//	xentri.lead.*=http://127.0.0.1:5678/webhook/leads,*=http://n8n:5678/webhook/all
//
// Entries are split at their first '=' (a URL may contain more); a URL that
// needs a comma must percent-encode it (%2C). Blank entries are skipped. The
// variable is operator-controlled, so URLs may point at private addresses
// (n8n usually runs beside Xentri), when made and when dialled (Operator).
// The subscriptions match every org, and
// each ID is "env-" and a hash of the entry, stable across restarts and
// reorderings so that dead letters keep naming it.
func ParseSubscriptions(env string) ([]Subscription, error) {
	var subs []Subscription
	seen := map[string]bool{}
	for i, entry := range strings.Split(env, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		pattern, rawURL, ok := strings.Cut(entry, "=")
		pattern, rawURL = strings.TrimSpace(pattern), strings.TrimSpace(rawURL)
		if !ok || pattern == "" || rawURL == "" {
			return nil, fmt.Errorf("n8n subscriptions: entry %d: want pattern=url", i+1)
		}
		if err := ValidatePattern(pattern); err != nil {
			return nil, fmt.Errorf("n8n subscriptions: entry %d: %w", i+1, err)
		}
		if err := ValidateURL(rawURL, anyAddress); err != nil {
			return nil, fmt.Errorf("n8n subscriptions: entry %d (%s): %w", i+1, pattern, err)
		}
		sum := sha256.Sum256([]byte(pattern + "=" + rawURL))
		id := "env-" + hex.EncodeToString(sum[:6])
		if seen[id] {
			return nil, fmt.Errorf("n8n subscriptions: entry %d (%s): duplicate", i+1, pattern)
		}
		seen[id] = true
		subs = append(subs, Subscription{ID: id, Pattern: pattern, URL: rawURL, Operator: true})
	}
	return subs, nil
}

// ValidateURL checks a webhook URL: http or https, a host, no userinfo and
// no fragment. The host must be public, or in allow (XENTRI_OUTBOUND_ALLOW,
// the same list the Deliverer's dialer lets through): loopback,
// private (RFC 1918, ULA), link-local, unspecified, shared (CGNAT),
// documentation and other special-purpose addresses are refused, as are
// "localhost", numeric host forms other than canonical IP literals, and
// hostnames any of whose addresses is non-public (a name with one private
// address among public ones is how DNS-based SSRF gets through). This is
// the guard for URLs users give the API; it resolves names, so it can fail
// on a DNS error, and it does not stop a name that is re-pointed after the
// check (DNS rebinding): the Deliverer's dialer checks every connection
// against the same definition (address.go) for that.
//
// Errors never repeat the URL itself, whose query may carry a secret.
func ValidateURL(raw string, allow []netip.Prefix) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%w: does not parse", ErrInvalidURL)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%w: scheme %q, want http or https", ErrInvalidURL, u.Scheme)
	}
	if u.Opaque != "" || u.Host == "" || u.Hostname() == "" {
		return fmt.Errorf("%w: no host", ErrInvalidURL)
	}
	if u.User != nil {
		return fmt.Errorf("%w: userinfo is not allowed", ErrInvalidURL)
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return fmt.Errorf("%w: a fragment is not allowed", ErrInvalidURL)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%w: port %q", ErrInvalidURL, p)
		}
	}
	return dialGuard{allow}.checkHost(strings.ToLower(u.Hostname()))
}

const resolveTimeout = 5 * time.Second

// lookupNetIP resolves names for ValidateURL; tests answer for *.test.
var lookupNetIP = net.DefaultResolver.LookupNetIP

// checkHost refuses a host that is, or resolves to, an address the guard
// does not permit.
func (g dialGuard) checkHost(host string) error {
	if g.permitsAll() {
		return nil // nothing to check, and no name to resolve now
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		if !g.permits(addr) {
			return fmt.Errorf("%w: %s", ErrNonPublicURL, host)
		}
		return nil
	}
	host = strings.TrimSuffix(host, ".")
	if (host == "localhost" || strings.HasSuffix(host, ".localhost")) && !g.permits(netip.IPv6Loopback()) && !g.permits(netip.MustParseAddr("127.0.0.1")) {
		return fmt.Errorf("%w: %s", ErrNonPublicURL, host)
	}
	// A top-level label is never numeric, so a name like "127.1", "2130706433"
	// or "0x7f.0.0.1" is an IP address in a legacy form that some resolvers
	// accept; refuse it rather than guess how the dialer reads it.
	labels := strings.Split(host, ".")
	if last := labels[len(labels)-1]; last == "" || isNumericLabel(last) {
		return fmt.Errorf("%w: host %q is not a canonical IP address or a DNS name", ErrInvalidURL, host)
	}
	ctx, cancel := context.WithTimeout(context.Background(), resolveTimeout)
	defer cancel()
	addrs, err := lookupNetIP(ctx, "ip", host)
	if err != nil {
		return fmt.Errorf("%w: resolve %s: %w", ErrInvalidURL, host, err)
	}
	if len(addrs) == 0 {
		return fmt.Errorf("%w: %s has no address", ErrInvalidURL, host)
	}
	for _, a := range addrs {
		if !g.permits(a) {
			return fmt.Errorf("%w: %s resolves to %s", ErrNonPublicURL, host, a.Unmap())
		}
	}
	return nil
}

func isNumericLabel(s string) bool {
	if h, ok := strings.CutPrefix(s, "0x"); ok {
		_, err := strconv.ParseUint(h, 16, 64)
		return h == "" || err == nil
	}
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}
