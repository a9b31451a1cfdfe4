package n8n_test

import (
	"context"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/xentri/xentri/internal/n8n"
)

func loopback() []netip.Prefix {
	return []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
}

func TestDialerPermitsPublicAndAllowedAddressesOnly(t *testing.T) {
	t.Parallel()
	lo := loopback()
	for _, tt := range []struct {
		addr  string
		allow []netip.Prefix
		want  bool
	}{
		{"93.184.215.14", nil, true},
		{"2606:2800:21f:cb07:6820:80da:af6b:8b2c", nil, true},
		{"::ffff:93.184.215.14", nil, true},
		{"127.0.0.1", nil, false},
		{"127.8.9.10", nil, false},
		{"::1", nil, false},
		{"::ffff:127.0.0.1", nil, false},
		{"10.1.2.3", nil, false},
		{"172.16.0.1", nil, false},
		{"192.168.1.1", nil, false},
		{"::ffff:10.1.2.3", nil, false},
		{"fc00::1", nil, false},
		{"fd12:3456::1", nil, false},
		{"169.254.169.254", nil, false}, // cloud metadata
		{"::ffff:169.254.169.254", nil, false},
		{"fe80::1", nil, false},
		{"fe80::1%eth0", nil, false},
		{"100.64.0.1", nil, false}, // CGNAT
		{"0.0.0.0", nil, false},
		{"::", nil, false},
		{"224.0.0.1", nil, false},
		{"ff02::1", nil, false},
		{"255.255.255.255", nil, false},
		{"64:ff9b::7f00:1", nil, false}, // NAT64 of 127.0.0.1
		{"2002:7f00:1::", nil, false},   // 6to4 of 127.0.0.1
		{"127.0.0.1", lo, true},
		{"127.8.9.10", lo, true},
		{"::1", lo, true},
		{"::ffff:127.0.0.1", lo, true},
		{"10.1.2.3", lo, false},
		{"169.254.169.254", lo, false},
		{"10.1.2.3", []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}, true},
		{"10.2.0.1", []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}, false},
		{"93.184.215.14", lo, true},
	} {
		if got := n8n.Permits(tt.allow, netip.MustParseAddr(tt.addr)); got != tt.want {
			t.Errorf("Permits(%v, %s) = %v, want %v", tt.allow, tt.addr, got, tt.want)
		}
	}
}

// TestDeliverRefusesNonPublicAddressesWhenDialling: a subscription whose
// host is, or resolves to, loopback is refused when the connection is made,
// whatever was checked when it was created; no request reaches the
// receiver, and the failure is one dead letter, with no retries.
func TestDeliverRefusesNonPublicAddressesWhenDialling(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, host string }{
		{"name resolving to loopback", "localhost"},
		{"loopback literal", "127.0.0.1"},
		{"IPv4-mapped loopback literal", "[::ffff:127.0.0.1]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, b := setup(t, func(c *n8n.DelivererConfig) { c.Allow = nil })
			rc := newReceiver(t, status(http.StatusOK, "ok"))
			u := "http://" + tt.host + ":" + port(t, rc.URL) + "/webhook/leads?token=s3cret"
			e := testEnvelope()
			if err := d.Deliver(context.Background(), sub(u), e); err != nil {
				t.Fatalf("Deliver = %v, want nil once dead-lettered", err)
			}
			if n := len(rc.Hits()); n != 0 {
				t.Fatalf("receiver on loopback got %d requests, want none", n)
			}
			dls := b.deadLetters(t)
			if len(dls) != 1 {
				t.Fatalf("%d dead letters, want 1", len(dls))
			}
			dl := dls[0]
			if dl.Attempts != 1 || dl.Status != 0 || dl.EventID != e.ID {
				t.Errorf("dead letter = %+v; want 1 attempt, no status, the event", dl)
			}
			if !strings.Contains(dl.Error, n8n.ErrNonPublicURL.Error()) || !strings.Contains(dl.Error, "not in the allow-list") ||
				strings.Contains(dl.Error, "s3cret") {
				t.Errorf("error = %q; want it to say the address is not public nor allowed, without the query", dl.Error)
			}
		})
	}
}

func TestDeliverReachesAllowedNonPublicAddresses(t *testing.T) {
	t.Parallel()
	d, b := setup(t, func(c *n8n.DelivererConfig) { c.Allow = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")} })
	rc := newReceiver(t, status(http.StatusOK, "ok"))
	if err := d.Deliver(context.Background(), sub("http://localhost:"+port(t, rc.URL)+"/webhook/leads"), testEnvelope()); err != nil {
		t.Fatal(err)
	}
	if n := len(rc.Hits()); n != 1 {
		t.Errorf("receiver got %d requests, want 1", n)
	}
	if dls := b.deadLetters(t); len(dls) != 0 {
		t.Errorf("dead letters: %+v", dls)
	}
}

// TestDeliverTrustsOperatorSubscriptions: XENTRI_N8N_SUBSCRIPTIONS may name
// n8n on a private address, and needs no allow-list entry for it (which
// would open that range to every org's subscriptions too).
func TestDeliverTrustsOperatorSubscriptions(t *testing.T) {
	t.Parallel()
	d, b := setup(t, func(c *n8n.DelivererConfig) { c.Allow = nil })
	rc := newReceiver(t, status(http.StatusOK, "ok"))
	subs, err := n8n.ParseSubscriptions("xentri.lead.*=" + rc.URL + "/webhook/leads")
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Deliver(context.Background(), subs[0], testEnvelope()); err != nil {
		t.Fatal(err)
	}
	if n := len(rc.Hits()); n != 1 {
		t.Errorf("receiver got %d requests, want 1", n)
	}
	if dls := b.deadLetters(t); len(dls) != 0 {
		t.Errorf("dead letters: %+v", dls)
	}
}

func port(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil || u.Port() == "" {
		t.Fatalf("no port in %q: %v", raw, err)
	}
	return u.Port()
}
