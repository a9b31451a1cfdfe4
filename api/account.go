package api

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/xentri/xentri/internal/auth"
	"github.com/xentri/xentri/internal/idempotency"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/core"
)

// Sign-in limits: per e-mail address against guessing one account's
// password, per client address against spraying many accounts.
const (
	loginPerEmail = 10
	loginPerIP    = 30
	loginWindow   = time.Minute
	signupPerIP   = 20
)

// Account is the caller's own account (services/core/account.go): sign-up,
// sign-in, refresh, sign-out, /me and account deletion.
type Account struct {
	Core           *core.Service
	Limiter        Limiter
	Idempotency    *idempotency.Store
	AllowedOrigins []string
}

// Routes mounts the account routes (a Caller context).
func (h *Account) Routes(r chi.Router) {
	// Sign-up keeps its Idempotency-Key per e-mail address. Sign-in and
	// refresh do not take one: a retried sign-in is just another session,
	// and their answers carry live credentials, which are not to be kept in
	// the database for replay.
	r.With(idempotent(h.Idempotency, bySignUpEmail)).Post("/auth/signup", h.signup)
	r.Post("/auth/login", h.login)
	r.Post("/auth/refresh", h.refresh)
	r.With(requireAuth).Post("/auth/logout", h.logout)
	r.With(requireAuth).Get("/me", h.me)
	r.With(requireAuth, idempotent(h.Idempotency, byUser)).Delete("/account", h.deleteAccount)
}

type sessionBody struct {
	AccessToken  string    `json:"access_token"`
	TokenType    string    `json:"token_type"`
	ExpiresIn    int       `json:"expires_in"`
	ExpiresAt    time.Time `json:"expires_at"`
	RefreshToken string    `json:"refresh_token"`
}

func sessionOf(s auth.Session) *sessionBody {
	if !s.HasTokens() {
		return nil
	}
	return &sessionBody{AccessToken: s.AccessToken, TokenType: "bearer", ExpiresIn: s.ExpiresIn, ExpiresAt: s.ExpiresAt.UTC(), RefreshToken: s.RefreshToken}
}

type userBody struct {
	ID    uuid.UUID `json:"id"`
	Email string    `json:"email"`
}

// SignedIn is the answer to a sign-up, sign-in or refresh.
type SignedIn struct {
	User    userBody     `json:"user"`
	Org     *core.Org    `json:"org,omitempty"` // the first org, on sign-up
	Session *sessionBody `json:"session"`
	// ConfirmationRequired: the provider wants the e-mail address
	// confirmed before it gives a session (sign-up only).
	ConfirmationRequired *bool `json:"confirmation_required,omitempty"`
}

func signedIn(s auth.Session) SignedIn {
	return SignedIn{User: userBody{ID: s.User.ID, Email: s.User.Email}, Session: sessionOf(s)}
}

func (h *Account) limit(w http.ResponseWriter, r *http.Request, key string, n int) bool {
	return allowed(w, r, h.Limiter, key, n, loginWindow)
}

func (h *Account) signup(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
		OrgName  string `json:"org_name"`
	}
	if err := DecodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	if !h.limit(w, r, "signup:ip:"+clientIP(r), signupPerIP) {
		return
	}
	sess, org, err := h.Core.SignUp(r.Context(), core.SignUpInput{Email: in.Email, Password: in.Password, OrgName: in.OrgName})
	if err != nil {
		writeError(w, r, err)
		return
	}
	if sess.HasTokens() {
		setSessionCookies(w, r, sess)
	}
	out := signedIn(sess)
	confirm := !sess.HasTokens()
	out.Org, out.ConfirmationRequired = &org, &confirm
	respond(w, http.StatusCreated, out, Meta{})
}

func (h *Account) login(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := DecodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	if !h.limit(w, r, "login:ip:"+clientIP(r), loginPerIP) || !h.limit(w, r, "login:email:"+normKey(in.Email), loginPerEmail) {
		return
	}
	sess, err := h.Core.SignIn(r.Context(), in.Email, in.Password)
	if err != nil {
		writeError(w, r, err)
		return
	}
	setSessionCookies(w, r, sess)
	respond(w, http.StatusOK, signedIn(sess), Meta{})
}

func (h *Account) refresh(w http.ResponseWriter, r *http.Request) {
	var in struct {
		RefreshToken string `json:"refresh_token"`
	}
	if err := DecodeOptionalJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	if in.RefreshToken == "" {
		c, err := r.Cookie(refreshCookie)
		if err == nil {
			// The cookie is sent automatically: check the origin (CSRF).
			if !sameOrigin(r, h.AllowedOrigins) {
				writeError(w, r, services.Errorf(services.Forbidden, "A refresh by cookie must come from this site."))
				return
			}
			in.RefreshToken = c.Value
		}
	}
	sess, err := h.Core.Refresh(r.Context(), in.RefreshToken)
	if err != nil {
		clearSessionCookies(w, r)
		writeError(w, r, err)
		return
	}
	setSessionCookies(w, r, sess)
	respond(w, http.StatusOK, signedIn(sess), Meta{})
}

func (h *Account) logout(w http.ResponseWriter, r *http.Request) {
	p, _ := principalFrom(r.Context())
	if p.Token != nil {
		writeError(w, r, services.Errorf(services.Forbidden, "API tokens have no session; revoke the token instead."))
		return
	}
	creds, _ := credentialsOf(r)
	if err := h.Core.SignOut(r.Context(), creds.token, p.Claims); err != nil {
		writeError(w, r, err)
		return
	}
	clearSessionCookies(w, r)
	w.WriteHeader(http.StatusNoContent)
}

// UserMe is a user calling /me: who they are, and their orgs.
type UserMe struct {
	User core.User  `json:"user"`
	Orgs []core.Org `json:"orgs"`
}

// TokenMe is an API token calling /me.
type TokenMe struct {
	Token struct {
		ID     uuid.UUID `json:"id"`
		OrgID  uuid.UUID `json:"org_id"`
		Scopes []string  `json:"scopes"`
	} `json:"token"`
}

func (h *Account) me(w http.ResponseWriter, r *http.Request) {
	p, _ := principalFrom(r.Context())
	if p.Token != nil {
		var out TokenMe
		out.Token.ID, out.Token.OrgID, out.Token.Scopes = p.Token.ID, p.Token.OrgID, p.Token.Scopes
		respond(w, http.StatusOK, out, Meta{})
		return
	}
	if err := h.Core.EnsureUser(r.Context(), p.Claims); err != nil {
		writeError(w, r, err)
		return
	}
	user, orgs, err := h.Core.Me(r.Context(), p.UserID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if orgs == nil {
		orgs = []core.Org{}
	}
	respond(w, http.StatusOK, UserMe{User: user, Orgs: orgs}, Meta{})
}

func (h *Account) deleteAccount(w http.ResponseWriter, r *http.Request) {
	p, _ := principalFrom(r.Context())
	if err := h.Core.DeleteAccount(r.Context(), p); err != nil {
		writeError(w, r, err)
		return
	}
	clearSessionCookies(w, r)
	w.WriteHeader(http.StatusNoContent)
}
