//go:build e2e

package n8ne2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

// n8nVersion is the n8n that package.json pins.
const n8nVersion = "1.123.5"

// repoRoot is the module root, two levels above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		t.Fatalf("cannot find the module root from %s: %v", dir, err)
	}
	return dir
}

func randSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// baseEnv is the little of the caller's environment the children get:
// nothing else leaks in (a DATABASE_URL or N8N_* in the shell would
// silently change what runs).
func baseEnv() []string {
	var env []string
	for _, k := range []string{"PATH", "HOME", "TMPDIR", "LANG", "TZ"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

func envList(m map[string]string) []string {
	env := baseEnv()
	for k, v := range m {
		env = append(env, k+"="+v)
	}
	return env
}

// requireNode fails unless node (at least 20.19, what n8n 1.123 needs) and
// npm are on PATH.
func requireNode(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not on PATH: this test installs and runs n8n %s with Node.js 20.19+ and npm (e.g. apt-get install nodejs npm, or nvm install 20)", tool, n8nVersion)
		}
	}
	out, err := exec.Command("node", "--version").Output()
	if err != nil {
		t.Fatalf("node --version: %v", err)
	}
	m := regexp.MustCompile(`^v(\d+)\.(\d+)`).FindStringSubmatch(strings.TrimSpace(string(out)))
	if m == nil {
		t.Fatalf("node --version printed %q", out)
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	if major < 20 || (major == 20 && minor < 19) || major > 24 {
		t.Fatalf("node %s: n8n %s needs Node.js >=20.19 and <=24.x", strings.TrimSpace(string(out)), n8nVersion)
	}
}

// adminURL is a Postgres superuser URL, as the other tests take it.
func adminURL() string {
	if v := os.Getenv("XENTRI_TEST_DATABASE_URL"); v != "" {
		return v
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// withDatabase returns admin with its database replaced by name.
func withDatabase(t *testing.T, admin, name string) string {
	t.Helper()
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	q := u.Query()
	if q.Get("sslmode") == "" {
		q.Set("sslmode", "disable")
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// createDatabase creates a database and drops it (forcibly) when the test
// ends.
func createDatabase(t *testing.T, ctx context.Context, admin, name string) {
	t.Helper()
	c, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("Postgres at %s does not answer (the test needs a superuser that connects without a password, or XENTRI_TEST_DATABASE_URL): %v", redact(admin), err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Errorf("drop database %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
}

func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(unparsable URL)"
	}
	return p.Redacted()
}

// redisDB connects to url, flushes it, and flushes it again at the end.
func redisDB(t *testing.T, ctx context.Context, rawURL string) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	if err := rdb.FlushDB(ctx).Err(); err != nil {
		t.Fatalf("Redis at %s does not answer: %v", redact(rawURL), err)
	}
	t.Cleanup(func() {
		_ = rdb.FlushDB(context.Background()).Err()
		_ = rdb.Close()
	})
	return rdb
}

// n8nCacheDir is where n8n is installed and kept between runs.
func n8nCacheDir(repo string) string {
	if v := os.Getenv("XENTRI_E2E_N8N_DIR"); v != "" {
		return v
	}
	if v := os.Getenv("XDG_CACHE_HOME"); v != "" {
		return filepath.Join(v, "xentri-e2e-n8n")
	}
	return filepath.Join(repo, ".xentri", "e2e-n8n")
}

// installN8N makes sure the cache dir holds an npm install of this
// package's package.json and package-lock.json and returns the path of
// n8n's entry point. The install (about 7 minutes and 1.6 GB the first
// time) is reused while the two files are unchanged.
func installN8N(t *testing.T, ctx context.Context, repo string) string {
	t.Helper()
	dir := n8nCacheDir(repo)
	bin := filepath.Join(dir, "node_modules", "n8n", "bin", "n8n")
	files := map[string][]byte{}
	sum := sha256.New()
	for _, name := range []string{"package.json", "package-lock.json"} {
		b, err := os.ReadFile(name)
		if errors.Is(err, os.ErrNotExist) && name == "package-lock.json" {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		files[name] = b
		fmt.Fprintf(sum, "%s %d\n", name, len(b))
		sum.Write(b)
	}
	want := hex.EncodeToString(sum.Sum(nil))
	stamp := filepath.Join(dir, ".xentri-e2e-stamp")
	if installedVersion(dir) == n8nVersion {
		if got, _ := os.ReadFile(stamp); strings.TrimSpace(string(got)) == want {
			t.Logf("n8n %s: reusing %s", n8nVersion, dir)
			return bin
		}
		// Installed by hand from the same files: adopt it.
		if sameFiles(dir, files) {
			_ = os.WriteFile(stamp, []byte(want+"\n"), 0o644)
			t.Logf("n8n %s: reusing %s", n8nVersion, dir)
			return bin
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	_ = os.Remove(stamp)
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{"install", "--no-audit", "--no-fund", "--loglevel=warn"}
	if _, ok := files["package-lock.json"]; ok {
		args[0] = "ci"
	}
	logPath := filepath.Join(dir, "npm-install.log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	t.Logf("n8n %s: npm %s into %s (the first time takes about 7 minutes and 1.6 GB; log in %s)", n8nVersion, args[0], dir, logPath)
	began := time.Now()
	cmd := exec.CommandContext(ctx, "npm", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "npm_config_update_notifier=false")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Run(); err != nil {
		b, _ := os.ReadFile(logPath)
		t.Fatalf("npm %s in %s: %v\n%s", args[0], dir, err, tail(string(b), 4000))
	}
	if v := installedVersion(dir); v != n8nVersion {
		t.Fatalf("npm %s left n8n %q in %s, want %s", args[0], v, dir, n8nVersion)
	}
	if err := os.WriteFile(stamp, []byte(want+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("n8n %s: installed in %s", n8nVersion, time.Since(began).Round(time.Second))
	return bin
}

func installedVersion(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, "node_modules", "n8n", "package.json"))
	if err != nil {
		return ""
	}
	var p struct {
		Version string `json:"version"`
	}
	_ = json.Unmarshal(b, &p)
	return p.Version
}

func sameFiles(dir string, files map[string][]byte) bool {
	for name, b := range files {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, b) {
			return false
		}
	}
	return true
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// process is a child the test started in its own process group.
type process struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error
}

// start runs cmd in its own process group, its output in logPath, and
// stops it (sig, then SIGKILL to the group after grace) when the test ends.
func start(t *testing.T, name string, cmd *exec.Cmd, logPath string, sig syscall.Signal, grace time.Duration) *process {
	t.Helper()
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		logf.Close()
		t.Fatalf("start %s: %v", name, err)
	}
	p := &process{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stop(t, sig, grace)
		if t.Failed() {
			t.Logf("%s log (%s), last 6 KiB:\n%s", name, logPath, p.tail(6000))
		}
	})
	return p
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func (p *process) tail(n int) string {
	b, _ := os.ReadFile(p.log)
	return tail(string(b), n)
}

func (p *process) stop(t *testing.T, sig syscall.Signal, grace time.Duration) {
	pid := p.cmd.Process.Pid
	if !p.exited() {
		_ = syscall.Kill(pid, sig)
		select {
		case <-p.done:
		case <-time.After(grace):
			t.Logf("%s did not exit within %s of %v: killing its process group", p.name, grace, sig)
		}
	}
	// Whatever it left behind in its group (Temporal's dev server, ...).
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Errorf("%s (pid %d) is still running", p.name, pid)
	}
}

// waitHTTP polls rawURL until it answers 200, the process exits, or timeout.
func waitHTTP(t *testing.T, ctx context.Context, p *process, rawURL string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
		res, err := client.Do(req)
		if err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			// A REST path answers JSON once it is mounted (before, n8n's
			// editor may answer it with HTML).
			json := !strings.Contains(rawURL, "/rest/") || strings.Contains(res.Header.Get("Content-Type"), "json")
			if res.StatusCode == http.StatusOK && json {
				return
			}
		}
		if p.exited() {
			t.Fatalf("%s exited (%v) before %s answered 200; its log:\n%s", p.name, p.err, rawURL, p.tail(6000))
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("%s did not answer 200 within %s (last: %v); its log:\n%s", rawURL, timeout, statusOrErr(res, err), p.tail(6000))
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func statusOrErr(res *http.Response, err error) string {
	if err != nil {
		return err.Error()
	}
	return res.Status
}

// jsonClient makes JSON requests and keeps cookies.
type jsonClient struct {
	base    string
	http    *http.Client
	headers map[string]string
}

func newJSONClient(base string, headers map[string]string) *jsonClient {
	jar, _ := cookiejar.New(nil)
	return &jsonClient{base: base, http: &http.Client{Jar: jar, Timeout: 90 * time.Second}, headers: headers}
}

// do sends body (nil, or JSON-encoded) and returns the status and the
// response body; out, when set, is decoded from a 2xx body.
func (c *jsonClient) do(ctx context.Context, method, path string, headers map[string]string, body, out any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return res.StatusCode, nil, err
	}
	if out != nil && res.StatusCode/100 == 2 {
		if err := json.Unmarshal(b, out); err != nil {
			return res.StatusCode, b, fmt.Errorf("%s %s: decode %q: %w", method, path, tail(string(b), 500), err)
		}
	}
	return res.StatusCode, b, nil
}

// must is do that fails the test unless the status is want.
func (c *jsonClient) must(t *testing.T, ctx context.Context, want int, method, path string, headers map[string]string, body, out any) []byte {
	t.Helper()
	status, b, err := c.do(ctx, method, path, headers, body, out)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if status != want {
		t.Fatalf("%s %s: %d, want %d: %s", method, path, status, want, tail(string(b), 2000))
	}
	return b
}

// unflatten decodes the "flatted" encoding n8n stores execution data in:
// a JSON array whose first entry is the root, where every string inside an
// object or array is the index of the entry holding the value.
func unflatten(s string) (any, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, fmt.Errorf("flatted: %w", err)
	}
	if len(raw) == 0 {
		return nil, errors.New("flatted: empty")
	}
	vals := make([]any, len(raw))
	for i, r := range raw {
		d := json.NewDecoder(bytes.NewReader(r))
		d.UseNumber()
		if err := d.Decode(&vals[i]); err != nil {
			return nil, fmt.Errorf("flatted entry %d: %w", i, err)
		}
	}
	memo := map[int]any{}
	var resolve func(i int) (any, error)
	ref := func(v any) (any, error) {
		s, ok := v.(string)
		if !ok {
			return v, nil
		}
		i, err := strconv.Atoi(s)
		if err != nil || i < 0 || i >= len(vals) {
			return nil, fmt.Errorf("flatted: bad reference %q", s)
		}
		return resolve(i)
	}
	resolve = func(i int) (any, error) {
		if v, ok := memo[i]; ok {
			return v, nil
		}
		switch x := vals[i].(type) {
		case map[string]any:
			out := make(map[string]any, len(x))
			memo[i] = out
			for k, v := range x {
				r, err := ref(v)
				if err != nil {
					return nil, err
				}
				out[k] = r
			}
			return out, nil
		case []any:
			out := make([]any, len(x))
			memo[i] = out
			for j, v := range x {
				r, err := ref(v)
				if err != nil {
					return nil, err
				}
				out[j] = r
			}
			return out, nil
		default:
			return x, nil
		}
	}
	return resolve(0)
}

// dig walks m along keys (string keys of objects, int indexes of arrays).
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case nil:
		return ""
	default:
		return fmt.Sprint(x)
	}
}
