package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/xentri/xentri/internal/blob"
	"github.com/xentri/xentri/internal/cache"
	"github.com/xentri/xentri/internal/db"
	"github.com/xentri/xentri/internal/platform/config"
	"github.com/xentri/xentri/internal/platform/proc"
	itemporal "github.com/xentri/xentri/internal/temporal"
)

func newDevCmd(getenv func(string) string, stdout, stderr io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "dev",
		Short: "Bring the whole stack up on this machine, without Docker",
		Long: `Bring the whole stack up on this machine, without Docker:

  Postgres  DATABASE_URL; if nothing answers and the server binaries are
            installed, a private cluster under XENTRI_DATA_DIR. Creates the
            database and the app role xentri_app, runs the migrations.
  Redis     REDIS_URL; if nothing answers, a private redis-server.
  S3        S3_ENDPOINT; unset, an embedded S3 server over XENTRI_DATA_DIR.
  Temporal  TEMPORAL_ADDRESS; unset, the Temporal CLI's dev server (bin/temporal,
            built by make bin/temporal) with its UI, state in XENTRI_DATA_DIR.

Then the API, the web shell and the worker in this process. Ctrl-C stops
everything gracefully; state in XENTRI_DATA_DIR survives for the next run.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDev(cmd.Context(), getenv, stdout, stderr, nil)
		},
	}
}

// devBanner is where `xentri dev` serves, once everything is up.
type devBanner struct {
	HTTPAddr, TemporalUI, TemporalAddr, DatabaseURL, RedisURL, S3Endpoint string
}

// runDev runs `xentri dev`; onReady, when set, is called with the banner once
// everything serves (tests use it).
func runDev(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer, onReady func(devBanner)) error {
	began := time.Now()
	cfg, log, err := loadConfig(getenv, stderr)
	if err != nil {
		return err
	}
	ctx, stop := withSignals(ctx)
	defer stop()

	steps := &stepPrinter{w: stdout}
	children := &childSet{log: log}
	defer children.stopAll(stdout)

	var appDBPassword, relayDBPassword string
	err = steps.run("data dir", func() (string, error) {
		if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
			return "", err
		}
		if appDBPassword, err = readOrCreateSecret(filepath.Join(cfg.DataDir, "app-db-password")); err != nil {
			return "", err
		}
		if relayDBPassword, err = readOrCreateSecret(filepath.Join(cfg.DataDir, "relay-db-password")); err != nil {
			return "", err
		}
		if cfg.JWTSecret == "" && cfg.AuthProvider == "local" {
			if cfg.JWTSecret, err = readOrCreateSecret(filepath.Join(cfg.DataDir, "jwt-secret")); err != nil {
				return "", err
			}
		}
		if cfg.N8NSecret == "" {
			if cfg.N8NSecret, err = readOrCreateSecret(filepath.Join(cfg.DataDir, "n8n-secret")); err != nil {
				return "", err
			}
		}
		if cfg.OperatorToken == "" {
			if cfg.OperatorToken, err = readOrCreateSecret(filepath.Join(cfg.DataDir, "operator-token")); err != nil {
				return "", err
			}
		}
		return cfg.DataDir, nil
	})
	if err != nil {
		return err
	}

	shutdownTracing, err := startTracing(ctx, cfg)
	if err != nil {
		return err
	}
	defer shutdownTracing(context.WithoutCancel(ctx))

	var ep endpoints
	if err := steps.run("postgres", func() (string, error) {
		ep.appDatabaseURL, ep.relayDatabaseURL, err = devPostgres(ctx, cfg, appDBPassword, relayDBPassword, children, log)
		return redactURL(ep.appDatabaseURL), err
	}); err != nil {
		return err
	}
	if err := steps.run("redis", func() (string, error) {
		ep.redisURL, err = devRedis(ctx, cfg, children, log)
		return ep.redisURL, err
	}); err != nil {
		return err
	}
	if err := steps.run("object storage", func() (string, error) {
		ep.s3Endpoint, err = devObjectStorage(ctx, cfg, children, log)
		return fmt.Sprintf("%s, bucket %s", ep.s3Endpoint, cfg.S3Bucket), err
	}); err != nil {
		return err
	}
	var temporalUI string
	if err := steps.run("temporal", func() (string, error) {
		ep.temporal, temporalUI, err = devTemporal(ctx, cfg, children, log)
		return fmt.Sprintf("%s, namespace %s, UI %s", ep.temporal, cfg.TemporalNamespace, orNone(temporalUI)), err
	}); err != nil {
		return err
	}

	var d *deps
	if err := steps.run("api + worker", func() (string, error) {
		d, err = openDeps(ctx, cfg, ep, log, roles{api: true, worker: true, relay: true})
		return "task queue " + cfg.TemporalTaskQueue, err
	}); err != nil {
		return err
	}
	defer d.close()
	ln, err := listen(cfg.HTTPAddr)
	if err != nil {
		return err
	}
	banner := devBanner{
		HTTPAddr: ln.Addr().String(), TemporalUI: temporalUI, TemporalAddr: ep.temporal,
		DatabaseURL: ep.appDatabaseURL, RedisURL: ep.redisURL, S3Endpoint: ep.s3Endpoint,
	}
	return runRoles(ctx, cfg, log, d, ln, roles{api: true, worker: true, relay: true}, func() {
		printBanner(stdout, cfg, banner, time.Since(began))
		if onReady != nil {
			onReady(banner)
		}
	})
}

// devPostgres makes sure a Postgres answers, that the database exists and is
// migrated, and that xentri_app and xentri_relay can log in; it returns
// their URLs.
func devPostgres(ctx context.Context, cfg config.Config, appPassword, relayPassword string, children *childSet, log zerolog.Logger) (appURL, relayURL string, err error) {
	ownerURL := cfg.DatabaseMigrateURL
	u, _ := url.Parse(ownerURL)
	if !proc.Answers(hostPortOf(u, "5432")) {
		cluster, err := db.StartLocalCluster(ctx, filepath.Join(cfg.DataDir, "postgres"), strings.TrimPrefix(u.Path, "/"), 0, log)
		if errors.Is(err, proc.ErrNotInstalled) {
			return "", "", fmt.Errorf("nothing answers at %s and no Postgres server is installed: install PostgreSQL 15+ (apt-get install postgresql) and start it, or set DATABASE_URL", u.Host)
		}
		if err != nil {
			return "", "", err
		}
		children.add("postgres", cluster.Stop)
		ownerURL = db.WithHostPort(ownerURL, mustHost(cluster.URL))
	}
	if err := db.EnsureDatabase(ctx, ownerURL); err != nil {
		return "", "", err
	}
	// DATABASE_URL may already name the app role (with its own password);
	// otherwise it is the owner and the app URL is derived from it.
	appURL = db.WithUser(ownerURL, db.AppRole, appPassword)
	if given, _ := url.Parse(cfg.DatabaseURL); given.User.Username() == db.AppRole && cfg.DatabaseURL != cfg.DatabaseMigrateURL {
		appURL = cfg.DatabaseURL
	} else if err := db.EnsureLoginRole(ctx, ownerURL, db.AppRole, appPassword, ""); err != nil {
		return "", "", err
	}
	if err := db.EnsureLoginRole(ctx, ownerURL, db.RelayRole, relayPassword, ""); err != nil {
		return "", "", err
	}
	m, err := db.NewMigrator(ownerURL)
	if err != nil {
		return "", "", err
	}
	defer m.Close()
	if _, err := m.Up(ctx); err != nil {
		return "", "", err
	}
	return appURL, db.WithUser(ownerURL, db.RelayRole, relayPassword), nil
}

// devRedis returns the URL of a Redis that answers, starting a private one
// when REDIS_URL does not answer.
func devRedis(ctx context.Context, cfg config.Config, children *childSet, log zerolog.Logger) (string, error) {
	u, _ := url.Parse(cfg.RedisURL)
	if proc.Answers(hostPortOf(u, "6379")) {
		c, err := cache.Connect(cfg.RedisURL)
		if err != nil {
			return "", err
		}
		defer c.Close()
		return cfg.RedisURL, c.Ping(ctx).Err()
	}
	srv, err := cache.StartLocalServer(ctx, filepath.Join(cfg.DataDir, "redis"), 0, log)
	if errors.Is(err, proc.ErrNotInstalled) {
		return "", fmt.Errorf("nothing answers at %s and redis-server is not installed: install Redis (apt-get install redis-server) and start it, or set REDIS_URL", u.Host)
	}
	if err != nil {
		return "", err
	}
	children.add("redis", srv.Stop)
	return srv.URL, nil
}

// devObjectStorage returns the S3 endpoint, serving an embedded one over the
// data dir when S3_ENDPOINT is unset, and makes sure the bucket exists.
func devObjectStorage(ctx context.Context, cfg config.Config, children *childSet, log zerolog.Logger) (string, error) {
	endpoint := cfg.S3Endpoint
	if endpoint == "" {
		srv, err := blob.StartEmbedded(filepath.Join(cfg.DataDir, "objects"), cfg.S3Addr, log)
		if err != nil {
			return "", err
		}
		children.add("object storage", func() error { return srv.Stop(context.Background()) })
		endpoint = srv.Addr
	}
	store, err := blob.New(blob.Config{Endpoint: endpoint, AccessKey: cfg.S3AccessKey, SecretKey: cfg.S3SecretKey,
		Region: cfg.S3Region, Bucket: cfg.S3Bucket, UseSSL: cfg.S3UseSSL})
	if err != nil {
		return "", err
	}
	return endpoint, store.EnsureBucket(ctx)
}

// devTemporal returns the frontend address and UI URL, running the dev server
// when TEMPORAL_ADDRESS is unset, and registers the search attributes.
func devTemporal(ctx context.Context, cfg config.Config, children *childSet, log zerolog.Logger) (addr, ui string, err error) {
	addr, ui = cfg.TemporalAddress, cfg.TemporalUIURL
	if addr == "" {
		bin, err := itemporal.FindCLI(cfg.TemporalBin)
		if err != nil {
			return "", "", err
		}
		srv, err := itemporal.StartDevServer(itemporal.DevServerOptions{
			Bin: bin, DataDir: cfg.DataDir, Port: cfg.TemporalPort, UIPort: cfg.TemporalUIPort, Namespace: cfg.TemporalNamespace,
		}, log)
		if err != nil {
			return "", "", err
		}
		children.add("temporal", srv.Stop)
		addr, ui = srv.HostPort, srv.UIURL
	}
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	c, err := itemporal.DialWait(wctx, addr, cfg.TemporalNamespace, log)
	if err != nil {
		return "", "", fmt.Errorf("temporal at %s did not answer (see %s): %w", addr, filepath.Join(cfg.DataDir, "temporal.log"), err)
	}
	defer c.Close()
	return addr, ui, itemporal.EnsureSearchAttributes(wctx, c, cfg.TemporalNamespace)
}

func printBanner(w io.Writer, cfg config.Config, b devBanner, took time.Duration) {
	base := "http://" + b.HTTPAddr
	fmt.Fprintf(w, "\nXentri is up in %s.\n\n", took.Round(10*time.Millisecond))
	fmt.Fprintf(w, "  API           %s/api/v1\n", base)
	fmt.Fprintf(w, "  Web shell     %s/\n", base)
	fmt.Fprintf(w, "  Temporal UI   %s\n", orNone(b.TemporalUI))
	fmt.Fprintf(w, "  Readiness     %s/readyz    Metrics %s/metrics\n", base, base)
	fmt.Fprintf(w, "  Temporal      %s (namespace %s, task queue %s)\n", b.TemporalAddr, cfg.TemporalNamespace, cfg.TemporalTaskQueue)
	fmt.Fprintf(w, "  Postgres      %s\n", redactURL(b.DatabaseURL))
	fmt.Fprintf(w, "  Redis         %s\n", b.RedisURL)
	fmt.Fprintf(w, "  S3            http://%s (bucket %s)\n", b.S3Endpoint, cfg.S3Bucket)
	fmt.Fprintf(w, "  Data dir      %s\n", cfg.DataDir)
	fmt.Fprintf(w, "\nPress Ctrl-C to stop.\n\n")
}

// stepPrinter prints each start-up step as it begins and ends, with its time.
type stepPrinter struct{ w io.Writer }

func (p *stepPrinter) run(name string, fn func() (string, error)) error {
	start := time.Now()
	fmt.Fprintf(p.w, "… %s\n", name)
	detail, err := fn()
	took := time.Since(start).Round(time.Millisecond)
	if err != nil {
		fmt.Fprintf(p.w, "✗ %-15s failed after %s\n", name, took)
		return fmt.Errorf("%s: %w", name, err)
	}
	fmt.Fprintf(p.w, "✓ %-15s %s (%s)\n", name, detail, took)
	return nil
}

// childSet stops what `xentri dev` started, all at once, on the way out.
type childSet struct {
	log   zerolog.Logger
	mu    sync.Mutex
	names []string
	stops []func() error
}

func (c *childSet) add(name string, stop func() error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.names = append(c.names, name)
	c.stops = append(c.stops, stop)
}

func (c *childSet) stopAll(w io.Writer) {
	var wg sync.WaitGroup
	for i, stop := range c.stops {
		wg.Go(func() {
			start := time.Now()
			if err := stop(); err != nil {
				c.log.Warn().Err(err).Str("child", c.names[i]).Msg("stop")
			}
			fmt.Fprintf(w, "■ stopped %s (%s)\n", c.names[i], time.Since(start).Round(time.Millisecond))
		})
	}
	wg.Wait()
}

// readOrCreateSecret returns the secret kept in path, creating a random one
// (readable by the owner only) the first time.
func readOrCreateSecret(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil && len(strings.TrimSpace(string(b))) >= 24 {
		return strings.TrimSpace(string(b)), nil
	}
	if err != nil && !os.IsNotExist(err) {
		return "", err
	}
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	secret := hex.EncodeToString(raw)
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		return "", err
	}
	return secret, nil
}

func hostPortOf(u *url.URL, defaultPort string) string {
	if u.Port() == "" {
		return u.Hostname() + ":" + defaultPort
	}
	return u.Host
}

func mustHost(raw string) string {
	u, _ := url.Parse(raw)
	return u.Host
}

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Redacted()
}

func orNone(s string) string {
	if s == "" {
		return "(none: set XENTRI_TEMPORAL_UI_URL)"
	}
	return s
}
