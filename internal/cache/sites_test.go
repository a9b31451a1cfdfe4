package cache_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/xentri/xentri/internal/cache"
	"github.com/xentri/xentri/internal/testenv"
)

type testRoute struct {
	Release string `json:"release"`
}

func TestSiteRouteIsFoundBySlugAndIDUntilPurged(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := cache.NewSiteCache(testenv.Redis(t), zerolog.Nop())
	org, site := uuid.New(), uuid.New()
	slug := "s" + strings.ReplaceAll(site.String(), "-", "")[:20]

	var got testRoute
	if ok, err := c.RouteBySlug(ctx, slug, &got); err != nil || ok {
		t.Fatalf("empty cache: ok=%v err=%v", ok, err)
	}
	stamp, err := c.Stamp(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := c.SetRoute(ctx, stamp, org, site, slug, testRoute{Release: "a"}); err != nil || !ok {
		t.Fatalf("SetRoute: ok=%v err=%v", ok, err)
	}
	for name, lookup := range map[string]func() (bool, error){
		"slug": func() (bool, error) { return c.RouteBySlug(ctx, slug, &got) },
		"id":   func() (bool, error) { return c.RouteByID(ctx, site, &got) },
	} {
		got = testRoute{}
		if ok, err := lookup(); err != nil || !ok || got.Release != "a" {
			t.Errorf("by %s: ok=%v err=%v route=%+v", name, ok, err, got)
		}
	}
	if ok, _ := c.RouteBySlug(ctx, slug+"x", &got); ok {
		t.Error("another slug found the route")
	}
	if err := c.Purge(ctx, org, site); err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.RouteByID(ctx, site, &got); ok {
		t.Error("the route survived its purge")
	}
}

func TestSiteRouteReadBeforeAPurgeIsNotStoredAfterIt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := cache.NewSiteCache(testenv.Redis(t), zerolog.Nop())
	org, site := uuid.New(), uuid.New()
	stamp, err := c.Stamp(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The read began before the publish; the publish purged; the stale
	// route must not land in the cache.
	if err := c.Purge(ctx, org, site); err != nil {
		t.Fatal(err)
	}
	ok, err := c.SetRoute(ctx, stamp, org, site, "stale-"+site.String()[:8], testRoute{Release: "old"})
	if err != nil || ok {
		t.Fatalf("SetRoute after a purge: ok=%v err=%v", ok, err)
	}
	var got testRoute
	if ok, _ := c.RouteByID(ctx, site, &got); ok {
		t.Errorf("stale route cached: %+v", got)
	}
}

// listener runs Listen and records what it hears.
type listener struct {
	mu    sync.Mutex
	heard []uuid.UUID
}

func (l *listener) record(id uuid.UUID) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.heard = append(l.heard, id)
}

func (l *listener) has(id uuid.UUID) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, h := range l.heard {
		if h == id {
			return true
		}
	}
	return false
}

// waitHeard purges site until l hears it (a subscription may still be
// starting, and a PUBLISH before it is lost).
func waitHeard(t *testing.T, c *cache.SiteCache, l *listener, org, site uuid.UUID) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !l.has(site) {
		if time.Now().After(deadline) {
			t.Fatalf("purge of %s never heard", site)
		}
		if err := c.Purge(context.Background(), org, site); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestSiteListenSubscribesAgainWhenItsConnectionIsKilled(t *testing.T) {
	t.Parallel()
	name := "xentri-sitecache-test-" + uuid.NewString()[:8]
	opts, _ := redis.ParseURL(testenv.RedisURL(t))
	opts.ClientName = name
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	admin := testenv.Redis(t)
	channel := "test:sites:purge:" + uuid.NewString()
	listen := cache.NewSiteCache(rdb, zerolog.Nop()).OnChannel(channel)
	publish := cache.NewSiteCache(admin, zerolog.Nop()).OnChannel(channel)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	l := &listener{}
	go func() { done <- listen.Listen(ctx, l.record) }()
	org := uuid.New()
	waitHeard(t, publish, l, org, uuid.New())

	// Cut every connection of the listening client, as a Redis restart or
	// a network blip would.
	list, err := admin.ClientList(context.Background()).Result()
	if err != nil {
		t.Fatal(err)
	}
	killed := 0
	for _, line := range strings.Split(list, "\n") {
		if !strings.Contains(line, " name="+name+" ") {
			continue
		}
		for _, f := range strings.Fields(line) {
			if id, ok := strings.CutPrefix(f, "id="); ok {
				if err := admin.Do(context.Background(), "CLIENT", "KILL", "ID", id).Err(); err == nil {
					killed++
				}
			}
		}
	}
	if killed == 0 {
		t.Fatalf("no connection named %s in CLIENT LIST", name)
	}
	after := uuid.New()
	waitHeard(t, publish, l, org, after)
	if !l.has(uuid.Nil) {
		t.Error("after subscribing again, Listen did not say purges may have been missed (uuid.Nil)")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Listen returned %v once ctx ended", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Listen did not return once ctx ended")
	}
}
