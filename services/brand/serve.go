package brand

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/xentri/xentri/internal/blob"
	"github.com/xentri/xentri/internal/cache"
	"github.com/xentri/xentri/internal/db"
)

// ObjectReader reads a release's files from object storage.
type ObjectReader interface {
	Get(ctx context.Context, key string) ([]byte, blob.Object, error)
}

var _ ObjectReader = (*blob.Store)(nil)

// defaultCacheBytes is XENTRI_SITES_CACHE_BYTES's default.
const defaultCacheBytes = 64 << 20

// SiteServer serves published sites to the public: at {slug}.{Domain} (by
// the Host header) and at /sites/{site_id}/ (for local use, and for a CDN
// in front). It serves only releases that went live, from the files the
// publisher put at releases/{site_id}/{release_id}/ in object storage:
// pages and root files from the live release, and _r/{release_id}/ assets
// from whichever release that was live once names them, so a page loaded
// just before a publish still gets its own assets. Sites carry no
// JavaScript; the one thing a visitor can send is the contact form.
//
// DB, Objects and Domain are required; the zero value of the rest works.
type SiteServer struct {
	DB      *db.DB
	Objects ObjectReader
	// Domain is XENTRI_SITES_DOMAIN: a site is {slug}.{Domain}.
	Domain string
	// Cache shares routes between replicas and tells this one when a
	// site's live release moved (Run listens); without it routes are read
	// from Postgres and live for routeTTL.
	Cache *cache.SiteCache
	// MaxBytes bounds the memory files are kept in (XENTRI_SITES_CACHE_BYTES).
	MaxBytes int64
	// Capture stores what a visitor sent through a site's contact form
	// (sales.Capture, adapted by api.SiteContact); nil answers 503.
	Capture func(ctx context.Context, orgID uuid.UUID, in ContactForm) error
	// Allow counts one contact form from r's client against the org's
	// public capture limits (api.CaptureAllowance); nil, no limit.
	Allow func(r *http.Request, orgID uuid.UUID) (ok bool, retryAfter time.Duration)
	Log   zerolog.Logger

	once           sync.Once
	domain         string // ".{Domain}", lowercase; "" serves no Host
	routes         routeTable
	releases       releaseTable
	files          *fileCache
	routeFlights   flightGroup[*siteRoute]
	releaseFlights flightGroup[*servedRelease]
}

func (s *SiteServer) init() {
	s.once.Do(func() {
		if d := strings.Trim(strings.ToLower(s.Domain), "."); d != "" {
			s.domain = "." + d
		}
		s.routes.bySlug = map[string]routeSlot{}
		s.routes.byID = map[uuid.UUID]routeSlot{}
		s.routes.slugOf = map[uuid.UUID]string{}
		s.routes.purgedAt = map[uuid.UUID]time.Time{}
		s.releases.known = map[releaseKey]*servedRelease{}
		s.releases.missing = map[releaseKey]time.Time{}
		s.files = newFileCache(cmp.Or(s.MaxBytes, defaultCacheBytes))
	})
}

// Run listens for purges until ctx ends, dropping each purged site's
// route from this process's memory. Without a Cache it just waits.
func (s *SiteServer) Run(ctx context.Context) error {
	s.init()
	if s.Cache == nil {
		<-ctx.Done()
		return nil
	}
	return s.Cache.Listen(ctx, s.Purge)
}

// Matches reports whether host (a Host header, port and all) is a site's:
// {slug}.{Domain} with a slug that could be one.
func (s *SiteServer) Matches(host string) bool {
	s.init()
	_, ok := s.slugOf(host)
	return ok
}

func (s *SiteServer) slugOf(host string) (string, bool) {
	if s.domain == "" {
		return "", false
	}
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		host = host[:i]
	}
	host = strings.TrimSuffix(host, ".")
	if len(host) <= len(s.domain) || !strings.EqualFold(host[len(host)-len(s.domain):], s.domain) {
		return "", false
	}
	slug := host[:len(host)-len(s.domain)]
	if validSlug(slug) {
		return slug, true
	}
	if lower := strings.ToLower(slug); lower != slug && validSlug(lower) {
		return lower, true
	}
	return "", false
}

// validSlug is the sites.slug check: 3 to 63 lowercase letters, digits
// and hyphens, a letter or digit at each end.
func validSlug(s string) bool {
	if len(s) < 3 || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// ServeHTTP serves the site that r's Host names.
func (s *SiteServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.init()
	securityHeaders(w.Header())
	slug, ok := s.slugOf(r.Host)
	if !ok {
		plain(w, http.StatusNotFound, "Not found")
		return
	}
	rt, err := s.routeBySlug(r.Context(), slug)
	s.serve(w, r, rt, err, "", r.URL.Path)
}

// ServeByID serves /sites/{site_id}/...: the site by its id, whatever the
// Host. /sites/{site_id} redirects to /sites/{site_id}/, where the pages'
// relative links work.
func (s *SiteServer) ServeByID(w http.ResponseWriter, r *http.Request) {
	s.init()
	securityHeaders(w.Header())
	rest, _ := strings.CutPrefix(r.URL.Path, "/sites/")
	idText, tail, slash := strings.Cut(rest, "/")
	id, err := uuid.Parse(idText)
	if err != nil || idText != id.String() {
		plain(w, http.StatusNotFound, "Not found")
		return
	}
	base := "/sites/" + idText
	if !slash {
		redirect(w, r, http.StatusMovedPermanently, base+"/")
		return
	}
	rt, err := s.routeByID(r.Context(), id)
	s.serve(w, r, rt, err, base, "/"+tail)
}

// contactPath is where a site's contact form posts, under the site root.
const contactPath = "/_forms/contact"

var (
	allowGetHead = []string{"GET, HEAD"}
	allowPost    = []string{"POST"}
)

// serve answers the request for path p of the site (base is where the
// site root is mounted: "" by Host, /sites/{id} by id).
func (s *SiteServer) serve(w http.ResponseWriter, r *http.Request, rt *siteRoute, err error, base, p string) {
	switch {
	case err != nil:
		s.unavailable(w, err)
		return
	case rt == nil:
		plain(w, http.StatusNotFound, "Not found")
		return
	case p == contactPath:
		s.contact(w, r, rt, base)
		return
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		w.Header()["Allow"] = allowGetHead
		plain(w, http.StatusMethodNotAllowed, "Method not allowed")
		return
	case rt.live == nil:
		plain(w, http.StatusNotFound, "This site is not published yet.")
		return
	case !servablePath(p):
		plain(w, http.StatusBadRequest, "Bad request")
		return
	case strings.Contains(p, "//"):
		// Never redirected: //host would leave the site.
		s.notFound(w, r, rt)
		return
	case len(p) > 1 && p[len(p)-1] == '/':
		redirect(w, r, http.StatusMovedPermanently, (&url.URL{Path: base + strings.TrimSuffix(p, "/")}).EscapedPath())
		return
	}
	rel, f, err := s.lookup(r.Context(), rt, p[1:])
	switch {
	case err != nil:
		s.unavailable(w, err)
	case f == nil:
		s.notFound(w, r, rt)
	default:
		s.send(w, r, rel, f, http.StatusOK)
	}
}

// servablePath reports whether p could name a file: absolute, valid
// UTF-8, with no NUL, backslash, "." or ".." segment.
func servablePath(p string) bool {
	if p == "" || p[0] != '/' || !utf8.ValidString(p) || strings.ContainsAny(p, "\x00\\") {
		return false
	}
	for seg := range strings.SplitSeq(p[1:], "/") {
		if seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

// lookup finds the file p (relative to the site root) names: a release's
// _r/{release_id}/ asset, a file of the live release, or one of its pages
// (about -> about/index.html). f is nil when there is none.
func (s *SiteServer) lookup(ctx context.Context, rt *siteRoute, p string) (rel *servedRelease, f *servedFile, err error) {
	live := rt.live
	if rest, ok := strings.CutPrefix(p, releaseAssetsDir); ok {
		idText, _, _ := strings.Cut(rest, "/")
		rel = live
		if idText != live.idText {
			id, err := uuid.Parse(idText)
			if err != nil || id.String() != idText {
				return nil, nil, nil
			}
			if rel, err = s.release(ctx, rt.siteID, id); err != nil || rel == nil {
				return nil, nil, err
			}
		}
		return rel, rel.files[p], nil
	}
	if f := live.files[p]; f != nil {
		return live, f, nil
	}
	return live, live.pages[p], nil
}

// send writes file f of release rel with status (200, or 404 for the
// site's 404 page).
func (s *SiteServer) send(w http.ResponseWriter, r *http.Request, rel *servedRelease, f *servedFile, status int) {
	h := w.Header()
	if status == http.StatusOK && etagMatches(r.Header["If-None-Match"], f.etag) {
		fileHeaders(h, rel, f, true)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	cf, err := s.files.get(r.Context(), s.Objects, f)
	if err != nil {
		if !errors.Is(err, blob.ErrNotFound) {
			s.unavailable(w, err)
			return
		}
		// Listed in a live release's manifest, yet not in the store: the
		// publisher's bug, not the visitor's.
		s.Log.Error().Err(err).Str("release_id", rel.idText).Msg("release file missing from object storage")
		if status == http.StatusOK && rel.notFound != nil && rel.notFound != f {
			s.send(w, r, rel, rel.notFound, http.StatusNotFound)
			return
		}
		plain(w, http.StatusNotFound, "Not found")
		return
	}
	fileHeaders(h, rel, f, status == http.StatusOK)
	body, length := cf.body, cf.bodyLen
	if cf.gz != nil && acceptsGzip(r.Header["Accept-Encoding"]) {
		body, length = cf.gz, cf.gzLen
		h["Content-Encoding"] = encodingGzip
	}
	h["Content-Length"] = length
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

func fileHeaders(h http.Header, rel *servedRelease, f *servedFile, withETag bool) {
	h["Content-Type"] = f.contentType
	h["Cache-Control"] = f.cacheControl
	h["X-Release-Id"] = rel.idHeader
	h["Vary"] = varyEncoding
	if withETag {
		h["Etag"] = f.etagHeader
	}
}

// notFound answers 404 with the live release's 404 page.
func (s *SiteServer) notFound(w http.ResponseWriter, r *http.Request, rt *siteRoute) {
	if rt.live.notFound == nil {
		plain(w, http.StatusNotFound, "Not found")
		return
	}
	s.send(w, r, rt.live, rt.live.notFound, http.StatusNotFound)
}

// unavailable answers 503 when Postgres or the store failed: the visitor
// may try again; the details go to the log.
func (s *SiteServer) unavailable(w http.ResponseWriter, err error) {
	s.Log.Error().Err(err).Msg("site server")
	w.Header().Set("Retry-After", "5")
	plain(w, http.StatusServiceUnavailable, "This site is unavailable for a moment; please try again shortly.")
}

func securityHeaders(h http.Header) {
	h["X-Content-Type-Options"] = nosniff
	h["Referrer-Policy"] = referrerPolicy
	h["Content-Security-Policy"] = sitePolicy
}

// plain answers status with a one-line text page, never cached.
func plain(w http.ResponseWriter, status int, msg string) {
	h := w.Header()
	h["Content-Type"] = textPlain
	h["Cache-Control"] = cacheNone
	w.WriteHeader(status)
	_, _ = w.Write([]byte(msg + "\n"))
}

// redirect sends the client to path (on this host), with r's query.
func redirect(w http.ResponseWriter, r *http.Request, status int, path string) {
	if r.URL.RawQuery != "" {
		path += "?" + r.URL.RawQuery
	}
	w.Header().Set("Location", path)
	w.Header()["Cache-Control"] = cacheRevalidate
	w.WriteHeader(status)
}

// etagMatches reports whether an If-None-Match header names etag (weakly
// compared, as GET allows) or is "*".
func etagMatches(values []string, etag string) bool {
	for _, v := range values {
		for v != "" {
			var tag string
			tag, v, _ = strings.Cut(v, ",")
			tag = strings.TrimSpace(tag)
			if tag == "*" || strings.TrimPrefix(tag, "W/") == etag {
				return true
			}
		}
	}
	return false
}

// acceptsGzip reports whether Accept-Encoding takes gzip (by name or "*")
// with a q above zero.
func acceptsGzip(values []string) bool {
	for _, v := range values {
		for v != "" {
			var coding string
			coding, v, _ = strings.Cut(v, ",")
			name, params, _ := strings.Cut(coding, ";")
			name = strings.TrimSpace(name)
			if strings.EqualFold(name, "gzip") || name == "*" {
				return !zeroQ(params)
			}
		}
	}
	return false
}

func zeroQ(params string) bool {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
			v = strings.TrimSpace(v)
			return v == "0" || strings.TrimRight(v, "0") == "0."
		}
	}
	return false
}
