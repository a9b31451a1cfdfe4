package n8n_test

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/xentri/xentri/contracts"
	"github.com/xentri/xentri/internal/n8n"
)

func TestSubscriptionMatches(t *testing.T) {
	t.Parallel()
	const org, other = "0190f2a4-0000-7000-8000-000000000001", "0190f2a4-0000-7000-8000-000000000002"
	tests := []struct {
		subOrg, pattern string
		evOrg, evType   string
		want            bool
	}{
		{"", "*", org, "xentri.lead.created.v1", true},
		{"", "xentri.*", org, "xentri.lead.created.v1", true},
		{"", "xentri.lead.*", org, "xentri.lead.created.v1", true},
		{"", "xentri.lead.*", org, "xentri.lead.x", true},
		{"", "xentri.lead.*", org, "xentri.lead", false},       // * needs at least one segment
		{"", "xentri.lead.*", org, "xentri.leads.x.v1", false}, // whole segments only
		{"", "xentri.lead.*", org, "xentri.deal.created.v1", false},
		{"", "xentri.lead.created.v1", org, "xentri.lead.created.v1", true},
		{"", "xentri.lead.created.v1", org, "xentri.lead.created.v2", false},
		{"", "xentri.lead.created", org, "xentri.lead.created.v1", false}, // exact means exact
		{"", "*", org, "", false},
		{org, "xentri.lead.*", org, "xentri.lead.created.v1", true},
		{org, "xentri.lead.*", other, "xentri.lead.created.v1", false},
		{org, "*", other, "xentri.lead.created.v1", false},
		{"", "*", other, "xentri.lead.created.v1", true}, // env subscriptions see every org
	}
	for _, tt := range tests {
		s := n8n.Subscription{ID: "s", OrgID: tt.subOrg, Pattern: tt.pattern, URL: "http://127.0.0.1/"}
		got := s.Matches(contracts.Envelope{ID: "e", OrgID: tt.evOrg, Type: tt.evType})
		if got != tt.want {
			t.Errorf("sub{org %q, %q}.Matches(org %q, %q) = %v, want %v", tt.subOrg, tt.pattern, tt.evOrg, tt.evType, got, tt.want)
		}
	}
}

func TestValidatePattern(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"*", "xentri.*", "xentri.lead.*", "xentri.lead.created.v1", "xentri.ai_run.done-x.v2"} {
		if err := n8n.ValidatePattern(p); err != nil {
			t.Errorf("ValidatePattern(%q) = %v, want nil", p, err)
		}
	}
	for _, p := range []string{"", "**", ".*", "xentri.", "xentri..lead", "xentri.*.created", "xentri.lead*", "*.lead", "Xentri.Lead.*", "xentri lead", "xentri.lead.?"} {
		if err := n8n.ValidatePattern(p); !errors.Is(err, n8n.ErrInvalidPattern) {
			t.Errorf("ValidatePattern(%q) = %v, want ErrInvalidPattern", p, err)
		}
	}
}

func TestParseSubscriptions(t *testing.T) {
	t.Parallel()
	t.Run("good", func(t *testing.T) {
		t.Parallel()
		subs, err := n8n.ParseSubscriptions(" xentri.lead.*=http://127.0.0.1:5678/webhook/leads , *=http://n8n:5678/webhook/all?token=a=b,")
		if err != nil {
			t.Fatal(err)
		}
		want := []n8n.Subscription{
			{Pattern: "xentri.lead.*", URL: "http://127.0.0.1:5678/webhook/leads"},
			{Pattern: "*", URL: "http://n8n:5678/webhook/all?token=a=b"},
		}
		if len(subs) != len(want) {
			t.Fatalf("got %d subscriptions %+v, want %d", len(subs), subs, len(want))
		}
		for i, s := range subs {
			if s.Pattern != want[i].Pattern || s.URL != want[i].URL || s.OrgID != "" || s.ID == "" || !s.Operator {
				t.Errorf("subscription %d = %+v, want pattern %q url %q, all orgs, an id, the operator's", i, s, want[i].Pattern, want[i].URL)
			}
		}
		if subs[0].ID == subs[1].ID {
			t.Errorf("both subscriptions have id %q", subs[0].ID)
		}
		again, _ := n8n.ParseSubscriptions("*=http://n8n:5678/webhook/all?token=a=b")
		if again[0].ID != subs[1].ID {
			t.Errorf("id of the same entry changed with its position: %q, then %q", subs[1].ID, again[0].ID)
		}
	})
	t.Run("empty", func(t *testing.T) {
		t.Parallel()
		for _, env := range []string{"", "  ", ","} {
			subs, err := n8n.ParseSubscriptions(env)
			if err != nil || len(subs) != 0 {
				t.Errorf("ParseSubscriptions(%q) = %v, %v; want none, nil", env, subs, err)
			}
		}
	})
	for _, tt := range []struct{ name, env string }{
		{"bad pattern", "xentri.*.x=http://127.0.0.1:5678/webhook/a"},
		{"bad url", "xentri.lead.*=ftp://127.0.0.1/a"},
		{"url with userinfo", "xentri.lead.*=http://u:p@127.0.0.1/a"},
		{"no url", "xentri.lead.*"},
		{"no pattern", "=http://127.0.0.1/a"},
		{"one bad among good", "*=http://127.0.0.1/a,xentri.lead.*=not a url"},
		{"duplicate", "*=http://127.0.0.1/a,*=http://127.0.0.1/a"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if subs, err := n8n.ParseSubscriptions(tt.env); err == nil {
				t.Errorf("ParseSubscriptions(%q) = %+v, nil; want an error", tt.env, subs)
			}
		})
	}
}

func TestValidateURL(t *testing.T) {
	t.Parallel()
	type want int
	const (
		ok want = iota
		invalid
		nonPublic
	)
	tests := []struct {
		url          string
		allowPrivate bool
		want         want
	}{
		{"http://127.0.0.1:5678/webhook/x", true, ok},
		{"http://127.0.0.1:5678/webhook/x", false, nonPublic},
		{"http://n8n:5678/webhook/x", true, ok},
		{"https://93.184.215.14/webhook/x?token=1", false, ok},
		{"https://[2606:4700::1111]/hook", false, ok},
		{"https://public.test/hook", false, ok},
		{"HTTPS://public.test/hook", false, ok},
		{"http://10.0.0.1/", false, nonPublic},
		{"http://172.16.3.4/", false, nonPublic},
		{"http://192.168.1.1/", false, nonPublic},
		{"http://169.254.169.254/latest/meta-data/", false, nonPublic},
		{"http://[::1]/", false, nonPublic},
		{"http://[::1]/", true, ok},
		{"http://[fd00::1]/", false, nonPublic},
		{"http://[fe80::1%25eth0]/", false, nonPublic},
		{"http://[::ffff:127.0.0.1]/", false, nonPublic},
		{"http://[::ffff:a9fe:a9fe]/", false, nonPublic},
		{"http://0.0.0.0/", false, nonPublic},
		{"http://[::]/", false, nonPublic},
		{"http://100.100.100.200/", false, nonPublic},
		{"http://224.0.0.1/", false, nonPublic},
		{"http://localhost:5678/", false, nonPublic},
		{"http://n8n.localhost/", false, nonPublic},
		{"http://private.test/", false, nonPublic},
		{"http://mixed.test/", false, nonPublic},
		{"http://mapped.test/", false, nonPublic},
		{"http://127.1/", false, invalid},
		{"http://2130706433/", false, invalid},
		{"http://0x7f.0.0.1/", false, invalid},
		{"ftp://93.184.215.14/", false, invalid},
		{"ftp://127.0.0.1/", true, invalid},
		{"javascript:alert(1)", true, invalid},
		{"http://user:pass@93.184.215.14/", false, invalid},
		{"http://user:pass@127.0.0.1/", true, invalid},
		{"http://93.184.215.14/hook#frag", false, invalid},
		{"http://93.184.215.14/hook#", false, invalid},
		{"http:///nohost", true, invalid},
		{"/relative/path", true, invalid},
		{"http://93.184.215.14:99999/", false, invalid},
		{"http://host.invalid-ünïcode\x7f/", true, invalid},
	}
	for _, tt := range tests {
		var allow []netip.Prefix
		if tt.allowPrivate {
			allow = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}
		}
		err := n8n.ValidateURL(tt.url, allow)
		var got want
		switch {
		case err == nil:
			got = ok
		case errors.Is(err, n8n.ErrNonPublicURL):
			got = nonPublic
		case errors.Is(err, n8n.ErrInvalidURL):
			got = invalid
		default:
			t.Errorf("ValidateURL(%q, %v) = %v: neither ErrInvalidURL nor ErrNonPublicURL", tt.url, tt.allowPrivate, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ValidateURL(%q, allowPrivate=%v) = %v; want %s", tt.url, tt.allowPrivate, err, [...]string{"ok", "ErrInvalidURL", "ErrNonPublicURL"}[tt.want])
		}
	}
}

// TestValidateURLHonoursTheAllowList: a URL in an allowed private range is
// accepted when made, as the dialer would let it through; another private
// range is still refused.
func TestValidateURLHonoursTheAllowList(t *testing.T) {
	t.Parallel()
	allow := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	if err := n8n.ValidateURL("http://10.1.2.3:5678/webhook/x", allow); err != nil {
		t.Errorf("an allowed private address: %v", err)
	}
	for _, u := range []string{"http://192.168.1.1/webhook/x", "http://localhost:5678/webhook/x", "http://169.254.169.254/latest"} {
		if err := n8n.ValidateURL(u, allow); !errors.Is(err, n8n.ErrNonPublicURL) {
			t.Errorf("ValidateURL(%q) = %v, want ErrNonPublicURL", u, err)
		}
	}
}
