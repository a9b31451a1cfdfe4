package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

const page = `<!doctype html><html><head><title>Xentri</title></head><body><main id="outlet"></main>` +
	`<script type="module" src="/_astro/frame.abc123.js"></script></body></html>`

var frameJS = strings.Repeat("export const frame = 'the frame';\n", 40)

func gz(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// testShell is a built shell in miniature: a page, a hashed script with its
// .gz, a hashed stylesheet without one, and a public file.
func testShell(t *testing.T) http.Handler {
	t.Helper()
	h, err := newHandler(fstest.MapFS{
		"index.html":                {Data: []byte(page)},
		"index.html.gz":             {Data: gz(t, page)},
		"_astro/frame.abc123.js":    {Data: []byte(frameJS)},
		"_astro/frame.abc123.js.gz": {Data: gz(t, frameJS)},
		"_astro/index.def456.css":   {Data: []byte("body{margin:0}")},
		"favicon.svg":               {Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func get(h http.Handler, method, target string, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

func TestShellRoutesGetThePage(t *testing.T) {
	t.Parallel()
	h := testShell(t)
	for _, path := range []string{"/", "/leads", "/leads/42", "/co-pilot/", "/login?next=%2Fleads", "/a.b/c", "/../../etc/passwd"} {
		rec := get(h, "GET", path)
		if rec.Code != 200 || rec.Body.String() != page {
			t.Errorf("GET %s = %d %q, want the page", path, rec.Code, rec.Body.String())
			continue
		}
		hdr := rec.Header()
		for k, want := range map[string]string{
			"Content-Type":           "text/html; charset=utf-8",
			"Cache-Control":          "no-cache",
			"X-Content-Type-Options": "nosniff",
		} {
			if got := hdr.Get(k); got != want {
				t.Errorf("GET %s: %s = %q, want %q", path, k, got, want)
			}
		}
		if csp := hdr.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("GET %s: Content-Security-Policy = %q", path, csp)
		}
		if hdr.Get("ETag") == "" {
			t.Errorf("GET %s: no ETag to revalidate with", path)
		}
	}
}

func TestMissingFilesAre404(t *testing.T) {
	t.Parallel()
	h := testShell(t)
	for _, path := range []string{
		"/_astro/frame.old999.js", // a previous release's bundle
		"/favicon.ico",
		"/leads/42.json",
		"/_astro/frame.abc123.js.gz", // the precompressed copies are variants, not files
		"/api",                       // the API's namespace is never the shell
		"/api/v2/leads",
	} {
		rec := get(h, "GET", path)
		if rec.Code != 404 {
			t.Errorf("GET %s = %d, want 404", path, rec.Code)
		}
		if strings.Contains(rec.Body.String(), "<html") {
			t.Errorf("GET %s answered the page", path)
		}
		if cc := rec.Header().Get("Cache-Control"); cc != "no-cache" {
			t.Errorf("GET %s: Cache-Control = %q; a 404 must not be cached for long", path, cc)
		}
	}
}

func TestCacheHeaders(t *testing.T) {
	t.Parallel()
	h := testShell(t)
	for path, want := range map[string]string{
		"/_astro/frame.abc123.js":  "public, max-age=31536000, immutable",
		"/_astro/index.def456.css": "public, max-age=31536000, immutable",
		"/favicon.svg":             "no-cache",
		"/index.html":              "no-cache",
		"/leads":                   "no-cache",
	} {
		rec := get(h, "GET", path)
		if rec.Code != 200 {
			t.Fatalf("GET %s = %d", path, rec.Code)
		}
		if got := rec.Header().Get("Cache-Control"); got != want {
			t.Errorf("GET %s: Cache-Control = %q, want %q", path, got, want)
		}
	}
	if ct := get(h, "GET", "/_astro/frame.abc123.js").Header().Get("Content-Type"); !strings.Contains(ct, "javascript") {
		t.Errorf("script Content-Type = %q", ct)
	}
	if ct := get(h, "GET", "/_astro/index.def456.css").Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("stylesheet Content-Type = %q", ct)
	}
}

func TestPrecompressed(t *testing.T) {
	t.Parallel()
	h := testShell(t)

	rec := get(h, "GET", "/_astro/frame.abc123.js", "Accept-Encoding", "br, gzip;q=0.8")
	if rec.Header().Get("Content-Encoding") != "gzip" || rec.Header().Get("Vary") != "Accept-Encoding" {
		t.Fatalf("gzip accepted: Content-Encoding %q, Vary %q", rec.Header().Get("Content-Encoding"), rec.Header().Get("Vary"))
	}
	if rec.Body.Len() >= len(frameJS) {
		t.Errorf("the gzipped body is %d bytes, the file %d", rec.Body.Len(), len(frameJS))
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	if plain, _ := io.ReadAll(zr); string(plain) != frameJS {
		t.Errorf("the gzipped body is not the file")
	}

	for _, ae := range []string{"", "identity", "gzip;q=0", "br", "*;q=0"} {
		rec := get(h, "GET", "/_astro/frame.abc123.js", "Accept-Encoding", ae)
		if rec.Header().Get("Content-Encoding") != "" || rec.Body.String() != frameJS {
			t.Errorf("Accept-Encoding %q: got an encoded body", ae)
		}
		if rec.Header().Get("Vary") != "Accept-Encoding" {
			t.Errorf("Accept-Encoding %q: Vary = %q; caches must key on it", ae, rec.Header().Get("Vary"))
		}
	}

	// The page too; a file without a .gz (too small to bother) goes as it is.
	if rec := get(h, "GET", "/leads", "Accept-Encoding", "gzip"); rec.Header().Get("Content-Encoding") != "gzip" {
		t.Errorf("the page was not sent gzipped")
	}
	if rec := get(h, "GET", "/_astro/index.def456.css", "Accept-Encoding", "gzip"); rec.Header().Get("Content-Encoding") != "" || rec.Header().Get("Vary") != "" {
		t.Errorf("a file without a .gz: Content-Encoding %q, Vary %q", rec.Header().Get("Content-Encoding"), rec.Header().Get("Vary"))
	}
}

func TestRevalidation(t *testing.T) {
	t.Parallel()
	h := testShell(t)
	plain := get(h, "GET", "/").Header().Get("ETag")
	zipped := get(h, "GET", "/", "Accept-Encoding", "gzip").Header().Get("ETag")
	if plain == "" || plain == zipped {
		t.Fatalf("ETags %q and %q: each variant needs its own", plain, zipped)
	}
	if rec := get(h, "GET", "/leads", "If-None-Match", plain); rec.Code != http.StatusNotModified {
		t.Errorf("If-None-Match with the current ETag = %d, want 304", rec.Code)
	}
	if rec := get(h, "GET", "/leads", "If-None-Match", `"stale"`); rec.Code != 200 {
		t.Errorf("If-None-Match with an old ETag = %d, want 200", rec.Code)
	}
}

func TestMethods(t *testing.T) {
	t.Parallel()
	h := testShell(t)
	if rec := get(h, "HEAD", "/leads"); rec.Code != 200 || rec.Body.Len() != 0 || rec.Header().Get("Content-Length") != strconv.Itoa(len(page)) {
		t.Errorf("HEAD = %d, %d bytes, Content-Length %q", rec.Code, rec.Body.Len(), rec.Header().Get("Content-Length"))
	}
	if rec := get(h, "POST", "/leads"); rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST = %d, Allow %q", rec.Code, rec.Header().Get("Allow"))
	}
}

func TestAcceptsGzip(t *testing.T) {
	t.Parallel()
	for header, want := range map[string]bool{
		"":                      false,
		"gzip":                  true,
		"GZIP":                  true,
		"gzip, deflate, br":     true,
		"br;q=1.0, gzip;q=0.5":  true,
		"gzip;q=0":              false,
		"gzip; q=0.0":           false,
		"*":                     true,
		"*;q=0":                 false,
		"*, gzip;q=0":           false,
		"identity":              false,
		"x-gzip":                true,
		"deflate, gzip;q=0.001": true,
	} {
		if got := acceptsGzip(header); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", header, got, want)
		}
	}
}

// TestEmbeddedShell checks the committed build that the binary embeds.
func TestEmbeddedShell(t *testing.T) {
	t.Parallel()
	h := Handler()
	rec := get(h, "GET", "/leads/42")
	body := rec.Body.String()
	if rec.Code != 200 {
		t.Fatalf("GET /leads/42 = %d", rec.Code)
	}
	for _, want := range []string{`<title>Xentri</title>`, `id="outlet"`, `id="sidebar"`, `href="/leads"`, `class="skip-link"`, `aria-live="polite"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	// Every script and stylesheet it names is there, immutable, and (the
	// script at least) precompressed; none is inline, for the CSP.
	if regexp.MustCompile(`<script(?:\s+type="module")?>`).MatchString(body) {
		t.Errorf("the page has an inline script")
	}
	assets := regexp.MustCompile(`(?:src|href)="(/_astro/[^"]+)"`).FindAllStringSubmatch(body, -1)
	if len(assets) < 2 {
		t.Fatalf("the page names %d assets under /_astro/, want its script and stylesheet", len(assets))
	}
	for _, m := range assets {
		rec := get(h, "GET", m[1], "Accept-Encoding", "gzip")
		if rec.Code != 200 || rec.Header().Get("Cache-Control") != cacheImmutable {
			t.Errorf("GET %s = %d, Cache-Control %q", m[1], rec.Code, rec.Header().Get("Cache-Control"))
		}
		if strings.HasSuffix(m[1], ".js") && rec.Header().Get("Content-Encoding") != "gzip" {
			t.Errorf("%s has no precompressed copy", m[1])
		}
	}
	// Each micro-app is a bundle of its own.
	for _, app := range []string{"co-pilot", "brief", "site", "leads", "notifications", "runs", "settings"} {
		found := false
		for name := range h.(*handler).files {
			found = found || strings.HasPrefix(name, "_astro/app-"+app+".")
		}
		if !found {
			t.Errorf("no bundle _astro/app-%s.*.js", app)
		}
	}
}

// TestUploadOriginsAreAllowedToConnect: the object store media uploads go
// to is in the page's connect-src, and nothing else is added.
func TestUploadOriginsAreAllowedToConnect(t *testing.T) {
	h := Handler("http://127.0.0.1:9123", "bad origin; script-src *")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	csp := rec.Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "connect-src 'self' http://127.0.0.1:9123;") || strings.Contains(csp, "script-src *") {
		t.Fatalf("Content-Security-Policy = %q", csp)
	}
}
