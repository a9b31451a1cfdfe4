package brand_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/xentri/xentri/api"
	"github.com/xentri/xentri/internal/blob"
	"github.com/xentri/xentri/internal/cache"
	"github.com/xentri/xentri/internal/db"
	"github.com/xentri/xentri/internal/events"
	"github.com/xentri/xentri/internal/testenv"
	"github.com/xentri/xentri/services/brand"
	"github.com/xentri/xentri/services/sales"
)

const sitesDomain = "sites.localhost"

// siteWorld is a site server test's world: the real Postgres, the embedded
// S3 store, Redis, one org with a site (and its releases), and the site
// server behind a real HTTP server.
type siteWorld struct {
	d      *testenv.Database
	store  *blob.Store
	cache  *cache.SiteCache
	server *brand.SiteServer
	http   *httptest.Server
	client *http.Client
	org    uuid.UUID
	site   uuid.UUID
	slug   string
	next   int // the next release number
}

// siteSetup makes the world; the site has no release yet. The server
// listens for purges until the test ends.
func siteSetup(t *testing.T) *siteWorld {
	t.Helper()
	d := testenv.DB(t)
	w := &siteWorld{d: d, store: newStore(t), cache: cache.NewSiteCache(testenv.Redis(t), zerolog.Nop()), next: 1}
	w.org, w.site, w.slug = newSite(t, d)
	leads := &sales.Service{DB: d.App, Events: &events.Writer{Log: zerolog.Nop()}, Log: zerolog.Nop()}
	w.server = &brand.SiteServer{DB: d.App, Objects: w.store, Domain: sitesDomain, Cache: w.cache, MaxBytes: 8 << 20,
		Capture: api.SiteContact(leads),
		Allow:   api.CaptureAllowance(cache.NewRateLimiter(testenv.Redis(t), "test:"+uuid.NewString()+":")),
		Log:     zerolog.Nop()}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = w.server.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	w.http = httptest.NewServer(sitesMux(w.server))
	t.Cleanup(w.http.Close)
	w.client = &http.Client{
		Transport:     &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 32},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       10 * time.Second,
	}
	return w
}

// sitesMux routes as api.NewMux does with Config.Sites.
func sitesMux(s *brand.SiteServer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case s.Matches(r.Host):
			s.ServeHTTP(w, r)
		case strings.HasPrefix(r.URL.Path, "/sites/"):
			s.ServeByID(w, r)
		default:
			http.NotFound(w, r)
		}
	})
}

// newSite makes an org and a site of it, with a slug of its own.
func newSite(t *testing.T, d *testenv.Database) (org, site uuid.UUID, slug string) {
	t.Helper()
	org, site = uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	slug = "t-" + hex.EncodeToString(b)
	ctx := context.Background()
	if _, err := d.Owner.Exec(ctx, `INSERT INTO orgs (id, name) VALUES ($1, 'site org')`, org); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Owner.Exec(ctx, `INSERT INTO sites (id, org_id, name, slug) VALUES ($1, $2, 'Test site', $3)`, site, org, slug); err != nil {
		t.Fatal(err)
	}
	return org, site, slug
}

// testFile is a file of a release.
type testFile struct {
	path, contentType string
	body              []byte
	noSum             bool // listed with sha256 "", as media copies are
}

// releaseFiles is a small site in the publisher's layout; label is in
// every page and in the CSS, so two releases differ everywhere.
func releaseFiles(rid uuid.UUID, label string) []testFile {
	r := rid.String()
	asset := uuid.NewSHA1(rid, []byte("logo")).String() // the same files for the same release
	page := func(title string) []byte {
		return fmt.Appendf(nil, `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="xentri-release" content="%s">
<title>%s</title><link rel="stylesheet" href="_r/%s/site.css"></head>
<body><h1>%s: %s</h1><img src="_r/%s/media/%s/logo.svg" alt="logo">
<p>%s</p>
<form method="post" action="_forms/contact" id="contact"><input name="name"></form></body></html>
`, r, title, r, title, label, r, asset, strings.Repeat("Fresh bread every morning. ", 20))
	}
	css := "/* release " + label + " */\n" + strings.Repeat("body{font-family:serif;color:#"+label+"}\n", 30)
	return []testFile{
		{path: "index.html", contentType: "text/html; charset=utf-8", body: page("Home")},
		{path: "about/index.html", contentType: "text/html; charset=utf-8", body: page("About")},
		{path: "404.html", contentType: "text/html; charset=utf-8", body: []byte("<!doctype html><title>Lost</title><p>No such page (" + label + ")</p>")},
		{path: "sitemap.xml", contentType: "application/xml", body: []byte(`<?xml version="1.0"?><urlset></urlset>`)},
		{path: "robots.txt", contentType: "text/plain; charset=utf-8", body: []byte("User-agent: *\nAllow: /\n")},
		{path: "_r/" + r + "/site.css", contentType: "text/css; charset=utf-8", body: []byte(css)},
		{path: "_r/" + r + "/media/" + asset + "/logo.svg", contentType: "image/svg+xml", noSum: true,
			body: []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"><title>` + label + `</title></svg>`)},
	}
}

// release stores a release of the site: its row (activated when live) and
// its files in the store. It does not move the live pointer.
func (w *siteWorld) release(t *testing.T, label string, live bool) uuid.UUID {
	t.Helper()
	rid := uuid.Must(uuid.NewV7())
	return w.releaseWith(t, rid, releaseFiles(rid, label), live)
}

func (w *siteWorld) releaseWith(t *testing.T, rid uuid.UUID, files []testFile, live bool) uuid.UUID {
	t.Helper()
	ctx := context.Background()
	type entry struct {
		Path        string `json:"path"`
		ContentType string `json:"content_type"`
		Size        int    `json:"size"`
		SHA256      string `json:"sha256"`
	}
	var manifest []entry
	for _, f := range files {
		e := entry{Path: f.path, ContentType: f.contentType, Size: len(f.body)}
		if !f.noSum {
			sum := sha256.Sum256(f.body)
			e.SHA256 = hex.EncodeToString(sum[:])
		}
		manifest = append(manifest, e)
		key := "releases/" + w.site.String() + "/" + rid.String() + "/" + f.path
		if err := w.store.Put(ctx, key, f.body, f.contentType, nil); err != nil {
			t.Fatal(err)
		}
	}
	raw, _ := json.Marshal(manifest)
	status, activated := "uploaded", (*time.Time)(nil)
	if live {
		now := time.Now()
		status, activated = "live", &now
	}
	_, err := w.d.Owner.Exec(ctx, `INSERT INTO site_releases (id, org_id, site_id, number, status, trigger, author, files, activated_at)
		VALUES ($1, $2, $3, $4, $5, 'publish', 'user:test', $6, $7)`, rid, w.org, w.site, w.next, status, raw, activated)
	if err != nil {
		t.Fatal(err)
	}
	w.next++
	return rid
}

// goLive points the site at rid, as activation's compare-and-swap does,
// and purges when purge is set.
func (w *siteWorld) goLive(t *testing.T, rid uuid.UUID, purge bool) {
	t.Helper()
	ctx := context.Background()
	if _, err := w.d.Owner.Exec(ctx, `UPDATE sites SET live_release_id = $2 WHERE id = $1`, w.site, rid); err != nil {
		t.Fatal(err)
	}
	if purge {
		if err := w.cache.Purge(ctx, w.org, w.site); err != nil {
			t.Fatal(err)
		}
	}
}

// host is the site's Host header on the test server's port.
func (w *siteWorld) host() string {
	u, _ := url.Parse(w.http.URL)
	return w.slug + "." + sitesDomain + ":" + u.Port()
}

// byID is the site's address under /sites/{id}.
func (w *siteWorld) byID() string { return "/sites/" + w.site.String() }

type response struct {
	status int
	header http.Header
	body   []byte
}

// get requests path of the site by its Host (path starting with
// /sites/ goes by id, on the server's own host).
func (w *siteWorld) get(t *testing.T, method, path string, header map[string]string) response {
	t.Helper()
	host := w.host()
	if strings.HasPrefix(path, "/sites/") {
		host = ""
	}
	return w.do(t, method, host, path, header, nil)
}

func (w *siteWorld) do(t *testing.T, method, host, path string, header map[string]string, body io.Reader) response {
	t.Helper()
	req, err := http.NewRequest(method, w.http.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := w.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

func (r response) expect(t *testing.T, what string, status int) response {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: status %d, want %d; body %q", what, r.status, status, r.body)
	}
	return r
}

func etagOfBody(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:])[:32] + `"`
}

func TestSiteIsServedByHostAndByID(t *testing.T) {
	t.Parallel()
	w := siteSetup(t)
	a := w.release(t, "aaaaaa", true)
	w.goLive(t, a, true)
	files := map[string]testFile{}
	for _, f := range releaseFiles(a, "aaaaaa") {
		files[f.path] = f
	}

	for _, path := range []string{"/", w.byID() + "/"} {
		res := w.get(t, "GET", path, nil).expect(t, path, http.StatusOK)
		if !bytes.Contains(res.body, []byte("Home: aaaaaa")) || !bytes.Contains(res.body, []byte(a.String())) {
			t.Errorf("%s: not release A's home page: %s", path, res.body)
		}
		want := map[string]string{
			"Content-Type":            "text/html; charset=utf-8",
			"Cache-Control":           "public, max-age=0, must-revalidate",
			"X-Release-Id":            a.String(),
			"Etag":                    etagOfBody(res.body),
			"Vary":                    "Accept-Encoding",
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "strict-origin-when-cross-origin",
			"Content-Security-Policy": "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' https: data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
		}
		for k, v := range want {
			if got := res.header.Get(k); got != v {
				t.Errorf("%s: %s = %q, want %q", path, k, got, v)
			}
		}
	}
	// A Host is case-insensitive.
	res := w.do(t, "GET", strings.ToUpper(w.slug)+".Sites.LocalHost", "/", nil, nil).expect(t, "upper-case host", http.StatusOK)
	if res.header.Get("X-Release-Id") != a.String() {
		t.Errorf("upper-case host served release %q", res.header.Get("X-Release-Id"))
	}

	tests := []struct {
		path, file string
	}{
		{"/about", "about/index.html"},
		{w.byID() + "/about", "about/index.html"},
		{"/sitemap.xml", "sitemap.xml"},
		{"/robots.txt", "robots.txt"},
		{"/about/index.html", "about/index.html"},
	}
	for _, tt := range tests {
		res := w.get(t, "GET", tt.path, nil).expect(t, tt.path, http.StatusOK)
		f := files[tt.file]
		if !bytes.Equal(res.body, f.body) {
			t.Errorf("%s: body is not %s's", tt.path, tt.file)
		}
		if res.header.Get("Content-Type") != f.contentType {
			t.Errorf("%s: Content-Type %q, want %q", tt.path, res.header.Get("Content-Type"), f.contentType)
		}
	}

	redirects := []struct{ path, location string }{
		{w.byID(), w.byID() + "/"},
		{w.byID() + "?a=1", w.byID() + "/?a=1"},
		{"/about/", "/about"},
		{"/about/?utm=x&b=2", "/about?utm=x&b=2"},
		{w.byID() + "/about/", w.byID() + "/about"},
		{"/about%2F", "/about"}, // the path, not its spelling: no loop
		{"/caf%C3%A9/", "/caf%C3%A9"},
	}
	for _, tt := range redirects {
		res := w.get(t, "GET", tt.path, nil).expect(t, tt.path, http.StatusMovedPermanently)
		if got := res.header.Get("Location"); got != tt.location {
			t.Errorf("%s redirects to %q, want %q", tt.path, got, tt.location)
		}
	}
}

func TestSiteRevalidatesCompressesAndAnswersHEAD(t *testing.T) {
	t.Parallel()
	w := siteSetup(t)
	a := w.release(t, "abcdef", true)
	w.goLive(t, a, true)

	plainRes := w.get(t, "GET", "/", nil).expect(t, "GET /", http.StatusOK)
	etag := plainRes.header.Get("Etag")
	for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag, "*"} {
		res := w.get(t, "GET", "/", map[string]string{"If-None-Match": inm}).expect(t, "If-None-Match "+inm, http.StatusNotModified)
		if len(res.body) != 0 || res.header.Get("Etag") != etag || res.header.Get("X-Release-Id") != a.String() {
			t.Errorf("304 for %q: body %d bytes, ETag %q, X-Release-Id %q", inm, len(res.body), res.header.Get("Etag"), res.header.Get("X-Release-Id"))
		}
	}
	w.get(t, "GET", "/", map[string]string{"If-None-Match": `"0123"`}).expect(t, "another ETag", http.StatusOK)

	for _, path := range []string{"/", "/_r/" + a.String() + "/site.css"} {
		plainBody := w.get(t, "GET", path, nil).expect(t, path, http.StatusOK).body
		for _, ae := range []string{"gzip", "br, gzip;q=0.8", "*"} {
			res := w.get(t, "GET", path, map[string]string{"Accept-Encoding": ae}).expect(t, path+" gzip", http.StatusOK)
			if res.header.Get("Content-Encoding") != "gzip" {
				t.Fatalf("%s with Accept-Encoding %q: Content-Encoding %q", path, ae, res.header.Get("Content-Encoding"))
			}
			zr, err := gzip.NewReader(bytes.NewReader(res.body))
			if err != nil {
				t.Fatal(err)
			}
			unzipped, _ := io.ReadAll(zr)
			if !bytes.Equal(unzipped, plainBody) || len(res.body) >= len(plainBody) {
				t.Errorf("%s: gzip of %d bytes does not inflate to the %d plain ones", path, len(res.body), len(plainBody))
			}
		}
		for _, ae := range []string{"gzip;q=0", "br", "identity"} {
			res := w.get(t, "GET", path, map[string]string{"Accept-Encoding": ae})
			if res.header.Get("Content-Encoding") != "" || !bytes.Equal(res.body, plainBody) {
				t.Errorf("%s with Accept-Encoding %q was encoded %q", path, ae, res.header.Get("Content-Encoding"))
			}
		}
	}
	// A file too small to gain from gzip goes as it is.
	for _, ref := range linked(string(plainRes.body)) {
		if !strings.HasSuffix(ref, ".svg") {
			continue
		}
		res := w.get(t, "GET", "/"+ref, map[string]string{"Accept-Encoding": "gzip"}).expect(t, ref, http.StatusOK)
		if res.header.Get("Content-Type") != "image/svg+xml" || res.header.Get("Content-Encoding") != "" {
			t.Errorf("tiny SVG: Content-Type %q, Content-Encoding %q", res.header.Get("Content-Type"), res.header.Get("Content-Encoding"))
		}
	}

	head := w.get(t, "HEAD", "/", nil).expect(t, "HEAD /", http.StatusOK)
	if len(head.body) != 0 || head.header.Get("Content-Length") != fmt.Sprint(len(plainRes.body)) || head.header.Get("Etag") != etag {
		t.Errorf("HEAD: body %d bytes, Content-Length %q, ETag %q", len(head.body), head.header.Get("Content-Length"), head.header.Get("Etag"))
	}
}

func TestSiteAssetsAreImmutableAndCarryTheirRelease(t *testing.T) {
	t.Parallel()
	w := siteSetup(t)
	a := w.release(t, "a1a1a1", true)
	w.goLive(t, a, true)
	home := string(w.get(t, "GET", "/", nil).expect(t, "home", http.StatusOK).body)
	assets := linked(home)
	if len(assets) != 2 {
		t.Fatalf("the page links %v", assets)
	}
	etag := regexp.MustCompile(`^"[0-9a-f]{32}"$`)
	for _, asset := range assets {
		for _, path := range []string{"/" + asset, w.byID() + "/" + asset} {
			res := w.get(t, "GET", path, nil).expect(t, path, http.StatusOK)
			if res.header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
				t.Errorf("%s: Cache-Control %q", path, res.header.Get("Cache-Control"))
			}
			if res.header.Get("X-Release-Id") != a.String() {
				t.Errorf("%s: X-Release-Id %q", path, res.header.Get("X-Release-Id"))
			}
			// The media copy is listed with no sha256: its ETag is made of
			// the release and the path, still 32 hex digits.
			if !etag.MatchString(res.header.Get("Etag")) {
				t.Errorf("%s: ETag %q", path, res.header.Get("Etag"))
			}
		}
	}
}

// linked lists the href and src attributes of a page.
func linked(page string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`(?:href|src)="([^"]+)"`).FindAllStringSubmatch(page, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestSiteNotFoundAnswers(t *testing.T) {
	t.Parallel()
	w := siteSetup(t)
	a := w.release(t, "0a0a0a", true)
	w.goLive(t, a, true)

	for _, path := range []string{"/nope", "/about/nope", "/_r/" + a.String() + "/nope.css", w.byID() + "/nope", "/_r/not-a-uuid/site.css", "/_r/x"} {
		res := w.get(t, "GET", path, nil).expect(t, path, http.StatusNotFound)
		if !bytes.Contains(res.body, []byte("No such page (0a0a0a)")) {
			t.Errorf("%s: not the release's 404 page: %q", path, res.body)
		}
		if res.header.Get("X-Release-Id") != a.String() || res.header.Get("Cache-Control") != "public, max-age=0, must-revalidate" ||
			res.header.Get("Content-Type") != "text/html; charset=utf-8" {
			t.Errorf("%s: 404 headers %v", path, res.header)
		}
	}
	head := w.get(t, "HEAD", "/nope", nil).expect(t, "HEAD /nope", http.StatusNotFound)
	if len(head.body) != 0 {
		t.Errorf("HEAD 404 had a body")
	}

	// Hosts and ids of no site.
	w.do(t, "GET", "nosuchsite-"+uuid.NewString()[:8]+"."+sitesDomain, "/", nil, nil).expect(t, "unknown host", http.StatusNotFound)
	w.do(t, "GET", "", "/sites/"+uuid.NewString()+"/", nil, nil).expect(t, "unknown id", http.StatusNotFound)
	w.do(t, "GET", "", "/sites/not-a-uuid/", nil, nil).expect(t, "bad id", http.StatusNotFound)
	w.do(t, "GET", "", "/sites/"+strings.ToUpper(w.site.String())+"/", nil, nil).expect(t, "upper-case id", http.StatusNotFound)

	// A site with no live release.
	_, bare, bareSlug := newSite(t, w.d)
	for _, host := range []string{bareSlug + "." + sitesDomain, ""} {
		path := "/"
		if host == "" {
			path = "/sites/" + bare.String() + "/"
		}
		res := w.do(t, "GET", host, path, nil, nil).expect(t, "unpublished "+path, http.StatusNotFound)
		if !strings.Contains(string(res.body), "This site is not published yet.") {
			t.Errorf("unpublished site: %q", res.body)
		}
	}
}

func TestSiteHostMatching(t *testing.T) {
	t.Parallel()
	s := &brand.SiteServer{Domain: "Sites.Example.com"}
	tests := []struct {
		host string
		want bool
	}{
		{"bakery.sites.example.com", true},
		{"bakery.sites.example.com:8080", true},
		{"BAKERY.Sites.Example.COM", true},
		{"bakery.sites.example.com.", true},
		{"my-bakery-2.sites.example.com", true},
		{"sites.example.com", false},
		{".sites.example.com", false},
		{"ab.sites.example.com", false}, // slugs have 3 characters at least
		{"-bakery.sites.example.com", false},
		{"bakery-.sites.example.com", false},
		{"a.bakery.sites.example.com", false},
		{"bak_ery.sites.example.com", false},
		{"bakery.sites.example.com.evil.net", false},
		{"bakerysites.example.com", false},
		{"[::1]:8080", false},
		{"", false},
		{strings.Repeat("a", 64) + ".sites.example.com", false},
	}
	for _, tt := range tests {
		if got := s.Matches(tt.host); got != tt.want {
			t.Errorf("Matches(%q) = %v, want %v", tt.host, got, tt.want)
		}
	}
	if (&brand.SiteServer{}).Matches("bakery.") {
		t.Error("a server with no Domain matched a host")
	}
}

func TestStagedReleaseIsNeverServed(t *testing.T) {
	t.Parallel()
	w := siteSetup(t)
	a := w.release(t, "aaaa00", true)
	w.goLive(t, a, true)
	staged := w.release(t, "bbbb00", false) // uploaded, never activated
	for _, path := range []string{"/_r/" + staged.String() + "/site.css", w.byID() + "/_r/" + staged.String() + "/site.css"} {
		res := w.get(t, "GET", path, nil).expect(t, "staged asset "+path, http.StatusNotFound)
		if res.header.Get("X-Release-Id") != a.String() || bytes.Contains(res.body, []byte("bbbb00")) {
			t.Errorf("%s: served something of the staged release: %q", path, res.body)
		}
	}
	// Once activated (and purged, as activation does), it is.
	if _, err := w.d.Owner.Exec(context.Background(), `UPDATE site_releases SET status = 'live', activated_at = now() WHERE id = $1`, staged); err != nil {
		t.Fatal(err)
	}
	w.goLive(t, staged, true)
	waitFor(t, "the activated release", func() bool {
		return w.get(t, "GET", "/_r/"+staged.String()+"/site.css", nil).status == http.StatusOK
	})

	// Another site's live release is not this site's, whatever its id.
	other := siteSetup(t)
	o := other.release(t, "cccc00", true)
	other.goLive(t, o, true)
	w.get(t, "GET", "/_r/"+o.String()+"/site.css", nil).expect(t, "another site's asset", http.StatusNotFound)
}

// waitFor polls cond for up to 3 s.
func waitFor(t *testing.T, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > 3*time.Second {
			t.Fatalf("%s: not seen after 3 s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start)
}

func TestAnOldReleasesAssetsOutliveTheLivePointer(t *testing.T) {
	t.Parallel()
	w := siteSetup(t)
	a := w.release(t, "aaaa11", true)
	b := w.release(t, "bbbb11", true)
	w.goLive(t, a, true)
	oldPage := string(w.get(t, "GET", "/", nil).expect(t, "A's home", http.StatusOK).body)
	w.goLive(t, b, true)
	waitFor(t, "release B live", func() bool { return w.get(t, "GET", "/", nil).header.Get("X-Release-Id") == b.String() })
	// A visitor still holding A's page gets A's assets.
	for _, asset := range linked(oldPage) {
		res := w.get(t, "GET", "/"+asset, nil).expect(t, "A's "+asset, http.StatusOK)
		if res.header.Get("X-Release-Id") != a.String() {
			t.Errorf("%s: X-Release-Id %q", asset, res.header.Get("X-Release-Id"))
		}
	}
	// But A's pages are not reachable any more: paths outside _r/ are B's.
	res := w.get(t, "GET", "/about", nil).expect(t, "/about", http.StatusOK)
	if !bytes.Contains(res.body, []byte("bbbb11")) {
		t.Errorf("/about after the swap: %q", res.body)
	}
}

func TestAPurgeShowsTheNewReleaseAtOnce(t *testing.T) {
	t.Parallel()
	w := siteSetup(t)
	a := w.release(t, "aaaa22", true)
	b := w.release(t, "bbbb22", true)
	w.goLive(t, a, true)
	for _, path := range []string{"/", w.byID() + "/"} {
		if got := w.get(t, "GET", path, nil).header.Get("X-Release-Id"); got != a.String() {
			t.Fatalf("%s: release %q before the swap", path, got)
		}
	}
	w.goLive(t, b, false)
	// Without a purge the remembered route stands (for up to 30 s).
	for _, path := range []string{"/", w.byID() + "/"} {
		if got := w.get(t, "GET", path, nil).header.Get("X-Release-Id"); got != a.String() {
			t.Fatalf("%s: release %q before the purge: the route was not cached", path, got)
		}
	}
	if err := w.cache.Purge(context.Background(), w.org, w.site); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/", w.byID() + "/"} {
		took := waitFor(t, "B after the purge", func() bool { return w.get(t, "GET", path, nil).header.Get("X-Release-Id") == b.String() })
		if took > time.Second {
			t.Errorf("%s: the purge took %v to show", path, took)
		}
	}
}

func TestAColdReplicaRoutesFromRedis(t *testing.T) {
	t.Parallel()
	w := siteSetup(t)
	a := w.release(t, "aaaa33", true)
	w.goLive(t, a, true)
	w.get(t, "GET", "/", nil).expect(t, "warm replica", http.StatusOK) // reads Postgres, fills Redis
	w.get(t, "GET", w.byID()+"/", nil).expect(t, "warm replica by id", http.StatusOK)

	// A replica whose Postgres is gone still serves the route from Redis.
	dead, err := db.Open(context.Background(), w.d.AppURL, 1)
	if err != nil {
		t.Fatal(err)
	}
	dead.Close()
	cold := &brand.SiteServer{DB: dead, Objects: w.store, Domain: sitesDomain, Cache: w.cache, Log: zerolog.Nop()}
	srv := httptest.NewServer(sitesMux(cold))
	defer srv.Close()
	for _, path := range []string{"/", w.byID() + "/", "/_r/" + a.String() + "/site.css"} {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if !strings.HasPrefix(path, "/sites/") {
			req.Host = w.slug + "." + sitesDomain
		}
		res, err := w.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK || res.Header.Get("X-Release-Id") != a.String() {
			t.Errorf("cold replica %s: %d, release %q", path, res.StatusCode, res.Header.Get("X-Release-Id"))
		}
	}
	// With neither (an unknown site), it says it is unavailable, not 500.
	req, _ := http.NewRequest("GET", srv.URL+"/", nil)
	req.Host = "unknown-" + uuid.NewString()[:8] + "." + sitesDomain
	res, err := w.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("cold replica, unknown host, no Postgres: %d", res.StatusCode)
	}
}

// post sends the contact form with fields.
func (w *siteWorld) post(t *testing.T, host, path string, fields url.Values) response {
	t.Helper()
	return w.do(t, "POST", host, path, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, strings.NewReader(fields.Encode()))
}

type leadRow struct {
	Name, Source string
	Email, Notes *string
}

func (w *siteWorld) leads(t *testing.T) []leadRow {
	t.Helper()
	rows, err := w.d.Owner.Query(context.Background(), `SELECT name, source, email, notes FROM leads WHERE org_id = $1 ORDER BY created_at`, w.org)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []leadRow
	for rows.Next() {
		var l leadRow
		if err := rows.Scan(&l.Name, &l.Source, &l.Email, &l.Notes); err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
	return out
}

func TestTheContactFormMakesALead(t *testing.T) {
	t.Parallel()
	w := siteSetup(t)
	w.server.Allow = nil // more forms than a minute's limit; TestTheContactFormIsRateLimited has it
	a := w.release(t, "aaaa44", true)
	w.goLive(t, a, true)
	host := w.host()

	res := w.post(t, host, "/_forms/contact", url.Values{"name": {"Ana"}, "email": {"ana@example.com"}, "phone": {"+44 20 7946 0958"},
		"message": {"Two loaves, please."}, "page": {"/about"}, "form": {"contact"}, "website": {""}}).expect(t, "the form", http.StatusSeeOther)
	if got := res.header.Get("Location"); got != "/about?sent=1#contact-sent" {
		t.Errorf("Location %q", got)
	}
	leads := w.leads(t)
	if len(leads) != 1 || leads[0].Name != "Ana" || leads[0].Source != "website" || *leads[0].Email != "ana@example.com" || *leads[0].Notes != "Two loaves, please." {
		t.Fatalf("leads after the form: %+v", leads)
	}

	// Under /sites/{id}/ the way back stays there; a page that is not a
	// plain site path goes back to the home page.
	res = w.post(t, "", w.byID()+"/_forms/contact", url.Values{"name": {"Bo"}, "page": {"/about"}}).expect(t, "the form by id", http.StatusSeeOther)
	if got := res.header.Get("Location"); got != w.byID()+"/about?sent=1#contact-sent" {
		t.Errorf("by id: Location %q", got)
	}
	for _, page := range []string{"//evil.example", "/\\evil.example", "https://evil.example/", "/\t/evil.example", "about", "/a/../../x", ""} {
		res = w.post(t, host, "/_forms/contact", url.Values{"name": {"Cy " + page}, "page": {page}}).expect(t, "page "+page, http.StatusSeeOther)
		if got := res.header.Get("Location"); got != "/?sent=1#contact-sent" {
			t.Errorf("page %q: Location %q", page, got)
		}
	}
	count := len(w.leads(t))

	// The honeypot: a bot is thanked, and nothing is kept.
	res = w.post(t, host, "/_forms/contact", url.Values{"name": {"Bot"}, "email": {"bot@example.com"}, "website": {"http://spam.example"}, "page": {"/"}})
	res.expect(t, "honeypot", http.StatusSeeOther)
	if got := res.header.Get("Location"); got != "/?sent=1#contact-sent" {
		t.Errorf("honeypot: Location %q", got)
	}
	if n := len(w.leads(t)); n != count {
		t.Errorf("the honeypot kept a lead (%d leads, want %d)", n, count)
	}

	// Invalid input: a page naming what to fix, and no lead.
	res = w.post(t, host, "/_forms/contact", url.Values{"name": {""}, "email": {"not-an-address"}, "page": {"/about"}}).expect(t, "invalid form", http.StatusBadRequest)
	body := string(res.body)
	if !strings.Contains(body, "<strong>Email</strong>") || !strings.Contains(body, "<strong>Name</strong>") || !strings.Contains(body, `href="/about#contact"`) ||
		res.header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Errorf("invalid form page: %s", body)
	}
	if n := len(w.leads(t)); n != count {
		t.Errorf("an invalid form kept a lead")
	}

	// Bad requests, never a 500.
	w.do(t, "POST", host, "/_forms/contact", map[string]string{"Content-Type": "application/json"}, strings.NewReader(`{"name":"x"}`)).expect(t, "JSON", http.StatusUnsupportedMediaType)
	w.do(t, "POST", host, "/_forms/contact", nil, nil).expect(t, "no body", http.StatusUnsupportedMediaType)
	w.post(t, host, "/_forms/contact", url.Values{"name": {"Big"}, "message": {strings.Repeat("x", 20<<10)}}).expect(t, "too big", http.StatusRequestEntityTooLarge)
	w.do(t, "POST", host, "/_forms/contact", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, strings.NewReader("name=%zz")).expect(t, "bad encoding", http.StatusBadRequest)
	w.get(t, "GET", "/_forms/contact", nil).expect(t, "GET the form", http.StatusMethodNotAllowed)

	// An unpublished site takes no form.
	_, _, bareSlug := newSite(t, w.d)
	w.post(t, bareSlug+"."+sitesDomain, "/_forms/contact", url.Values{"name": {"Di"}}).expect(t, "unpublished site", http.StatusNotFound)
}

func TestTheContactFormIsRateLimited(t *testing.T) {
	t.Parallel()
	w := siteSetup(t)
	a := w.release(t, "aaaa55", true)
	w.goLive(t, a, true)
	var last response
	for i := range 11 {
		last = w.post(t, w.host(), "/_forms/contact", url.Values{"name": {fmt.Sprint("Visitor ", i)}, "website": {"bot"}})
	}
	last.expect(t, "the 11th form in a minute", http.StatusTooManyRequests)
	if last.header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
}

func TestBadRequestsAreNever500(t *testing.T) {
	t.Parallel()
	w := siteSetup(t)
	a := w.release(t, "aaaa66", true)
	w.goLive(t, a, true)
	u, _ := url.Parse(w.http.URL)
	tests := []struct {
		method, target string
		want           int
	}{
		{"GET", "/a/../about", http.StatusBadRequest},
		{"GET", "/..", http.StatusBadRequest},
		{"GET", "/_r/" + a.String() + "/../../about", http.StatusBadRequest},
		{"GET", "/./about", http.StatusBadRequest},
		{"GET", "/%2e%2e/about", http.StatusBadRequest},
		{"GET", "/about%00", http.StatusBadRequest},
		{"GET", "/%ff%fe", http.StatusBadRequest},
		{"GET", "/a\\b", http.StatusBadRequest},
		{"GET", "//evil.example/", http.StatusNotFound},
		{"GET", "/about//", http.StatusNotFound},
		{"GET", "/_r", http.StatusNotFound},
		{"GET", "/_r/" + a.String(), http.StatusNotFound},
		{"GET", "/_r/" + uuid.NewString() + "/site.css", http.StatusNotFound},
		{"GET", "/" + strings.Repeat("x", 4000), http.StatusNotFound},
		{"POST", "/", http.StatusMethodNotAllowed},
		{"DELETE", "/about", http.StatusMethodNotAllowed},
		{"OPTIONS", "/", http.StatusMethodNotAllowed},
		{"GET", "/sites/" + w.site.String() + "/..", http.StatusBadRequest},
		{"GET", "/sites/" + w.site.String() + "/%00", http.StatusBadRequest},
		{"GET", "/sites/" + w.site.String() + "//evil.example", http.StatusNotFound},
	}
	for _, tt := range tests {
		host := w.host()
		if strings.HasPrefix(tt.target, "/sites/") {
			host = u.Host
		}
		status, location := rawRequest(t, u.Host, host, tt.method, tt.target)
		if status != tt.want {
			t.Errorf("%s %s: %d, want %d", tt.method, tt.target, status, tt.want)
		}
		if location != "" {
			t.Errorf("%s %s redirected to %q", tt.method, tt.target, location)
		}
	}
}

// rawRequest sends a request line as written (a client library would
// clean the path) and returns the status and Location.
func rawRequest(t *testing.T, addr, host, method, target string) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", method, target, host)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	res.Body.Close()
	return res.StatusCode, res.Header.Get("Location")
}

// TestEveryPageLoadIsOneRelease loads pages and everything they link while
// the live release flips between A and B: each load must be A's alone or
// B's alone, and nothing may be missing.
func TestEveryPageLoadIsOneRelease(t *testing.T) {
	t.Parallel()
	w := siteSetup(t)
	a := w.release(t, "aaaa77", true)
	b := w.release(t, "bbbb77", true)
	w.goLive(t, a, true)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var (
		loads, swaps atomic.Int64
		seen         sync.Map // release id -> true
		failMu       sync.Mutex
		failures     []string
	)
	fail := func(format string, args ...any) {
		failMu.Lock()
		defer failMu.Unlock()
		if len(failures) < 20 {
			failures = append(failures, fmt.Sprintf(format, args...))
		}
	}
	meta := regexp.MustCompile(`<meta name="xentri-release" content="([^"]+)">`)
	var wg sync.WaitGroup
	for reader := range 8 {
		wg.Go(func() {
			base, host := w.http.URL+"/", w.host()
			if reader%2 == 1 {
				base, host = w.http.URL+w.byID()+"/", ""
			}
			fetch := func(u string) (int, string, []byte, error) {
				req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
				if host != "" {
					req.Host = host
				}
				res, err := w.client.Do(req)
				if err != nil {
					return 0, "", nil, err
				}
				defer res.Body.Close()
				body, err := io.ReadAll(res.Body)
				return res.StatusCode, res.Header.Get("X-Release-Id"), body, err
			}
			for i := 0; ctx.Err() == nil; i++ {
				pageURL := base
				if i%2 == 1 {
					pageURL += "about"
				}
				status, rid, body, err := fetch(pageURL)
				if ctx.Err() != nil {
					return
				}
				if err != nil || status != http.StatusOK {
					fail("%s: %d %v", pageURL, status, err)
					continue
				}
				m := meta.FindSubmatch(body)
				if m == nil || string(m[1]) != rid {
					fail("%s: X-Release-Id %s, page says %q", pageURL, rid, m)
					continue
				}
				seen.Store(rid, true)
				page, _ := url.Parse(pageURL)
				for _, ref := range linked(string(body)) {
					u, _ := url.Parse(ref)
					asset := page.ResolveReference(u).String()
					status, arid, _, err := fetch(asset)
					if ctx.Err() != nil {
						return
					}
					if err != nil || status != http.StatusOK || arid != rid {
						fail("page of %s linked %s: %d, release %s, %v", rid, asset, status, arid, err)
					}
				}
				loads.Add(1)
			}
		})
	}
	wg.Go(func() {
		live := []uuid.UUID{b, a}
		for i := 0; ctx.Err() == nil; i++ {
			rid := live[i%2]
			if _, err := w.d.Owner.Exec(context.Background(), `UPDATE sites SET live_release_id = $2 WHERE id = $1`, w.site, rid); err != nil {
				fail("swap: %v", err)
				return
			}
			if err := w.cache.Purge(context.Background(), w.org, w.site); err != nil {
				fail("purge: %v", err)
				return
			}
			swaps.Add(1)
			time.Sleep(2 * time.Millisecond)
		}
	})
	wg.Wait()
	for _, f := range failures {
		t.Error(f)
	}
	_, sawA := seen.Load(a.String())
	_, sawB := seen.Load(b.String())
	t.Logf("%d page loads (each with its assets) across %d swaps", loads.Load(), swaps.Load())
	if loads.Load() < 200 || swaps.Load() < 50 || !sawA || !sawB {
		t.Errorf("too little exercised: %d loads, %d swaps, saw A %v, B %v", loads.Load(), swaps.Load(), sawA, sawB)
	}
}
