package bench

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/xentri/xentri/api"
	"github.com/xentri/xentri/internal/cache"
	"github.com/xentri/xentri/internal/testenv"
	"github.com/xentri/xentri/services/brand"
)

// BenchmarkSiteServing compares the site server with net/http's
// FileServer on the same files: an ~8 KiB page and a ~20 KiB stylesheet,
// published as a live release in the embedded S3 store for the first and
// written to a temp dir for the second. Each is an http.Server on
// loopback, driven through one keep-alive client; both caches are warm
// (the site server's memory, the OS page cache). Requests ask for no
// compression, as FileServer has none; xentri-gzip shows the site
// server's gzip path besides, and xentri-api the same server behind the
// whole API router (api.NewRouter: tracing span, client address, the
// site-host switch), as the xentri process serves it. Reported: req/s and
// p99-ms.
//
//	go test ./bench -run '^$' -bench SiteServing -benchtime 3s
func BenchmarkSiteServing(b *testing.B) {
	s := newSitesBench(b)
	for _, target := range []struct {
		name string
		addr string
		host string
		gzip bool
	}{
		{"xentri", s.xentri, s.host, false},
		{"fileserver", s.files, "", false},
		{"xentri-gzip", s.xentri, s.host, true},
		{"xentri-api", s.router, s.host, false},
	} {
		for _, file := range []struct{ name, path string }{{"html", "/"}, {"asset", s.assetPath}} {
			b.Run(target.name+"/"+file.name, func(b *testing.B) {
				s.drive(b, "http://"+target.addr+file.path, target.host, target.gzip)
			})
		}
	}
}

type sitesBench struct {
	client       *http.Client
	xentri       string // addresses of the servers
	files        string
	router       string
	host         string // the site's Host on the xentri server
	assetPath    string
	page, assets []byte
}

func newSitesBench(b *testing.B) *sitesBench {
	b.Helper()
	ctx := context.Background()
	d := testenv.DB(b)
	store := testenv.Store(b)

	org, site, rid := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	slug := "bench-" + strings.ReplaceAll(site.String(), "-", "")[20:]
	s := &sitesBench{assetPath: "/_r/" + rid.String() + "/site.css"}
	s.page, s.assets = benchPage(rid), benchCSS()
	files := map[string][]byte{"index.html": s.page, "_r/" + rid.String() + "/site.css": s.assets}
	types := map[string]string{"index.html": "text/html; charset=utf-8", "_r/" + rid.String() + "/site.css": "text/css; charset=utf-8"}

	// The release: its row, live, and its files in the store and on disk.
	type entry struct {
		Path        string `json:"path"`
		ContentType string `json:"content_type"`
		Size        int    `json:"size"`
		SHA256      string `json:"sha256"`
	}
	var manifest []entry
	dir := b.TempDir()
	for p, body := range files {
		sum := sha256.Sum256(body)
		manifest = append(manifest, entry{Path: p, ContentType: types[p], Size: len(body), SHA256: hex.EncodeToString(sum[:])})
		if err := store.Put(ctx, "releases/"+site.String()+"/"+rid.String()+"/"+p, body, types[p], nil); err != nil {
			b.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), body, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	raw, _ := json.Marshal(manifest)
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO orgs (id, name) VALUES ($1, 'bench')`, []any{org}},
		{`INSERT INTO sites (id, org_id, name, slug) VALUES ($1, $2, 'Bench', $3)`, []any{site, org, slug}},
		{`INSERT INTO site_releases (id, org_id, site_id, number, status, trigger, author, files, activated_at)
		  VALUES ($1, $2, $3, 1, 'live', 'publish', 'user:bench', $4, now())`, []any{rid, org, site, raw}},
		{`UPDATE sites SET live_release_id = $2 WHERE id = $1`, []any{site, rid}},
	} {
		if _, err := d.Owner.Exec(ctx, q.sql, q.args...); err != nil {
			b.Fatal(err)
		}
	}

	sites := &brand.SiteServer{DB: d.App, Objects: store, Domain: "sites.localhost",
		Cache: cache.NewSiteCache(testenv.Redis(b), zerolog.Nop()), Log: zerolog.Nop()}
	s.xentri = serveOnLoopback(b, sites)
	s.router = serveOnLoopback(b, api.NewRouter(api.Config{Log: zerolog.Nop(), Registry: prometheus.NewRegistry(), Sites: sites}))
	s.files = serveOnLoopback(b, http.FileServer(http.Dir(dir)))
	s.host = slug + ".sites.localhost"
	s.client = &http.Client{Transport: &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512, DisableCompression: true}}
	b.Cleanup(s.client.CloseIdleConnections)
	return s
}

// serveOnLoopback runs h on 127.0.0.1:0 until the benchmark ends.
func serveOnLoopback(b *testing.B, h http.Handler) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	b.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

// drive sends b.N GETs of url from parallel clients and reports the
// throughput and the 99th percentile latency.
func (s *sitesBench) drive(b *testing.B, url, host string, gzip bool) {
	get := func() error {
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if host != "" {
			req.Host = host
		}
		if gzip {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		res, err := s.client.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		n, err := io.Copy(io.Discard, res.Body)
		if err != nil {
			return err
		}
		if res.StatusCode != http.StatusOK || n == 0 {
			return fmt.Errorf("GET %s: %d, %d bytes", url, res.StatusCode, n)
		}
		return nil
	}
	for range 3 { // warm: the route, the file cache, the connections
		if err := get(); err != nil {
			b.Fatal(err)
		}
	}
	var (
		mu  sync.Mutex
		lat = make([]time.Duration, 0, b.N)
	)
	b.SetParallelism(4)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		mine := make([]time.Duration, 0, 1024)
		for pb.Next() {
			t0 := time.Now()
			if err := get(); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(t0))
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	if len(lat) == 0 {
		return
	}
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "req/s")
	b.ReportMetric(ms(percentiles(lat).p99), "p99-ms")
}

// benchPage is an ~8 KiB page of a small business's site, linking its
// stylesheet as published pages do.
func benchPage(rid uuid.UUID) []byte {
	var sb strings.Builder
	fmt.Fprintf(&sb, `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="xentri-release" content="%s">
<title>Bench Bakery</title><link rel="stylesheet" href="_r/%s/site.css"></head><body><main>`, rid, rid)
	for i := 0; sb.Len() < 8<<10; i++ {
		fmt.Fprintf(&sb, "<section id=\"s%d\"><h2>Our bread, part %d</h2><p>Sourdough, rye and spelt, baked before dawn "+
			"from flour milled down the road; order by noon for the next morning.</p></section>\n", i, i)
	}
	sb.WriteString("</main></body></html>\n")
	return []byte(sb.String())
}

// benchCSS is an ~20 KiB stylesheet.
func benchCSS() []byte {
	var sb strings.Builder
	for i := 0; sb.Len() < 20<<10; i++ {
		fmt.Fprintf(&sb, ".block-%d{margin:0 auto;padding:%dpx;color:#%06x;font:16px/1.5 Georgia,serif}\n", i, i%32, i*2654435761%0xffffff)
	}
	return []byte(sb.String())
}
