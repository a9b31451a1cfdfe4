package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/xentri/xentri/internal/auth"
	"github.com/xentri/xentri/internal/auth/local"
	"github.com/xentri/xentri/internal/blob"
	"github.com/xentri/xentri/internal/cache"
	"github.com/xentri/xentri/internal/events"
	"github.com/xentri/xentri/internal/idempotency"
	"github.com/xentri/xentri/internal/testenv"
	"github.com/xentri/xentri/services/automation"
	"github.com/xentri/xentri/services/brand"
	"github.com/xentri/xentri/services/brief"
	"github.com/xentri/xentri/services/brief/extract"
	"github.com/xentri/xentri/services/core"
	"github.com/xentri/xentri/services/integrations"
	"github.com/xentri/xentri/services/notification"
	"github.com/xentri/xentri/services/ops"
	"github.com/xentri/xentri/services/sales"
	"github.com/xentri/xentri/services/system"
	"github.com/xentri/xentri/worker"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const (
	testJWTSecret     = "test-jwt-secret-0123456789abcdef-0123456789"
	testOperatorToken = "test-operator-token-0123456789abcdef"
	testN8NSecret     = "test-n8n-secret-0123456789abcdef"
)

// coreBundle is the identity API on a real database and Redis, with the
// local provider.
type coreBundle struct {
	d      *testenv.Database
	srv    *httptest.Server
	mux    *chi.Mux
	issuer *auth.Issuer
}

func setupCore(t *testing.T, configure ...func(*Config)) *coreBundle {
	t.Helper()
	d := testenv.DB(t)
	rdb := testenv.Redis(t)
	issuer, err := auth.NewIssuer([]byte(testJWTSecret), "xentri", 15*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	provider, err := local.New(d.App, issuer)
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := auth.NewVerifier(auth.VerifierConfig{HS256Secret: []byte(testJWTSecret)})
	if err != nil {
		t.Fatal(err)
	}
	svc := &core.Service{DB: d.App, Auth: provider, Events: &events.Writer{Log: zerolog.Nop()}, Log: zerolog.Nop()}
	hooks, err := worker.Hooks(nil)
	if err != nil {
		t.Fatal(err)
	}
	// Every context, as cmd/xentri mounts them, but without Temporal: no
	// follow-ups start, and the routes that need a workflow say so.
	limiter := cache.NewRateLimiter(rdb, "test:"+uuid.NewString()+":")
	keys := &idempotency.Store{DB: d.App, StaleAfter: 2 * time.Minute}
	leads := &sales.Service{DB: d.App, Events: svc.Events, Cache: cache.NewReadCache(rdb), Log: zerolog.Nop(), HighValue: 100000}
	briefs := &brief.Service{DB: d.App, Events: svc.Events, Cache: cache.NewReadCache(rdb), Log: zerolog.Nop(), Sales: leads}
	automations := &automation.Service{DB: d.App, Registry: hooks}
	brands := &brand.Service{Brief: briefs, Events: svc.Events, Log: zerolog.Nop()}
	deadLetters := &ops.Service{}
	store := testStore(t)
	cfg := Config{
		Sites: &brand.SiteServer{DB: d.App, Objects: store, Domain: "sites.localhost", Cache: cache.NewSiteCache(rdb, zerolog.Nop()),
			Capture: SiteContact(leads), Allow: CaptureAllowance(limiter), Log: zerolog.Nop()},
		Preview: &brand.Preview{DB: d.App, Objects: store, Key: []byte(testJWTSecret)},
		Log:     zerolog.Nop(), Registry: prometheus.NewRegistry(), MaxBodyBytes: 1 << 20, RequestTimeout: 20 * time.Second,
		Idempotency: keys,
		Session:     &Session{Verifier: verifier, Tokens: svc},
		Gate:        &Gate{DB: d.App, Members: svc},
		Public: []Routes{
			Contracts{},
			&Diagnostics{Runner: &system.Service{}, OperatorToken: testOperatorToken},
			&OperatorDeadLetters{DB: d.App, Ops: deadLetters, OperatorToken: testOperatorToken},
			&LeadForm{Sales: leads, Limiter: limiter, Idempotency: keys},
		},
		Caller: []Routes{
			&Account{Core: svc, Limiter: limiter, Idempotency: keys},
			&Orgs{Core: svc, Idempotency: keys},
			&Hooks{Automation: automations, N8NSecret: []byte(testN8NSecret)},
		},
		Tenant: []Routes{
			&Members{Core: svc},
			&Tokens{Core: svc},
			&Notifications{Service: &notification.Service{}},
			&Leads{Sales: leads},
			&Brief{Brief: briefs},
			&Brand{Brand: brands},
			&Sites{Brand: brands},
			// Without Temporal: publishing and schedules answer 503, the
			// rest (releases, rollback, previews) work.
			&Publishing{Publishing: &brand.Publishing{Publisher: &brand.Publisher{DB: d.App, Events: svc.Events}},
				Preview: &brand.Preview{DB: d.App, Objects: store, Key: []byte(testJWTSecret)}},
			&Media{Media: &brand.Media{Blob: store}},
			&Copilot{Copilot: &brief.Copilot{DB: d.App, Brief: briefs, Engine: extract.NewRules()}, Events: cache.NewCopilotStream(rdb)},
			// A stream of the bundle's own, and drained: a stream answers
			// its start and ends, so the suites that walk every route are
			// not held up by it (the stream's tests bring their own Drain).
			&Events{Follower: &events.Follower{Redis: rdb, Stream: "test:events:" + uuid.NewString()}, Drain: closedDrain()},
			&Subscriptions{Integrations: &integrations.Service{Outbound: everyAddress}},
			&DeadLetters{Ops: deadLetters},
			&Workflows{Automation: automations},
		},
	}
	for _, c := range configure {
		c(&cfg)
	}
	walkable := cfg
	walkable.Registry = prometheus.NewRegistry()
	b := &coreBundle{d: d, mux: NewMux(walkable), issuer: issuer}
	b.srv = httptest.NewServer(NewRouter(cfg))
	t.Cleanup(b.srv.Close)
	return b
}

// closedDrain is a Drain the server has closed already.
func closedDrain() <-chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}

// testStore is the embedded S3 store (gofakes3, as `xentri dev` runs it)
// on a loopback port over a temp dir, with its bucket.
func testStore(t *testing.T) *blob.Store {
	t.Helper()
	return testenv.Store(t)
}

// account is a signed-up user with their first org.
type account struct {
	email, password string
	userID, orgID   uuid.UUID
	token, refresh  string
}

type result struct {
	status int
	header http.Header
	body   []byte
}

// envelope is a success body whose data is a T (api/respond.go).
type envelope[T any] struct {
	Data T    `json:"data"`
	Meta Meta `json:"meta"`
}

// decodeEnvelope decodes r's body as an envelope of T. It fails the test,
// showing the status and body, if the body is not JSON, holds no data, or
// its data does not decode into T.
func decodeEnvelope[T any](t *testing.T, r result) envelope[T] {
	t.Helper()
	var raw struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(r.body, &raw); err != nil || len(raw.Data) == 0 || string(raw.Data) == "null" {
		t.Fatalf("no data in the body (%d): %s", r.status, r.body)
	}
	var env envelope[T]
	if err := json.Unmarshal(r.body, &env); err != nil {
		t.Fatalf("data does not decode into %T (%d): %v: %s", env.Data, r.status, err, r.body)
	}
	return env
}

// decodeData decodes the envelope's data into T.
func decodeData[T any](t *testing.T, r result) T {
	t.Helper()
	return decodeEnvelope[T](t, r).Data
}

// decodeList decodes a page (respondList): its items and its meta, which
// holds the next cursor.
func decodeList[T any](t *testing.T, r result) ([]T, Meta) {
	t.Helper()
	env := decodeEnvelope[[]T](t, r)
	return env.Data, env.Meta
}

// problemOf decodes r's body as a problem (api/problem.go), failing the
// test if it does not decode.
func problemOf(t *testing.T, r result) Problem {
	t.Helper()
	var p Problem
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("body is not a problem (%d): %v: %s", r.status, err, r.body)
	}
	return p
}

// sessionIn decodes the session of a sign-up, sign-in or refresh answer,
// which must hold both tokens.
func sessionIn(t *testing.T, r result) sessionBody {
	t.Helper()
	s := decodeData[SignedIn](t, r).Session
	if s == nil || s.AccessToken == "" || s.RefreshToken == "" {
		t.Fatalf("no session with both tokens (%d): %s", r.status, r.body)
	}
	return *s
}

type req struct {
	method, path string
	body         any
	token        string
	org          string
	header       map[string]string
}

func (b *coreBundle) do(t *testing.T, q req) result {
	t.Helper()
	var body io.Reader
	switch v := q.body.(type) {
	case nil:
	case string:
		body = strings.NewReader(v)
	default:
		raw, _ := json.Marshal(v)
		body = bytes.NewReader(raw)
	}
	r, err := http.NewRequest(q.method, b.srv.URL+q.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	if q.token != "" {
		r.Header.Set("Authorization", "Bearer "+q.token)
	}
	if q.org != "" {
		r.Header.Set("X-Org-Id", q.org)
	}
	for k, v := range q.header {
		r.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return result{status: res.StatusCode, header: res.Header, body: raw}
}

func (b *coreBundle) signUp(t *testing.T, name string) account {
	t.Helper()
	a := account{email: name + "-" + uuid.NewString()[:8] + "@example.test", password: "correct horse battery " + name}
	res := b.do(t, req{method: "POST", path: "/api/v1/auth/signup", body: map[string]string{"email": a.email, "password": a.password}})
	if res.status != http.StatusCreated {
		t.Fatalf("signup %s: %d %s", a.email, res.status, res.body)
	}
	in := decodeData[SignedIn](t, res)
	if in.User.ID == uuid.Nil || in.Org == nil || in.Org.ID == uuid.Nil {
		t.Fatalf("signup %s names no user or org: %s", a.email, res.body)
	}
	s := sessionIn(t, res)
	a.userID, a.orgID = in.User.ID, in.Org.ID
	a.token, a.refresh = s.AccessToken, s.RefreshToken
	return a
}

func wantProblem(t *testing.T, res result, status int) Problem {
	t.Helper()
	if res.status != status {
		t.Fatalf("status = %d, want %d: %s", res.status, status, res.body)
	}
	if ct := res.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want application/problem+json", ct)
	}
	p := problemOf(t, res)
	if p.TraceID == "" || p.Title == "" || p.Type == "" {
		t.Fatalf("incomplete problem: %s", res.body)
	}
	return p
}

func orgIDs(t *testing.T, res result) []string {
	t.Helper()
	var ids []string
	for _, o := range decodeData[UserMe](t, res).Orgs {
		if o.ID == uuid.Nil {
			t.Fatalf("an org without an id: %s", res.body)
		}
		ids = append(ids, o.ID.String())
	}
	return ids
}

// TestSignUpInviteAndSeparation is the issue's acceptance path.
func TestSignUpInviteAndSeparation(t *testing.T) {
	t.Parallel()
	b := setupCore(t)
	ada, bob := b.signUp(t, "ada"), b.signUp(t, "bob")
	if ada.orgID == bob.orgID {
		t.Fatal("two sign-ups share an org")
	}
	// Sign-up recorded its events, valid envelopes, in the new org.
	rows, err := b.d.Owner.Query(context.Background(), "SELECT type FROM system_events WHERE org_id = $1 ORDER BY pos", ada.orgID)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for rows.Next() {
		var ty string
		_ = rows.Scan(&ty)
		types = append(types, ty)
	}
	if strings.Join(types, ",") != "xentri.org.created.v1,xentri.user.signup.v1" {
		t.Errorf("sign-up events = %v", types)
	}
	// Each sees only their own org.
	for _, a := range []account{ada, bob} {
		ids := orgIDs(t, b.do(t, req{method: "GET", path: "/api/v1/me", token: a.token}))
		if len(ids) != 1 || ids[0] != a.orgID.String() {
			t.Fatalf("%s sees orgs %v, want only %s", a.email, ids, a.orgID)
		}
	}
	// Ada invites Bob.
	res := b.do(t, req{method: "POST", path: "/api/v1/orgs/" + ada.orgID.String() + "/members", token: ada.token, org: ada.orgID.String(),
		body: map[string]string{"email": bob.email, "role": "member"}})
	if res.status != http.StatusCreated {
		t.Fatalf("invite: %d %s", res.status, res.body)
	}
	ids := orgIDs(t, b.do(t, req{method: "GET", path: "/api/v1/me", token: bob.token}))
	if len(ids) != 2 {
		t.Fatalf("bob sees %v after the invite, want his org and ada's", ids)
	}
	if ids := orgIDs(t, b.do(t, req{method: "GET", path: "/api/v1/me", token: ada.token})); len(ids) != 1 {
		t.Fatalf("ada sees %v, want her org alone", ids)
	}
	// Bob, a member, reads ada's org's members but may not manage them.
	res = b.do(t, req{method: "GET", path: "/api/v1/orgs/" + ada.orgID.String() + "/members", token: bob.token, org: ada.orgID.String()})
	if res.status != http.StatusOK || !strings.Contains(string(res.body), ada.email) {
		t.Fatalf("bob lists ada's members: %d %s", res.status, res.body)
	}
	wantProblem(t, b.do(t, req{method: "POST", path: "/api/v1/orgs/" + ada.orgID.String() + "/members", token: bob.token, org: ada.orgID.String(),
		body: map[string]string{"email": bob.email, "role": "owner"}}), http.StatusForbidden)
	// Ada's view of bob's org is refused, with no hint it exists.
	p := wantProblem(t, b.do(t, req{method: "GET", path: "/api/v1/orgs/" + bob.orgID.String() + "/members", token: ada.token, org: bob.orgID.String()}), http.StatusForbidden)
	ghost := uuid.New().String()
	q := wantProblem(t, b.do(t, req{method: "GET", path: "/api/v1/orgs/" + ghost + "/members", token: ada.token, org: ghost}), http.StatusForbidden)
	if p.Detail != q.Detail {
		t.Errorf("refusals differ between a foreign org (%q) and a missing one (%q)", p.Detail, q.Detail)
	}
	// The GET /orgs list pages through the same.
	res = b.do(t, req{method: "GET", path: "/api/v1/orgs?limit=1", token: bob.token})
	if res.status != http.StatusOK {
		t.Fatalf("first page of bob's orgs: %d %s", res.status, res.body)
	}
	if _, meta := decodeList[core.Org](t, res); meta.NextCursor == "" {
		t.Fatalf("first page of bob's orgs has no next cursor: %s", res.body)
	}
}

func TestOrgKeepsAnOwner(t *testing.T) {
	t.Parallel()
	b := setupCore(t)
	ada, bob := b.signUp(t, "ada"), b.signUp(t, "bob")
	org := ada.orgID.String()
	members := "/api/v1/orgs/" + org + "/members/"
	b.do(t, req{method: "POST", path: "/api/v1/orgs/" + org + "/members", token: ada.token, org: org, body: map[string]string{"email": bob.email, "role": "admin"}})

	wantProblem(t, b.do(t, req{method: "PATCH", path: members + ada.userID.String(), token: ada.token, org: org, body: map[string]string{"role": "member"}}), http.StatusConflict)
	wantProblem(t, b.do(t, req{method: "DELETE", path: members + ada.userID.String(), token: ada.token, org: org}), http.StatusConflict)
	// An admin may not touch an owner nor make one.
	wantProblem(t, b.do(t, req{method: "DELETE", path: members + ada.userID.String(), token: bob.token, org: org}), http.StatusForbidden)
	wantProblem(t, b.do(t, req{method: "PATCH", path: members + bob.userID.String(), token: bob.token, org: org, body: map[string]string{"role": "owner"}}), http.StatusForbidden)
	// Once bob is an owner too, ada may step down.
	if res := b.do(t, req{method: "PATCH", path: members + bob.userID.String(), token: ada.token, org: org, body: map[string]string{"role": "owner"}}); res.status != 200 {
		t.Fatalf("promote bob: %d %s", res.status, res.body)
	}
	if res := b.do(t, req{method: "PATCH", path: members + ada.userID.String(), token: ada.token, org: org, body: map[string]string{"role": "member"}}); res.status != 200 {
		t.Fatalf("ada steps down: %d %s", res.status, res.body)
	}
	// Two owners demoting each other at once: one must fail.
	b.do(t, req{method: "PATCH", path: members + ada.userID.String(), token: bob.token, org: org, body: map[string]string{"role": "owner"}})
	var wg sync.WaitGroup
	statuses := make([]int, 2)
	for i, pair := range [][2]account{{ada, bob}, {bob, ada}} {
		wg.Go(func() {
			statuses[i] = b.do(t, req{method: "PATCH", path: members + pair[1].userID.String(), token: pair[0].token, org: org, body: map[string]string{"role": "member"}}).status
		})
	}
	wg.Wait()
	var owners int
	if err := b.d.Owner.QueryRow(context.Background(), "SELECT count(*) FROM org_members WHERE org_id = $1 AND role = 'owner'", ada.orgID).Scan(&owners); err != nil || owners != 1 {
		t.Fatalf("after two owners demoted each other at once: %d owners (statuses %v, err %v), want 1", owners, statuses, err)
	}
}

func TestAPITokens(t *testing.T) {
	t.Parallel()
	b := setupCore(t)
	ada := b.signUp(t, "ada")
	org := ada.orgID.String()
	res := b.do(t, req{method: "POST", path: "/api/v1/orgs/" + org + "/tokens", token: ada.token, org: org,
		body: map[string]any{"name": "n8n", "scopes": []string{"members:read"}}})
	if res.status != http.StatusCreated {
		t.Fatalf("create token: %d %s", res.status, res.body)
	}
	tok := decodeData[core.NewAPIToken](t, res)
	if tok.ID == uuid.Nil {
		t.Fatalf("created token has no id: %s", res.body)
	}
	secret, tokenID := tok.Secret, tok.ID.String()
	if !strings.HasPrefix(secret, "xnt_") {
		t.Fatalf("token %q lacks the xnt_ prefix", secret)
	}
	var stored []byte
	if err := b.d.Owner.QueryRow(context.Background(), "SELECT token_hash FROM api_tokens WHERE id = $1", tokenID).Scan(&stored); err != nil || bytes.Contains(stored, []byte(secret)) {
		t.Fatalf("token stored in the clear or missing: %v", err)
	}
	// The token reads members of its org...
	if res := b.do(t, req{method: "GET", path: "/api/v1/orgs/" + org + "/members", token: secret, org: org}); res.status != 200 {
		t.Fatalf("token reads members: %d %s", res.status, res.body)
	}
	// ...but not beyond its scope, nor other orgs, nor tokens.
	wantProblem(t, b.do(t, req{method: "POST", path: "/api/v1/orgs/" + org + "/members", token: secret, org: org, body: map[string]string{"email": ada.email, "role": "member"}}), http.StatusForbidden)
	wantProblem(t, b.do(t, req{method: "GET", path: "/api/v1/orgs/" + org + "/tokens", token: secret, org: org}), http.StatusForbidden)
	other := b.signUp(t, "eve")
	wantProblem(t, b.do(t, req{method: "GET", path: "/api/v1/orgs/" + other.orgID.String() + "/members", token: secret, org: other.orgID.String()}), http.StatusForbidden)
	// Listed without its secret, with its last use.
	res = b.do(t, req{method: "GET", path: "/api/v1/orgs/" + org + "/tokens", token: ada.token, org: org})
	if strings.Contains(string(res.body), secret) || !strings.Contains(string(res.body), `"last_used_at":"`) {
		t.Fatalf("token list: %s", res.body)
	}
	// Revoked: refused at once.
	if res := b.do(t, req{method: "DELETE", path: "/api/v1/orgs/" + org + "/tokens/" + tokenID, token: ada.token, org: org}); res.status != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", res.status, res.body)
	}
	wantProblem(t, b.do(t, req{method: "GET", path: "/api/v1/orgs/" + org + "/members", token: secret, org: org}), http.StatusUnauthorized)
	// A forged token naming the org is refused too, as is one naming none.
	forged := core.TokenPrefix + base64.RawURLEncoding.EncodeToString(append(ada.orgID[:], make([]byte, 32)...))
	wantProblem(t, b.do(t, req{method: "GET", path: "/api/v1/orgs/" + org + "/members", token: forged, org: org}), http.StatusUnauthorized)
	wantProblem(t, b.do(t, req{method: "GET", path: "/api/v1/orgs/" + org + "/members", token: core.TokenPrefix + strings.Repeat("A", 64), org: org}), http.StatusUnauthorized)
}

// TestIdempotencyKeyOneEffect: 50 concurrent requests with one key create
// one token; the rest replay its answer or are told it is in progress.
func TestIdempotencyKeyOneEffect(t *testing.T) {
	t.Parallel()
	b := setupCore(t)
	ada := b.signUp(t, "ada")
	org := ada.orgID.String()
	key := "create-n8n-token-" + uuid.NewString()
	body := map[string]any{"name": "n8n", "scopes": []string{"members:read"}}
	results := make([]result, 50)
	var wg sync.WaitGroup
	for i := range results {
		wg.Go(func() {
			results[i] = b.do(t, req{method: "POST", path: "/api/v1/orgs/" + org + "/tokens", token: ada.token, org: org, body: body,
				header: map[string]string{"Idempotency-Key": key}})
		})
	}
	wg.Wait()
	var n int
	if err := b.d.Owner.QueryRow(context.Background(), "SELECT count(*) FROM api_tokens WHERE org_id = $1", ada.orgID).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d tokens after 50 requests with one key (err %v), want 1", n, err)
	}
	var created, replayed, inProgress int
	var firstBody []byte
	for _, r := range results {
		switch {
		case r.status == http.StatusCreated && r.header.Get("Idempotent-Replayed") == "true":
			replayed++
			if firstBody != nil && !bytes.Equal(r.body, firstBody) {
				t.Errorf("a replay differs from the stored answer")
			}
			firstBody = r.body
		case r.status == http.StatusCreated:
			created++
		case r.status == http.StatusConflict:
			inProgress++
		default:
			t.Errorf("unexpected answer %d: %s", r.status, r.body)
		}
	}
	if created != 1 || created+replayed+inProgress != 50 {
		t.Fatalf("created %d, replayed %d, in progress %d; want exactly one creation", created, replayed, inProgress)
	}
	// After it settles, a retry replays; another body with the key is a 422.
	res := b.do(t, req{method: "POST", path: "/api/v1/orgs/" + org + "/tokens", token: ada.token, org: org, body: body, header: map[string]string{"Idempotency-Key": key}})
	if res.status != http.StatusCreated || res.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retry: %d replayed=%q", res.status, res.header.Get("Idempotent-Replayed"))
	}
	wantProblem(t, b.do(t, req{method: "POST", path: "/api/v1/orgs/" + org + "/tokens", token: ada.token, org: org,
		body: map[string]any{"name": "other", "scopes": []string{"members:read"}}, header: map[string]string{"Idempotency-Key": key}}), http.StatusUnprocessableEntity)
	// A validation failure is not stored: the key then works for a fixed body.
	key2 := "k2-" + uuid.NewString()
	wantProblem(t, b.do(t, req{method: "POST", path: "/api/v1/orgs/" + org + "/tokens", token: ada.token, org: org,
		body: map[string]any{"name": "", "scopes": []string{"members:read"}}, header: map[string]string{"Idempotency-Key": key2}}), http.StatusBadRequest)
	res = b.do(t, req{method: "POST", path: "/api/v1/orgs/" + org + "/tokens", token: ada.token, org: org,
		body: map[string]any{"name": "fixed", "scopes": []string{"members:read"}}, header: map[string]string{"Idempotency-Key": key2}})
	if res.status != http.StatusCreated || res.header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("fixed retry after a validation failure: %d %s", res.status, res.body)
	}
	// Keys are per org: another org's key does not collide, and no other
	// org's member can read a stored answer.
	eve := b.signUp(t, "eve")
	wantProblem(t, b.do(t, req{method: "POST", path: "/api/v1/orgs/" + org + "/tokens", token: eve.token, org: org, body: body,
		header: map[string]string{"Idempotency-Key": key}}), http.StatusForbidden)
}

func TestPagingIsStableWhileRowsArrive(t *testing.T) {
	t.Parallel()
	b := setupCore(t)
	ada := b.signUp(t, "ada")
	org := ada.orgID.String()
	for i := range 7 {
		res := b.do(t, req{method: "POST", path: "/api/v1/orgs/" + org + "/tokens", token: ada.token, org: org,
			body: map[string]any{"name": "t" + string(rune('a'+i)), "scopes": []string{"members:read"}}})
		if res.status != http.StatusCreated {
			t.Fatal(res.status)
		}
	}
	seen := map[string]bool{}
	cursor := ""
	for page := 0; ; page++ {
		res := b.do(t, req{method: "GET", path: "/api/v1/orgs/" + org + "/tokens?limit=3&cursor=" + cursor, token: ada.token, org: org})
		if res.status != 200 {
			t.Fatalf("page %d: %d %s", page, res.status, res.body)
		}
		tokens, meta := decodeList[core.APIToken](t, res)
		for _, tk := range tokens {
			if seen[tk.ID.String()] {
				t.Fatalf("token %s came twice", tk.ID)
			}
			seen[tk.ID.String()] = true
		}
		// Rows inserted while paging do not shift the pages.
		b.do(t, req{method: "POST", path: "/api/v1/orgs/" + org + "/tokens", token: ada.token, org: org,
			body: map[string]any{"name": "late", "scopes": []string{"members:read"}}})
		if meta.NextCursor == "" {
			break
		}
		cursor = meta.NextCursor
	}
	if len(seen) < 7 {
		t.Fatalf("paged through %d tokens, want at least the 7 that existed", len(seen))
	}
	wantProblem(t, b.do(t, req{method: "GET", path: "/api/v1/orgs/" + org + "/tokens?limit=500", token: ada.token, org: org}), http.StatusBadRequest)
	wantProblem(t, b.do(t, req{method: "GET", path: "/api/v1/orgs/" + org + "/tokens?cursor=not-a-cursor!", token: ada.token, org: org}), http.StatusBadRequest)
}

func TestSessionsRefreshLogoutAndCookies(t *testing.T) {
	t.Parallel()
	b := setupCore(t)
	ada := b.signUp(t, "ada")
	// Login sets HTTP-only cookies, not Secure on a loopback host.
	res := b.do(t, req{method: "POST", path: "/api/v1/auth/login", body: map[string]string{"email": ada.email, "password": ada.password}})
	if res.status != 200 {
		t.Fatalf("login: %d %s", res.status, res.body)
	}
	cookies := (&http.Response{Header: res.header}).Cookies()
	var access *http.Cookie
	for _, c := range cookies {
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure {
			t.Errorf("cookie %s: HttpOnly=%v SameSite=%v Secure=%v", c.Name, c.HttpOnly, c.SameSite, c.Secure)
		}
		if c.Name == accessCookie {
			access = c
		}
	}
	if access == nil {
		t.Fatal("no access cookie")
	}
	// A cookie-authenticated mutation needs a matching Origin.
	cookieReq := func(origin string) result {
		return b.do(t, req{method: "POST", path: "/api/v1/orgs", body: map[string]string{"name": "Side project"},
			header: map[string]string{"Cookie": accessCookie + "=" + access.Value, "Origin": origin}})
	}
	wantProblem(t, cookieReq(""), http.StatusForbidden)
	wantProblem(t, cookieReq("https://evil.example"), http.StatusForbidden)
	if res := cookieReq(b.srv.URL); res.status != http.StatusCreated {
		t.Fatalf("same-origin cookie mutation: %d %s", res.status, res.body)
	}
	// Refresh rotates; the old refresh token then revokes the session.
	res = b.do(t, req{method: "POST", path: "/api/v1/auth/refresh", body: map[string]string{"refresh_token": ada.refresh}})
	if res.status != 200 {
		t.Fatalf("refresh: %d %s", res.status, res.body)
	}
	next := sessionIn(t, res).RefreshToken
	wantProblem(t, b.do(t, req{method: "POST", path: "/api/v1/auth/refresh", body: map[string]string{"refresh_token": ada.refresh}}), http.StatusUnauthorized)
	wantProblem(t, b.do(t, req{method: "POST", path: "/api/v1/auth/refresh", body: map[string]string{"refresh_token": next}}), http.StatusUnauthorized)
	// Logout ends the session: its refresh token stops working.
	login := sessionIn(t, b.do(t, req{method: "POST", path: "/api/v1/auth/login", body: map[string]string{"email": ada.email, "password": ada.password}}))
	if res := b.do(t, req{method: "POST", path: "/api/v1/auth/logout", token: login.AccessToken}); res.status != http.StatusNoContent {
		t.Fatalf("logout: %d %s", res.status, res.body)
	}
	wantProblem(t, b.do(t, req{method: "POST", path: "/api/v1/auth/refresh", body: map[string]string{"refresh_token": login.RefreshToken}}), http.StatusUnauthorized)
	// Wrong password, duplicate sign-up, weak password.
	wantProblem(t, b.do(t, req{method: "POST", path: "/api/v1/auth/login", body: map[string]string{"email": ada.email, "password": "nope-nope-nope"}}), http.StatusUnauthorized)
	wantProblem(t, b.do(t, req{method: "POST", path: "/api/v1/auth/signup", body: map[string]string{"email": strings.ToUpper(ada.email), "password": "another long password"}}), http.StatusConflict)
	p := wantProblem(t, b.do(t, req{method: "POST", path: "/api/v1/auth/signup", body: map[string]string{"email": "x@example.test", "password": "short"}}), http.StatusBadRequest)
	if _, ok := p.Errors["password"]; !ok {
		t.Errorf("weak password problem does not name the field: %+v", p)
	}
}

func TestLoginIsRateLimitedPerEmail(t *testing.T) {
	t.Parallel()
	b := setupCore(t)
	ada := b.signUp(t, "ada")
	for range loginPerEmail {
		b.do(t, req{method: "POST", path: "/api/v1/auth/login", body: map[string]string{"email": ada.email, "password": "wrong password!"}})
	}
	res := b.do(t, req{method: "POST", path: "/api/v1/auth/login", body: map[string]string{"email": ada.email, "password": ada.password}})
	wantProblem(t, res, http.StatusTooManyRequests)
	if res.header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
}

// TestDeleteAccountErasesSolelyOwnedOrgs: no row of the deleted user's own
// org remains in any table with an org_id.
func TestDeleteAccountErasesSolelyOwnedOrgs(t *testing.T) {
	t.Parallel()
	b := setupCore(t)
	ada, bob := b.signUp(t, "ada"), b.signUp(t, "bob")
	org := ada.orgID.String()
	b.do(t, req{method: "POST", path: "/api/v1/orgs/" + org + "/tokens", token: ada.token, org: org,
		body: map[string]any{"name": "n8n", "scopes": []string{"members:read"}}, header: map[string]string{"Idempotency-Key": "k1"}})
	// Bob joins ada's org: ada may not leave it ownerless with a member in it.
	b.do(t, req{method: "POST", path: "/api/v1/orgs/" + org + "/members", token: ada.token, org: org, body: map[string]string{"email": bob.email, "role": "member"}})
	wantProblem(t, b.do(t, req{method: "DELETE", path: "/api/v1/account", token: ada.token}), http.StatusConflict)
	b.do(t, req{method: "DELETE", path: "/api/v1/orgs/" + org + "/members/" + bob.userID.String(), token: ada.token, org: org})
	// Ada also belongs to bob's org: that membership goes, the org stays.
	b.do(t, req{method: "POST", path: "/api/v1/orgs/" + bob.orgID.String() + "/members", token: bob.token, org: bob.orgID.String(), body: map[string]string{"email": ada.email, "role": "admin"}})

	if res := b.do(t, req{method: "DELETE", path: "/api/v1/account", token: ada.token}); res.status != http.StatusNoContent {
		t.Fatalf("delete account: %d %s", res.status, res.body)
	}
	ctx := context.Background()
	rows, err := b.d.Owner.Query(ctx, `SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'org_id'
		JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		_ = rows.Scan(&name)
		tables = append(tables, name)
	}
	for _, table := range append(tables, "orgs") {
		col := "org_id"
		if table == "orgs" {
			col = "id"
		}
		var n int
		if err := b.d.Owner.QueryRow(ctx, "SELECT count(*) FROM "+table+" WHERE "+col+" = $1", ada.orgID).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s still holds %d rows of the deleted org (err %v)", table, n, err)
		}
	}
	for _, q := range []string{"SELECT count(*) FROM users WHERE id = $1", "SELECT count(*) FROM org_members WHERE user_id = $1", "SELECT count(*) FROM auth_identities WHERE id = $1"} {
		var n int
		if err := b.d.Owner.QueryRow(ctx, q, ada.userID).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s: %d rows left (err %v)", q, n, err)
		}
	}
	var n int
	if err := b.d.Owner.QueryRow(ctx, "SELECT count(*) FROM orgs WHERE id = $1", bob.orgID).Scan(&n); err != nil || n != 1 {
		t.Errorf("bob's org was touched: %d rows", n)
	}
	wantProblem(t, b.do(t, req{method: "POST", path: "/api/v1/auth/login", body: map[string]string{"email": ada.email, "password": ada.password}}), http.StatusUnauthorized)
	// Her access token lives until it expires, but cannot bring her back.
	wantProblem(t, b.do(t, req{method: "GET", path: "/api/v1/me", token: ada.token}), http.StatusUnauthorized)
	wantProblem(t, b.do(t, req{method: "POST", path: "/api/v1/orgs", token: ada.token, body: map[string]string{"name": "Again"}}), http.StatusUnauthorized)
	if err := b.d.Owner.QueryRow(ctx, "SELECT count(*) FROM users WHERE id = $1", ada.userID).Scan(&n); err != nil || n != 0 {
		t.Errorf("the erased user's record came back: %d rows", n)
	}
}

// badTokens returns tokens that must all be refused: expired, wrongly
// signed, alg none, garbage.
func (b *coreBundle) badTokens(t *testing.T, a account) map[string]string {
	t.Helper()
	expired, _, err := b.issuer.Issue(auth.User{ID: a.userID, Email: a.email}, uuid.NewString(), time.Now().Add(-2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := auth.NewIssuer([]byte("another-secret-0123456789abcdef-0123456789"), "xentri", time.Hour)
	wrongKey, _, _ := other.Issue(auth.User{ID: a.userID, Email: a.email}, uuid.NewString(), time.Now())
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{
		"sub": a.userID.String(), "aud": "authenticated", "exp": time.Now().Add(time.Hour).Unix(), "role": "authenticated", "email": a.email,
	}).SignedString(jwt.UnsafeAllowNoneSignatureType)
	return map[string]string{"expired": expired, "wrongly signed": wrongKey, "alg none": none, "garbage": "not-a-jwt"}
}

func TestGETsRevalidateWithETags(t *testing.T) {
	t.Parallel()
	b := setupCore(t)
	ada := b.signUp(t, "ada")
	first := b.do(t, req{method: "GET", path: "/api/v1/me", token: ada.token})
	etag := first.header.Get("ETag")
	if first.status != 200 || etag == "" || first.header.Get("Cache-Control") != "private, no-cache" {
		t.Fatalf("GET /me: %d ETag=%q Cache-Control=%q", first.status, etag, first.header.Get("Cache-Control"))
	}
	again := b.do(t, req{method: "GET", path: "/api/v1/me", token: ada.token, header: map[string]string{"If-None-Match": etag}})
	if again.status != http.StatusNotModified || len(again.body) != 0 || again.header.Get("ETag") != etag {
		t.Fatalf("revalidation: %d %q etag %q vs %q", again.status, again.body, again.header.Get("ETag"), etag)
	}
	// A change makes a new ETag.
	b.do(t, req{method: "POST", path: "/api/v1/orgs", token: ada.token, body: map[string]string{"name": "Second"}})
	changed := b.do(t, req{method: "GET", path: "/api/v1/me", token: ada.token, header: map[string]string{"If-None-Match": etag}})
	if changed.status != 200 || changed.header.Get("ETag") == etag {
		t.Fatalf("after a change: %d, ETag %q", changed.status, changed.header.Get("ETag"))
	}
}

// everyAddress lets subscriptions point anywhere, as on a developer's
// machine (the tests' receivers listen on loopback).
var everyAddress = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}
