package auth

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/supabase-community/gotrue-go"
	"github.com/supabase-community/gotrue-go/types"
)

// defaultGoTrueTimeout is gotrue-go's own default, used when the configured
// client sets none.
const defaultGoTrueTimeout = 10 * time.Second

// GoTrueConfig configures the GoTrue (Supabase Auth) provider.
type GoTrueConfig struct {
	// URL is GoTrue's base URL (GOTRUE_URL), e.g. http://localhost:9999 or
	// https://<project>.supabase.co/auth/v1.
	URL string
	// AnonKey is sent as apikey on every request (GOTRUE_ANON_KEY).
	AnonKey string
	// ServiceRoleKey authorises the admin delete (GOTRUE_SERVICE_ROLE_KEY);
	// DeleteUser fails without it.
	ServiceRoleKey string
	// HTTPClient is the client to call GoTrue with; its Timeout bounds each
	// call (10s when zero).
	HTTPClient *http.Client
}

// GoTrue is the Provider backed by Supabase Auth.
type GoTrue struct {
	api            gotrue.Client
	serviceRoleKey string
	httpClient     http.Client // template for the per-call client
	transport      http.RoundTripper
	timeout        time.Duration
	now            func() time.Time
}

var _ Provider = (*GoTrue)(nil)

// NewGoTrue returns a GoTrue provider for cfg.
func NewGoTrue(cfg GoTrueConfig) (*GoTrue, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("auth: gotrue: URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("auth: gotrue: URL %q is not an absolute http(s) URL", cfg.URL)
	}
	var hc http.Client
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	}
	g := &GoTrue{
		// The project reference is unused: the custom URL replaces it.
		api:            gotrue.New("", cfg.AnonKey).WithCustomGoTrueURL(strings.TrimRight(cfg.URL, "/")),
		serviceRoleKey: cfg.ServiceRoleKey,
		transport:      cmp.Or(hc.Transport, http.DefaultTransport),
		timeout:        cmp.Or(hc.Timeout, defaultGoTrueTimeout),
		now:            time.Now,
	}
	// The deadline travels in the request context instead (see client).
	hc.Timeout = 0
	g.httpClient = hc
	return g, nil
}

// SignUp registers email. With e-mail confirmation on, GoTrue answers with
// the user only, and so does SignUp: a Session without tokens.
func (g *GoTrue) SignUp(ctx context.Context, email, password string) (Session, error) {
	if err := ValidatePassword(password); err != nil {
		return Session{}, err
	}
	callCtx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	res, err := g.client(callCtx).Signup(types.SignupRequest{Email: strings.TrimSpace(email), Password: password})
	if err != nil {
		return Session{}, failure(ctx, "signup", err, signUpError)
	}
	if res.User.ID == uuid.Nil {
		return Session{}, fmt.Errorf("gotrue signup: %w: response without a user", ErrUnavailable)
	}
	// With confirmation on and the address already confirmed, GoTrue hides
	// that the account exists behind a made-up user with no identities; a
	// real new user always has its e-mail identity. The made-up id is nobody.
	if res.User.Identities != nil && len(res.User.Identities) == 0 {
		return Session{}, fmt.Errorf("gotrue signup: %w", ErrEmailTaken)
	}
	return g.session(res.Session, res.User), nil
}

// SignIn exchanges e-mail and password for a session.
func (g *GoTrue) SignIn(ctx context.Context, email, password string) (Session, error) {
	// gotrue-go refuses empty fields itself, with an error of its own.
	if strings.TrimSpace(email) == "" || password == "" {
		return Session{}, ErrInvalidCredentials
	}
	callCtx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	res, err := g.client(callCtx).SignInWithEmailPassword(strings.TrimSpace(email), password)
	if err != nil {
		return Session{}, failure(ctx, "signin", err, signInError)
	}
	return g.tokenSession("signin", res)
}

// Refresh exchanges a refresh token for a new session; GoTrue rotates the
// refresh token.
func (g *GoTrue) Refresh(ctx context.Context, refreshToken string) (Session, error) {
	if refreshToken == "" {
		return Session{}, ErrInvalidRefreshToken
	}
	callCtx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	res, err := g.client(callCtx).RefreshToken(refreshToken)
	if err != nil {
		return Session{}, failure(ctx, "refresh", err, refreshError)
	}
	return g.tokenSession("refresh", res)
}

// SignOut ends the session at GoTrue. GoTrue finds the session from the
// token itself, so claims are not needed.
func (g *GoTrue) SignOut(ctx context.Context, accessToken string, _ Claims) error {
	if accessToken == "" {
		return ErrInvalidToken
	}
	callCtx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	err := g.client(callCtx).WithToken(accessToken).Logout()
	if err == nil {
		return nil
	}
	// As supabase-js: GoTrue answering that it does not know the session or
	// the token means there is nothing left to sign out.
	if e, ok := parseGoTrueError(err); ok && (e.Status == http.StatusUnauthorized ||
		e.Status == http.StatusForbidden || e.Status == http.StatusNotFound) {
		return nil
	}
	return failure(ctx, "signout", err, nil)
}

// DeleteUser deletes the user at GoTrue with the service role key. A user
// GoTrue does not know is already deleted.
func (g *GoTrue) DeleteUser(ctx context.Context, userID uuid.UUID) error {
	if g.serviceRoleKey == "" {
		return errors.New("gotrue delete user: no service role key configured")
	}
	callCtx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	err := g.client(callCtx).WithToken(g.serviceRoleKey).AdminDeleteUser(types.AdminDeleteUserRequest{UserID: userID})
	if err == nil {
		return nil
	}
	if e, ok := parseGoTrueError(err); ok && e.Status == http.StatusNotFound {
		return nil
	}
	return failure(ctx, "delete user", err, nil)
}

// client returns the API client for one call. gotrue-go's methods take no
// context, so the context rides on the transport: the request is cancelled
// when the caller gives up or the call times out.
func (g *GoTrue) client(ctx context.Context) gotrue.Client {
	hc := g.httpClient
	hc.Transport = ctxTransport{ctx: ctx, next: g.transport}
	return g.api.WithClient(hc)
}

// ctxTransport sends every request with its context.
type ctxTransport struct {
	ctx  context.Context
	next http.RoundTripper
}

func (t ctxTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return t.next.RoundTrip(r.WithContext(t.ctx))
}

func (g *GoTrue) tokenSession(op string, res *types.TokenResponse) (Session, error) {
	if res.AccessToken == "" || res.User.ID == uuid.Nil {
		return Session{}, fmt.Errorf("gotrue %s: %w: response without a session", op, ErrUnavailable)
	}
	return g.session(res.Session, res.User), nil
}

// session maps GoTrue's session; u is passed apart because a sign-up
// without a session still has a user.
func (g *GoTrue) session(s types.Session, u types.User) Session {
	out := Session{
		AccessToken:  s.AccessToken,
		RefreshToken: s.RefreshToken,
		ExpiresIn:    s.ExpiresIn,
		User:         User{ID: u.ID, Email: u.Email},
	}
	switch {
	case s.ExpiresAt > 0:
		out.ExpiresAt = time.Unix(s.ExpiresAt, 0)
	case s.ExpiresIn > 0:
		out.ExpiresAt = g.now().Add(time.Duration(s.ExpiresIn) * time.Second)
	}
	return out
}

// failure maps an error from gotrue-go. ctx is the caller's: if it ended,
// the caller gave up and GoTrue is not to blame. sentinel, if not nil, picks
// the Provider error for an error response.
func failure(ctx context.Context, op string, err error, sentinel func(*GoTrueError) error) error {
	e, ok := parseGoTrueError(err)
	switch {
	case !ok && ctx.Err() != nil:
		return fmt.Errorf("gotrue %s: %w", op, ctx.Err())
	case !ok:
		// Transport failure, timeout, or a 2xx body that is not JSON.
		return fmt.Errorf("gotrue %s: %w: %w", op, ErrUnavailable, err)
	case e.Status >= 500 || e.Status == http.StatusTooManyRequests:
		return fmt.Errorf("gotrue %s: %w: %w", op, ErrUnavailable, e)
	}
	if sentinel != nil {
		switch s := sentinel(e); {
		case errors.Is(s, ErrWeakPassword):
			// Shown to the user as ValidatePassword's is: no prefix.
			return s
		case s != nil:
			return fmt.Errorf("gotrue %s: %w", op, s)
		}
	}
	return fmt.Errorf("gotrue %s: %w", op, e)
}

func signUpError(e *GoTrueError) error {
	msg := strings.ToLower(e.Message)
	switch {
	case e.Code == "user_already_exists" || e.Code == "email_exists" ||
		strings.Contains(msg, "already registered") || strings.Contains(msg, "already been registered"):
		return fmt.Errorf("%w (%w)", ErrEmailTaken, e)
	case e.Code == "weak_password" || strings.Contains(msg, "password should"):
		// GoTrue's message says which rule the password broke.
		return fmt.Errorf("%w: %s", ErrWeakPassword, e.Message)
	}
	return nil
}

func signInError(e *GoTrueError) error {
	if e.Code == "email_not_confirmed" {
		return fmt.Errorf("%w (%w)", ErrEmailNotConfirmed, e)
	}
	// invalid_grant is the OAuth error of older GoTrue versions.
	if e.Status == http.StatusBadRequest && (e.Code == "invalid_grant" || e.Code == "invalid_credentials") {
		return fmt.Errorf("%w (%w)", ErrInvalidCredentials, e)
	}
	return nil
}

func refreshError(e *GoTrueError) error {
	if e.Status == http.StatusBadRequest || e.Status == http.StatusUnauthorized {
		return fmt.Errorf("%w (%w)", ErrInvalidRefreshToken, e)
	}
	return nil
}

// GoTrueError is an error response from GoTrue.
type GoTrueError struct {
	Status  int    // HTTP status
	Code    string // error_code, or the OAuth error of older versions
	Message string // msg, or error_description
}

func (e *GoTrueError) Error() string {
	s := "gotrue: status " + strconv.Itoa(e.Status)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// parseGoTrueError recovers the status and body from gotrue-go's
// fmt.Errorf("response status code %d: %s", status, body).
func parseGoTrueError(err error) (*GoTrueError, bool) {
	rest, ok := strings.CutPrefix(err.Error(), "response status code ")
	if !ok {
		return nil, false
	}
	num, body, _ := strings.Cut(rest, ": ")
	status, convErr := strconv.Atoi(num)
	if convErr != nil {
		return nil, false
	}
	e := &GoTrueError{Status: status}
	// Newer GoTrue: {"code":422,"error_code":"...","msg":"..."}; older, on
	// /token: {"error":"invalid_grant","error_description":"..."}; with an
	// API version header "code" is the string and "message" the text.
	var b struct {
		Code             json.RawMessage `json:"code"`
		ErrorCode        string          `json:"error_code"`
		Msg              string          `json:"msg"`
		Message          string          `json:"message"`
		Error            string          `json:"error"`
		ErrorDescription string          `json:"error_description"`
	}
	if json.Unmarshal([]byte(body), &b) != nil {
		e.Message = body
		return e, true
	}
	var code string
	_ = json.Unmarshal(b.Code, &code) // a number in the default format
	e.Code = cmp.Or(b.ErrorCode, code, b.Error)
	e.Message = cmp.Or(b.Msg, b.Message, b.ErrorDescription, b.Error)
	return e, true
}
