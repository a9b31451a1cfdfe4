package n8n

import (
	"context"
	"net"
	"net/netip"
	"time"
)

// SetClock makes s read the time from now.
func (s *Signer) SetClock(now func() time.Time) { s.now = now }

// Permits is whether the Deliverer's dialer, allowing allow, connects to a.
func Permits(allow []netip.Prefix, a netip.Addr) bool { return dialGuard{allow: allow}.permits(a) }

// fakeDNS answers for names under .test (RFC 2606), so the SSRF guard's
// name checks run without a network; other names go to the real resolver.
var fakeDNS = map[string][]netip.Addr{
	"public.test":  {netip.MustParseAddr("93.184.215.14"), netip.MustParseAddr("2606:2800:21f:cb07:6820:80da:af6b:8b2c")},
	"private.test": {netip.MustParseAddr("10.1.2.3")},
	"mixed.test":   {netip.MustParseAddr("93.184.215.14"), netip.MustParseAddr("127.0.0.1")},
	"mapped.test":  {netip.MustParseAddr("::ffff:169.254.169.254")},
}

func init() {
	lookupNetIP = func(ctx context.Context, network, host string) ([]netip.Addr, error) {
		if addrs, ok := fakeDNS[host]; ok {
			return addrs, nil
		}
		return net.DefaultResolver.LookupNetIP(ctx, network, host)
	}
}
