package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"

	"github.com/xentri/xentri/api"
	"github.com/xentri/xentri/internal/cache"
	"github.com/xentri/xentri/internal/db"
	"github.com/xentri/xentri/internal/platform/proc"
	itemporal "github.com/xentri/xentri/internal/temporal"
	"github.com/xentri/xentri/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// devRun is a `xentri dev` running inside the test process.
type devRun struct {
	banner devBanner
	stdout *testenv.Buffer
	cancel context.CancelFunc
	done   chan error
}

func (r *devRun) url(path string) string { return "http://" + r.banner.HTTPAddr + path }

// startDev runs `xentri dev` with exactly env as its environment and waits
// until it serves.
func startDev(t *testing.T, env map[string]string) *devRun {
	t.Helper()
	r := &devRun{stdout: &testenv.Buffer{}, done: make(chan error, 1)}
	stderr := &testenv.Buffer{}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	ready := make(chan devBanner, 1)
	go func() {
		r.done <- runDev(ctx, func(k string) string { return env[k] }, r.stdout, stderr, func(b devBanner) { ready <- b })
	}()
	t.Cleanup(func() {
		cancel()
		<-r.done
		if t.Failed() {
			t.Logf("stdout:\n%s\nstderr (last 4 KiB):\n%s", r.stdout, tail(stderr.String(), 4096))
		}
	})
	select {
	case r.banner = <-ready:
		return r
	case err := <-r.done:
		r.done <- err
		t.Fatalf("xentri dev exited before serving: %v", err)
	case <-time.After(2 * time.Minute):
		t.Fatal("xentri dev did not serve within 2 minutes")
	}
	return nil
}

// stop interrupts the run as Ctrl-C would and returns its error and how long
// it took to exit.
func (r *devRun) stop(t *testing.T) (time.Duration, error) {
	t.Helper()
	start := time.Now()
	r.cancel()
	select {
	case err := <-r.done:
		r.done <- err // for the cleanup
		return time.Since(start), err
	case <-time.After(30 * time.Second):
		t.Fatal("xentri dev did not exit within 30s of the interrupt")
		return 0, nil
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func freePort(t *testing.T) string {
	t.Helper()
	p, err := proc.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return strconv.Itoa(p)
}

// devEnv is the environment of a dev run on free ports, a fresh database and
// the test Redis; the test adds or overrides variables.
func devEnv(t *testing.T, dataDir string) map[string]string {
	t.Helper()
	testenv.DB(t) // skip or fail early when Postgres is missing
	name := "xentri_devtest_" + strings.ReplaceAll(strconv.FormatInt(time.Now().UnixNano(), 36), "-", "")
	admin := os.Getenv("XENTRI_TEST_DATABASE_URL")
	if admin == "" {
		admin = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	ownerURL := db.WithDatabase(admin, name)
	t.Cleanup(func() { dropDatabase(admin, name) })
	return map[string]string{
		"XENTRI_DATA_DIR":         dataDir,
		"XENTRI_HTTP_ADDR":        "127.0.0.1:0",
		"XENTRI_S3_ADDR":          "127.0.0.1:0",
		"XENTRI_TEMPORAL_PORT":    freePort(t),
		"XENTRI_TEMPORAL_UI_PORT": freePort(t),
		"XENTRI_LOG_LEVEL":        "debug",
		"DATABASE_URL":            ownerURL,
		"REDIS_URL":               devRedisURL(t),
	}
}

func dropDatabase(admin, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if c, err := pgx.Connect(ctx, admin); err == nil {
		_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
		c.Close(ctx)
	}
}

type readyzBody struct {
	Data struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
	} `json:"data"`
	// A 503 is a problem document.
	Status  int               `json:"status"`
	Detail  string            `json:"detail"`
	TraceID string            `json:"trace_id"`
	Checks  map[string]string `json:"checks"`
}

func getReadyz(t *testing.T, url string) (int, string, readyzBody) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	var body readyzBody
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Fatalf("GET %s: body is not JSON: %v", url, err)
	}
	return res.StatusCode, res.Header.Get("Content-Type"), body
}

func TestDevBringsTheStackUpAndStopsCleanly(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole stack")
	}
	dataDir := t.TempDir()
	env := devEnv(t, dataDir)
	run := startDev(t, env)

	status, _, body := getReadyz(t, run.url("/readyz"))
	if status != http.StatusOK {
		t.Fatalf("/readyz = %d %+v, want 200", status, body)
	}
	for _, dep := range []string{"postgres", "redis", "temporal", "object_storage"} {
		if body.Data.Checks[dep] != "ok" {
			t.Errorf("/readyz check %s = %q, want ok", dep, body.Data.Checks[dep])
		}
	}
	res, err := http.Get(run.banner.TemporalUI)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("Temporal UI at %s: %v %v", run.banner.TemporalUI, res, err)
	}
	res.Body.Close()
	if !strings.Contains(run.banner.DatabaseURL, "xentri_app") {
		t.Errorf("the services connect as %q, want the xentri_app role", run.banner.DatabaseURL)
	}

	// The steps and the banner are printed, each step with its duration.
	out := run.stdout.String()
	for _, want := range []string{"✓ postgres", "✓ redis", "✓ object storage", "✓ temporal", "✓ api + worker",
		"API           http://" + run.banner.HTTPAddr + "/api/v1", "Web shell", "Temporal UI   " + run.banner.TemporalUI} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "ms)") && !strings.Contains(out, "s)") {
		t.Errorf("steps show no duration:\n%s", out)
	}

	// A workflow runs through the embedded worker.
	token, err := os.ReadFile(filepath.Join(dataDir, "operator-token"))
	if err != nil {
		t.Fatal(err)
	}
	wfID := runDiagnostics(t, run.url("/api/v1/system/diagnostics"), strings.TrimSpace(string(token)))

	took, err := run.stop(t)
	if err != nil {
		t.Fatalf("xentri dev exited with %v after the interrupt, want a clean exit", err)
	}
	if took > 10*time.Second {
		t.Errorf("xentri dev took %s to stop, want under 10s", took)
	}
	if proc.Answers(run.banner.TemporalAddr) {
		t.Errorf("the Temporal dev server still answers at %s after exit", run.banner.TemporalAddr)
	}

	// A second run reuses the data dir: Temporal still knows the first run's
	// workflow, and the same operator token works.
	env["XENTRI_HTTP_ADDR"] = "127.0.0.1:0"
	again := startDev(t, env)
	c, err := itemporal.Dial(context.Background(), again.banner.TemporalAddr, "default", zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.DescribeWorkflow(context.Background(), wfID, ""); err != nil {
		t.Errorf("after a restart, workflow %s of the first run is gone: %v", wfID, err)
	}
	runDiagnostics(t, again.url("/api/v1/system/diagnostics"), strings.TrimSpace(string(token)))
	if _, err := again.stop(t); err != nil {
		t.Fatalf("second run exited with %v", err)
	}
}

// runDiagnostics runs the diagnostics workflow through the API and returns
// its workflow id.
func runDiagnostics(t *testing.T, url, token string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"checks":["postgres","redis","object_storage"]}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body envelope[api.DiagnosticsReport]
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("diagnostics: %d %v %+v", res.StatusCode, err, body)
	}
	for _, dep := range []string{"postgres", "redis", "object_storage"} {
		if body.Data.Checks[dep] != "ok" {
			t.Errorf("worker-side check %s = %q, want ok", dep, body.Data.Checks[dep])
		}
	}
	if !strings.HasPrefix(body.Data.WorkflowID, "system-diagnostics/") {
		t.Errorf("workflow id %q does not say what it is", body.Data.WorkflowID)
	}
	return body.Data.WorkflowID
}

// TestReadyzFollowsPostgres stops the Postgres a running stack uses: /readyz
// turns 503 naming postgres while the process stays up, and 200 again once
// Postgres is back, without a restart.
func TestReadyzFollowsPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a private Postgres")
	}
	dataDir := t.TempDir()
	// The private cluster may run as the postgres user: let it reach its dir.
	for d := dataDir; d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		os.Chmod(d, 0o755)
	}
	log := zerolog.Nop()
	ctx := context.Background()
	pgDir := filepath.Join(dataDir, "pg")
	cluster, err := db.StartLocalCluster(ctx, pgDir, "xentri", 0, log)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("private postgres: %v", err)
		}
		t.Skipf("private postgres: %v", err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			cluster.Stop()
		}
	})
	_, portText, _ := net.SplitHostPort(hostOf(cluster.URL))
	port, _ := strconv.Atoi(portText)

	env := devEnv(t, dataDir)
	env["DATABASE_URL"] = cluster.URL
	env["TEMPORAL_ADDRESS"] = testenv.Temporal(t)
	run := startDev(t, env)

	waitReadyz(t, run.url("/readyz"), http.StatusOK, nil)

	if err := cluster.Stop(); err != nil {
		t.Fatal(err)
	}
	stopped = true
	body := waitReadyz(t, run.url("/readyz"), http.StatusServiceUnavailable, func(b readyzBody) bool { return b.Checks["postgres"] != "" })
	if len(body.Checks) != 1 {
		t.Errorf("with only Postgres down, failing checks = %v, want postgres alone", body.Checks)
	}
	if body.TraceID == "" || !strings.Contains(body.Detail, "postgres") {
		t.Errorf("503 problem lacks the trace id or the dependency name: %+v", body)
	}
	select {
	case err := <-run.done:
		t.Fatalf("the process exited when Postgres stopped: %v", err)
	default:
	}

	cluster, err = db.StartLocalCluster(ctx, pgDir, "xentri", port, log)
	if err != nil {
		t.Fatal(err)
	}
	stopped = false
	waitReadyz(t, run.url("/readyz"), http.StatusOK, nil)
}

// waitReadyz polls /readyz until it answers want (and ok, when given).
func waitReadyz(t *testing.T, url string, want int, ok func(readyzBody) bool) readyzBody {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		status, ct, body := getReadyz(t, url)
		if status == want && (ok == nil || ok(body)) {
			if want != http.StatusOK && ct != "application/problem+json" {
				t.Errorf("/readyz %d has Content-Type %q, want application/problem+json", status, ct)
			}
			return body
		}
		last = fmt.Sprintf("%d %+v", status, body)
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("/readyz never answered %d; last: %s", want, last)
	return readyzBody{}
}

// TestDevStartsPrivatePostgresAndRedis: when nothing answers at DATABASE_URL
// and REDIS_URL, `xentri dev` runs its own under the data dir, and stops
// them on exit.
func TestDevStartsPrivatePostgresAndRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a private Postgres and Redis")
	}
	dataDir := t.TempDir()
	for d := dataDir; d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		os.Chmod(d, 0o755) // the private cluster may run as the postgres user
	}
	env := devEnv(t, dataDir)
	env["DATABASE_URL"] = "postgres://postgres@127.0.0.1:" + freePort(t) + "/xentri?sslmode=disable"
	env["REDIS_URL"] = "redis://127.0.0.1:" + freePort(t) + "/0"
	env["TEMPORAL_ADDRESS"] = testenv.Temporal(t)
	run := startDev(t, env)

	if status, _, body := getReadyz(t, run.url("/readyz")); status != http.StatusOK {
		t.Fatalf("/readyz = %d %+v", status, body)
	}
	for _, u := range []string{run.banner.DatabaseURL, run.banner.RedisURL} {
		for _, given := range []string{env["DATABASE_URL"], env["REDIS_URL"]} {
			if hostOf(u) == hostOf(given) {
				t.Errorf("%s is the address that did not answer", u)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dataDir, "postgres", "PG_VERSION")); err != nil {
		t.Errorf("no private cluster under the data dir: %v", err)
	}
	if _, err := run.stop(t); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{run.banner.DatabaseURL, run.banner.RedisURL} {
		if proc.Answers(hostOf(u)) {
			t.Errorf("%s still answers after xentri dev exited", hostOf(u))
		}
	}
}

func hostOf(rawURL string) string {
	rest := rawURL[strings.Index(rawURL, "://")+3:]
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		rest = rest[at+1:]
	}
	return strings.SplitN(rest, "/", 2)[0]
}

// devRedisURL is a Redis database of this package's own, emptied for each
// dev run: the stack's streams and consumer groups have fixed names.
func devRedisURL(t *testing.T) string {
	t.Helper()
	testenv.RedisURL(t) // skip or fail early when Redis is missing
	url := "redis://127.0.0.1:6379/14"
	if v := os.Getenv("XENTRI_TEST_DEV_REDIS_URL"); v != "" {
		url = v
	}
	rdb, err := cache.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	if err := rdb.FlushDB(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	return url
}
