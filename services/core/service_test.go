package core_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"

	"github.com/xentri/xentri/internal/auth"
	"github.com/xentri/xentri/internal/auth/local"
	"github.com/xentri/xentri/internal/events"
	"github.com/xentri/xentri/internal/testenv"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/core"
	"github.com/xentri/xentri/services/paging"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const password = "correct horse battery staple"

// testBundle is what a core test works with besides the service: the
// database (the owner pool to arrange and inspect, bypassing RLS) and an
// org of its own, made by signing up, with its owner.
type testBundle struct {
	db    *testenv.Database
	org   uuid.UUID
	owner access.Membership
	email string
}

// setup returns the core service on the real Postgres with the local
// identity provider, and an owner who has just signed up.
func setup(t *testing.T) (*core.Service, *testBundle) {
	t.Helper()
	d := testenv.DB(t)
	issuer, err := auth.NewIssuer([]byte("a test secret of at least thirty-two bytes"), "xentri", 15*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	provider, err := local.New(d.App, issuer)
	if err != nil {
		t.Fatal(err)
	}
	svc := &core.Service{DB: d.App, Auth: provider, Events: &events.Writer{Log: zerolog.Nop()}, Log: zerolog.Nop()}
	email := "owner-" + uuid.NewString() + "@example.test"
	sess, org, err := svc.SignUp(context.Background(), core.SignUpInput{Email: email, Password: password, OrgName: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	return svc, &testBundle{db: d, org: org.ID, email: email,
		owner: access.Membership{OrgID: org.ID, Role: access.RoleOwner, Principal: access.Principal{UserID: sess.User.ID}}}
}

// user stores a user who exists here but belongs to no org yet (someone
// who signed up elsewhere), to be added as a member.
func (b *testBundle) user(t *testing.T) (uuid.UUID, string) {
	t.Helper()
	id := uuid.Must(uuid.NewV7())
	email := "user-" + id.String() + "@example.test"
	if _, err := b.db.Owner.Exec(context.Background(), `INSERT INTO users (id, email) VALUES ($1, $2)`, id, email); err != nil {
		t.Fatal(err)
	}
	return id, email
}

// inTenant runs fn in one tenant transaction of org, as the org gate would,
// and returns its error.
func (b *testBundle) inTenant(org uuid.UUID, fn func(ctx context.Context, tx pgx.Tx) error) error {
	return b.db.App.InTenant(context.Background(), org, fn)
}

// as is the membership of user in the bundle's org with role.
func (b *testBundle) as(user uuid.UUID, role access.Role) access.Membership {
	return access.Membership{OrgID: b.org, Role: role, Principal: access.Principal{UserID: user}}
}

// roleOf reads a member's role as stored ("" when not a member).
func (b *testBundle) roleOf(t *testing.T, user uuid.UUID) string {
	t.Helper()
	var role string
	err := b.db.Owner.QueryRow(context.Background(), `SELECT role FROM org_members WHERE org_id = $1 AND user_id = $2`, b.org, user).Scan(&role)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		t.Fatal(err)
	}
	return role
}

func wantCode(t *testing.T, what string, err error, code services.Code) {
	t.Helper()
	if services.ErrorCode(err) != code {
		t.Errorf("%s: %v, want %s", what, err, code)
	}
}

// TestSignUpMakesTheCallerOwner: the first org and every org made later
// list the caller as owner, and a second sign-up with the address is a
// conflict that leaves no second account behind.
func TestSignUpMakesTheCallerOwner(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	ctx := context.Background()
	if role := b.roleOf(t, b.owner.Principal.UserID); role != "owner" {
		t.Fatalf("sign-up stored role %q, want owner", role)
	}
	second, err := svc.CreateOrg(ctx, b.owner.Principal, "  Second  ")
	if err != nil || second.Role != access.RoleOwner || second.Name != "Second" {
		t.Fatalf("CreateOrg = %+v, %v; want owner of \"Second\"", second, err)
	}
	user, orgs, err := svc.Me(ctx, b.owner.Principal.UserID)
	if err != nil {
		t.Fatal(err)
	}
	ids := []uuid.UUID{}
	for _, o := range orgs {
		if o.Role != access.RoleOwner {
			t.Errorf("org %s: role %s, want owner", o.Name, o.Role)
		}
		ids = append(ids, o.ID)
	}
	if user.Email != b.email || !slices.Contains(ids, b.org) || !slices.Contains(ids, second.ID) || len(ids) != 2 {
		t.Fatalf("Me = %s in %v, want %s in %s and %s", user.Email, ids, b.email, b.org, second.ID)
	}
	var created int
	_ = b.db.Owner.QueryRow(ctx, `SELECT count(*) FROM system_events WHERE org_id = $1 AND type = 'xentri.org.created.v1'`, second.ID).Scan(&created)
	if created != 1 {
		t.Errorf("%d org.created events for the new org, want 1", created)
	}

	wantCode(t, "an org without a name", func() error { _, err := svc.CreateOrg(ctx, b.owner.Principal, " "); return err }(), services.Invalid)
	token := access.Principal{Token: &access.TokenPrincipal{ID: uuid.New(), OrgID: b.org, Scopes: access.Scopes()}}
	wantCode(t, "an org made by a token", func() error { _, err := svc.CreateOrg(ctx, token, "x"); return err }(), services.Forbidden)

	_, _, err = svc.SignUp(ctx, core.SignUpInput{Email: b.email, Password: password})
	wantCode(t, "a second sign-up with the address", err, services.Conflict)
	var users int
	_ = b.db.Owner.QueryRow(ctx, `SELECT count(*) FROM users WHERE lower(email) = lower($1)`, b.email).Scan(&users)
	if users != 1 {
		t.Errorf("%d users with the address, want 1", users)
	}
	_, err = svc.SignIn(ctx, b.email, "not the password at all")
	wantCode(t, "a wrong password", err, services.Unauthenticated)
	if _, err := svc.SignIn(ctx, b.email, password); err != nil {
		t.Errorf("the right password: %v", err)
	}
}

// TestMembersAreManagedByOwnersAndAdmins covers adding, changing and
// removing members, and who may do which.
func TestMembersAreManagedByOwnersAndAdmins(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	adminID, adminEmail := b.user(t)
	memberID, memberEmail := b.user(t)
	add := func(m access.Membership, email string, role access.Role) (core.Member, error) {
		var got core.Member
		err := b.inTenant(b.org, func(ctx context.Context, tx pgx.Tx) (err error) {
			got, err = svc.AddMember(ctx, tx, m, email, role)
			return err
		})
		return got, err
	}
	if m, err := add(b.owner, " "+adminEmail+" ", access.RoleAdmin); err != nil || m.UserID != adminID || m.Role != access.RoleAdmin {
		t.Fatalf("owner adds an admin: %+v, %v", m, err)
	}
	admin := b.as(adminID, access.RoleAdmin)
	if _, err := add(admin, memberEmail, access.RoleMember); err != nil {
		t.Fatalf("admin adds a member: %v", err)
	}
	member := b.as(memberID, access.RoleMember)

	_, err := add(b.owner, memberEmail, access.RoleMember)
	wantCode(t, "adding a member twice", err, services.Conflict)
	_, err = add(b.owner, "nobody-"+uuid.NewString()+"@example.test", access.RoleMember)
	var se *services.Error
	if !errors.As(err, &se) || se.Code != services.NotFound || se.Fields["email"] == "" {
		t.Errorf("adding an unknown address: %v, want not found naming email", err)
	}
	otherID, otherEmail := b.user(t)
	_, err = add(admin, otherEmail, access.RoleOwner)
	wantCode(t, "an admin making an owner", err, services.Forbidden)
	_, err = add(member, otherEmail, access.RoleMember)
	wantCode(t, "a member adding someone", err, services.Forbidden)
	if role := b.roleOf(t, otherID); role != "" {
		t.Errorf("a refused add left role %q", role)
	}

	update := func(m access.Membership, user uuid.UUID, role access.Role) error {
		return b.inTenant(b.org, func(ctx context.Context, tx pgx.Tx) error {
			_, err := svc.UpdateMember(ctx, tx, m, user, role)
			return err
		})
	}
	remove := func(m access.Membership, user uuid.UUID) error {
		return b.inTenant(b.org, func(ctx context.Context, tx pgx.Tx) error { return svc.RemoveMember(ctx, tx, m, user) })
	}
	wantCode(t, "a member removing another", remove(member, adminID), services.Forbidden)
	if err := update(admin, memberID, access.RoleAdmin); err != nil {
		t.Fatalf("admin promotes a member to admin: %v", err)
	}
	if role := b.roleOf(t, memberID); role != "admin" {
		t.Fatalf("role after update %q, want admin", role)
	}
	wantCode(t, "an admin demoting the owner", update(admin, b.owner.Principal.UserID, access.RoleMember), services.Forbidden)
	wantCode(t, "an admin removing the owner", remove(admin, b.owner.Principal.UserID), services.Forbidden)
	err = update(b.owner, uuid.New(), access.RoleMember)
	if !errors.Is(err, core.ErrNoMember) {
		t.Errorf("updating a stranger: %v, want ErrNoMember", err)
	}
	if err := remove(b.owner, uuid.New()); !errors.Is(err, core.ErrNoMember) {
		t.Errorf("removing a stranger: %v, want ErrNoMember", err)
	}

	// Anyone may leave.
	if err := remove(b.as(memberID, access.RoleAdmin), memberID); err != nil {
		t.Fatalf("leaving: %v", err)
	}
	if role := b.roleOf(t, memberID); role != "" {
		t.Fatalf("after leaving, role %q", role)
	}
}

// TestTheLastOwnerStays: the only owner can be neither demoted nor removed,
// not even by leaving; with a second owner both are possible.
func TestTheLastOwnerStays(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	ownerID := b.owner.Principal.UserID
	secondID, secondEmail := b.user(t)
	err := b.inTenant(b.org, func(ctx context.Context, tx pgx.Tx) error {
		_, err := svc.AddMember(ctx, tx, b.owner, secondEmail, access.RoleAdmin)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	demote := func(m access.Membership, user uuid.UUID) error {
		return b.inTenant(b.org, func(ctx context.Context, tx pgx.Tx) error {
			_, err := svc.UpdateMember(ctx, tx, m, user, access.RoleAdmin)
			return err
		})
	}
	remove := func(m access.Membership, user uuid.UUID) error {
		return b.inTenant(b.org, func(ctx context.Context, tx pgx.Tx) error { return svc.RemoveMember(ctx, tx, m, user) })
	}
	wantCode(t, "demoting the only owner", demote(b.owner, ownerID), services.Conflict)
	wantCode(t, "the only owner leaving", remove(b.owner, ownerID), services.Conflict)
	if role := b.roleOf(t, ownerID); role != "owner" {
		t.Fatalf("after refusals the owner is %q", role)
	}

	err = b.inTenant(b.org, func(ctx context.Context, tx pgx.Tx) error {
		_, err := svc.UpdateMember(ctx, tx, b.owner, secondID, access.RoleOwner)
		return err
	})
	if err != nil {
		t.Fatalf("making a second owner: %v", err)
	}
	if err := demote(b.as(secondID, access.RoleOwner), ownerID); err != nil {
		t.Fatalf("with two owners, one demotes the other: %v", err)
	}
	// Now the second is the only owner again.
	wantCode(t, "the new only owner leaving", remove(b.as(secondID, access.RoleOwner), secondID), services.Conflict)
	if role := b.roleOf(t, ownerID); role != "admin" {
		t.Fatalf("the first owner is %q, want admin", role)
	}
}

// TestATokenSecretIsShownOnceAndStoredHashed: the secret authenticates
// until the token is revoked; only its SHA-256 is in the database.
func TestATokenSecretIsShownOnceAndStoredHashed(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	ctx := context.Background()
	var tok core.NewAPIToken
	err := b.inTenant(b.org, func(ctx context.Context, tx pgx.Tx) (err error) {
		tok, err = svc.CreateToken(ctx, tx, b.owner, " n8n ", []string{access.ScopeLeadsWrite, access.ScopeLeadsRead, access.ScopeLeadsRead})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok.Secret, core.TokenPrefix) || tok.Name != "n8n" ||
		!slices.Equal(tok.Scopes, []string{access.ScopeLeadsRead, access.ScopeLeadsWrite}) {
		t.Fatalf("new token = %+v", tok)
	}

	// The row holds the hash, and the secret nowhere.
	var hash []byte
	var row string
	if err := b.db.Owner.QueryRow(ctx, `SELECT token_hash, t::text FROM api_tokens t WHERE id = $1`, tok.ID).Scan(&hash, &row); err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256([]byte(tok.Secret)); !bytes.Equal(hash, sum[:]) {
		t.Errorf("stored hash is not the secret's SHA-256")
	}
	if strings.Contains(row, tok.Secret) || strings.Contains(row, strings.TrimPrefix(tok.Secret, core.TokenPrefix)) {
		t.Errorf("the secret is stored in clear: %s", row)
	}
	// Listing shows the token, not a secret (the type has none to show).
	var list []core.APIToken
	_ = b.inTenant(b.org, func(ctx context.Context, tx pgx.Tx) (err error) {
		list, _, err = svc.ListTokens(ctx, tx, b.owner, paging.Page{Limit: 10})
		return err
	})
	if len(list) != 1 || list[0].ID != tok.ID {
		t.Fatalf("ListTokens = %+v, want the one token", list)
	}

	p, err := svc.AuthenticateToken(ctx, tok.Secret)
	if err != nil || p.Token == nil || p.Token.OrgID != b.org || p.Token.ID != tok.ID || !p.Allows(access.ScopeLeadsWrite) || p.Allows(access.ScopeMembersWrite) {
		t.Fatalf("AuthenticateToken = %+v, %v", p.Token, err)
	}
	var used *time.Time
	_ = b.db.Owner.QueryRow(ctx, `SELECT last_used_at FROM api_tokens WHERE id = $1`, tok.ID).Scan(&used)
	if used == nil {
		t.Error("using the token did not note its use")
	}
	for name, secret := range map[string]string{
		"no prefix":       strings.TrimPrefix(tok.Secret, core.TokenPrefix),
		"never issued":    core.TokenPrefix + base64.RawURLEncoding.EncodeToString(append(b.org[:], make([]byte, 32)...)),
		"not base64":      core.TokenPrefix + "!!!",
		"empty":           "",
		"the nil org one": core.TokenPrefix + strings.Repeat("A", 64),
	} {
		if _, err := svc.AuthenticateToken(ctx, secret); !errors.Is(err, core.ErrBadToken) {
			t.Errorf("%s: %v, want ErrBadToken", name, err)
		}
	}

	revoke := func() error {
		return b.inTenant(b.org, func(ctx context.Context, tx pgx.Tx) error { return svc.RevokeToken(ctx, tx, b.owner, tok.ID) })
	}
	if err := revoke(); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AuthenticateToken(ctx, tok.Secret); !errors.Is(err, core.ErrBadToken) {
		t.Fatalf("a revoked token: %v, want ErrBadToken", err)
	}
	if err := revoke(); !errors.Is(err, core.ErrNoToken) {
		t.Fatalf("revoking twice: %v, want ErrNoToken", err)
	}
}

// TestOnlyManagersMakeValidTokens: members and tokens cannot make tokens,
// and a request naming an unknown scope is refused naming the field.
func TestOnlyManagersMakeValidTokens(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	create := func(m access.Membership, name string, scopes []string) error {
		return b.inTenant(b.org, func(ctx context.Context, tx pgx.Tx) error {
			_, err := svc.CreateToken(ctx, tx, m, name, scopes)
			return err
		})
	}
	member := b.as(b.owner.Principal.UserID, access.RoleMember)
	token := access.Membership{OrgID: b.org, Principal: access.Principal{Token: &access.TokenPrincipal{ID: uuid.New(), OrgID: b.org, Scopes: access.Scopes()}}}
	wantCode(t, "a member", create(member, "x", []string{access.ScopeLeadsRead}), services.Forbidden)
	wantCode(t, "a token", create(token, "x", []string{access.ScopeLeadsRead}), services.Forbidden)
	for name, c := range map[string]struct {
		name   string
		scopes []string
		field  string
	}{
		"no scope":      {"x", nil, "scopes"},
		"unknown scope": {"x", []string{"leads:delete"}, "scopes"},
		"no name":       {"  ", []string{access.ScopeLeadsRead}, "name"},
	} {
		var se *services.Error
		if err := create(b.owner, c.name, c.scopes); !errors.As(err, &se) || se.Code != services.Invalid || se.Fields[c.field] == "" {
			t.Errorf("%s: %v, want invalid naming %s", name, err, c.field)
		}
	}
	var n int
	_ = b.db.Owner.QueryRow(context.Background(), `SELECT count(*) FROM api_tokens WHERE org_id = $1`, b.org).Scan(&n)
	if n != 0 {
		t.Fatalf("%d tokens stored by refused requests", n)
	}
}

// TestAnotherOrgsRowsAreInvisible: in a tenant transaction of org B, org
// A's members and tokens do not exist, whatever org the call names.
func TestAnotherOrgsRowsAreInvisible(t *testing.T) {
	t.Parallel()
	svc, a := setup(t)
	_, b := setup(t)
	var tok core.NewAPIToken
	err := a.inTenant(a.org, func(ctx context.Context, tx pgx.Tx) (err error) {
		tok, err = svc.CreateToken(ctx, tx, a.owner, "a's", []string{access.ScopeLeadsRead})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// B's owner, calling as if a member of A, inside B's tenant.
	intruder := access.Membership{OrgID: a.org, Role: access.RoleOwner, Principal: b.owner.Principal}
	err = b.inTenant(b.org, func(ctx context.Context, tx pgx.Tx) error {
		members, _, err := svc.ListMembers(ctx, tx, intruder, paging.Page{Limit: 10})
		if err != nil || len(members) != 0 {
			t.Errorf("A's members seen from B: %+v, %v", members, err)
		}
		tokens, _, err := svc.ListTokens(ctx, tx, intruder, paging.Page{Limit: 10})
		if err != nil || len(tokens) != 0 {
			t.Errorf("A's tokens seen from B: %+v, %v", tokens, err)
		}
		if _, err := svc.MemberRole(ctx, tx, a.org, a.owner.Principal.UserID); !errors.Is(err, core.ErrNotMember) {
			t.Errorf("A's owner's role read from B: %v, want ErrNotMember", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = b.inTenant(b.org, func(ctx context.Context, tx pgx.Tx) error { return svc.RevokeToken(ctx, tx, intruder, tok.ID) })
	if !errors.Is(err, core.ErrNoToken) {
		t.Fatalf("revoking A's token from B: %v, want ErrNoToken", err)
	}
	err = b.inTenant(b.org, func(ctx context.Context, tx pgx.Tx) error {
		return svc.RemoveMember(ctx, tx, intruder, a.owner.Principal.UserID)
	})
	if services.ErrorCode(err) != services.NotFound {
		t.Fatalf("removing A's owner from B: %v, want not found", err)
	}
	if _, err := svc.AuthenticateToken(context.Background(), tok.Secret); err != nil {
		t.Fatalf("A's token after B's attempts: %v", err)
	}
	if role := a.roleOf(t, a.owner.Principal.UserID); role != "owner" {
		t.Fatalf("A's owner after B's attempts: %q", role)
	}
	// In A's own tenant the same calls see A's rows (so the empty answers
	// above are the isolation, not a broken query).
	err = a.inTenant(a.org, func(ctx context.Context, tx pgx.Tx) error {
		members, _, err := svc.ListMembers(ctx, tx, a.owner, paging.Page{Limit: 10})
		if err != nil || len(members) != 1 {
			t.Errorf("A's members in A: %+v, %v", members, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestDeleteAccount: refused while the user is the only owner of an org
// with others in it; otherwise it erases the solely owned org and the
// sign-in account.
func TestDeleteAccount(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	ctx := context.Background()
	_, otherEmail := b.user(t)
	err := b.inTenant(b.org, func(ctx context.Context, tx pgx.Tx) error {
		_, err := svc.AddMember(ctx, tx, b.owner, otherEmail, access.RoleMember)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, "the only owner of a shared org", svc.DeleteAccount(ctx, b.owner.Principal), services.Conflict)
	token := access.Principal{Token: &access.TokenPrincipal{ID: uuid.New(), OrgID: b.org}}
	wantCode(t, "a token", svc.DeleteAccount(ctx, token), services.Forbidden)

	solo, err := svc.CreateOrg(ctx, b.owner.Principal, "solo")
	if err != nil {
		t.Fatal(err)
	}
	// Once the others are gone, the account may go, with both orgs.
	err = b.inTenant(b.org, func(ctx context.Context, tx pgx.Tx) error {
		return svc.RemoveMember(ctx, tx, b.owner, mustUserID(t, b, otherEmail))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.DeleteAccount(ctx, b.owner.Principal); err != nil {
		t.Fatal(err)
	}
	var orgs, users int
	_ = b.db.Owner.QueryRow(ctx, `SELECT count(*) FROM orgs WHERE id = ANY($1)`, []uuid.UUID{b.org, solo.ID}).Scan(&orgs)
	_ = b.db.Owner.QueryRow(ctx, `SELECT count(*) FROM users WHERE id = $1`, b.owner.Principal.UserID).Scan(&users)
	if orgs != 0 || users != 0 {
		t.Fatalf("after deletion: %d orgs, %d users left", orgs, users)
	}
	if _, err := svc.SignIn(ctx, b.email, password); services.ErrorCode(err) != services.Unauthenticated {
		t.Fatalf("signing in after deletion: %v, want unauthenticated", err)
	}
}

func mustUserID(t *testing.T, b *testBundle, email string) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	if err := b.db.Owner.QueryRow(context.Background(), `SELECT id FROM users WHERE email = $1`, email).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}
