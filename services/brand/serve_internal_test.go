package brand

import (
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestARouteLoadedBeforeItsPurgeIsNotRemembered(t *testing.T) {
	t.Parallel()
	s := &SiteServer{Domain: "sites.test"}
	s.init()
	site := uuid.New()
	rt := &siteRoute{siteID: site, slug: "bakery"}
	remembered := func(slug string, id uuid.UUID) bool {
		s.routes.mu.RLock()
		defer s.routes.mu.RUnlock()
		slot, ok := s.routes.bySlug[slug]
		if slug == "" {
			slot, ok = s.routes.byID[id]
		}
		return ok && s.routes.fresh(slot, time.Now())
	}

	// The publish's purge arrives while a load that read the old release
	// is still running: what it read is served, not remembered.
	start := time.Now()
	s.Purge(site)
	s.rememberRoute("bakery", uuid.Nil, rt, start)
	s.rememberRoute("", site, rt, start)
	if remembered("bakery", uuid.Nil) || remembered("", site) {
		t.Fatal("a route read before its site's purge was remembered after it")
	}

	// A load begun after the purge is remembered, by slug and by id, until
	// the next purge of its site, and only of its site.
	start = time.Now()
	s.rememberRoute("bakery", uuid.Nil, rt, start)
	s.rememberRoute("", site, rt, start)
	s.Purge(uuid.New())
	if !remembered("bakery", uuid.Nil) || !remembered("", site) {
		t.Fatal("a fresh route was not remembered, or another site's purge dropped it")
	}
	s.Purge(site)
	if remembered("bakery", uuid.Nil) || remembered("", site) {
		t.Fatal("a purge left the site's route")
	}

	// An unknown host is remembered until any site is purged: it may be
	// the one just published.
	s.rememberRoute("nosuchsite", uuid.Nil, nil, time.Now())
	if !remembered("nosuchsite", uuid.Nil) {
		t.Fatal("an unknown host was not remembered")
	}
	s.Purge(uuid.New())
	if remembered("nosuchsite", uuid.Nil) {
		t.Error("an unknown host outlived a purge")
	}

	// Purge(uuid.Nil), after a dropped subscription, forgets everything.
	s.rememberRoute("bakery", uuid.Nil, rt, time.Now())
	s.Purge(uuid.Nil)
	if remembered("bakery", uuid.Nil) {
		t.Error("Purge(uuid.Nil) left a route")
	}
}

func TestTheFileCacheKeepsWithinItsBound(t *testing.T) {
	t.Parallel()
	c := newFileCache(10_000)
	hot := newCachedFile("hot", make([]byte, 1000), false)
	c.put(hot)
	for i := range 50 {
		hot.used.Store(true) // read between every two misses
		c.put(newCachedFile(string(rune('a'+i)), make([]byte, 1000), false))
		if c.used > c.max {
			t.Fatalf("%d bytes kept, bound %d", c.used, c.max)
		}
	}
	if _, ok := c.items["hot"]; !ok {
		t.Error("a file read all along was evicted")
	}
	c.put(newCachedFile("huge", make([]byte, 5000), false))
	if _, ok := c.items["huge"]; ok {
		t.Error("a file over an eighth of the cache was kept")
	}
}

func TestPagePathsForTheRedirect(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"/": "/", "/about": "/about", "/a/b-c_d.e~": "/a/b-c_d.e~", "/about?x=1#y": "/about",
		"": "/", "about": "/", "//evil.example": "/", "/\\evil.example": "/", "/\t/evil.example": "/",
		"https://evil.example": "/", "/a/../b": "/", "/é": "/", "/a b": "/",
	} {
		if got := sitePage(in); got != want {
			t.Errorf("sitePage(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTheThanksAnchorNamesOneOfThePagesForms(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"contact": "contact-sent", "contact-2": "contact-2-sent", "contact-120": "contact-120-sent",
		"": "contact-sent", "contact-": "contact-sent", "contact-02": "contact-sent", "contact-1000": "contact-sent",
		"contact-x": "contact-sent", "x-2": "contact-sent", "contact-2\"><script>": "contact-sent",
	} {
		if got := sentAnchor(in); got != want {
			t.Errorf("sentAnchor(%q) = %q, want %q", in, got, want)
		}
	}
}
