package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
	"go.temporal.io/sdk/client"

	"github.com/xentri/xentri/api"
	"github.com/xentri/xentri/internal/auth"
	"github.com/xentri/xentri/internal/auth/local"
	"github.com/xentri/xentri/internal/blob"
	"github.com/xentri/xentri/internal/cache"
	"github.com/xentri/xentri/internal/db"
	"github.com/xentri/xentri/internal/events"
	"github.com/xentri/xentri/internal/platform/buildinfo"
	"github.com/xentri/xentri/internal/platform/config"
	"github.com/xentri/xentri/internal/platform/logging"
	"github.com/xentri/xentri/internal/platform/telemetry"
	itemporal "github.com/xentri/xentri/internal/temporal"
	"github.com/xentri/xentri/services/automation"
	"github.com/xentri/xentri/services/core"
	"github.com/xentri/xentri/services/integrations"
	"github.com/xentri/xentri/services/ops"
	"github.com/xentri/xentri/services/sales"
	"github.com/xentri/xentri/services/system"
	"github.com/xentri/xentri/web"
	"github.com/xentri/xentri/workflows"
)

// loadConfig reads the configuration and builds the logger.
func loadConfig(getenv func(string) string, stderr io.Writer) (config.Config, zerolog.Logger, error) {
	cfg, err := config.Load(getenv)
	if err != nil {
		return cfg, zerolog.Nop(), fmt.Errorf("configuration:\n%w\n(`xentri env` lists every variable)", err)
	}
	return cfg, logging.New(stderr, cfg.LogLevel, cfg.LogFmt), nil
}

// deps are the clients every long-running role opens.
type deps struct {
	db       *db.DB
	redis    *redis.Client
	blob     *blob.Store
	temporal client.Client
	auth     auth.Provider
	verifier *auth.Verifier
	core     *core.Service
	events   *events.Writer
	relayDB  *db.DB // the xentri_relay role's pool, for the relay
}

// endpoints say where each dependency is; `xentri dev` fills them from what it
// started, the other commands from the configuration.
type endpoints struct {
	appDatabaseURL   string
	relayDatabaseURL string // dev only: the relay's own role; standalone uses appDatabaseURL
	redisURL         string
	s3Endpoint       string
	temporal         string
}

func endpointsFrom(cfg config.Config) endpoints {
	return endpoints{
		appDatabaseURL: cfg.DatabaseURL,
		redisURL:       cfg.RedisURL,
		s3Endpoint:     cfg.S3Endpoint,
		temporal:       cfg.TemporalHostPort(),
	}
}

// openDeps opens the clients the roles need: Postgres and Redis always,
// object storage and Temporal for the api and worker, the identity provider
// for the api. The database pool must belong to a role that row-level
// security applies to: a superuser or table owner is refused here, before
// any request is served. Temporal is dialled lazily so that the API starts,
// and says so on /readyz, while Temporal is still coming up.
func openDeps(ctx context.Context, cfg config.Config, ep endpoints, log zerolog.Logger, r roles) (*deps, error) {
	needClusters := r.api || r.worker
	if needClusters && ep.s3Endpoint == "" {
		return nil, errors.New("S3_ENDPOINT is not set: point it at MinIO or S3 (only `xentri dev` embeds a store)")
	}
	d := &deps{}
	var err error
	if d.db, err = db.Open(ctx, ep.appDatabaseURL, cfg.DatabaseMaxConns); err != nil {
		return nil, err
	}
	if err := d.db.CheckAppRole(ctx); err != nil {
		d.close()
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	if d.redis, err = cache.Connect(ep.redisURL); err != nil {
		d.close()
		return nil, err
	}
	if r.relay {
		d.relayDB = d.db // standalone: DATABASE_URL is the relay role
		if ep.relayDatabaseURL != "" {
			if d.relayDB, err = db.Open(ctx, ep.relayDatabaseURL, 4); err != nil {
				d.close()
				return nil, err
			}
		}
	}
	if !needClusters {
		return d, nil
	}
	if d.blob, err = blob.New(blob.Config{Endpoint: ep.s3Endpoint, AccessKey: cfg.S3AccessKey, SecretKey: cfg.S3SecretKey,
		Region: cfg.S3Region, Bucket: cfg.S3Bucket, UseSSL: cfg.S3UseSSL}); err != nil {
		d.close()
		return nil, err
	}
	if d.temporal, err = itemporal.NewLazyClient(ep.temporal, cfg.TemporalNamespace, log); err != nil {
		d.close()
		return nil, err
	}
	d.events = &events.Writer{Source: "xentri-api", Environment: cfg.Env, Log: log}
	if !r.api {
		return d, nil // only the API signs people in
	}
	if d.auth, d.verifier, err = newAuth(cfg, d.db); err != nil {
		d.close()
		return nil, err
	}
	d.core = &core.Service{DB: d.db, Auth: d.auth, Events: d.events, Log: log}
	return d, nil
}

// newAuth builds the identity provider AUTH_PROVIDER names, and the verifier
// of its access tokens.
func newAuth(cfg config.Config, d *db.DB) (auth.Provider, *auth.Verifier, error) {
	switch cfg.AuthProvider {
	case "gotrue":
		serviceKey := cfg.GoTrueServiceRoleKey
		if serviceKey == "" && cfg.GoTrueJWTSecret != "" {
			var err error
			if serviceKey, err = auth.ServiceRoleKey([]byte(cfg.GoTrueJWTSecret), time.Now()); err != nil {
				return nil, nil, err
			}
		}
		p, err := auth.NewGoTrue(auth.GoTrueConfig{URL: cfg.GoTrueURL, AnonKey: cfg.GoTrueAnonKey, ServiceRoleKey: serviceKey})
		if err != nil {
			return nil, nil, err
		}
		var secret []byte
		if cfg.GoTrueJWTSecret != "" {
			secret = []byte(cfg.GoTrueJWTSecret)
		}
		v, err := auth.NewVerifier(auth.VerifierConfig{HS256Secret: secret, JWKSURL: strings.TrimSuffix(cfg.GoTrueURL, "/") + "/.well-known/jwks.json"})
		return p, v, err
	default:
		if cfg.JWTSecret == "" {
			return nil, nil, errors.New("XENTRI_JWT_SECRET is not set: AUTH_PROVIDER=local signs access tokens with it (32+ characters)")
		}
		issuer, err := auth.NewIssuer([]byte(cfg.JWTSecret), "xentri", cfg.AccessTokenTTL)
		if err != nil {
			return nil, nil, err
		}
		p, err := local.New(d, issuer)
		if err != nil {
			return nil, nil, err
		}
		v, err := auth.NewVerifier(auth.VerifierConfig{HS256Secret: []byte(cfg.JWTSecret)})
		return p, v, err
	}
}

func (d *deps) close() {
	if d.temporal != nil {
		d.temporal.Close()
	}
	if d.redis != nil {
		d.redis.Close()
	}
	if d.relayDB != nil && d.relayDB != d.db {
		d.relayDB.Close()
	}
	if d.db != nil {
		d.db.Close()
	}
}

// checks are the dependencies /readyz asks: those this process opened.
func (d *deps) checks() []api.Check {
	checks := []api.Check{
		{Name: "postgres", Ping: d.db.Ping},
		{Name: "redis", Ping: func(ctx context.Context) error { return d.redis.Ping(ctx).Err() }},
	}
	if d.temporal != nil {
		checks = append(checks, api.Check{Name: "temporal", Ping: func(ctx context.Context) error {
			_, err := d.temporal.CheckHealth(ctx, &client.CheckHealthRequest{})
			return err
		}})
	}
	if d.blob != nil {
		checks = append(checks, api.Check{Name: "object_storage", Ping: d.blob.Ping})
	}
	return checks
}

// workflowLink makes the Temporal UI address of a workflow, when the UI's
// address is known.
func workflowLink(cfg config.Config) func(string) string {
	ui := cfg.TemporalUIURL
	if ui == "" && cfg.TemporalAddress == "" {
		ui = fmt.Sprintf("http://127.0.0.1:%d", cfg.TemporalUIPort) // xentri dev's own
	}
	if ui == "" {
		return nil
	}
	return func(id string) string {
		return strings.TrimSuffix(ui, "/") + "/namespaces/" + url.PathEscape(cfg.TemporalNamespace) + "/workflows/" + url.PathEscape(id)
	}
}

// hookRegistry lists the workflows automations may start by name.
func hookRegistry() *automation.Registry {
	reg := automation.NewRegistry()
	// A monitoring flow in n8n can ask the worker fleet whether its
	// dependencies answer.
	must(automation.Register(reg, "diagnostics", `{
		"type": "object", "additionalProperties": false,
		"properties": {"checks": {"type": "array", "items": {"enum": ["postgres", "redis", "object_storage"]}}}
	}`, workflows.Diagnostics))
	// n8n can start (or find) a lead's follow-ups, e.g. for leads it
	// imported from elsewhere.
	must(automation.Register(reg, "lead.followup", `{
		"type": "object", "additionalProperties": false, "required": ["lead_id"],
		"properties": {"lead_id": {"type": "string", "format": "uuid"}, "cadence": {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 365}, "maxItems": 20}}
	}`, workflows.LeadFollowUp, automation.WithOrg(),
		// The schema has asserted the uuid format; parsing normalises its
		// case, so the hook finds the run the lead's creation started.
		automation.WithWorkflowID(func(_ uuid.UUID, in map[string]any) string {
			return sales.FollowUpWorkflowID(uuid.MustParse(in["lead_id"].(string)))
		}),
		automation.WithEntity("lead", func(_ uuid.UUID, in map[string]any) string { return uuid.MustParse(in["lead_id"].(string)).String() })))
	return reg
}

func must(err error) {
	if err != nil {
		panic(err) // a registration mistake, caught by any test that builds the API
	}
}

// probeConfig serves only the probes and metrics (for the worker).
func probeConfig(cfg config.Config, d *deps, log zerolog.Logger, reg *prometheus.Registry) api.Config {
	return api.Config{
		Log:            log,
		Registry:       reg,
		MaxBodyBytes:   cfg.HTTPMaxBodyBytes,
		RequestTimeout: cfg.HTTPRequestTimeout,
		TrustedProxies: cfg.TrustedProxies,
		Checks:         d.checks(),
	}
}

// apiConfig is the full API: probes, metrics, every /api/v1 route, the shell.
func apiConfig(cfg config.Config, d *deps, log zerolog.Logger, reg *prometheus.Registry) api.Config {
	c := probeConfig(cfg, d, log, reg)
	c.Web = web.Handler()
	link := workflowLink(cfg)
	// One dead-letter service: the org's view and the operator's.
	deadLetters := &ops.Service{Temporal: d.temporal, WorkflowLink: link}
	c.Routes = []func(chi.Router){
		api.ContractRoutes(),
		api.SystemRoutes(api.System{
			Diagnostics: &system.Service{Temporal: d.temporal, TaskQueue: cfg.TemporalTaskQueue},
			DB:          d.db, DeadLetters: deadLetters,
			OperatorToken: cfg.OperatorToken, WorkflowLink: link,
		}),
		api.CoreRoutes(api.Core{
			Service: d.core, DB: d.db, Verifier: d.verifier,
			Integrations: &integrations.Service{AllowPrivateURLs: cfg.Env == "local"},
			Ops:          deadLetters,
			Sales: &sales.Service{Events: d.events, Cache: cache.NewReadCache(d.redis), Log: log,
				Temporal: d.temporal, TaskQueue: cfg.TemporalTaskQueue, WorkflowLink: link, HighValue: cfg.HighValueLead, FollowUpDay: cfg.FollowUpDay},
			Hooks: &api.Hooks{
				Automation: &automation.Service{Registry: hookRegistry(), Temporal: d.temporal, TaskQueue: cfg.TemporalTaskQueue, WorkflowLink: link},
				DB:         d.db, N8NSecret: []byte(cfg.N8NSecret),
			},
			Limiter: cache.NewRateLimiter(d.redis, "xentri:ratelimit:"), AllowedOrigins: cfg.AllowedOrigins,
		}),
	}
	return c
}

// startTracing installs the tracer provider.
func startTracing(ctx context.Context, cfg config.Config) (func(context.Context) error, error) {
	return telemetry.Tracing(ctx, cfg.ServiceName, buildinfo.Read().Version, cfg.OTLPEndpoint)
}

// listen opens addr, saying clearly when it is taken.
func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("XENTRI_HTTP_ADDR %s: %w", addr, err)
	}
	return ln, nil
}

// httpServer serves h on ln until Shutdown.
func httpServer(h http.Handler, cfg config.Config) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       cfg.HTTPRequestTimeout,
		// Longer than the request deadline, so the handler's own timeout
		// problem reaches the client before the connection is cut.
		WriteTimeout: cfg.HTTPRequestTimeout + 5*time.Second,
		IdleTimeout:  2 * time.Minute,
	}
}

// serve runs srv on ln in the background; its error, if it fails, arrives on
// the returned channel.
func serve(srv *http.Server, ln net.Listener) <-chan error {
	errc := make(chan error, 1)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
		close(errc)
	}()
	return errc
}
