package brand_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/xentri/xentri/services/brand"
)

// TestADraftPreviewIsSignedExpiresAndIsNeverIndexed: the link shows the
// drafts as a publish would render them (images included), with every
// header that keeps it out of indexes and referrers; a forged or expired
// link shows nothing.
func TestADraftPreviewIsSignedExpiresAndIsNeverIndexed(t *testing.T) {
	t.Parallel()
	b := publishSetup(t)
	b.editHome(t, "Not published yet")
	now := time.Now()
	preview := &brand.Preview{DB: b.db.App, Objects: b.store, Key: []byte("a preview key of thirty-two bytes!"), TTL: time.Hour,
		SiteURL: func(slug string) string { return "http://" + slug + ".sites.localhost" }, Now: func() time.Time { return now }}
	var link brand.PreviewLink
	if err := b.in(func(ctx context.Context, tx pgx.Tx) (err error) {
		link, err = preview.Link(ctx, tx, b.owner, b.site.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(link.URL, "/preview/") || !strings.HasSuffix(link.URL, "/") || link.ExpiresAt.Sub(now) > time.Hour {
		t.Fatalf("link %+v", link)
	}
	srv := httptest.NewServer(preview)
	defer srv.Close()
	get := func(path string) (*http.Response, string) {
		t.Helper()
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res, string(body)
	}

	res, body := get(link.URL)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Not published yet") || !strings.Contains(body, `content="noindex`) {
		t.Fatalf("the preview of the home page: %d\n%.400s", res.StatusCode, body)
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'self'") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("the preview's CSP %q: want no script and framing by the shell's own origin only", csp)
	}
	for header, want := range map[string]string{"X-Robots-Tag": "noindex, nofollow", "Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"} {
		if got := res.Header.Get(header); got != want {
			t.Errorf("%s = %q, want %q", header, got, want)
		}
	}
	if res, body := get(link.URL + "about"); res.StatusCode != http.StatusOK || !strings.Contains(body, "About the bakery") {
		t.Fatalf("the preview of /about: %d", res.StatusCode)
	}
	if res, body := get(link.URL + "robots.txt"); res.StatusCode != http.StatusOK || !strings.Contains(body, "Disallow: /") {
		t.Fatalf("the preview's robots.txt: %d %s", res.StatusCode, body)
	}
	// The edit took the image off the home page: no draft uses it, so the
	// preview does not serve it; a draft page that shows it does.
	image := link.URL + brand.MediaPath("draft", b.image, "shop.png")
	if res, _ := get(image); res.StatusCode != http.StatusNotFound {
		t.Fatalf("an image no draft uses: %d, want 404", res.StatusCode)
	}
	b.createPage(t, "/gallery", "Gallery", `{"headline":"Our shop","image":{"src":"/media/`+b.image.String()+`","alt":"The shop"}}`)
	if res, body := get(image); res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/png" || len(body) == 0 {
		t.Fatalf("the preview's image: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if res, _ := get(link.URL + "no-such-page"); res.StatusCode != http.StatusNotFound {
		t.Errorf("a missing page: %d", res.StatusCode)
	}
	if res, _ := get(strings.TrimSuffix(link.URL, "/")); res.StatusCode != http.StatusOK {
		t.Errorf("the link without its slash does not lead to the preview: %d", res.StatusCode)
	}

	// A forged token, another site's id under the same MAC, an expired link.
	token := strings.TrimSuffix(strings.TrimPrefix(link.URL, "/preview/"), "/")
	body64, mac, _ := strings.Cut(token, ".")
	forged := []string{
		"/preview/" + body64 + "." + strings.Repeat("A", len(mac)) + "/",
		"/preview/" + strings.Replace(body64, body64[:4], "AAAA", 1) + "." + mac + "/",
		"/preview/garbage/",
	}
	for _, path := range forged {
		if res, _ := get(path); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, res.StatusCode)
		}
	}
	now = now.Add(2 * time.Hour)
	if res, _ := get(link.URL); res.StatusCode != http.StatusNotFound {
		t.Errorf("an expired link: %d, want 404", res.StatusCode)
	}
}
