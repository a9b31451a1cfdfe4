package auth

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
)

const (
	testAnonKey    = "anon-key-jwt"
	testServiceKey = "service-role-key-jwt"
	// gotruePrefix is where Supabase serves GoTrue; the fake serves there too.
	gotruePrefix = "/auth/v1"
)

// fakeGoTrue stands in for Supabase Auth, which cannot run here: its
// endpoints, status codes and bodies as GoTrue sends them.
type fakeGoTrue struct {
	*httptest.Server
	// autoconfirm is GOTRUE_MAILER_AUTOCONFIRM: sign-up returns a session.
	autoconfirm bool

	mu       sync.Mutex
	users    map[string]*fakeUser // by e-mail
	access   map[string]*fakeUser // access token -> user
	refresh  map[string]*fakeUser // refresh token -> user
	requests []fakeRequest
}

type fakeUser struct {
	id        uuid.UUID
	email     string
	password  string
	confirmed bool
}

// fakeRequest is what the tests assert about each request.
type fakeRequest struct {
	method, path, apikey, authorization string
}

func newFakeGoTrue(t testing.TB, autoconfirm bool) *fakeGoTrue {
	t.Helper()
	f := &fakeGoTrue{
		autoconfirm: autoconfirm,
		users:       map[string]*fakeUser{},
		access:      map[string]*fakeUser{},
		refresh:     map[string]*fakeUser{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /signup", f.signup)
	mux.HandleFunc("POST /token", f.token)
	mux.HandleFunc("POST /logout", f.logout)
	mux.HandleFunc("DELETE /admin/users/{id}", f.deleteUser)
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.requests = append(f.requests, fakeRequest{
			method: r.Method, path: r.URL.RequestURI(),
			apikey: r.Header.Get("apikey"), authorization: r.Header.Get("Authorization"),
		})
		f.mu.Unlock()
		// Supabase's gateway turns away requests without the key.
		if r.Header.Get("apikey") != testAnonKey {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"message": "Invalid API key"})
			return
		}
		http.StripPrefix(gotruePrefix, mux).ServeHTTP(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeGoTrue) takeRequests() []fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.requests
	f.requests = nil
	return r
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// apiError writes GoTrue's error body: {"code":..,"error_code":..,"msg":..}.
func apiError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"code": status, "error_code": code, "msg": msg})
}

func randomToken() string {
	return rand.Text()
}

func userJSON(u *fakeUser) map[string]any {
	now := time.Now().UTC().Format(time.RFC3339Nano)
	j := map[string]any{
		"id": u.id, "aud": "authenticated", "role": "authenticated", "email": u.email, "phone": "",
		"app_metadata":  map[string]any{"provider": "email", "providers": []string{"email"}},
		"user_metadata": map[string]any{"email": u.email, "email_verified": u.confirmed, "phone_verified": false, "sub": u.id},
		"identities": []any{map[string]any{
			"identity_id": uuid.New(), "id": u.id.String(), "user_id": u.id, "provider": "email", "email": u.email,
			"identity_data":   map[string]any{"email": u.email, "email_verified": false, "phone_verified": false, "sub": u.id.String()},
			"last_sign_in_at": now, "created_at": now, "updated_at": now,
		}},
		"created_at": now, "updated_at": now, "is_anonymous": false,
	}
	if u.confirmed {
		j["email_confirmed_at"], j["confirmed_at"], j["last_sign_in_at"] = now, now, now
	} else {
		j["confirmation_sent_at"] = now
	}
	return j
}

// newSession starts a session for u; f.mu is held.
func (f *fakeGoTrue) newSession(u *fakeUser) map[string]any {
	access, refresh := "access-"+randomToken(), randomToken()
	f.access[access], f.refresh[refresh] = u, u
	return map[string]any{
		"access_token": access, "token_type": "bearer", "expires_in": 3600,
		"expires_at": time.Now().Add(time.Hour).Unix(), "refresh_token": refresh,
		"user": userJSON(u), "weak_password": nil,
	}
}

func (f *fakeGoTrue) signup(w http.ResponseWriter, r *http.Request) {
	var req struct{ Email, Password string }
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Email == "" {
		apiError(w, http.StatusBadRequest, "validation_failed", "Unable to validate email address: invalid format")
		return
	}
	if len(req.Password) < 6 {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
			"code": 422, "error_code": "weak_password", "msg": "Password should be at least 6 characters.",
			"weak_password": map[string]any{"reasons": []string{"length"}},
		})
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	email := strings.ToLower(req.Email)
	u, exists := f.users[email]
	switch {
	case exists && f.autoconfirm:
		apiError(w, http.StatusUnprocessableEntity, "user_already_exists", "User already registered")
	case exists && u.confirmed:
		// With confirmation on, GoTrue hides the account behind a made-up
		// user without identities.
		fake := userJSON(&fakeUser{id: uuid.New(), email: email})
		fake["identities"] = []any{}
		writeJSON(w, http.StatusOK, fake)
	case exists:
		writeJSON(w, http.StatusOK, userJSON(u)) // confirmation resent
	default:
		u = &fakeUser{id: uuid.New(), email: email, password: req.Password, confirmed: f.autoconfirm}
		f.users[email] = u
		if f.autoconfirm {
			writeJSON(w, http.StatusOK, f.newSession(u))
			return
		}
		writeJSON(w, http.StatusOK, userJSON(u))
	}
}

func (f *fakeGoTrue) token(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Email        string `json:"email"`
		Password     string `json:"password"`
		RefreshToken string `json:"refresh_token"`
	}
	_ = json.NewDecoder(r.Body).Decode(&req)
	f.mu.Lock()
	defer f.mu.Unlock()
	switch r.URL.Query().Get("grant_type") {
	case "password":
		u, ok := f.users[strings.ToLower(req.Email)]
		if !ok || u.password != req.Password {
			apiError(w, http.StatusBadRequest, "invalid_credentials", "Invalid login credentials")
			return
		}
		if !u.confirmed {
			apiError(w, http.StatusBadRequest, "email_not_confirmed", "Email not confirmed")
			return
		}
		writeJSON(w, http.StatusOK, f.newSession(u))
	case "refresh_token":
		u, ok := f.refresh[req.RefreshToken]
		if !ok {
			apiError(w, http.StatusBadRequest, "refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found")
			return
		}
		delete(f.refresh, req.RefreshToken) // rotation
		writeJSON(w, http.StatusOK, f.newSession(u))
	default:
		apiError(w, http.StatusBadRequest, "unsupported_grant_type", "unsupported_grant_type")
	}
}

func (f *fakeGoTrue) logout(w http.ResponseWriter, r *http.Request) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	f.mu.Lock()
	defer f.mu.Unlock()
	u, known := f.access[token]
	if !ok || !known {
		apiError(w, http.StatusForbidden, "bad_jwt", "invalid JWT: unable to parse or verify signature")
		return
	}
	// scope=global, GoTrue's default: every session of the user ends.
	for t, owner := range f.refresh {
		if owner == u {
			delete(f.refresh, t)
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

func (f *fakeGoTrue) deleteUser(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+testServiceKey {
		apiError(w, http.StatusForbidden, "not_admin", "User not allowed")
		return
	}
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		apiError(w, http.StatusNotFound, "user_not_found", "User not found")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for email, u := range f.users {
		if u.id == id {
			delete(f.users, email)
			writeJSON(w, http.StatusOK, map[string]any{})
			return
		}
	}
	apiError(w, http.StatusNotFound, "user_not_found", "User not found")
}

func newTestGoTrue(t testing.TB, cfg GoTrueConfig) *GoTrue {
	t.Helper()
	g, err := NewGoTrue(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestNewGoTrue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url     string
		wantErr bool
	}{
		{"http://localhost:9999", false},
		{"https://abc.supabase.co/auth/v1/", false},
		{"", true},
		{"localhost:9999", true},
		{"/auth/v1", true},
		{"ftp://example.com", true},
		{"http://[::1", true},
	}
	for _, tc := range tests {
		t.Run(tc.url, func(t *testing.T) {
			t.Parallel()
			_, err := NewGoTrue(GoTrueConfig{URL: tc.url, AnonKey: testAnonKey})
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
		})
	}
}

// TestGoTrueFlow walks an account through its life and checks each request
// GoTrue receives.
func TestGoTrueFlow(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	f := newFakeGoTrue(t, true)
	// A trailing slash, as people write URLs.
	g := newTestGoTrue(t, GoTrueConfig{URL: f.URL + gotruePrefix + "/", AnonKey: testAnonKey, ServiceRoleKey: testServiceKey})
	const email, password = "ada@example.com", "correct horse"

	up, err := g.SignUp(ctx, email, password)
	if err != nil {
		t.Fatalf("SignUp: %v", err)
	}
	if !up.HasTokens() || up.RefreshToken == "" || up.User.ID == uuid.Nil || up.User.Email != email {
		t.Fatalf("SignUp session = %+v", up)
	}
	if up.ExpiresIn != 3600 || time.Until(up.ExpiresAt) < 59*time.Minute {
		t.Fatalf("SignUp expiry = %d s, %v", up.ExpiresIn, up.ExpiresAt)
	}
	if _, err := g.SignUp(ctx, email, password); !errors.Is(err, ErrEmailTaken) {
		t.Fatalf("second SignUp err = %v, want ErrEmailTaken", err)
	}

	in, err := g.SignIn(ctx, email, password)
	if err != nil {
		t.Fatalf("SignIn: %v", err)
	}
	if in.User.ID != up.User.ID || !in.HasTokens() {
		t.Fatalf("SignIn session = %+v", in)
	}
	if _, err := g.SignIn(ctx, email, "wrong password"); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("SignIn with a wrong password err = %v, want ErrInvalidCredentials", err)
	}

	ref, err := g.Refresh(ctx, in.RefreshToken)
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if ref.RefreshToken == in.RefreshToken || ref.User.ID != up.User.ID {
		t.Fatalf("Refresh session = %+v", ref)
	}
	if _, err := g.Refresh(ctx, in.RefreshToken); !errors.Is(err, ErrInvalidRefreshToken) {
		t.Fatalf("reused refresh token err = %v, want ErrInvalidRefreshToken", err)
	}

	if err := g.SignOut(ctx, ref.AccessToken, Claims{}); err != nil {
		t.Fatalf("SignOut: %v", err)
	}
	if _, err := g.Refresh(ctx, ref.RefreshToken); !errors.Is(err, ErrInvalidRefreshToken) {
		t.Fatalf("Refresh after SignOut err = %v, want ErrInvalidRefreshToken", err)
	}

	if err := g.DeleteUser(ctx, up.User.ID); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	if _, err := g.SignIn(ctx, email, password); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("SignIn after DeleteUser err = %v, want ErrInvalidCredentials", err)
	}

	p := gotruePrefix
	want := []fakeRequest{
		{"POST", p + "/signup", testAnonKey, ""},
		{"POST", p + "/signup", testAnonKey, ""},
		{"POST", p + "/token?grant_type=password", testAnonKey, ""},
		{"POST", p + "/token?grant_type=password", testAnonKey, ""},
		{"POST", p + "/token?grant_type=refresh_token", testAnonKey, ""},
		{"POST", p + "/token?grant_type=refresh_token", testAnonKey, ""},
		{"POST", p + "/logout", testAnonKey, "Bearer " + ref.AccessToken},
		{"POST", p + "/token?grant_type=refresh_token", testAnonKey, ""},
		{"DELETE", p + "/admin/users/" + up.User.ID.String(), testAnonKey, "Bearer " + testServiceKey},
		{"POST", p + "/token?grant_type=password", testAnonKey, ""},
	}
	got := f.takeRequests()
	if len(got) != len(want) {
		t.Fatalf("GoTrue got %d requests, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("request %d = %+v\nwant        %+v", i, got[i], want[i])
		}
	}
}

func TestGoTrueSignUpAwaitingConfirmation(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	f := newFakeGoTrue(t, false)
	g := newTestGoTrue(t, GoTrueConfig{URL: f.URL + gotruePrefix, AnonKey: testAnonKey})

	s, err := g.SignUp(ctx, "ada@example.com", "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if s.HasTokens() || s.RefreshToken != "" || !s.ExpiresAt.IsZero() {
		t.Fatalf("session = %+v, want no tokens", s)
	}
	if s.User.ID == uuid.Nil || s.User.Email != "ada@example.com" {
		t.Fatalf("user = %+v", s.User)
	}
	if _, err := g.SignIn(ctx, "ada@example.com", "correct horse"); !errors.Is(err, ErrEmailNotConfirmed) {
		t.Fatalf("SignIn before confirmation err = %v, want ErrEmailNotConfirmed", err)
	}

	// Signing up again before confirming resends the mail: same user.
	again, err := g.SignUp(ctx, "ada@example.com", "correct horse")
	if err != nil || again.User.ID != s.User.ID {
		t.Fatalf("second SignUp = %+v, %v; want the same user", again, err)
	}

	// Once confirmed, GoTrue answers with a made-up user.
	f.mu.Lock()
	f.users["ada@example.com"].confirmed = true
	f.mu.Unlock()
	if _, err := g.SignUp(ctx, "ada@example.com", "correct horse"); !errors.Is(err, ErrEmailTaken) {
		t.Fatalf("SignUp of a confirmed address err = %v, want ErrEmailTaken", err)
	}
}

// errNoSentinel marks a case whose error is a *GoTrueError and none of the
// Provider errors.
var errNoSentinel = errors.New("no sentinel")

var sentinels = []error{ErrEmailTaken, ErrInvalidCredentials, ErrInvalidRefreshToken, ErrWeakPassword, ErrUnavailable, ErrInvalidToken}

// TestGoTrueErrors: each error response GoTrue gives maps to its error.
func TestGoTrueErrors(t *testing.T) {
	t.Parallel()
	signUp := func(ctx context.Context, g *GoTrue) error {
		_, err := g.SignUp(ctx, "ada@example.com", "correct horse")
		return err
	}
	signIn := func(ctx context.Context, g *GoTrue) error {
		_, err := g.SignIn(ctx, "ada@example.com", "correct horse")
		return err
	}
	refresh := func(ctx context.Context, g *GoTrue) error {
		_, err := g.Refresh(ctx, "r3fr3sh")
		return err
	}
	signOut := func(ctx context.Context, g *GoTrue) error { return g.SignOut(ctx, "access", Claims{}) }
	deleteUser := func(ctx context.Context, g *GoTrue) error { return g.DeleteUser(ctx, uuid.New()) }

	tests := []struct {
		name    string
		call    func(context.Context, *GoTrue) error
		status  int
		body    string
		want    error  // nil: success
		wantMsg string // in the error, when set
	}{
		{"signup user_already_exists", signUp, 422, `{"code":422,"error_code":"user_already_exists","msg":"User already registered"}`, ErrEmailTaken, ""},
		{"signup email_exists", signUp, 422, `{"code":422,"error_code":"email_exists","msg":"A user with this email address has already been registered"}`, ErrEmailTaken, ""},
		{"signup already registered, no error_code", signUp, 400, `{"code":400,"msg":"User already registered"}`, ErrEmailTaken, ""},
		{"signup weak_password", signUp, 422, `{"code":422,"error_code":"weak_password","msg":"Password is known to be weak and easy to guess, please choose a different one.","weak_password":{"reasons":["pwned"]}}`, ErrWeakPassword, "known to be weak"},
		{"signup weak password, no error_code", signUp, 422, `{"code":422,"msg":"Password should be at least 10 characters"}`, ErrWeakPassword, "at least 10 characters"},
		{"signup invalid e-mail", signUp, 400, `{"code":400,"error_code":"validation_failed","msg":"Unable to validate email address: invalid format"}`, errNoSentinel, "invalid format"},
		{"signup signups disabled", signUp, 422, `{"code":422,"error_code":"signup_disabled","msg":"Signups not allowed for this instance"}`, errNoSentinel, "signup_disabled"},
		{"signup rate limited", signUp, 429, `{"code":429,"error_code":"over_email_send_rate_limit","msg":"email rate limit exceeded"}`, ErrUnavailable, ""},
		{"signup 500", signUp, 500, `{"code":500,"error_code":"unexpected_failure","msg":"Database error saving new user"}`, ErrUnavailable, "Database error"},
		{"signin invalid_credentials", signIn, 400, `{"code":400,"error_code":"invalid_credentials","msg":"Invalid login credentials"}`, ErrInvalidCredentials, ""},
		{"signin invalid_grant, older GoTrue", signIn, 400, `{"error":"invalid_grant","error_description":"Invalid login credentials"}`, ErrInvalidCredentials, ""},
		{"signin email_not_confirmed", signIn, 400, `{"code":400,"error_code":"email_not_confirmed","msg":"Email not confirmed"}`, ErrEmailNotConfirmed, "Email not confirmed"},
		{"signin 502 from a proxy", signIn, 502, `<html><body>Bad Gateway</body></html>`, ErrUnavailable, ""},
		{"signin 200 not JSON", signIn, 200, `<html>`, ErrUnavailable, ""},
		{"signin 200 without a session", signIn, 200, `{}`, ErrUnavailable, ""},
		{"refresh refresh_token_not_found", refresh, 400, `{"code":400,"error_code":"refresh_token_not_found","msg":"Invalid Refresh Token: Refresh Token Not Found"}`, ErrInvalidRefreshToken, ""},
		{"refresh refresh_token_already_used", refresh, 400, `{"code":400,"error_code":"refresh_token_already_used","msg":"Invalid Refresh Token: Already Used"}`, ErrInvalidRefreshToken, ""},
		{"refresh invalid_grant, older GoTrue", refresh, 400, `{"error":"invalid_grant","error_description":"Invalid Refresh Token"}`, ErrInvalidRefreshToken, ""},
		{"refresh 401", refresh, 401, `{"code":401,"msg":"Unauthorized"}`, ErrInvalidRefreshToken, ""},
		{"refresh 503", refresh, 503, ``, ErrUnavailable, ""},
		{"signout 204", signOut, 204, ``, nil, ""},
		{"signout session gone", signOut, 403, `{"code":403,"error_code":"session_not_found","msg":"Session from session_id claim in JWT does not exist"}`, nil, ""},
		{"signout 401", signOut, 401, `{"code":401,"error_code":"no_authorization","msg":"This endpoint requires a Bearer token"}`, nil, ""},
		{"signout 404", signOut, 404, `{"code":404,"msg":"Not found"}`, nil, ""},
		{"signout 500", signOut, 500, `{"code":500,"msg":"Internal server error"}`, ErrUnavailable, ""},
		{"delete 200", deleteUser, 200, `{}`, nil, ""},
		{"delete user_not_found", deleteUser, 404, `{"code":404,"error_code":"user_not_found","msg":"User not found"}`, nil, ""},
		{"delete not_admin", deleteUser, 403, `{"code":403,"error_code":"not_admin","msg":"User not allowed"}`, errNoSentinel, "not_admin"},
		{"delete 500", deleteUser, 500, `{"code":500,"msg":"Database error deleting user"}`, ErrUnavailable, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			t.Cleanup(srv.Close)
			g := newTestGoTrue(t, GoTrueConfig{URL: srv.URL, AnonKey: testAnonKey, ServiceRoleKey: testServiceKey})

			err := tc.call(t.Context(), g)
			switch tc.want {
			case nil:
				if err != nil {
					t.Fatalf("err = %v, want nil", err)
				}
				return
			case errNoSentinel:
				if _, ok := errors.AsType[*GoTrueError](err); !ok {
					t.Fatalf("err = %v, want a *GoTrueError", err)
				}
				for _, s := range sentinels {
					if errors.Is(err, s) {
						t.Fatalf("err = %v, want no sentinel, is %v", err, s)
					}
				}
			default:
				if !errors.Is(err, tc.want) {
					t.Fatalf("err = %v, want %v", err, tc.want)
				}
			}
			// The core shows what follows this prefix to the user.
			if tc.want == ErrWeakPassword && !strings.HasPrefix(err.Error(), ErrWeakPassword.Error()+": ") {
				t.Fatalf("err = %q, want it to start %q", err, ErrWeakPassword.Error()+": ")
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Fatalf("err = %q, want it to say %q", err, tc.wantMsg)
			}
		})
	}
}

// TestGoTrueSessionExpiry: expires_at when GoTrue sends it, else now plus
// expires_in.
func TestGoTrueSessionExpiry(t *testing.T) {
	t.Parallel()
	id := uuid.New()
	tests := []struct {
		name string
		body string
		want time.Time
	}{
		{"expires_at", `{"access_token":"a","refresh_token":"r","expires_in":3600,"expires_at":1893456000,"user":{"id":"` + id.String() + `"}}`, time.Unix(1893456000, 0)},
		{"expires_in only", `{"access_token":"a","refresh_token":"r","expires_in":600,"user":{"id":"` + id.String() + `"}}`, testNow.Add(10 * time.Minute)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte(tc.body))
			}))
			t.Cleanup(srv.Close)
			g := newTestGoTrue(t, GoTrueConfig{URL: srv.URL, AnonKey: testAnonKey})
			g.now = func() time.Time { return testNow }
			s, err := g.SignIn(t.Context(), "ada@example.com", "correct horse")
			if err != nil {
				t.Fatal(err)
			}
			if !s.ExpiresAt.Equal(tc.want) || s.User.ID != id {
				t.Fatalf("session = %+v, want ExpiresAt %v", s, tc.want)
			}
		})
	}
}

// TestGoTrueRefusesLocally: inputs that cannot succeed never reach GoTrue.
func TestGoTrueRefusesLocally(t *testing.T) {
	t.Parallel()
	f := newFakeGoTrue(t, true)
	g := newTestGoTrue(t, GoTrueConfig{URL: f.URL + gotruePrefix, AnonKey: testAnonKey}) // no service role key
	ctx := t.Context()
	tests := []struct {
		name string
		call func() error
		want error // nil: any error
	}{
		{"short password", func() error { _, err := g.SignUp(ctx, "ada@example.com", "1234567"); return err }, ErrWeakPassword},
		{"empty password", func() error { _, err := g.SignIn(ctx, "ada@example.com", ""); return err }, ErrInvalidCredentials},
		{"empty e-mail", func() error { _, err := g.SignIn(ctx, " ", "correct horse"); return err }, ErrInvalidCredentials},
		{"empty refresh token", func() error { _, err := g.Refresh(ctx, ""); return err }, ErrInvalidRefreshToken},
		{"empty access token", func() error { return g.SignOut(ctx, "", Claims{}) }, ErrInvalidToken},
		{"delete without service role key", func() error { return g.DeleteUser(ctx, uuid.New()) }, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	if r := f.takeRequests(); len(r) != 0 {
		t.Fatalf("GoTrue got requests: %+v", r)
	}
}

func TestGoTrueDown(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	g := newTestGoTrue(t, GoTrueConfig{URL: srv.URL, AnonKey: testAnonKey, ServiceRoleKey: testServiceKey})
	ctx := t.Context()
	calls := map[string]func() error{
		"SignUp":     func() error { _, err := g.SignUp(ctx, "ada@example.com", "correct horse"); return err },
		"SignIn":     func() error { _, err := g.SignIn(ctx, "ada@example.com", "correct horse"); return err },
		"Refresh":    func() error { _, err := g.Refresh(ctx, "r"); return err },
		"SignOut":    func() error { return g.SignOut(ctx, "a", Claims{}) },
		"DeleteUser": func() error { return g.DeleteUser(ctx, uuid.New()) },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if err := call(); !errors.Is(err, ErrUnavailable) {
				t.Fatalf("err = %v, want ErrUnavailable", err)
			}
		})
	}
}

// TestGoTrueDeadlines: a slow GoTrue is given up on when the caller's
// context ends (the caller's doing, not ErrUnavailable) or when the
// client's timeout passes (ErrUnavailable).
func TestGoTrueDeadlines(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })

	tests := []struct {
		name        string
		timeout     time.Duration // the client's
		ctxTimeout  time.Duration
		want        error
		unavailable bool
	}{
		{"caller's deadline", time.Minute, 100 * time.Millisecond, context.DeadlineExceeded, false},
		{"client's timeout", 100 * time.Millisecond, time.Minute, context.DeadlineExceeded, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := newTestGoTrue(t, GoTrueConfig{URL: srv.URL, AnonKey: testAnonKey, HTTPClient: &http.Client{Timeout: tc.timeout}})
			ctx, cancel := context.WithTimeout(t.Context(), tc.ctxTimeout)
			defer cancel()
			start := time.Now()
			_, err := g.SignIn(ctx, "ada@example.com", "correct horse")
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("SignIn returned after %s", d)
			}
			if !errors.Is(err, tc.want) || errors.Is(err, ErrUnavailable) != tc.unavailable {
				t.Fatalf("err = %v, want %v (ErrUnavailable: %v)", err, tc.want, tc.unavailable)
			}
		})
	}
}

func TestParseGoTrueError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  string
		want *GoTrueError
	}{
		{`response status code 422: {"code":422,"error_code":"weak_password","msg":"too short"}`, &GoTrueError{422, "weak_password", "too short"}},
		{`response status code 400: {"error":"invalid_grant","error_description":"Invalid login credentials"}`, &GoTrueError{400, "invalid_grant", "Invalid login credentials"}},
		{`response status code 400: {"code":"validation_failed","message":"bad email"}`, &GoTrueError{400, "validation_failed", "bad email"}},
		{`response status code 502: <html>bad gateway</html>`, &GoTrueError{502, "", "<html>bad gateway</html>"}},
		{`response status code 503`, &GoTrueError{503, "", ""}},
		{`response status code 500: `, &GoTrueError{500, "", ""}},
		{`response status code abc: {}`, nil},
		{`Post "http://x/token": dial tcp: connection refused`, nil},
	}
	for _, tc := range tests {
		got, ok := parseGoTrueError(errors.New(tc.err))
		if tc.want == nil {
			if ok {
				t.Errorf("parseGoTrueError(%q) = %+v, want none", tc.err, got)
			}
			continue
		}
		if !ok || *got != *tc.want {
			t.Errorf("parseGoTrueError(%q) = %+v, want %+v", tc.err, got, tc.want)
		}
	}
}
