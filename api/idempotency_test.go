package api

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/xentri/xentri/services/core"
)

// created decodes the data of a 201 answer into T.
func created[T any](t *testing.T, res result) T {
	t.Helper()
	if res.status != http.StatusCreated {
		t.Fatalf("status = %d, want 201: %s", res.status, res.body)
	}
	var env struct {
		Data T `json:"data"`
	}
	if err := json.Unmarshal(res.body, &env); err != nil {
		t.Fatalf("body does not decode: %v: %s", err, res.body)
	}
	return env.Data
}

// TestIdempotencyKeyOutsideAnOrg: a retried POST /orgs with the same key
// replays the first answer and creates one org; the key with another body
// is a 422; another user's same key is theirs alone. A retried sign-up with
// the same key signs up once.
func TestIdempotencyKeyOutsideAnOrg(t *testing.T) {
	t.Parallel()
	b := setupCore(t)
	ada, bob := b.signUp(t, "ada"), b.signUp(t, "bob")
	key := "org-" + uuid.NewString()
	create := func(a account, name string) result {
		return b.do(t, req{method: "POST", path: "/api/v1/orgs", token: a.token, body: map[string]string{"name": name},
			header: map[string]string{"Idempotency-Key": key}})
	}
	first := created[core.Org](t, create(ada, "Acme"))
	again := create(ada, "Acme")
	if replay := created[core.Org](t, again); replay.ID != first.ID || again.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retry answered org %s (replayed %q), want the replay of %s", replay.ID, again.header.Get("Idempotent-Replayed"), first.ID)
	}
	wantProblem(t, create(ada, "Other name"), http.StatusUnprocessableEntity)
	if theirs := created[core.Org](t, create(bob, "Acme")); theirs.ID == first.ID {
		t.Fatal("another user's request with the same key got ada's org")
	}
	var orgs int
	if err := b.d.Owner.QueryRow(t.Context(), `SELECT count(*) FROM org_members m JOIN orgs o ON o.id = m.org_id
		WHERE m.user_id = $1 AND o.name = 'Acme'`, ada.userID).Scan(&orgs); err != nil {
		t.Fatal(err)
	}
	if orgs != 1 {
		t.Fatalf("ada has %d orgs named Acme, want 1", orgs)
	}

	signUp := func(email string) result {
		return b.do(t, req{method: "POST", path: "/api/v1/auth/signup", body: map[string]string{"email": email, "password": "correct horse battery staple"},
			header: map[string]string{"Idempotency-Key": "signup-1"}})
	}
	email := "grace-" + uuid.NewString()[:8] + "@example.test"
	user := created[SignedIn](t, signUp(email))
	retry := signUp(email)
	if again := created[SignedIn](t, retry); again.User.ID != user.User.ID || retry.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("sign-up retry: %d %s, want the replay of the first", retry.status, retry.body)
	}
	// The same key for another address is another sign-up.
	other := created[SignedIn](t, signUp("other-"+email))
	if other.User.ID == user.User.ID {
		t.Fatal("a sign-up of another address replayed the first")
	}
}

// TestThePublicFormAnswersTheNilOrgLikeAnyUnknownOrg: a 404 problem, not
// a 500.
func TestThePublicFormAnswersTheNilOrgLikeAnyUnknownOrg(t *testing.T) {
	t.Parallel()
	b := setupCore(t)
	for _, org := range []string{uuid.Nil.String(), uuid.NewString()} {
		res := b.do(t, req{method: "POST", path: "/api/v1/public/orgs/" + org + "/leads", body: map[string]string{"name": "Visitor"}})
		wantProblem(t, res, http.StatusNotFound)
	}
}
