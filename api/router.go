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
)

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
	// Routes mounts the /api/v1 endpoints of each context.
	Routes []func(r chi.Router)
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
	r.Use(clientAddress(cfg.TrustedProxies), requestID(cfg.Log), recoverer, observe(newHTTPMetrics(cfg.Registry)))

	r.Get("/healthz", healthz)
	r.Get("/readyz", readyz(cfg.Checks))
	r.Method(http.MethodGet, "/metrics", promhttp.HandlerFor(cfg.Registry, promhttp.HandlerOpts{Registry: cfg.Registry}))

	r.Route("/api/v1", func(r chi.Router) {
		r.Use(limits(cfg.MaxBodyBytes, cfg.RequestTimeout), conditionalGET)
		r.NotFound(notFound)
		for _, mount := range cfg.Routes {
			mount(r)
		}
	})
	if cfg.Web != nil {
		r.Get("/", cfg.Web.ServeHTTP)
		r.Get("/*", cfg.Web.ServeHTTP)
	}
	return r
}
