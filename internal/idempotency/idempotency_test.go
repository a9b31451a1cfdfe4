package idempotency_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/xentri/xentri/internal/idempotency"
	"github.com/xentri/xentri/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const staleAfter = 2 * time.Minute

// testBundle is what an idempotency test works with besides the store: the
// database (the owner pool to arrange and inspect, bypassing RLS) and an
// org of its own.
type testBundle struct {
	db  *testenv.Database
	org uuid.UUID
}

// setup returns a store on the real Postgres, keys going stale after
// staleAfter as the api's do, and a fresh org.
func setup(t *testing.T) (*idempotency.Store, *testBundle) {
	t.Helper()
	d := testenv.DB(t)
	return &idempotency.Store{DB: d.App, StaleAfter: staleAfter}, &testBundle{db: d, org: newOrg(t, d)}
}

func newOrg(t *testing.T, d *testenv.Database) uuid.UUID {
	t.Helper()
	org := uuid.Must(uuid.NewV7())
	if _, err := d.Owner.Exec(context.Background(), `INSERT INTO orgs (id, name) VALUES ($1, 'test org')`, org); err != nil {
		t.Fatal(err)
	}
	return org
}

// scopes are the four kinds of scope, one of each, for the bundle's org.
func (b *testBundle) scopes() map[string]idempotency.Scope {
	return map[string]idempotency.Scope{
		"org":   idempotency.Org(b.org),
		"user":  idempotency.User(uuid.New()),
		"email": idempotency.Email(uuid.NewString() + "@example.test"),
		"form":  idempotency.Form(b.org),
	}
}

var (
	createLead = idempotency.RequestHash("POST", "/api/v1/leads", []byte(`{"name":"Ada"}`))
	otherLead  = idempotency.RequestHash("POST", "/api/v1/leads", []byte(`{"name":"Grace"}`))
	created    = idempotency.Answer{Status: 201, Header: map[string]string{"Location": "/api/v1/leads/1"}, Body: []byte(`{"data":{"id":"1"}}`)}
)

func claim(t *testing.T, s *idempotency.Store, scope idempotency.Scope, key string, hash []byte) *idempotency.Claim {
	t.Helper()
	c, stored, err := s.Claim(context.Background(), scope, key, hash, nil)
	if err != nil || c == nil || stored != nil {
		t.Fatalf("claim %q: claim %v, stored %+v, %v; want a claim", key, c, stored, err)
	}
	return c
}

func sameAnswer(a, b idempotency.Answer) bool {
	return a.Status == b.Status && maps.Equal(a.Header, b.Header) && bytes.Equal(a.Body, b.Body)
}

// TestTheSameRequestReplaysAndAnotherIsRefused, in every kind of scope:
// the first request claims the key; its retry gets the stored answer back;
// a different request with the key is a mismatch (the api's 422).
func TestTheSameRequestReplaysAndAnotherIsRefused(t *testing.T) {
	t.Parallel()
	s, b := setup(t)
	for name, scope := range b.scopes() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			c := claim(t, s, scope, "key-1", createLead)
			if err := c.Keep(ctx, created); err != nil {
				t.Fatal(err)
			}
			for range 2 { // a replay does not use the answer up
				again, stored, err := s.Claim(ctx, scope, "key-1", createLead, nil)
				if err != nil || again != nil || stored == nil || !sameAnswer(*stored, created) {
					t.Fatalf("retry: claim %v, stored %+v, %v; want the stored answer", again, stored, err)
				}
			}
			if _, _, err := s.Claim(ctx, scope, "key-1", otherLead, nil); !errors.Is(err, idempotency.ErrMismatch) {
				t.Fatalf("another request with the key: %v, want ErrMismatch", err)
			}
		})
	}
}

// TestARunningRequestRefusesDuplicates: while the first request runs, a
// retry is in progress (the api's 409), however many arrive at once; once
// it is released the key is free again.
func TestARunningRequestRefusesDuplicates(t *testing.T) {
	t.Parallel()
	s, b := setup(t)
	scope := idempotency.Org(b.org)
	ctx := context.Background()

	const racers = 8
	var (
		wg                 sync.WaitGroup
		mu                 sync.Mutex
		claims, inProgress int
		first              *idempotency.Claim
		unexpected         []error
	)
	for range racers {
		wg.Go(func() {
			c, stored, err := s.Claim(ctx, scope, "racing", createLead, nil)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil && c != nil:
				claims++
				first = c
			case errors.Is(err, idempotency.ErrInProgress):
				inProgress++
			default:
				unexpected = append(unexpected, fmt.Errorf("claim %v, stored %+v, %w", c, stored, err))
			}
		})
	}
	wg.Wait()
	if claims != 1 || inProgress != racers-1 || len(unexpected) > 0 {
		t.Fatalf("%d racers: %d claimed, %d in progress, unexpected %v; want 1 and %d", racers, claims, inProgress, unexpected, racers-1)
	}
	// The mismatch is told before the progress: the key is simply wrong.
	if _, _, err := s.Claim(ctx, scope, "racing", otherLead, nil); !errors.Is(err, idempotency.ErrMismatch) {
		t.Fatalf("another request while running: %v, want ErrMismatch", err)
	}
	if err := first.Release(ctx); err != nil {
		t.Fatal(err)
	}
	claim(t, s, scope, "racing", otherLead) // released: any request may use the key
}

// TestTheAnswerIsKeptWithTheEffect: Complete stores the answer in the
// effect's transaction, so an effect rolled back leaves no answer to
// replay, and one committed leaves it.
func TestTheAnswerIsKeptWithTheEffect(t *testing.T) {
	t.Parallel()
	s, b := setup(t)
	scope := idempotency.Org(b.org)
	ctx := context.Background()
	c := claim(t, s, scope, "with-effect", createLead)
	rolledBack := errors.New("the effect failed")
	err := b.db.App.InTenant(ctx, b.org, func(ctx context.Context, tx pgx.Tx) error {
		if err := c.Complete(ctx, tx, created); err != nil {
			return err
		}
		return rolledBack
	})
	if !errors.Is(err, rolledBack) {
		t.Fatal(err)
	}
	if _, _, err := s.Claim(ctx, scope, "with-effect", createLead, nil); !errors.Is(err, idempotency.ErrInProgress) {
		t.Fatalf("after the effect rolled back: %v, want still in progress (no answer)", err)
	}
	err = b.db.App.InTenant(ctx, b.org, func(ctx context.Context, tx pgx.Tx) error { return c.Complete(ctx, tx, created) })
	if err != nil {
		t.Fatal(err)
	}
	if _, stored, err := s.Claim(ctx, scope, "with-effect", createLead, nil); err != nil || stored == nil || !sameAnswer(*stored, created) {
		t.Fatalf("after the effect committed: %+v, %v; want the answer", stored, err)
	}
}

// TestAnAbandonedClaimIsTakenOver: a claim left running longer than
// StaleAfter (its process died) goes to the next request; the dead
// process's claim can then neither store its answer nor free the key. A
// finished answer is not stale, however old, until it expires.
func TestAnAbandonedClaimIsTakenOver(t *testing.T) {
	t.Parallel()
	s, b := setup(t)
	ctx := context.Background()
	for name, scope := range b.scopes() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			table := "caller_idempotency_keys"
			if name == "org" {
				table = "idempotency_keys"
			}
			age := func(key, column string, by time.Duration) {
				t.Helper()
				tag, err := b.db.Owner.Exec(ctx, fmt.Sprintf(`UPDATE %s SET %s = %s - $1::interval WHERE key = $2 AND request_hash = $3`, table, column, column),
					fmt.Sprintf("%d seconds", int(by.Seconds())), key, createLead)
				if err != nil || tag.RowsAffected() != 1 {
					t.Fatalf("aging %s of %q: %v rows, %v", column, key, tag.RowsAffected(), err)
				}
			}
			key := "stale-" + uuid.NewString()
			dead := claim(t, s, scope, key, createLead)
			age(key, "updated_at", staleAfter/2)
			if _, _, err := s.Claim(ctx, scope, key, createLead, nil); !errors.Is(err, idempotency.ErrInProgress) {
				t.Fatalf("a claim younger than StaleAfter: %v, want ErrInProgress", err)
			}
			age(key, "updated_at", staleAfter)
			live := claim(t, s, scope, key, createLead)

			if err := dead.Keep(ctx, idempotency.Answer{Status: 500}); err != nil {
				t.Fatal(err)
			}
			if err := dead.Release(ctx); err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.Claim(ctx, scope, key, createLead, nil); !errors.Is(err, idempotency.ErrInProgress) {
				t.Fatalf("after the dead claim kept and released: %v, want the live claim still in progress", err)
			}
			if err := live.Keep(ctx, created); err != nil {
				t.Fatal(err)
			}
			age(key, "updated_at", 10*staleAfter)
			if _, stored, err := s.Claim(ctx, scope, key, createLead, nil); err != nil || stored == nil || !sameAnswer(*stored, created) {
				t.Fatalf("an old finished answer: %+v, %v; want it replayed", stored, err)
			}
			age(key, "expires_at", 25*time.Hour)
			claim(t, s, scope, key, otherLead) // expired: the key is new again
		})
	}
}

// TestScopesDoNotCollide: one key in every scope is as many keys, even
// where scopes are built from the same id; an e-mail address is one scope
// whatever its case and spacing.
func TestScopesDoNotCollide(t *testing.T) {
	t.Parallel()
	s, b := setup(t)
	ctx := context.Background()
	id := uuid.Must(uuid.NewV7())
	otherOrg := newOrg(t, b.db)
	address := "ada-" + uuid.NewString() + "@example.test"
	scopes := map[string]idempotency.Scope{
		"org":        idempotency.Org(b.org),
		"other org":  idempotency.Org(otherOrg),
		"org's form": idempotency.Form(b.org),
		"user":       idempotency.User(b.org), // the org's id as a user's: still another scope
		"user 2":     idempotency.User(id),
		"form 2":     idempotency.Form(id),
		"email":      idempotency.Email(address),
	}
	for name, scope := range scopes {
		c, _, err := s.Claim(ctx, scope, "shared-key", createLead, nil)
		if err != nil || c == nil {
			t.Fatalf("%s: %v; want its own claim of the shared key", name, err)
		}
		if err := c.Keep(ctx, idempotency.Answer{Status: 200, Body: []byte(name)}); err != nil {
			t.Fatal(err)
		}
	}
	for name, scope := range scopes {
		_, stored, err := s.Claim(ctx, scope, "shared-key", createLead, nil)
		if err != nil || stored == nil || string(stored.Body) != name {
			t.Errorf("%s: replays %+v, %v; want its own answer", name, stored, err)
		}
	}
	_, stored, err := s.Claim(ctx, idempotency.Email("  "+strings.ToUpper(address)+" "), "shared-key", createLead, nil)
	if err != nil || stored == nil || string(stored.Body) != "email" {
		t.Errorf("the address in other case: %+v, %v; want the address's answer", stored, err)
	}
	// The sign-up scope keeps the address only as a hash.
	var n int
	_ = b.db.Owner.QueryRow(ctx, `SELECT count(*) FROM caller_idempotency_keys WHERE strpos(lower(scope), $1) > 0`, address).Scan(&n)
	if n != 0 {
		t.Errorf("%d keys store the e-mail address in clear", n)
	}
}

// TestAuthorizeRunsFirst: a refusal from authorize leaves no claim behind
// and reveals no stored answer.
func TestAuthorizeRunsFirst(t *testing.T) {
	t.Parallel()
	s, b := setup(t)
	ctx := context.Background()
	scope := idempotency.Org(b.org)
	c := claim(t, s, scope, "guarded", createLead)
	if err := c.Keep(ctx, created); err != nil {
		t.Fatal(err)
	}
	refused := errors.New("not a member")
	deny := func(context.Context, pgx.Tx) error { return refused }
	for _, key := range []string{"guarded", "fresh"} {
		got, stored, err := s.Claim(ctx, scope, key, createLead, deny)
		if !errors.Is(err, refused) || got != nil || stored != nil {
			t.Errorf("%s: claim %v, stored %+v, %v; want only the refusal", key, got, stored, err)
		}
	}
	var n int
	_ = b.db.Owner.QueryRow(ctx, `SELECT count(*) FROM idempotency_keys WHERE org_id = $1 AND key = 'fresh'`, b.org).Scan(&n)
	if n != 0 {
		t.Errorf("a refused caller left %d claims", n)
	}
}

func TestValidKeyAndRequestHash(t *testing.T) {
	t.Parallel()
	for key, want := range map[string]bool{
		"a": true, "550e8400-e29b-41d4-a716-446655440000": true, "with space ~": true,
		"": false, strings.Repeat("k", idempotency.MaxKeyLength+1): false, "tab\there": false, "é": false,
	} {
		if got := idempotency.ValidKey(key); got != want {
			t.Errorf("ValidKey(%q) = %v, want %v", key, got, want)
		}
	}
	if !idempotency.ValidKey(strings.Repeat("k", idempotency.MaxKeyLength)) {
		t.Error("a key of MaxKeyLength is refused")
	}
	base := idempotency.RequestHash("POST", "/a", []byte("{}"))
	for name, h := range map[string][]byte{
		"method": idempotency.RequestHash("PUT", "/a", []byte("{}")),
		"path":   idempotency.RequestHash("POST", "/b", []byte("{}")),
		"body":   idempotency.RequestHash("POST", "/a", []byte("{ }")),
		// The path and body are not run together: "/a" + "x" is not "/ax" + "".
		"split": idempotency.RequestHash("POST", "/a{}", nil),
	} {
		if bytes.Equal(h, base) {
			t.Errorf("a different %s hashes the same", name)
		}
	}
}
