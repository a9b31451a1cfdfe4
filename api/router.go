package api

import (
	"net/http"
	"net/netip"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"

	"github.com/xentri/xentri/internal/db"
	"github.com/xentri/xentri/internal/idempotency"
)

// Routes is one bounded context's endpoints: each context's handler type
// (Leads, Members, ...) mounts its own routes, and the router decides what
// its callers must show first.
type Routes interface {
	Routes(r chi.Router)
}

// Config is what the router needs.
type Config struct {
	Log            zerolog.Logger
	Registry       *prometheus.Registry
	MaxBodyBytes   int64
	RequestTimeout time.Duration
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client (XENTRI_TRUSTED_PROXIES); see clientAddress.
	TrustedProxies []netip.Prefix
	// Checks are the dependencies /readyz asks.
	Checks []Check
	// Web serves the shell's static files at / (optional).
	Web http.Handler
	// Sites serves published sites (optional): every request whose Host
	// is a site's, and /sites/{site_id}/ on any host.
	Sites SiteHandler
	// Preview serves signed draft previews at /preview/{token}/ (optional).
	Preview http.Handler

	// Public routes take anyone: the contracts, a website's contact form,
	// the operator's endpoints (which check their own token).
	Public []Routes
	// Session identifies callers; without it only Public routes are
	// mounted.
	Session *Session
	// Caller routes act for the caller alone, outside any org (sign-up,
	// sign-in, the caller's account and orgs, automation hooks): the
	// caller's credentials are checked when sent, and each route says
	// whether it needs them.
	Caller []Routes
	// Tenant routes act in the org named by x-org-id, behind the org gate:
	// a member of the org (or an API token of it), one tenant transaction.
	Tenant []Routes
	// Gate is what the org gate needs (required with Tenant routes).
	Gate *Gate
	// Idempotency keeps the answers of mutations sent with an
	// Idempotency-Key, in and outside orgs.
	Idempotency *idempotency.Store
}

// Session is how callers are identified.
type Session struct {
	Verifier TokenVerifier      // users' access tokens
	Tokens   TokenAuthenticator // org API tokens (xnt_)
	// AllowedOrigins may send cookie-authenticated mutations besides the
	// API's own host (CSRF).
	AllowedOrigins []string
}

// Gate is what the org gate needs.
type Gate struct {
	DB      *db.DB
	Members MembershipChecker
}

// NewRouter builds the HTTP handler: probes and metrics at the root, the API
// under /api/v1, the web shell at /, all inside a tracing span.
func NewRouter(cfg Config) http.Handler {
	// The span starts before routing so that even a 404 has a trace id.
	return otelhttp.NewHandler(NewMux(cfg), "http", otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
		return r.Method
	}))
}

// NewMux is NewRouter without the tracing span: the routes themselves, for
// tests that walk them.
func NewMux(cfg Config) *chi.Mux {
	r := chi.NewRouter()
	r.NotFound(notFound)
	r.MethodNotAllowed(methodNotAllowed(r))
	r.Use(clientAddress(cfg.TrustedProxies))
	if cfg.Sites != nil {
		// Before anything of the API: a site's Host gets the site server
		// alone (which still sees the client's address, for its limits).
		r.Use(siteHosts(cfg.Sites))
	}
	r.Use(requestID(cfg.Log), recoverer, observe(newHTTPMetrics(cfg.Registry)))

	r.Get("/healthz", healthz)
	r.Get("/readyz", readyz(cfg.Checks))
	r.Method(http.MethodGet, "/metrics", promhttp.HandlerFor(cfg.Registry, promhttp.HandlerOpts{Registry: cfg.Registry}))

	r.Route("/api/v1", func(r chi.Router) {
		r.Use(limits(cfg.MaxBodyBytes, cfg.RequestTimeout), conditionalGET, plainQuery)
		r.NotFound(notFound)
		mount(r, cfg.Public)
		if cfg.Session == nil {
			return
		}
		r.Group(func(r chi.Router) {
			r.Use(authenticate(cfg.Session))
			mount(r, cfg.Caller)
			if len(cfg.Tenant) > 0 {
				r.Group(func(r chi.Router) {
					r.Use(orgGate(cfg.Gate, cfg.Idempotency))
					mount(r, cfg.Tenant)
				})
			}
		})
	})
	if cfg.Sites != nil {
		// GET and HEAD of its files; POST of its contact form.
		r.Get("/sites/{siteID}", cfg.Sites.ServeByID)
		r.Head("/sites/{siteID}", cfg.Sites.ServeByID)
		r.Get("/sites/{siteID}/*", cfg.Sites.ServeByID)
		r.Head("/sites/{siteID}/*", cfg.Sites.ServeByID)
		r.Post("/sites/{siteID}/_forms/contact", cfg.Sites.ServeByID)
	}
	if cfg.Preview != nil {
		r.Get("/preview/*", cfg.Preview.ServeHTTP)
		r.Head("/preview/*", cfg.Preview.ServeHTTP)
	}
	if cfg.Web != nil {
		r.Get("/", cfg.Web.ServeHTTP)
		r.Head("/", cfg.Web.ServeHTTP)
		r.Get("/*", cfg.Web.ServeHTTP)
		r.Head("/*", cfg.Web.ServeHTTP)
	}
	return r
}

// mount lets each context add its routes, in a group of its own so that
// one context's middleware never reaches another's routes.
func mount(r chi.Router, contexts []Routes) {
	for _, c := range contexts {
		r.Group(c.Routes)
	}
}

// RoutesFunc lets a plain function mount routes, as http.HandlerFunc lets
// a function serve.
type RoutesFunc func(r chi.Router)

// Routes calls f.
func (f RoutesFunc) Routes(r chi.Router) { f(r) }
