package integrations_test

import (
	"context"
	"errors"
	"net/netip"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/xentri/xentri/internal/testenv"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/integrations"
	"github.com/xentri/xentri/services/paging"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// testBundle is what an integrations test works with besides the service:
// the database (the owner pool to arrange and inspect, bypassing RLS) and
// an org of its own with an owner.
type testBundle struct {
	db    *testenv.Database
	org   uuid.UUID
	owner access.Membership
}

// allowed is the one private range the tests' deployment lets webhooks
// reach (XENTRI_OUTBOUND_ALLOW=10.20.0.0/16).
var allowed = netip.MustParsePrefix("10.20.0.0/16")

// setup returns the subscription service with allowed as its allow-list,
// and a fresh org.
func setup(t *testing.T) (*integrations.Service, *testBundle) {
	t.Helper()
	d := testenv.DB(t)
	org, user := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	ctx := context.Background()
	if _, err := d.Owner.Exec(ctx, `INSERT INTO orgs (id, name) VALUES ($1, 'test org')`, org); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Owner.Exec(ctx, `INSERT INTO users (id, email) VALUES ($1, $2)`, user, user.String()+"@example.test"); err != nil {
		t.Fatal(err)
	}
	return &integrations.Service{Outbound: []netip.Prefix{allowed}}, &testBundle{db: d, org: org,
		owner: access.Membership{OrgID: org, Role: access.RoleOwner, Principal: access.Principal{UserID: user}}}
}

func (b *testBundle) create(svc *integrations.Service, m access.Membership, pattern, url string) (integrations.Subscription, error) {
	var sub integrations.Subscription
	err := b.db.App.InTenant(context.Background(), b.org, func(ctx context.Context, tx pgx.Tx) (err error) {
		sub, err = svc.Create(ctx, tx, m, pattern, url)
		return err
	})
	return sub, err
}

func (b *testBundle) list(t *testing.T, svc *integrations.Service, page paging.Page) ([]integrations.Subscription, string) {
	t.Helper()
	var (
		subs []integrations.Subscription
		next string
	)
	err := b.db.App.InTenant(context.Background(), b.org, func(ctx context.Context, tx pgx.Tx) (err error) {
		subs, next, err = svc.List(ctx, tx, b.owner, page)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return subs, next
}

func (b *testBundle) delete(svc *integrations.Service, m access.Membership, id uuid.UUID) error {
	return b.db.App.InTenant(context.Background(), b.org, func(ctx context.Context, tx pgx.Tx) error {
		return svc.Delete(ctx, tx, m, id)
	})
}

func (b *testBundle) count(t *testing.T) int {
	t.Helper()
	var n int
	if err := b.db.Owner.QueryRow(context.Background(), `SELECT count(*) FROM n8n_subscriptions WHERE org_id = $1`, b.org).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestASubscriptionURLMustBeReachableAndAllowed: public addresses and the
// allow-listed private range are accepted; loopback, other private ranges
// and malformed URLs are refused naming the url, and nothing is stored.
// Hosts are IP literals, so nothing is resolved.
func TestASubscriptionURLMustBeReachableAndAllowed(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	for _, url := range []string{
		"https://93.184.215.14/webhook/leads",
		"http://10.20.3.4:5678/webhook/leads", // the allow-listed private n8n
	} {
		sub, err := b.create(svc, b.owner, "xentri.lead.*", url)
		if err != nil || sub.URL != url || sub.Pattern != "xentri.lead.*" {
			t.Errorf("subscribe %s: %+v, %v", url, sub, err)
		}
	}
	const nonPublic, malformed = "must be a public http(s) address", "must be an http(s) URL without credentials or fragment"
	tests := []struct {
		url, why string
	}{
		{"http://127.0.0.1:5678/webhook/x", nonPublic},
		{"http://[::1]:5678/webhook/x", nonPublic},
		{"http://localhost:5678/webhook/x", nonPublic},
		{"http://10.21.0.1/webhook/x", nonPublic}, // private, next to the allowed range
		{"http://192.168.1.10/webhook/x", nonPublic},
		{"http://169.254.169.254/latest/meta-data", nonPublic}, // cloud metadata
		{"ftp://93.184.215.14/x", malformed},
		{"https://user:pw@93.184.215.14/x", malformed},
		{"https://93.184.215.14/x#frag", malformed},
		{"not a url", malformed},
	}
	for _, tt := range tests {
		_, err := b.create(svc, b.owner, "xentri.lead.*", tt.url)
		var se *services.Error
		if !errors.As(err, &se) || se.Code != services.Invalid || se.Fields["url"] != tt.why {
			t.Errorf("subscribe %s: %v, want invalid: url %s", tt.url, err, tt.why)
		}
	}
	_, err := b.create(svc, b.owner, "xentri.*.created", "https://93.184.215.14/webhook/other")
	var se *services.Error
	if !errors.As(err, &se) || se.Code != services.Invalid || se.Fields["pattern"] == "" {
		t.Errorf("a wildcard in the middle: %v, want invalid naming pattern", err)
	}
	if n := b.count(t); n != 2 {
		t.Fatalf("%d subscriptions stored, want the 2 accepted", n)
	}
}

// TestWithoutAnAllowListOnlyPublicAddresses: the production default (no
// XENTRI_OUTBOUND_ALLOW) refuses the private n8n another deployment allows.
func TestWithoutAnAllowListOnlyPublicAddresses(t *testing.T) {
	t.Parallel()
	_, b := setup(t)
	_, err := b.create(&integrations.Service{}, b.owner, "*", "http://10.20.3.4:5678/webhook/leads")
	if services.ErrorCode(err) != services.Invalid {
		t.Fatalf("a private URL with no allow-list: %v, want invalid", err)
	}
}

// TestSubscriptionsAreListedPagedAndDeleted covers the round trip, a
// duplicate, paging, not-found and who may manage subscriptions.
func TestSubscriptionsAreListedPagedAndDeleted(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	var made []uuid.UUID
	for _, pattern := range []string{"xentri.lead.created.v1", "xentri.lead.*", "*"} {
		sub, err := b.create(svc, b.owner, pattern, "https://93.184.215.14/webhook/a")
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, sub.ID)
	}
	_, err := b.create(svc, b.owner, "*", "https://93.184.215.14/webhook/a")
	if services.ErrorCode(err) != services.Conflict {
		t.Errorf("the same URL and pattern again: %v, want conflict", err)
	}

	first, next := b.list(t, svc, paging.Page{Limit: 2})
	if len(first) != 2 || next == "" {
		t.Fatalf("first page: %d items, next %q; want 2 and a cursor", len(first), next)
	}
	after, err := paging.DecodeCursor(next)
	if err != nil {
		t.Fatal(err)
	}
	rest, next := b.list(t, svc, paging.Page{Limit: 2, After: &after})
	if len(rest) != 1 || next != "" {
		t.Fatalf("second page: %d items, next %q; want 1 and no cursor", len(rest), next)
	}
	var got []uuid.UUID
	for _, s := range append(first, rest...) {
		got = append(got, s.ID)
	}
	if len(got) != 3 || got[0] != made[0] || got[1] != made[1] || got[2] != made[2] {
		t.Fatalf("paged ids %v, want %v in order", got, made)
	}

	member := b.owner
	member.Role = access.RoleMember
	reader := access.Membership{OrgID: b.org, Principal: access.Principal{Token: &access.TokenPrincipal{
		ID: uuid.New(), OrgID: b.org, Scopes: []string{access.ScopeIntegrationsRead}}}}
	if err := b.delete(svc, member, made[0]); services.ErrorCode(err) != services.Forbidden {
		t.Errorf("a member deleting: %v, want forbidden", err)
	}
	if _, err := b.create(svc, reader, "*", "https://93.184.215.14/webhook/b"); services.ErrorCode(err) != services.Forbidden {
		t.Errorf("an integrations:read token subscribing: %v, want forbidden", err)
	}
	writer := reader
	writer.Principal.Token = &access.TokenPrincipal{ID: uuid.New(), OrgID: b.org, Scopes: []string{access.ScopeIntegrationsWrite}}
	if _, err := b.create(svc, writer, "*", "https://93.184.215.14/webhook/n8n"); err != nil {
		t.Errorf("an integrations:write token (n8n registering itself): %v", err)
	}

	if err := b.delete(svc, b.owner, made[0]); err != nil {
		t.Fatal(err)
	}
	if err := b.delete(svc, b.owner, made[0]); !errors.Is(err, integrations.ErrNoSubscription) {
		t.Fatalf("deleting twice: %v, want ErrNoSubscription", err)
	}
	if n := b.count(t); n != 3 {
		t.Fatalf("%d subscriptions left, want 3", n)
	}
}

// TestAnotherOrgsSubscriptionsAreInvisible: from org B's tenant, org A's
// subscription is neither listed nor deleted.
func TestAnotherOrgsSubscriptionsAreInvisible(t *testing.T) {
	t.Parallel()
	svc, a := setup(t)
	_, b := setup(t)
	sub, err := a.create(svc, a.owner, "*", "https://93.184.215.14/webhook/a")
	if err != nil {
		t.Fatal(err)
	}
	intruder := access.Membership{OrgID: a.org, Role: access.RoleOwner, Principal: b.owner.Principal}
	err = b.db.App.InTenant(context.Background(), b.org, func(ctx context.Context, tx pgx.Tx) error {
		subs, _, err := svc.List(ctx, tx, intruder, paging.Page{Limit: 10})
		if err != nil || len(subs) != 0 {
			t.Errorf("A's subscriptions seen from B: %+v, %v", subs, err)
		}
		if err := svc.Delete(ctx, tx, intruder, sub.ID); !errors.Is(err, integrations.ErrNoSubscription) {
			t.Errorf("deleting A's subscription from B: %v, want ErrNoSubscription", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := a.count(t); n != 1 {
		t.Fatalf("A has %d subscriptions after B's attempt, want 1", n)
	}
}
