// Package config reads Xentri's configuration from the environment once, at
// start, and validates it. A bad value stops the process with a message that
// names the variable and what it accepts. Every variable is declared in Vars,
// which also generates .env.example, so the documentation cannot drift.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Config is the validated configuration of every xentri command.
type Config struct {
	Env      string // local | staging | prod
	DataDir  string // absolute
	LogLevel string
	LogFmt   string

	HTTPAddr           string
	HTTPMaxBodyBytes   int64
	HTTPRequestTimeout time.Duration
	ShutdownTimeout    time.Duration
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client (canonical, as OutboundAllow).
	TrustedProxies []netip.Prefix

	DatabaseURL        string
	DatabaseMigrateURL string
	DatabaseMaxConns   int32

	RedisURL string

	// TemporalAddress is empty when `xentri dev` should run its own server.
	TemporalAddress   string
	TemporalNamespace string
	TemporalTaskQueue string
	TemporalPort      int
	TemporalUIPort    int
	TemporalBin       string
	TemporalUIURL     string

	// S3Endpoint is empty when `xentri dev` should serve its own store.
	S3Endpoint  string
	S3AccessKey string
	S3SecretKey string
	S3Bucket    string
	S3Region    string
	S3UseSSL    bool
	S3Addr      string

	OperatorToken string

	N8NSecret        string
	N8NSubscriptions string
	// OutboundAllow are the non-public ranges that org webhooks may still
	// be delivered to (canonical: masked, IPv4 as IPv4).
	OutboundAllow []netip.Prefix

	HighValueLead int64
	FollowUpDay   time.Duration
	// CopilotIdle ends a co-pilot session nobody wrote to for this long.
	CopilotIdle time.Duration

	// SitesDomain: a site is served at {slug}.{SitesDomain}.
	SitesDomain string
	// SitesURL is a site's public address with {slug} in it; empty, it is
	// http://{slug}.{SitesDomain}:{port of XENTRI_HTTP_ADDR} (SiteURL).
	SitesURL string
	// SitesPurgeURL is a CDN's purge webhook, called after every publish and
	// rollback (optional).
	SitesPurgeURL string
	// SitesCacheBytes bounds the memory the site server keeps files in.
	SitesCacheBytes int64
	// PreviewTTL is how long a signed draft preview link works.
	PreviewTTL time.Duration

	StreamPartitions int
	StreamMaxLen     int64
	StreamMaxAge     time.Duration

	AuthProvider         string
	JWTSecret            string
	AccessTokenTTL       time.Duration
	AllowedOrigins       []string
	GoTrueURL            string
	GoTrueAnonKey        string
	GoTrueServiceRoleKey string
	GoTrueJWTSecret      string

	// AIEngine reads briefs from the owner's words: rules (offline) or
	// openai (an OpenAI-compatible endpoint, LLM*).
	AIEngine   string
	LLMBaseURL string
	LLMAPIKey  string // a secret: empty for a local server that takes none
	LLMModel   string
	LLMTimeout time.Duration

	OTLPEndpoint string
	ServiceName  string
}

// Var documents one environment variable.
type Var struct {
	Name    string
	Default string
	Help    string
}

// Vars lists every variable Config reads, in the order .env.example shows them.
var Vars = []Var{
	{"XENTRI_ENV", "local", "deployment environment: local, staging or prod (events carry it in meta.environment)"},
	{"XENTRI_DATA_DIR", "./.xentri", "where `xentri dev` keeps its state: Temporal's SQLite file, objects, generated secrets, private Postgres/Redis"},
	{"XENTRI_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"XENTRI_LOG_FORMAT", "json", "json (one object a line) or console (coloured, for a terminal)"},
	{"XENTRI_HTTP_ADDR", "127.0.0.1:8080", "host:port the API and web shell listen on"},
	{"XENTRI_HTTP_MAX_BODY_BYTES", "1048576", "largest request body accepted, in bytes; larger gets a 413 problem"},
	{"XENTRI_HTTP_REQUEST_TIMEOUT", "30s", "deadline of one API request (Go duration)"},
	{"XENTRI_SHUTDOWN_TIMEOUT", "5s", "how long SIGTERM waits for in-flight requests and activities before giving up"},
	{"XENTRI_TRUSTED_PROXIES", "", "comma-separated CIDRs (10.0.0.0/8, fd00::/8) of the reverse proxies in front of the API; for a request from inside them the client is the rightmost X-Forwarded-For address outside them (rate limits, access log). Unset, X-Forwarded-For is ignored"},
	{"DATABASE_URL", "postgres://postgres@127.0.0.1:5432/xentri?sslmode=disable", "Postgres URL. api/worker/relay must connect as the app role xentri_app (they refuse a superuser or table owner); `xentri dev` takes the owner here and derives the xentri_app URL itself"},
	{"DATABASE_MIGRATE_URL", "", "owner role URL for `xentri migrate` and for `xentri dev`'s migrations; defaults to DATABASE_URL"},
	{"DATABASE_MAX_CONNS", "25", "size of the Postgres pool of each process; a tenant request holds one connection for its whole transaction (including a workflow start), so keep it above the API's concurrent writes"},
	{"REDIS_URL", "redis://127.0.0.1:6379/0", "Redis URL (redis:// or rediss://)"},
	{"TEMPORAL_ADDRESS", "", "host:port of the Temporal frontend; unset, `xentri dev` runs its own dev server and other commands use 127.0.0.1:7233"},
	{"TEMPORAL_NAMESPACE", "default", "Temporal namespace"},
	{"TEMPORAL_TASK_QUEUE", "xentri", "task queue the worker polls and the API starts workflows on"},
	{"XENTRI_TEMPORAL_PORT", "7233", "frontend port of the dev server `xentri dev` runs"},
	{"XENTRI_TEMPORAL_UI_PORT", "8233", "UI port of the dev server `xentri dev` runs"},
	{"XENTRI_TEMPORAL_BIN", "", "path to the pinned Temporal CLI; unset, bin/temporal beside the working directory or the executable, then PATH"},
	{"XENTRI_TEMPORAL_UI_URL", "", "Temporal UI address shown in the banner when TEMPORAL_ADDRESS points elsewhere"},
	{"S3_ENDPOINT", "", "host:port of an S3-compatible store (MinIO, S3); unset, `xentri dev` serves an embedded one from the data dir"},
	{"S3_ACCESS_KEY", "xentri", "S3 access key"},
	{"S3_SECRET_KEY", "xentri-dev-secret", "S3 secret key"},
	{"S3_BUCKET", "xentri", "bucket for uploads and site releases; created at start when missing"},
	{"S3_REGION", "us-east-1", "S3 region"},
	{"S3_USE_SSL", "false", "true to reach S3_ENDPOINT over TLS"},
	{"XENTRI_S3_ADDR", "127.0.0.1:9000", "host:port the embedded S3 server of `xentri dev` listens on"},
	{"AUTH_PROVIDER", "local", "identity provider: local (users and sessions in Postgres, the embedded default) or gotrue (Supabase Auth)"},
	{"XENTRI_JWT_SECRET", "", "HS256 secret (32+ characters) that the local provider signs access tokens with; `xentri dev` generates one into the data dir; required by api with AUTH_PROVIDER=local"},
	{"XENTRI_ACCESS_TOKEN_TTL", "15m", "lifetime of the local provider's access tokens (refresh tokens last 30 days and rotate on use)"},
	{"XENTRI_ALLOWED_ORIGINS", "", "comma-separated origins (https://app.example.com) besides the API's own host from which cookie-authenticated mutations are accepted"},
	{"GOTRUE_URL", "", "Supabase Auth (GoTrue) base URL, e.g. http://127.0.0.1:9999 or https://<project>.supabase.co/auth/v1; required with AUTH_PROVIDER=gotrue"},
	{"GOTRUE_ANON_KEY", "", "GoTrue anon (public) API key, sent as apikey"},
	{"GOTRUE_SERVICE_ROLE_KEY", "", "GoTrue service-role key, for deleting users (account deletion)"},
	{"GOTRUE_JWT_SECRET", "", "GoTrue's HS256 JWT secret, to verify tokens that carry no kid; tokens with a kid are verified against GOTRUE_URL/.well-known/jwks.json"},
	{"XENTRI_STREAM_PARTITIONS", "1", "event stream partitions for Redis Cluster: 1 is xentri:events, n>1 is xentri:events:{0..n-1} by hash of org id"},
	{"XENTRI_STREAM_MAXLEN", "1000000", "approximate number of entries each event stream keeps"},
	{"XENTRI_STREAM_MAX_AGE", "", "keep stream entries this long instead (Go duration, e.g. 168h); overrides XENTRI_STREAM_MAXLEN"},
	{"XENTRI_N8N_SECRET", "", "secret (32+ characters) that signs deliveries to n8n (HMAC header and HS256 bearer JWT); `xentri dev` generates one; unset elsewhere, the bridge is off"},
	{"XENTRI_N8N_SUBSCRIPTIONS", "", "comma-separated type-pattern=url subscriptions for every org, e.g. xentri.lead.*=http://127.0.0.1:5678/webhook/leads"},
	{"XENTRI_OUTBOUND_ALLOW", "", "comma-separated CIDRs (10.20.0.0/16, fd00::/8) of non-public addresses that orgs' own webhook subscriptions may still be delivered to; every other loopback, private, link-local or special-purpose address is refused when the connection is made, whatever DNS said when the subscription was made. XENTRI_ENV=local allows every address; XENTRI_N8N_SUBSCRIPTIONS URLs are the operator's and are not checked"},
	{"XENTRI_FOLLOWUP_DAY", "24h", "how long a day of the follow-up cadence lasts (Go duration); shorten it (e.g. 10s) in development to watch follow-ups fire"},
	{"XENTRI_COPILOT_IDLE", "168h", "a co-pilot session nobody writes to for this long ends itself, and its Brief is generated (Go duration)"},
	{"XENTRI_SITES_DOMAIN", "sites.localhost", "published sites are served at {slug}.{this domain} by the API process (Host header); *.localhost reaches 127.0.0.1 in browsers, so http://{slug}.sites.localhost:8080 works in development with no DNS"},
	{"XENTRI_SITES_URL", "", "a site's public address with {slug} in it, e.g. https://{slug}.example-sites.com (for the sitemap, canonical links and events); empty, http://{slug}.XENTRI_SITES_DOMAIN:{the port of XENTRI_HTTP_ADDR}"},
	{"XENTRI_SITES_PURGE_URL", "", "a CDN's purge webhook (http or https): after each publish and rollback it gets POST {\"paths\":[\"/sites/{site_id}\"],\"site_id\",\"release_id\"}, retried; unset, only Xentri's own caches are purged"},
	{"XENTRI_SITES_CACHE_BYTES", "67108864", "memory the site server keeps published files in (release files never change, so they are cached until evicted)"},
	{"XENTRI_PREVIEW_TTL", "1h", "how long a signed draft preview link works (Go duration)"},
	{"XENTRI_HIGH_VALUE_LEAD", "100000", "a new lead worth at least this much, in minor units (cents) of its currency, notifies the org; 0 turns it off"},
	{"XENTRI_OPERATOR_TOKEN", "", "bearer token for the operator endpoints under /api/v1/system (at least 24 characters); unset, they refuse every call, except in `xentri dev`, which generates one into the data dir"},
	{"XENTRI_AI_ENGINE", "rules", "what turns the owner's words into the Universal Brief: rules (offline, deterministic) or openai (any OpenAI-compatible chat-completions endpoint, XENTRI_LLM_*; contact details still come from the rules)"},
	{"XENTRI_LLM_BASE_URL", "", "API root of the chat-completions endpoint, e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1 (Ollama); required with XENTRI_AI_ENGINE=openai"},
	{"XENTRI_LLM_API_KEY", "", "bearer API key of that endpoint (a secret, never logged); leave unset for a local server that takes none"},
	{"XENTRI_LLM_MODEL", "", "model name, e.g. gpt-4o-mini; it must support JSON-schema structured output; required with XENTRI_AI_ENGINE=openai"},
	{"XENTRI_LLM_TIMEOUT", "60s", "deadline of one request to the endpoint (Go duration); one attempt of the LLM activity ends after 3m whatever this says"},
	{"OTEL_EXPORTER_OTLP_ENDPOINT", "", "OTLP/HTTP collector URL (e.g. http://127.0.0.1:4318); unset, traces are made for trace ids but not exported"},
	{"OTEL_SERVICE_NAME", "xentri", "service.name of exported traces"},
}

// Getenv is how Load reads a variable; os.Getenv outside tests.
type Getenv func(string) string

// Load reads and validates the configuration. The error lists every bad
// variable, one a line.
func Load(getenv Getenv) (Config, error) {
	r := reader{getenv: getenv}
	c := Config{
		Env:      r.oneOf("XENTRI_ENV", "local", "staging", "prod"),
		DataDir:  r.dir("XENTRI_DATA_DIR"),
		LogLevel: r.oneOf("XENTRI_LOG_LEVEL", "debug", "info", "warn", "error"),
		LogFmt:   r.oneOf("XENTRI_LOG_FORMAT", "json", "console"),

		HTTPAddr:           r.listenAddr("XENTRI_HTTP_ADDR"),
		HTTPMaxBodyBytes:   int64(r.intRange("XENTRI_HTTP_MAX_BODY_BYTES", 1024, 1<<30)),
		HTTPRequestTimeout: r.duration("XENTRI_HTTP_REQUEST_TIMEOUT", time.Second, time.Hour),
		ShutdownTimeout:    r.duration("XENTRI_SHUTDOWN_TIMEOUT", time.Second, 5*time.Minute),
		TrustedProxies:     r.prefixes("XENTRI_TRUSTED_PROXIES"),

		DatabaseURL:      r.url("DATABASE_URL", "postgres", "postgresql"),
		DatabaseMaxConns: int32(r.intRange("DATABASE_MAX_CONNS", 1, 1000)),

		RedisURL: r.url("REDIS_URL", "redis", "rediss"),

		TemporalAddress:   r.optionalHostPort("TEMPORAL_ADDRESS"),
		TemporalNamespace: r.nonEmpty("TEMPORAL_NAMESPACE"),
		TemporalTaskQueue: r.nonEmpty("TEMPORAL_TASK_QUEUE"),
		TemporalPort:      r.intRange("XENTRI_TEMPORAL_PORT", 1, 65535),
		TemporalUIPort:    r.intRange("XENTRI_TEMPORAL_UI_PORT", 1, 65535),
		TemporalBin:       r.str("XENTRI_TEMPORAL_BIN"),
		TemporalUIURL:     r.optionalURL("XENTRI_TEMPORAL_UI_URL", "http", "https"),

		S3Endpoint:  r.optionalHostPort("S3_ENDPOINT"),
		S3AccessKey: r.nonEmpty("S3_ACCESS_KEY"),
		S3SecretKey: r.nonEmpty("S3_SECRET_KEY"),
		S3Bucket:    r.bucket("S3_BUCKET"),
		S3Region:    r.nonEmpty("S3_REGION"),
		S3UseSSL:    r.boolean("S3_USE_SSL"),
		S3Addr:      r.listenAddr("XENTRI_S3_ADDR"),

		OperatorToken: r.secret("XENTRI_OPERATOR_TOKEN", 24),

		N8NSecret:        r.secret("XENTRI_N8N_SECRET", 32),
		N8NSubscriptions: r.str("XENTRI_N8N_SUBSCRIPTIONS"),
		OutboundAllow:    r.prefixes("XENTRI_OUTBOUND_ALLOW"),

		HighValueLead: int64(r.intRange("XENTRI_HIGH_VALUE_LEAD", 0, 1<<50)),
		FollowUpDay:   r.duration("XENTRI_FOLLOWUP_DAY", time.Second, 30*24*time.Hour),
		CopilotIdle:   r.duration("XENTRI_COPILOT_IDLE", time.Second, 365*24*time.Hour),

		SitesDomain:     r.domain("XENTRI_SITES_DOMAIN"),
		SitesURL:        r.siteURL("XENTRI_SITES_URL"),
		SitesPurgeURL:   r.optionalURL("XENTRI_SITES_PURGE_URL", "http", "https"),
		SitesCacheBytes: int64(r.intRange("XENTRI_SITES_CACHE_BYTES", 1<<20, 1<<34)),
		PreviewTTL:      r.duration("XENTRI_PREVIEW_TTL", time.Minute, 7*24*time.Hour),

		StreamPartitions: r.intRange("XENTRI_STREAM_PARTITIONS", 1, 1024),
		StreamMaxLen:     int64(r.intRange("XENTRI_STREAM_MAXLEN", 1000, 1<<30)),
		StreamMaxAge:     r.optionalDuration("XENTRI_STREAM_MAX_AGE", time.Minute, 365*24*time.Hour),

		AuthProvider:         r.oneOf("AUTH_PROVIDER", "local", "gotrue"),
		JWTSecret:            r.secret("XENTRI_JWT_SECRET", 32),
		AccessTokenTTL:       r.duration("XENTRI_ACCESS_TOKEN_TTL", time.Minute, 24*time.Hour),
		AllowedOrigins:       r.origins("XENTRI_ALLOWED_ORIGINS"),
		GoTrueURL:            r.optionalURL("GOTRUE_URL", "http", "https"),
		GoTrueAnonKey:        r.str("GOTRUE_ANON_KEY"),
		GoTrueServiceRoleKey: r.str("GOTRUE_SERVICE_ROLE_KEY"),
		GoTrueJWTSecret:      r.secret("GOTRUE_JWT_SECRET", 32),

		AIEngine:   r.oneOf("XENTRI_AI_ENGINE", "rules", "openai"),
		LLMBaseURL: r.optionalURL("XENTRI_LLM_BASE_URL", "http", "https"),
		LLMAPIKey:  r.secret("XENTRI_LLM_API_KEY", 1),
		LLMModel:   r.str("XENTRI_LLM_MODEL"),
		LLMTimeout: r.duration("XENTRI_LLM_TIMEOUT", time.Second, 10*time.Minute),

		OTLPEndpoint: r.optionalURL("OTEL_EXPORTER_OTLP_ENDPOINT", "http", "https"),
		ServiceName:  r.nonEmpty("OTEL_SERVICE_NAME"),
	}
	c.DatabaseMigrateURL = r.optionalURL("DATABASE_MIGRATE_URL", "postgres", "postgresql")
	if c.DatabaseMigrateURL == "" {
		c.DatabaseMigrateURL = c.DatabaseURL
	}
	if c.AuthProvider == "gotrue" && c.GoTrueURL == "" {
		r.fail("GOTRUE_URL", "", "the Supabase Auth URL when AUTH_PROVIDER=gotrue")
	}
	if c.AIEngine == "openai" && c.LLMBaseURL == "" {
		r.fail("XENTRI_LLM_BASE_URL", "", "the endpoint's API root when XENTRI_AI_ENGINE=openai")
	}
	if c.AIEngine == "openai" && c.LLMModel == "" {
		r.fail("XENTRI_LLM_MODEL", "", "a model name when XENTRI_AI_ENGINE=openai")
	}
	if c.TemporalPort == c.TemporalUIPort && c.TemporalPort != 0 {
		r.fail("XENTRI_TEMPORAL_UI_PORT", strconv.Itoa(c.TemporalUIPort), "a port other than XENTRI_TEMPORAL_PORT")
	}
	if len(r.errs) > 0 {
		return Config{}, errors.Join(r.errs...)
	}
	return c, nil
}

// TemporalHostPort is where clients dial Temporal: TEMPORAL_ADDRESS, or the
// local dev server's port.
func (c Config) TemporalHostPort() string {
	if c.TemporalAddress != "" {
		return c.TemporalAddress
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(c.TemporalPort))
}

// OutboundAllowed is where orgs' webhooks may connect besides public
// addresses: XENTRI_OUTBOUND_ALLOW, and with XENTRI_ENV=local (`xentri dev`,
// compose) every address, as subscriptions to private URLs may be made there.
func (c Config) OutboundAllowed() []netip.Prefix {
	if c.Env == "local" {
		return append(slices.Clone(c.OutboundAllow), netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0"))
	}
	return c.OutboundAllow
}

// EnvExample renders .env.example from Vars.
func EnvExample() string {
	var b strings.Builder
	b.WriteString("# Every environment variable xentri reads, with its default.\n")
	b.WriteString("# Generated from internal/platform/config by `make generate`; do not edit.\n")
	b.WriteString("# Unset variables take the default shown. Secrets never go in git.\n")
	for _, v := range Vars {
		fmt.Fprintf(&b, "\n# %s\n%s=%s\n", v.Help, v.Name, v.Default)
	}
	return b.String()
}

func defaultOf(name string) string {
	for _, v := range Vars {
		if v.Name == name {
			return v.Default
		}
	}
	panic("config: undeclared variable " + name) // a programming error, caught by any test
}

// reader collects every bad variable instead of stopping at the first.
type reader struct {
	getenv Getenv
	errs   []error
}

func (r *reader) fail(name, value, accepts string) {
	r.errs = append(r.errs, fmt.Errorf("%s=%q is invalid: want %s", name, value, accepts))
}

func (r *reader) str(name string) string {
	if v := strings.TrimSpace(r.getenv(name)); v != "" {
		return v
	}
	return defaultOf(name)
}

func (r *reader) nonEmpty(name string) string {
	v := r.str(name)
	if v == "" {
		r.fail(name, v, "a non-empty value")
	}
	return v
}

func (r *reader) oneOf(name string, allowed ...string) string {
	v := strings.ToLower(r.str(name))
	if !slices.Contains(allowed, v) {
		r.fail(name, v, "one of "+strings.Join(allowed, ", "))
	}
	return v
}

func (r *reader) intRange(name string, lo, hi int) int {
	v := r.str(name)
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		r.fail(name, v, fmt.Sprintf("an integer from %d to %d", lo, hi))
	}
	return n
}

func (r *reader) duration(name string, lo, hi time.Duration) time.Duration {
	v := r.str(name)
	d, err := time.ParseDuration(v)
	if err != nil || d < lo || d > hi {
		r.fail(name, v, fmt.Sprintf("a Go duration from %s to %s, such as 30s", lo, hi))
	}
	return d
}

func (r *reader) optionalDuration(name string, lo, hi time.Duration) time.Duration {
	if r.str(name) == "" {
		return 0
	}
	return r.duration(name, lo, hi)
}

func (r *reader) boolean(name string) bool {
	v := r.str(name)
	b, err := strconv.ParseBool(v)
	if err != nil {
		r.fail(name, v, "true or false")
	}
	return b
}

func (r *reader) hostPort(name string) string {
	v := r.str(name)
	if !validHostPort(v, 1) {
		r.fail(name, v, "host:port, such as 127.0.0.1:8080")
	}
	return v
}

// listenAddr is a host:port to listen on; port 0 picks a free one.
func (r *reader) listenAddr(name string) string {
	v := r.str(name)
	if !validHostPort(v, 0) {
		r.fail(name, v, "host:port to listen on, such as 127.0.0.1:8080 (port 0 picks a free one)")
	}
	return v
}

func (r *reader) optionalHostPort(name string) string {
	if r.str(name) == "" {
		return ""
	}
	return r.hostPort(name)
}

// validHostPort reports whether v is host:port with a port from minPort.
func validHostPort(v string, minPort int) bool {
	host, port, err := net.SplitHostPort(v)
	if err != nil || strings.ContainsAny(host, "/ ") {
		return false
	}
	n, err := strconv.Atoi(port)
	return err == nil && n >= minPort && n <= 65535
}

func (r *reader) url(name string, schemes ...string) string {
	v := r.str(name)
	u, err := url.Parse(v)
	if err != nil || !slices.Contains(schemes, u.Scheme) || u.Host == "" {
		r.fail(name, redact(v), "a URL with scheme "+strings.Join(schemes, " or ")+" and a host")
	}
	return v
}

func (r *reader) optionalURL(name string, schemes ...string) string {
	if r.str(name) == "" {
		return ""
	}
	return r.url(name, schemes...)
}

func (r *reader) dir(name string) string {
	v := r.str(name)
	abs, err := filepath.Abs(v)
	if err != nil || v == "" {
		r.fail(name, v, "a directory path")
		return v
	}
	if fi, err := os.Stat(abs); err == nil && !fi.IsDir() {
		r.fail(name, v, "a directory path, not a file")
	}
	return abs
}

// origins reads a comma-separated list of http(s) origins.
func (r *reader) origins(name string) []string {
	var out []string
	for _, o := range strings.Split(r.str(name), ",") {
		o = strings.TrimSuffix(strings.TrimSpace(o), "/")
		if o == "" {
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			r.fail(name, o, "comma-separated origins such as https://app.example.com")
			continue
		}
		out = append(out, o)
	}
	return out
}

// prefixes reads a comma-separated list of CIDRs; a bare address stands for
// itself alone (/32 or /128). An IPv4-mapped IPv6 prefix becomes the IPv4
// one, as the addresses it is matched with are unmapped. Host bits after
// the mask are refused rather than dropped: 10.1.0.0/8 is more likely a
// typo for 10.1.0.0/16 than a way to say 10.0.0.0/8.
func (r *reader) prefixes(name string) []netip.Prefix {
	var out []netip.Prefix
	for _, v := range strings.Split(r.str(name), ",") {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		p, err := netip.ParsePrefix(v)
		if err != nil {
			a, aerr := netip.ParseAddr(v)
			if aerr != nil || a.Zone() != "" {
				r.fail(name, v, "comma-separated CIDRs such as 10.0.0.0/8 or fd00::/8")
				continue
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if p != p.Masked() {
			r.fail(name, v, fmt.Sprintf("a CIDR without host bits, such as %s", p.Masked()))
			continue
		}
		if a := p.Addr(); a.Is4In6() { // at least /96, or it had host bits
			p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
		}
		out = append(out, p)
	}
	return out
}

// secret reads an optional secret of at least minLen characters; its value
// never appears in an error.
func (r *reader) secret(name string, minLen int) string {
	v := r.str(name)
	if v != "" && len(v) < minLen {
		r.fail(name, "(hidden)", fmt.Sprintf("at least %d characters", minLen))
	}
	return v
}

var domainPattern = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

func (r *reader) domain(name string) string {
	v := r.nonEmpty(name)
	if v != "" && (len(v) > 200 || !domainPattern.MatchString(v)) {
		r.fail(name, v, "a lowercase domain name such as sites.example.com")
	}
	return v
}

func (r *reader) siteURL(name string) string {
	v := r.str(name)
	if v == "" {
		return ""
	}
	u, err := url.Parse(strings.Replace(v, "{slug}", "slug", 1))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.Count(v, "{slug}") != 1 {
		r.fail(name, v, "an http(s) URL with {slug} in it once, such as https://{slug}.sites.example.com")
	}
	return strings.TrimSuffix(v, "/")
}

func (r *reader) bucket(name string) string {
	v := r.str(name)
	ok := len(v) >= 3 && len(v) <= 63
	for _, c := range v {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			ok = false
		}
	}
	if !ok {
		r.fail(name, v, "an S3 bucket name: 3 to 63 lowercase letters, digits, dots or hyphens")
	}
	return v
}

// redact hides a password in a URL before it reaches an error message.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}

// SiteURL is the public address of the site with slug (no trailing slash):
// XENTRI_SITES_URL with the slug in it, or http://{slug}.{domain}:{port}
// on the port the API listens on.
func (c Config) SiteURL(slug string) string {
	if c.SitesURL != "" {
		return strings.Replace(c.SitesURL, "{slug}", slug, 1)
	}
	out := "http://" + slug + "." + c.SitesDomain
	if _, port, err := net.SplitHostPort(c.HTTPAddr); err == nil && port != "80" {
		out += ":" + port
	}
	return out
}
