// Package testenv gives tests the real services they talk to: a freshly
// migrated Postgres database reached through a role that row-level security
// applies to, a Redis, and a Temporal dev server run from bin/temporal.
//
// With CI=true a missing service fails the test; elsewhere it skips it, so
// `go test ./...` still runs the unit tests on a bare machine.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"

	"github.com/xentri/xentri/internal/blob"
	"github.com/xentri/xentri/internal/db"
	"github.com/xentri/xentri/internal/platform/proc"
	itemporal "github.com/xentri/xentri/internal/temporal"
)

// Defaults match the services CI and a developer machine run; override with
// XENTRI_TEST_DATABASE_URL (a superuser's URL; its database is not touched)
// and XENTRI_TEST_REDIS_URL.
const (
	defaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	defaultRedisURL    = "redis://127.0.0.1:6379/15"
)

// Main runs the package's tests, then drops the databases and stops the
// servers they created. Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	cleanup()
	os.Exit(code)
}

var (
	cleanupMu  sync.Mutex
	cleanupFns []func()
)

func atExit(fn func()) {
	cleanupMu.Lock()
	defer cleanupMu.Unlock()
	cleanupFns = append(cleanupFns, fn)
}

func cleanup() {
	cleanupMu.Lock()
	defer cleanupMu.Unlock()
	for i := len(cleanupFns) - 1; i >= 0; i-- {
		cleanupFns[i]()
	}
}

// unavailable fails under CI and skips elsewhere.
func unavailable(tb testing.TB, format string, args ...any) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatalf("CI=true and a required service is missing: "+format, args...)
	}
	tb.Skipf("skipped, service missing (CI=true would fail): "+format, args...)
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// Database is a migrated database of the package's own.
type Database struct {
	// OwnerURL connects as the migration owner (a superuser in tests): it
	// bypasses row-level security, so use it only to arrange and inspect.
	OwnerURL string
	// AppURL connects as a login role that is a member of xentri_app, with
	// exactly its privileges: what the services use.
	AppURL string
	// Owner is a pool on OwnerURL.
	Owner *pgxpool.Pool
	// App is the application's handle, on AppURL.
	App *db.DB
	// Relay connects as a throwaway member of xentri_relay, the role that
	// reads every org's events and nothing else.
	Relay *db.DB
}

var (
	dbOnce sync.Once
	dbVal  *Database
	dbErr  error
)

// DB returns the package's database, creating and migrating it on first use.
func DB(tb testing.TB) *Database {
	tb.Helper()
	dbOnce.Do(func() { dbVal, dbErr = newDatabase() })
	if dbErr != nil {
		if strings.Contains(dbErr.Error(), "connect") {
			unavailable(tb, "postgres: %v", dbErr)
		}
		tb.Fatalf("test database: %v", dbErr)
	}
	return dbVal
}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func newDatabase() (*Database, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin := env("XENTRI_TEST_DATABASE_URL", defaultDatabaseURL)
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return nil, fmt.Errorf("connect %s: %w", admin, err)
	}
	conn.Close(ctx)

	suffix := randomSuffix()
	name := "xentri_test_" + suffix
	ownerURL := db.WithDatabase(admin, name)
	if err := db.EnsureDatabase(ctx, ownerURL); err != nil {
		return nil, err
	}
	// A throwaway member of xentri_app, so parallel test packages and a
	// running `xentri dev` never fight over xentri_app's password.
	role, password := "xentri_app_test_"+suffix, randomSuffix()+randomSuffix()
	m, err := db.NewMigrator(ownerURL)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	if _, err := m.Up(ctx); err != nil {
		return nil, err
	}
	if err := db.EnsureLoginRole(ctx, ownerURL, role, password, db.AppRole); err != nil {
		return nil, err
	}
	relayRole := "xentri_relay_test_" + suffix
	if err := db.EnsureLoginRole(ctx, ownerURL, relayRole, password, db.RelayRole); err != nil {
		return nil, err
	}
	d := &Database{OwnerURL: ownerURL, AppURL: db.WithUser(ownerURL, role, password)}
	if d.Owner, err = pgxpool.New(ctx, ownerURL); err != nil {
		return nil, err
	}
	if d.App, err = db.Open(ctx, d.AppURL, 10); err != nil {
		return nil, err
	}
	if d.Relay, err = db.Open(ctx, db.WithUser(ownerURL, relayRole, password), 4); err != nil {
		return nil, err
	}
	atExit(func() {
		d.App.Close()
		d.Relay.Close()
		d.Owner.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if c, err := pgx.Connect(ctx, admin); err == nil {
			_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
			_, _ = c.Exec(ctx, "DROP ROLE IF EXISTS "+pgx.Identifier{role}.Sanitize())
			_, _ = c.Exec(ctx, "DROP ROLE IF EXISTS "+pgx.Identifier{relayRole}.Sanitize())
			c.Close(ctx)
		}
	})
	return d, nil
}

// RedisURL returns the test Redis URL, after checking that it answers.
func RedisURL(tb testing.TB) string {
	tb.Helper()
	url := env("XENTRI_TEST_REDIS_URL", defaultRedisURL)
	opts, err := redis.ParseURL(url)
	if err != nil {
		tb.Fatalf("XENTRI_TEST_REDIS_URL: %v", err)
	}
	c := redis.NewClient(opts)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		unavailable(tb, "redis at %s: %v", url, err)
	}
	return url
}

// Redis returns a client on the test Redis, closed when the test ends.
func Redis(tb testing.TB) *redis.Client {
	tb.Helper()
	opts, _ := redis.ParseURL(RedisURL(tb))
	c := redis.NewClient(opts)
	tb.Cleanup(func() { c.Close() })
	return c
}

var (
	temporalOnce sync.Once
	temporalAddr string
	temporalErr  error
)

// Temporal returns the address of a dev server the package shares, started
// from the pinned bin/temporal on free ports with the project's search
// attributes registered.
func Temporal(tb testing.TB) string {
	tb.Helper()
	temporalOnce.Do(func() { temporalAddr, temporalErr = startTemporal() })
	if temporalErr != nil {
		unavailable(tb, "temporal dev server: %v", temporalErr)
	}
	return temporalAddr
}

func startTemporal() (string, error) {
	bin, err := itemporal.FindCLI(os.Getenv("XENTRI_TEMPORAL_BIN"))
	if err != nil {
		return "", err
	}
	port, err := proc.FreePort()
	if err != nil {
		return "", err
	}
	addr := proc.Addr(port)
	srv, err := testsuite.StartDevServer(context.Background(), testsuite.DevServerOptions{
		ExistingPath:  bin,
		ClientOptions: &client.Options{HostPort: addr, Namespace: "default", Logger: itemporal.NewLogger(zerolog.Nop())},
		LogLevel:      "error",
		ExtraArgs:     []string{"--headless", "--sqlite-pragma", "journal_mode=wal"},
		Stdout:        io.Discard,
		Stderr:        io.Discard,
	})
	if err != nil {
		return "", err
	}
	atExit(func() { _ = srv.Stop() })
	c := srv.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := itemporal.EnsureSearchAttributes(ctx, c, "default"); err != nil {
		return "", err
	}
	return addr, nil
}

// Logger returns a logger that writes through t.Log, so output shows only
// for failing or verbose tests.
func Logger(tb testing.TB) zerolog.Logger {
	return zerolog.New(zerolog.NewTestWriter(tb)).Level(zerolog.DebugLevel)
}

// Store starts the embedded S3 store of `xentri dev` (gofakes3) on a
// loopback port over a temp dir, with a bucket, for the test's life.
func Store(tb testing.TB) *blob.Store {
	tb.Helper()
	srv, err := blob.StartEmbedded(tb.TempDir(), "127.0.0.1:0", zerolog.Nop())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = srv.Stop(context.Background()) })
	store, err := blob.New(blob.Config{Endpoint: srv.Addr, AccessKey: "k", SecretKey: "s", Region: "us-east-1", Bucket: "xentri-test"})
	if err != nil {
		tb.Fatal(err)
	}
	if err := store.EnsureBucket(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return store
}
