package brand

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// How long this process trusts what it learnt of a site. A purge drops a
// route at once; the expiry is the safety net for a purge never heard.
// Unknown hosts are remembered briefly so a flood of made-up hosts does
// not reach Postgres once per request.
const (
	routeTTL      = 30 * time.Second
	unknownTTL    = 5 * time.Second
	maxRoutes     = 50_000 // per map; past it, expired entries are swept
	maxReleases   = 4_096  // old releases' manifests kept for their assets
	loadTimeout   = 10 * time.Second
	objectsPrefix = "releases/"
)

// siteRoute is what serving a site needs: whose it is and its live
// release (nil while the site is not published).
type siteRoute struct {
	siteID, orgID uuid.UUID
	slug          string
	live          *servedRelease
}

// servedRelease is a release that went live, with its manifest indexed
// for serving. It never changes once built.
type servedRelease struct {
	id, siteID uuid.UUID
	idText     string
	idHeader   []string
	files      map[string]*servedFile // by path, as in the manifest
	pages      map[string]*servedFile // "about" -> about/index.html, "" -> index.html
	notFound   *servedFile            // 404.html
	manifest   json.RawMessage        // as read, for the Redis route cache
}

// servedFile is one file of a release, with every header value it is
// served with worked out once.
type servedFile struct {
	key          string // the object's key in the store
	etag         string // quoted
	etagHeader   []string
	contentType  []string
	cacheControl []string
	compressible bool
}

// manifestFile is an entry of site_releases.files.
type manifestFile struct {
	Path        string `json:"path"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
}

// Header values shared by every response (never appended to: each slice
// has len == cap, so an append elsewhere copies).
var (
	cacheImmutable  = []string{"public, max-age=31536000, immutable"}
	cacheRevalidate = []string{"public, max-age=0, must-revalidate"}
	cacheNone       = []string{"no-store"}
	varyEncoding    = []string{"Accept-Encoding"}
	encodingGzip    = []string{"gzip"}
	nosniff         = []string{"nosniff"}
	referrerPolicy  = []string{"strict-origin-when-cross-origin"}
	textPlain       = []string{"text/plain; charset=utf-8"}
	textHTML        = []string{"text/html; charset=utf-8"}
	sitePolicy      = []string{"default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' https: data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"}
	// previewPolicy is sitePolicy for the drafts, which the shell's site
	// editor shows in a frame of its own origin.
	previewPolicy = []string{"default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' https: data:; form-action 'self'; base-uri 'none'; frame-ancestors 'self'"}
)

// releaseAssetsDir holds a release's own assets, _r/{release_id}/...: the
// only paths an older release is served at.
const releaseAssetsDir = "_r/"

// newServedRelease indexes a manifest. Entries whose path could not be a
// file of the release are left out rather than failing the release.
func newServedRelease(siteID, id uuid.UUID, manifest []byte) (*servedRelease, error) {
	var entries []manifestFile
	if err := json.Unmarshal(manifest, &entries); err != nil {
		return nil, fmt.Errorf("release %s manifest: %w", id, err)
	}
	rel := &servedRelease{id: id, siteID: siteID, idText: id.String(), files: make(map[string]*servedFile, len(entries)),
		pages: map[string]*servedFile{}, manifest: manifest}
	rel.idHeader = []string{rel.idText}
	prefix := objectsPrefix + siteID.String() + "/" + rel.idText + "/"
	for _, e := range entries {
		if !cleanFilePath(e.Path) {
			continue
		}
		f := &servedFile{key: prefix + e.Path}
		f.etag = `"` + etagOf(e.SHA256, rel.idText, e.Path) + `"`
		f.etagHeader = []string{f.etag}
		ct := e.ContentType
		if ct == "" || strings.ContainsAny(ct, "\r\n") {
			ct = cmp.Or(mime.TypeByExtension(path.Ext(e.Path)), "application/octet-stream")
		}
		f.contentType = []string{ct}
		f.compressible = compressible(ct)
		f.cacheControl = cacheRevalidate
		if strings.HasPrefix(e.Path, releaseAssetsDir) {
			f.cacheControl = cacheImmutable
		}
		rel.files[e.Path] = f
		switch {
		case e.Path == "index.html":
			rel.pages[""] = f
		case strings.HasSuffix(e.Path, "/index.html"):
			rel.pages[strings.TrimSuffix(e.Path, "/index.html")] = f
		case e.Path == "404.html":
			rel.notFound = f
		}
	}
	return rel, nil
}

// etagOf is the first 32 hex digits of the file's SHA-256, or, for a file
// listed without one (media copies), of its release and path: a release's
// files never change, so either names the bytes.
func etagOf(sum, releaseID, filePath string) string {
	if len(sum) >= 32 {
		if _, err := hex.DecodeString(sum[:32]); err == nil {
			return strings.ToLower(sum[:32])
		}
	}
	h := sha256.Sum256([]byte(releaseID + "/" + filePath))
	return hex.EncodeToString(h[:16])
}

// cleanFilePath reports whether p is a relative path with no empty, "."
// or ".." segment, no NUL and no backslash: a file the release can hold.
func cleanFilePath(p string) bool {
	if p == "" || strings.ContainsAny(p, "\x00\\") {
		return false
	}
	for seg := range strings.SplitSeq(p, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

// compressible reports whether a type is worth gzipping: text, and the
// XML and JSON families (SVG included). Images and fonts are compressed
// already.
func compressible(contentType string) bool {
	ct, _, _ := strings.Cut(contentType, ";")
	ct = strings.ToLower(strings.TrimSpace(ct))
	switch {
	case strings.HasPrefix(ct, "text/"), strings.HasSuffix(ct, "+xml"), strings.HasSuffix(ct, "+json"):
		return true
	}
	switch ct {
	case "application/xml", "application/json", "application/javascript", "application/manifest+json":
		return true
	}
	return false
}

// routeRecord is a route as the Redis cache holds it.
type routeRecord struct {
	SiteID        uuid.UUID       `json:"site_id"`
	OrgID         uuid.UUID       `json:"org_id"`
	Slug          string          `json:"slug"`
	LiveReleaseID *uuid.UUID      `json:"live_release_id,omitempty"`
	Files         json.RawMessage `json:"files,omitempty"`
}

func (rec routeRecord) route() (*siteRoute, error) {
	rt := &siteRoute{siteID: rec.SiteID, orgID: rec.OrgID, slug: rec.Slug}
	if rec.LiveReleaseID != nil {
		rel, err := newServedRelease(rec.SiteID, *rec.LiveReleaseID, rec.Files)
		if err != nil {
			return nil, err
		}
		rt.live = rel
	}
	return rt, nil
}

func (rt *siteRoute) record() routeRecord {
	rec := routeRecord{SiteID: rt.siteID, OrgID: rt.orgID, Slug: rt.slug}
	if rt.live != nil {
		rec.LiveReleaseID, rec.Files = &rt.live.id, rt.live.manifest
	}
	return rec
}

// routeSlot is a route this process remembers; a nil route is a site that
// does not exist. loaded is when its load began.
type routeSlot struct {
	route           *siteRoute
	loaded, expires time.Time
}

// routeTable is the process's memory of routes, by Host slug and by id,
// and of when sites were purged (by the monotonic clock): a route loaded
// before its site's purge is not remembered after it, and an unknown site
// found before any purge is forgotten by it (it may be the new one).
type routeTable struct {
	mu        sync.RWMutex
	bySlug    map[string]routeSlot
	byID      map[uuid.UUID]routeSlot
	slugOf    map[uuid.UUID]string // of the sites in bySlug, for Purge
	purgedAt  map[uuid.UUID]time.Time
	lastPurge time.Time // of any site
	allPurged time.Time // Purge(uuid.Nil)
}

// fresh reports whether slot may be served at now. Callers hold mu.
func (t *routeTable) fresh(slot routeSlot, now time.Time) bool {
	return now.Before(slot.expires) && (slot.route != nil || t.lastPurge.Before(slot.loaded))
}

// purgedSince reports whether the site was purged at or after start; of
// an unknown site (nil route), whether any was. Callers hold mu.
func (t *routeTable) purgedSince(rt *siteRoute, start time.Time) bool {
	if rt == nil {
		return !t.lastPurge.Before(start)
	}
	return t.sitePurgedSince(rt.siteID, start)
}

func (t *routeTable) sitePurgedSince(siteID uuid.UUID, start time.Time) bool {
	at, ok := t.purgedAt[siteID]
	return (ok && !at.Before(start)) || !t.allPurged.Before(start)
}

// releaseKey names a release of a site: a release id asked for under
// another site is another key, and is not found.
type releaseKey struct{ site, release uuid.UUID }

// releaseTable keeps the manifests of releases that went live (they never
// change) and, briefly, which asked-for releases did not (when the load
// that found none began: a purge of the site since makes it stale).
type releaseTable struct {
	mu      sync.RWMutex
	known   map[releaseKey]*servedRelease
	missing map[releaseKey]time.Time
}

// routeBySlug is the route of the site a Host names, or nil if none.
func (s *SiteServer) routeBySlug(ctx context.Context, slug string) (*siteRoute, error) {
	s.routes.mu.RLock()
	slot, ok := s.routes.bySlug[slug]
	ok = ok && s.routes.fresh(slot, time.Now())
	s.routes.mu.RUnlock()
	if ok {
		return slot.route, nil
	}
	return s.routeFlights.do(ctx, "slug:"+slug, func(ctx context.Context) (*siteRoute, error) {
		return s.loadRoute(ctx, slug, uuid.Nil)
	})
}

// routeByID is the route of site id, or nil if there is none.
func (s *SiteServer) routeByID(ctx context.Context, id uuid.UUID) (*siteRoute, error) {
	s.routes.mu.RLock()
	slot, ok := s.routes.byID[id]
	ok = ok && s.routes.fresh(slot, time.Now())
	s.routes.mu.RUnlock()
	if ok {
		return slot.route, nil
	}
	return s.routeFlights.do(ctx, "id:"+id.String(), func(ctx context.Context) (*siteRoute, error) {
		return s.loadRoute(ctx, "", id)
	})
}

// loadRoute finds a route by slug (or by id when slug is ""): in Redis,
// else in Postgres (then stored in Redis), and remembers it.
func (s *SiteServer) loadRoute(ctx context.Context, slug string, id uuid.UUID) (*siteRoute, error) {
	start := time.Now()
	rt, cached := s.cachedRoute(ctx, slug, id)
	if !cached {
		var stamp int64
		stampErr := errors.New("no route cache")
		if s.Cache != nil {
			stamp, stampErr = s.Cache.Stamp(ctx)
		}
		var err error
		if rt, err = s.routeFromDB(ctx, slug, id); err != nil {
			return nil, err
		}
		if rt != nil && stampErr == nil {
			if _, err := s.Cache.SetRoute(ctx, stamp, rt.orgID, rt.siteID, rt.slug, rt.record()); err != nil {
				s.Log.Warn().Err(err).Msg("site route not cached in redis")
			}
		}
	}
	s.rememberRoute(slug, id, rt, start)
	return rt, nil
}

// cachedRoute is the route in Redis, if there is one there. A Redis that
// fails is logged and skipped: Postgres answers instead.
func (s *SiteServer) cachedRoute(ctx context.Context, slug string, id uuid.UUID) (*siteRoute, bool) {
	if s.Cache == nil {
		return nil, false
	}
	var (
		rec routeRecord
		ok  bool
		err error
	)
	if slug != "" {
		ok, err = s.Cache.RouteBySlug(ctx, slug, &rec)
	} else {
		ok, err = s.Cache.RouteByID(ctx, id, &rec)
	}
	if err != nil {
		s.Log.Warn().Err(err).Msg("site route cache unavailable")
		return nil, false
	}
	if !ok || (id != uuid.Nil && rec.SiteID != id) {
		return nil, false
	}
	rt, err := rec.route()
	if err != nil {
		s.Log.Warn().Err(err).Msg("site route cache holds a bad route")
		return nil, false
	}
	return rt, true
}

// routeFromDB reads the route as the site router: the site, and its live
// release's manifest. nil, nil: no such site.
func (s *SiteServer) routeFromDB(ctx context.Context, slug string, id uuid.UUID) (*siteRoute, error) {
	var rt *siteRoute
	err := s.DB.AsSiteRouter(ctx, func(ctx context.Context, tx pgx.Tx) error {
		st := routerStoreIn(tx)
		var (
			site routedSite
			err  error
		)
		if slug != "" {
			site, err = st.siteBySlug(ctx, slug)
		} else {
			site, err = st.siteByID(ctx, id)
		}
		if errors.Is(err, errNotServed) {
			return nil
		}
		if err != nil {
			return err
		}
		rt = &siteRoute{siteID: site.ID, orgID: site.OrgID, slug: site.Slug}
		if site.LiveReleaseID == nil {
			return nil
		}
		files, err := st.releaseFiles(ctx, site.ID, *site.LiveReleaseID)
		if errors.Is(err, errNotServed) {
			// Only an activated release can be made live; if the pointer
			// names another, serve nothing rather than staged files.
			s.Log.Error().Str("site_id", site.ID.String()).Str("release_id", site.LiveReleaseID.String()).
				Msg("live release never went live; site served as unpublished")
			return nil
		}
		if err != nil {
			return err
		}
		rt.live, err = newServedRelease(site.ID, *site.LiveReleaseID, files)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("route site: %w", err)
	}
	return rt, nil
}

// rememberRoute keeps rt in memory, unless its site was purged since the
// load began at start (it may be what the purge was meant to drop).
func (s *SiteServer) rememberRoute(slug string, id uuid.UUID, rt *siteRoute, start time.Time) {
	if rt != nil && rt.live != nil {
		s.rememberRelease(rt.live)
	}
	ttl := routeTTL
	if rt == nil {
		ttl = unknownTTL
	}
	slot := routeSlot{route: rt, loaded: start, expires: time.Now().Add(ttl)}
	t := &s.routes
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.purgedSince(rt, start) {
		return
	}
	if slug == "" {
		if len(t.byID) >= maxRoutes {
			sweep(t.byID)
		}
		t.byID[id] = slot
		return
	}
	if len(t.bySlug) >= maxRoutes {
		sweep(t.bySlug)
		clear(t.slugOf)
		for slug, slot := range t.bySlug {
			if slot.route != nil {
				t.slugOf[slot.route.siteID] = slug
			}
		}
	}
	t.bySlug[slug] = slot
	if rt != nil {
		t.slugOf[rt.siteID] = slug
	}
}

// sweep drops expired routes, and every unknown one if that is not
// enough (someone is making hosts up).
func sweep[K comparable](m map[K]routeSlot) {
	now := time.Now()
	for k, v := range m {
		if now.After(v.expires) {
			delete(m, k)
		}
	}
	if len(m) >= maxRoutes {
		for k, v := range m {
			if v.route == nil {
				delete(m, k)
			}
		}
	}
	if len(m) >= maxRoutes {
		clear(m)
	}
}

// Purge drops what this process remembers of the site (uuid.Nil: of every
// site), so its next request reads the route again. What it remembers of
// unknown hosts and releases not found is dropped too: the site or release
// may have just appeared. The route cache's Listen (Run) calls it.
func (s *SiteServer) Purge(siteID uuid.UUID) {
	s.init()
	now := time.Now()
	t := &s.routes
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lastPurge = now
	if siteID == uuid.Nil {
		t.allPurged = now
		clear(t.bySlug)
		clear(t.byID)
		clear(t.slugOf)
		clear(t.purgedAt)
		return
	}
	if len(t.purgedAt) >= maxRoutes {
		// Only a load still running can predate a purge, and a load
		// lasts loadTimeout at most.
		for k, at := range t.purgedAt {
			if now.Sub(at) > 2*loadTimeout {
				delete(t.purgedAt, k)
			}
		}
	}
	t.purgedAt[siteID] = now
	delete(t.byID, siteID)
	if slug, ok := t.slugOf[siteID]; ok {
		delete(t.bySlug, slug)
		delete(t.slugOf, siteID)
	}
}

// release is the site's release id if it went live once, else nil.
func (s *SiteServer) release(ctx context.Context, siteID, id uuid.UUID) (*servedRelease, error) {
	key := releaseKey{siteID, id}
	s.releases.mu.RLock()
	rel, known := s.releases.known[key]
	loaded, missing := s.releases.missing[key]
	s.releases.mu.RUnlock()
	if known {
		return rel, nil
	}
	if missing && time.Since(loaded) < unknownTTL {
		s.routes.mu.RLock()
		missing = !s.routes.sitePurgedSince(siteID, loaded)
		s.routes.mu.RUnlock()
		if missing {
			return nil, nil
		}
	}
	return s.releaseFlights.do(ctx, siteID.String()+"/"+id.String(), func(ctx context.Context) (*servedRelease, error) {
		start := time.Now()
		var rel *servedRelease
		err := s.DB.AsSiteRouter(ctx, func(ctx context.Context, tx pgx.Tx) error {
			files, err := routerStoreIn(tx).releaseFiles(ctx, siteID, id)
			if errors.Is(err, errNotServed) {
				return nil
			}
			if err != nil {
				return err
			}
			rel, err = newServedRelease(siteID, id, files)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("load release: %w", err)
		}
		if rel != nil {
			s.rememberRelease(rel)
			return rel, nil
		}
		s.releases.mu.Lock()
		if len(s.releases.missing) >= maxReleases {
			clear(s.releases.missing)
		}
		s.releases.missing[key] = start
		s.releases.mu.Unlock()
		return nil, nil
	})
}

// rememberRelease keeps a release's manifest. It never changes, so no
// purge concerns it.
func (s *SiteServer) rememberRelease(rel *servedRelease) {
	key := releaseKey{rel.siteID, rel.id}
	s.releases.mu.Lock()
	defer s.releases.mu.Unlock()
	if _, ok := s.releases.known[key]; ok {
		return
	}
	if len(s.releases.known) >= maxReleases {
		// Rarely reached: drop an arbitrary half; the live ones come back
		// with their routes, old ones on their next asset request.
		n := 0
		for k := range s.releases.known {
			delete(s.releases.known, k)
			if n++; n >= maxReleases/2 {
				break
			}
		}
	}
	s.releases.known[key] = rel
}

// flightGroup runs one load per key at a time; callers asking for a key
// being loaded wait for that load instead of starting another. The load
// runs on a context of its own (the first caller leaving must not fail the
// others), bounded by loadTimeout.
type flightGroup[T any] struct {
	mu    sync.Mutex
	calls map[string]*flight[T]
}

type flight[T any] struct {
	done chan struct{}
	val  T
	err  error
}

var errLoadPanicked = errors.New("load panicked")

func (g *flightGroup[T]) do(ctx context.Context, key string, load func(context.Context) (T, error)) (T, error) {
	g.mu.Lock()
	if c, ok := g.calls[key]; ok {
		g.mu.Unlock()
		select {
		case <-c.done:
			return c.val, c.err
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
	}
	if g.calls == nil {
		g.calls = map[string]*flight[T]{}
	}
	c := &flight[T]{done: make(chan struct{}), err: errLoadPanicked}
	g.calls[key] = c
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		delete(g.calls, key)
		g.mu.Unlock()
		close(c.done)
	}()
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), loadTimeout)
	defer cancel()
	c.val, c.err = load(lctx)
	return c.val, c.err
}
