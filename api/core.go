package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/xentri/xentri/internal/auth"
	"github.com/xentri/xentri/internal/db"
	"github.com/xentri/xentri/internal/platform/logging"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/core"
	"github.com/xentri/xentri/services/integrations"
	"github.com/xentri/xentri/services/ops"
	"github.com/xentri/xentri/services/sales"
)

// Limiter rate-limits by key (cache.RateLimiter).
type Limiter interface {
	Allow(ctx context.Context, key string, limit int, window time.Duration) (bool, time.Duration, error)
}

// Login limits: per e-mail address against guessing one account's
// password, per client address against spraying many accounts.
const (
	loginPerEmail  = 10
	loginPerIP     = 30
	loginWindow    = time.Minute
	signupPerIP    = 20
	idemStaleAfter = 2 * time.Minute
)

// Core is what the identity and organisation endpoints need.
type Core struct {
	Service        *core.Service
	Integrations   *integrations.Service
	Hooks          *Hooks
	Sales          *sales.Service
	Ops            *ops.Service
	DB             *db.DB
	Verifier       TokenVerifier
	Limiter        Limiter
	AllowedOrigins []string
}

// CoreRoutes mounts authentication, the caller's account, orgs, members and
// API tokens. Tenant routes sit behind the org gate.
func CoreRoutes(c Core) func(chi.Router) {
	h := &coreHandlers{c: c}
	return func(r chi.Router) {
		r.Group(func(r chi.Router) { h.mount(r) })
	}
}

func (h *coreHandlers) mount(r chi.Router) {
	c := h.c
	{
		r.Use(authenticate(c.Verifier, c.Service, c.AllowedOrigins))
		r.Post("/auth/signup", h.signup)
		r.Post("/auth/login", h.login)
		r.Post("/auth/refresh", h.refresh)
		r.With(requireAuth).Post("/auth/logout", h.logout)

		r.Group(func(r chi.Router) {
			r.Use(requireAuth)
			r.Get("/me", h.me)
			r.Delete("/account", h.deleteAccount)
			r.Post("/orgs", h.createOrg)
			r.Get("/orgs", h.listOrgs)
		})

		if c.Hooks != nil {
			r.Post("/hooks/n8n/workflows/{name}", c.Hooks.startWorkflow)
		}
		leads := &leadHandlers{sales: c.Sales, db: c.DB, limiter: c.Limiter}
		if c.Sales != nil {
			r.Post("/public/orgs/{orgID}/leads", leads.capture)
		}

		r.Group(func(r chi.Router) {
			r.Use(orgGate(c.DB, c.Service, idemStaleAfter))
			if c.Hooks != nil {
				r.Get("/workflows/*", c.Hooks.workflowStatus)
			}
			if c.Sales != nil {
				leads.mountTenant(r)
			}
			if c.Ops != nil {
				(&opsHandlers{ops: c.Ops}).mountTenant(r)
			}
			r.Get("/orgs/{orgID}/members", h.listMembers)
			r.Post("/orgs/{orgID}/members", h.addMember)
			r.Patch("/orgs/{orgID}/members/{userID}", h.updateMember)
			r.Delete("/orgs/{orgID}/members/{userID}", h.removeMember)
			r.Get("/orgs/{orgID}/tokens", h.listTokens)
			r.Post("/orgs/{orgID}/tokens", h.createToken)
			r.Delete("/orgs/{orgID}/tokens/{tokenID}", h.revokeToken)
			r.Get("/notifications", h.listNotifications)
			r.Post("/notifications/{notificationID}/read", h.readNotification)
			if c.Integrations != nil {
				r.Get("/integrations/n8n/subscriptions", h.listSubscriptions)
				r.Post("/integrations/n8n/subscriptions", h.createSubscription)
				r.Delete("/integrations/n8n/subscriptions/{subscriptionID}", h.deleteSubscription)
			}
		})
	}
}

type coreHandlers struct{ c Core }

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

func (h *coreHandlers) limit(w http.ResponseWriter, r *http.Request, key string, n int) bool {
	return allowed(w, r, h.c.Limiter, key, n, loginWindow)
}

// allowed counts one request against key's limit of n per window, and
// answers a 429 with Retry-After when it is over. With Redis down the
// request goes through (a password still has to match, a form still has its
// honeypot) rather than locking everyone out.
func allowed(w http.ResponseWriter, r *http.Request, l Limiter, key string, n int, window time.Duration) bool {
	ok, retry, err := l.Allow(r.Context(), key, n, window)
	if err != nil {
		logging.Ctx(r.Context()).Warn().Err(err).Msg("rate limiter unavailable")
		return true
	}
	if !ok {
		secs := int(retry.Seconds()) + 1
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		writeError(w, r, services.Errorf(services.RateLimited, "Too many attempts; try again in %d seconds.", secs))
	}
	return ok
}

// actInTenant answers 204 once act has done what a tenant route asks of the
// resource named by the path parameter param.
func actInTenant(w http.ResponseWriter, r *http.Request, param string,
	act func(context.Context, pgx.Tx, core.Membership, uuid.UUID) error) {
	id, err := uuidParam(r, param)
	if err != nil {
		writeError(w, r, err)
		return
	}
	tx, m := tenantFrom(r)
	if err := act(r.Context(), tx, m, id); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *coreHandlers) signup(w http.ResponseWriter, r *http.Request) {
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
	sess, org, err := h.c.Service.SignUp(r.Context(), core.SignUpInput{Email: in.Email, Password: in.Password, OrgName: in.OrgName})
	if err != nil {
		writeError(w, r, err)
		return
	}
	if sess.HasTokens() {
		setSessionCookies(w, r, sess)
	}
	respond(w, http.StatusCreated, map[string]any{
		"user": userBody{ID: sess.User.ID, Email: sess.User.Email}, "org": org,
		"session": sessionOf(sess), "confirmation_required": !sess.HasTokens(),
	}, Meta{})
}

func (h *coreHandlers) login(w http.ResponseWriter, r *http.Request) {
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
	sess, err := h.c.Service.SignIn(r.Context(), in.Email, in.Password)
	if err != nil {
		writeError(w, r, err)
		return
	}
	setSessionCookies(w, r, sess)
	respond(w, http.StatusOK, map[string]any{"user": userBody{ID: sess.User.ID, Email: sess.User.Email}, "session": sessionOf(sess)}, Meta{})
}

func (h *coreHandlers) refresh(w http.ResponseWriter, r *http.Request) {
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
			if !sameOrigin(r, h.c.AllowedOrigins) {
				writeError(w, r, services.Errorf(services.Forbidden, "A refresh by cookie must come from this site."))
				return
			}
			in.RefreshToken = c.Value
		}
	}
	sess, err := h.c.Service.Refresh(r.Context(), in.RefreshToken)
	if err != nil {
		clearSessionCookies(w, r)
		writeError(w, r, err)
		return
	}
	setSessionCookies(w, r, sess)
	respond(w, http.StatusOK, map[string]any{"user": userBody{ID: sess.User.ID, Email: sess.User.Email}, "session": sessionOf(sess)}, Meta{})
}

func (h *coreHandlers) logout(w http.ResponseWriter, r *http.Request) {
	p, _ := principalFrom(r.Context())
	if p.Token != nil {
		writeError(w, r, services.Errorf(services.Forbidden, "API tokens have no session; revoke the token instead."))
		return
	}
	creds, _ := credentialsOf(r)
	if err := h.c.Service.SignOut(r.Context(), creds.token, p.Claims); err != nil {
		writeError(w, r, err)
		return
	}
	clearSessionCookies(w, r)
	w.WriteHeader(http.StatusNoContent)
}

func (h *coreHandlers) me(w http.ResponseWriter, r *http.Request) {
	p, _ := principalFrom(r.Context())
	if p.Token != nil {
		respond(w, http.StatusOK, map[string]any{"token": map[string]any{"id": p.Token.ID, "org_id": p.Token.OrgID, "scopes": p.Token.Scopes}}, Meta{})
		return
	}
	if err := h.c.Service.EnsureUser(r.Context(), p.Claims); err != nil {
		writeError(w, r, err)
		return
	}
	user, orgs, err := h.c.Service.Me(r.Context(), p.UserID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if orgs == nil {
		orgs = []core.Org{}
	}
	respond(w, http.StatusOK, map[string]any{"user": user, "orgs": orgs}, Meta{})
}

func (h *coreHandlers) deleteAccount(w http.ResponseWriter, r *http.Request) {
	p, _ := principalFrom(r.Context())
	if err := h.c.Service.DeleteAccount(r.Context(), p); err != nil {
		writeError(w, r, err)
		return
	}
	clearSessionCookies(w, r)
	w.WriteHeader(http.StatusNoContent)
}

func (h *coreHandlers) createOrg(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name string `json:"name"`
	}
	if err := DecodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	p, _ := principalFrom(r.Context())
	if p.Token == nil {
		if err := h.c.Service.EnsureUser(r.Context(), p.Claims); err != nil {
			writeError(w, r, err)
			return
		}
	}
	org, err := h.c.Service.CreateOrg(r.Context(), p, in.Name)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/orgs/"+org.ID.String())
	respond(w, http.StatusCreated, org, Meta{})
}

func (h *coreHandlers) listOrgs(w http.ResponseWriter, r *http.Request) {
	page, err := pageOf(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	p, _ := principalFrom(r.Context())
	orgs, next, err := h.c.Service.ListOrgs(r.Context(), p, page)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respondList(w, orgs, next)
}

func (h *coreHandlers) listMembers(w http.ResponseWriter, r *http.Request) {
	listInTenant(w, r, h.c.Service.ListMembers)
}

func (h *coreHandlers) addMember(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email string `json:"email"`
		Role  string `json:"role"`
	}
	if err := DecodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	role, err := core.ParseRole(in.Role)
	if err != nil {
		writeError(w, r, err)
		return
	}
	tx, m := tenantFrom(r)
	member, err := h.c.Service.AddMember(r.Context(), tx, m, in.Email, role)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respond(w, http.StatusCreated, member, Meta{})
}

func (h *coreHandlers) updateMember(w http.ResponseWriter, r *http.Request) {
	userID, err := uuidParam(r, "userID")
	if err != nil {
		writeError(w, r, err)
		return
	}
	var in struct {
		Role string `json:"role"`
	}
	if err := DecodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	role, err := core.ParseRole(in.Role)
	if err != nil {
		writeError(w, r, err)
		return
	}
	tx, m := tenantFrom(r)
	member, err := h.c.Service.UpdateMember(r.Context(), tx, m, userID, role)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respond(w, http.StatusOK, member, Meta{})
}

func (h *coreHandlers) removeMember(w http.ResponseWriter, r *http.Request) {
	actInTenant(w, r, "userID", h.c.Service.RemoveMember)
}

func (h *coreHandlers) listTokens(w http.ResponseWriter, r *http.Request) {
	listInTenant(w, r, h.c.Service.ListTokens)
}

func (h *coreHandlers) createToken(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name   string   `json:"name"`
		Scopes []string `json:"scopes"`
	}
	if err := DecodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	tx, m := tenantFrom(r)
	tok, err := h.c.Service.CreateToken(r.Context(), tx, m, in.Name, in.Scopes)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	respond(w, http.StatusCreated, tok, Meta{})
}

func (h *coreHandlers) revokeToken(w http.ResponseWriter, r *http.Request) {
	actInTenant(w, r, "tokenID", h.c.Service.RevokeToken)
}

func (h *coreHandlers) listNotifications(w http.ResponseWriter, r *http.Request) {
	unread := r.URL.Query().Get("unread") == "true"
	listInTenant(w, r, func(ctx context.Context, tx pgx.Tx, m core.Membership, p core.Page) ([]core.Notification, string, error) {
		return h.c.Service.Notifications(ctx, tx, m, unread, p)
	})
}

func (h *coreHandlers) readNotification(w http.ResponseWriter, r *http.Request) {
	actInTenant(w, r, "notificationID", h.c.Service.MarkRead)
}

func (h *coreHandlers) listSubscriptions(w http.ResponseWriter, r *http.Request) {
	listInTenant(w, r, h.c.Integrations.List)
}

func (h *coreHandlers) createSubscription(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Pattern string `json:"pattern"`
		URL     string `json:"url"`
	}
	if err := DecodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	tx, m := tenantFrom(r)
	sub, err := h.c.Integrations.Create(r.Context(), tx, m, in.Pattern, in.URL)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respond(w, http.StatusCreated, sub, Meta{})
}

func (h *coreHandlers) deleteSubscription(w http.ResponseWriter, r *http.Request) {
	actInTenant(w, r, "subscriptionID", h.c.Integrations.Delete)
}

// pageOf reads ?limit= (default 50, at most 200) and ?cursor=.
func pageOf(r *http.Request) (core.Page, error) {
	page := core.Page{Limit: core.DefaultLimit}
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > core.MaxLimit {
			return page, &services.Error{Code: services.Invalid, Message: "limit must be an integer from 1 to 200.",
				Fields: map[string]string{"limit": "must be 1 to 200"}}
		}
		page.Limit = n
	}
	if s := r.URL.Query().Get("cursor"); s != "" {
		id, err := core.DecodeCursor(s)
		if err != nil {
			return page, err
		}
		page.After = &id
	}
	return page, nil
}

// listInTenant answers one page of a tenant list.
func listInTenant[T any](w http.ResponseWriter, r *http.Request,
	list func(context.Context, pgx.Tx, core.Membership, core.Page) ([]T, string, error)) {
	page, err := pageOf(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	tx, m := tenantFrom(r)
	items, next, err := list(r.Context(), tx, m, page)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respondList(w, items, next)
}

// respondList answers a page in the envelope, with the next cursor in meta.
func respondList[T any](w http.ResponseWriter, items []T, next string) {
	if items == nil {
		items = []T{}
	}
	respond(w, http.StatusOK, items, Meta{NextCursor: next})
}

func uuidParam(r *http.Request, name string) (uuid.UUID, error) {
	id, err := uuid.Parse(chi.URLParam(r, name))
	if err != nil {
		return uuid.Nil, &services.Error{Code: services.NotFound, Message: "No such " + name[:len(name)-2] + ": the id is not a UUID."}
	}
	return id, nil
}

// normKey keys the e-mail limit by a hash: no address lands in Redis.
func normKey(email string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email))))
	return hex.EncodeToString(sum[:12])
}
