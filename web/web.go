// Package web serves the web shell: the Astro frame and its React
// micro-apps (web/app), built into dist/ by `make web` and embedded in the
// binary, so `xentri api` and `xentri dev` serve it with the API and a
// Go-only build needs no Node. dist/ is committed; `make verify` rebuilds it
// and fails when it differs.
//
// How it answers (GET and HEAD):
//   - a path without an extension is a route of the shell: index.html, so
//     deep links and refresh work (the router in the page picks the app);
//   - a path with an extension is a file: served if built, else a 404
//     (a missing script must not come back as HTML);
//   - /api and everything under it is never the shell: a 404;
//   - hashed files under /_astro/ are immutable for a year; everything
//     else (index.html, favicon.svg) revalidates (no-cache, with an ETag);
//   - a file with a precompressed .gz sibling (made at build time) is sent
//     gzipped to clients that accept it, with Vary: Accept-Encoding.
package web

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

//go:embed all:dist
var dist embed.FS

// Handler serves the embedded shell. uploadOrigins are the origins the
// browser may send files to besides the shell's own (the object store that
// media uploads are presigned for, such as http://127.0.0.1:9123): the
// page's Content-Security-Policy allows them in connect-src.
func Handler(uploadOrigins ...string) http.Handler {
	root, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // the directory is embedded: cannot happen
	}
	h, err := newHandler(root)
	if err != nil {
		panic("web: the embedded shell is broken (run make web): " + err.Error())
	}
	h.csp = policyWith(uploadOrigins)
	return h
}

// policyWith is contentSecurityPolicy with connect-src widened to origins.
func policyWith(origins []string) string {
	extra := ""
	for _, o := range origins {
		if o != "" && !strings.ContainsAny(o, " ;'\"") {
			extra += " " + o
		}
	}
	return strings.Replace(contentSecurityPolicy, "connect-src 'self'", "connect-src 'self'"+extra, 1)
}

// Cache policies.
const (
	cacheImmutable  = "public, max-age=31536000, immutable"
	cacheRevalidate = "no-cache"
	// hashedDir holds Astro's content-hashed build output.
	hashedDir = "_astro/"
	indexFile = "index.html"
)

// contentSecurityPolicy is sent with the page: scripts, styles and calls to
// this origin only. The build (web/app/scripts/build.mjs) refuses a page
// with an inline script or style, which this would block.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// file is one built file, read once at start.
type file struct {
	name  string
	ctype string
	etag  string
	data  []byte
	gz    []byte // the precompressed .gz sibling, if any
}

type handler struct {
	files map[string]*file
	index *file
	csp   string // the page's Content-Security-Policy
}

// newHandler reads every file of a built shell. Precompressed .gz siblings
// become the gzip variant of their file, never files of their own.
func newHandler(root fs.FS) (*handler, error) {
	h := &handler{files: map[string]*file{}}
	gzipped := map[string][]byte{}
	err := fs.WalkDir(root, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(root, name)
		if err != nil {
			return err
		}
		if orig, ok := strings.CutSuffix(name, ".gz"); ok {
			gzipped[orig] = data
			return nil
		}
		ctype := mime.TypeByExtension(path.Ext(name))
		if ctype == "" {
			ctype = http.DetectContentType(data)
		}
		sum := sha256.Sum256(data)
		h.files[name] = &file{name: name, ctype: ctype, data: data, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for name, gz := range gzipped {
		if f, ok := h.files[name]; ok {
			f.gz = gz
		}
	}
	if h.index = h.files[indexFile]; h.index == nil {
		return nil, fs.ErrNotExist
	}
	return h, nil
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	if name == "api" || strings.HasPrefix(name, "api/") {
		notFound(w)
		return
	}
	f := h.index
	if name != "" && path.Ext(name) != "" {
		if f = h.files[name]; f == nil {
			notFound(w)
			return
		}
	}
	h.serve(w, r, f)
}

func (h *handler) serve(w http.ResponseWriter, r *http.Request, f *file) {
	hdr := w.Header()
	hdr.Set("Content-Type", f.ctype)
	if strings.HasPrefix(f.name, hashedDir) {
		hdr.Set("Cache-Control", cacheImmutable)
	} else {
		hdr.Set("Cache-Control", cacheRevalidate)
	}
	if strings.HasPrefix(f.ctype, "text/html") {
		hdr.Set("Content-Security-Policy", cmp.Or(h.csp, contentSecurityPolicy))
		hdr.Set("Referrer-Policy", "same-origin")
		hdr.Set("X-Frame-Options", "DENY")
	}
	body, etag := f.data, f.etag
	if f.gz != nil {
		hdr.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r.Header.Get("Accept-Encoding")) {
			body, etag = f.gz, strings.TrimSuffix(f.etag, `"`)+`-gz"`
			hdr.Set("Content-Encoding", "gzip")
		}
	}
	hdr.Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

func notFound(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", cacheRevalidate)
	http.Error(w, "404 page not found", http.StatusNotFound)
}

// acceptsGzip reads an Accept-Encoding header: gzip (or *) with a q above 0.
func acceptsGzip(header string) bool {
	gzip, star := -1.0, -1.0
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if n, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = n
				}
			}
		}
		switch strings.ToLower(strings.TrimSpace(coding)) {
		case "gzip", "x-gzip":
			gzip = q
		case "*":
			star = q
		}
	}
	if gzip >= 0 {
		return gzip > 0
	}
	return star > 0
}
