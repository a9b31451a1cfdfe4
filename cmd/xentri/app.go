package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

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
	"github.com/xentri/xentri/internal/idempotency"
	"github.com/xentri/xentri/internal/platform/buildinfo"
	"github.com/xentri/xentri/internal/platform/config"
	"github.com/xentri/xentri/internal/platform/logging"
	"github.com/xentri/xentri/internal/platform/telemetry"
	itemporal "github.com/xentri/xentri/internal/temporal"
	"github.com/xentri/xentri/services/automation"
	"github.com/xentri/xentri/services/brand"
	"github.com/xentri/xentri/services/brief"
	"github.com/xentri/xentri/services/core"
	"github.com/xentri/xentri/services/integrations"
	"github.com/xentri/xentri/services/notification"
	"github.com/xentri/xentri/services/ops"
	"github.com/xentri/xentri/services/sales"
	"github.com/xentri/xentri/services/system"
	"github.com/xentri/xentri/web"
	"github.com/xentri/xentri/worker"
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
	// draining is closed when the HTTP server starts shutting down: open
	// event streams end then, instead of holding the shutdown up.
	draining  chan struct{}
	drainOnce sync.Once
}

// drain ends the open event streams (once).
func (d *deps) drain() {
	d.drainOnce.Do(func() {
		if d.draining != nil {
			close(d.draining)
		}
	})
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
	d := &deps{draining: make(chan struct{})}
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

// idempotencyStaleAfter is how long an Idempotency-Key's request may run
// before its claim counts as abandoned (its process died) and the key can be
// used again.
const idempotencyStaleAfter = 2 * time.Minute

// apiConfig is the full API: probes, metrics, every /api/v1 route, the shell.
// Each bounded context's routes go in the group that says what their
// callers must show (api.Config).
func apiConfig(cfg config.Config, d *deps, log zerolog.Logger, reg *prometheus.Registry) (api.Config, error) {
	c := probeConfig(cfg, d, log, reg)
	// The shell's page may send media uploads to the object store, which
	// they are presigned for.
	var uploads []string
	if d.blob != nil {
		u := d.blob.Client().EndpointURL()
		uploads = append(uploads, u.Scheme+"://"+u.Host)
	}
	c.Web = web.Handler(uploads...)
	link := workflowLink(cfg)
	// Publishing: the site-publish workflow runs in the worker; the API
	// queues publishes, rolls back and schedules, with the worker's
	// publisher (the same store, caches and events).
	publisher := worker.Publisher(worker.Deps{DB: d.db, Redis: d.redis, Blob: d.blob, Events: d.events,
		Temporal: d.temporal, TaskQueue: cfg.TemporalTaskQueue, SiteURL: cfg.SiteURL, SitesPurgeURL: cfg.SitesPurgeURL})
	publishing := &brand.Publishing{Publisher: publisher, Temporal: d.temporal, TaskQueue: cfg.TemporalTaskQueue, WorkflowLink: link}
	preview := &brand.Preview{DB: d.db, Key: previewKey(cfg), TTL: cfg.PreviewTTL, SiteURL: cfg.SiteURL}
	if d.blob != nil {
		preview.Objects = d.blob
	}
	hooks, err := worker.Hooks(publishing)
	if err != nil {
		return c, fmt.Errorf("hook registry: %w", err)
	}
	limiter := cache.NewRateLimiter(d.redis, "xentri:ratelimit:")
	keys := &idempotency.Store{DB: d.db, StaleAfter: idempotencyStaleAfter}
	automations := &automation.Service{DB: d.db, Registry: hooks, Temporal: d.temporal, TaskQueue: cfg.TemporalTaskQueue, WorkflowLink: link}
	leads := &sales.Service{DB: d.db, Events: d.events, Cache: cache.NewReadCache(d.redis), Log: log,
		Temporal: d.temporal, TaskQueue: cfg.TemporalTaskQueue, WorkflowLink: link, HighValue: cfg.HighValueLead, FollowUpDay: cfg.FollowUpDay}
	// The Universal Brief hands each version's follow-up cadence to sales.
	briefs := &brief.Service{DB: d.db, Events: d.events, Cache: cache.NewReadCache(d.redis), Log: log, Sales: leads}
	// The API side of the co-pilot starts and drives sessions (the worker
	// runs their turns), and runs the engine itself for
	// POST /brief/sections/{id}/propose.
	engine, err := engineFrom(cfg)
	if err != nil {
		return c, err
	}
	copilot := &brief.Copilot{DB: d.db, Brief: briefs, Engine: engine, Temporal: d.temporal, TaskQueue: cfg.TemporalTaskQueue,
		Idle: cfg.CopilotIdle, WorkflowLink: link, Log: log, LocalTurns: cfg.AIEngine == "rules"}
	// Copy from the Brief, by the templates or the configured AI endpoint.
	writer, err := writerFrom(cfg)
	if err != nil {
		return c, err
	}
	copywriter := &brand.Service{Brief: briefs, Writer: writer, Events: d.events, Log: log}
	// One dead-letter service: the org's view and the operator's.
	deadLetters := &ops.Service{Temporal: d.temporal, WorkflowLink: link}

	// Published sites: {slug}.XENTRI_SITES_DOMAIN by Host, and
	// /sites/{site_id}/ on any host; their contact forms feed the lead
	// capture with its limits. Drafts at signed /preview/ links.
	if d.blob != nil {
		c.Sites = &brand.SiteServer{DB: d.db, Objects: d.blob, Domain: cfg.SitesDomain,
			Cache: cache.NewSiteCache(d.redis, log), MaxBytes: cfg.SitesCacheBytes,
			Capture: api.SiteContact(leads), Allow: api.CaptureAllowance(limiter), Log: log}
	}
	c.Preview = preview
	c.Idempotency = keys
	c.Session = &api.Session{Verifier: d.verifier, Tokens: d.core, AllowedOrigins: cfg.AllowedOrigins}
	c.Gate = &api.Gate{DB: d.db, Members: d.core}
	c.Public = []api.Routes{
		api.Contracts{},
		&api.Diagnostics{Runner: &system.Service{Temporal: d.temporal, TaskQueue: cfg.TemporalTaskQueue},
			OperatorToken: cfg.OperatorToken, WorkflowLink: link},
		&api.OperatorDeadLetters{DB: d.db, Ops: deadLetters, OperatorToken: cfg.OperatorToken},
		&api.LeadForm{Sales: leads, Limiter: limiter, Idempotency: keys},
	}
	c.Caller = []api.Routes{
		&api.Account{Core: d.core, Limiter: limiter, Idempotency: keys, AllowedOrigins: cfg.AllowedOrigins},
		&api.Orgs{Core: d.core, Idempotency: keys},
		&api.Hooks{Automation: automations, N8NSecret: []byte(cfg.N8NSecret)},
	}
	c.Tenant = []api.Routes{
		&api.Members{Core: d.core},
		&api.Tokens{Core: d.core},
		&api.Notifications{Service: &notification.Service{}},
		&api.Leads{Sales: leads},
		&api.Brief{Brief: briefs},
		&api.Brand{Brand: copywriter},
		&api.Sites{Brand: copywriter},
		&api.Publishing{Publishing: publishing, Preview: preview, Log: log},
		// Image uploads, presigned straight to object storage (503 without it).
		&api.Media{Media: &brand.Media{Blob: d.blob}},
		// Each session's live events, which the worker publishes.
		&api.Copilot{Copilot: copilot, Events: cache.NewCopilotStream(d.redis), Drain: d.draining},
		// The shell's live updates: the org's events off the stream the
		// relay fills, partitioned as the relay partitions it.
		&api.Events{Follower: &events.Follower{Redis: d.redis, Partitions: cfg.StreamPartitions}, Drain: d.draining},
		&api.Subscriptions{Integrations: &integrations.Service{Outbound: cfg.OutboundAllowed()}},
		&api.DeadLetters{Ops: deadLetters},
		&api.Workflows{Automation: automations},
	}
	return c, nil
}

// previewKey signs draft preview links: derived from the secret this
// deployment signs sessions with, so every replica accepts every link, and
// random (links die with the process) when there is none.
func previewKey(cfg config.Config) []byte {
	secret := cfg.JWTSecret
	if secret == "" {
		secret = cfg.GoTrueJWTSecret
	}
	if secret == "" {
		key := make([]byte, 32)
		_, _ = rand.Read(key)
		return key
	}
	sum := sha256.Sum256([]byte("xentri-preview-key:" + secret))
	return sum[:]
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
