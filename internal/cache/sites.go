package cache

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// SitePurgeChannel carries the id of each site whose live release moved:
// every API replica drops its cached route of that site when it hears it.
const SitePurgeChannel = "xentri:sites:purge"

// sitePurgedKey holds when the site was last purged (Redis's clock, in
// microseconds). A route read from Postgres is stored only if the site was
// not purged since before the read: a read that raced a publish never puts
// the old release back after the publish purged it.
func sitePurgedKey(siteID uuid.UUID) string { return "site:purged:" + siteID.String() }

// SiteRouteTTL bounds how long a route stays in Redis unpurged.
const SiteRouteTTL = SiteTTL

// siteIndexTTL: slugs never change and ids never move between orgs, so the
// index keys (which only point at SiteKey) may live long.
const siteIndexTTL = 24 * time.Hour

// siteSlugKey and siteIDKey point at a site's SiteKey: the site server
// knows a slug (the Host) or an id (/sites/{id}/), not the org.
func siteSlugKey(slug string) string           { return "site:slug:" + slug }
func siteIDKey(siteID uuid.UUID) string        { return "site:id:" + siteID.String() }
func siteKeyOf(orgID, siteID uuid.UUID) string { return SiteKey(orgID.String(), siteID.String()) }

// SiteCache keeps the site server's routes (which release of which site a
// Host serves) in Redis, so a cold API replica need not ask Postgres, and
// tells every replica when a site's route changed.
type SiteCache struct {
	rdb     *redis.Client
	log     zerolog.Logger
	channel string
}

// NewSiteCache returns a cache on rdb; log hears about dropped
// subscriptions.
func NewSiteCache(rdb *redis.Client, log zerolog.Logger) *SiteCache {
	return &SiteCache{rdb: rdb, log: log, channel: SitePurgeChannel}
}

// siteEntry is what SiteKey holds: the slug is kept beside the route so a
// lookup by slug can check that the index still names the right site.
type siteEntry struct {
	Slug  string          `json:"slug"`
	Route json.RawMessage `json:"route"`
}

// RouteBySlug reads the route of the site with slug into dst and reports
// whether it was cached.
func (c *SiteCache) RouteBySlug(ctx context.Context, slug string, dst any) (bool, error) {
	return c.route(ctx, siteSlugKey(slug), slug, dst)
}

// RouteByID reads the route of the site into dst and reports whether it
// was cached.
func (c *SiteCache) RouteByID(ctx context.Context, siteID uuid.UUID, dst any) (bool, error) {
	return c.route(ctx, siteIDKey(siteID), "", dst)
}

func (c *SiteCache) route(ctx context.Context, index, slug string, dst any) (bool, error) {
	key, err := c.rdb.Get(ctx, index).Result()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("site route index %s: %w", index, err)
	}
	raw, err := c.rdb.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("site route %s: %w", key, err)
	}
	var e siteEntry
	if err := json.Unmarshal(raw, &e); err != nil {
		return false, fmt.Errorf("site route %s: %w", key, err)
	}
	if slug != "" && e.Slug != slug {
		return false, nil // an index left by another site: read Postgres
	}
	if err := json.Unmarshal(e.Route, dst); err != nil {
		return false, fmt.Errorf("site route %s: %w", key, err)
	}
	return true, nil
}

// Stamp is the time now by Redis's clock: take it before reading a route
// from Postgres, and give it to SetRoute.
func (c *SiteCache) Stamp(ctx context.Context) (int64, error) {
	now, err := c.rdb.Time(ctx).Result()
	if err != nil {
		return 0, fmt.Errorf("site route stamp: %w", err)
	}
	return now.UnixMicro(), nil
}

// setRouteScript stores a route and its index keys unless the site was
// purged at or after the stamp (KEYS: purge time, SiteKey, slug index, id
// index).
var setRouteScript = redis.NewScript(`
local purged = redis.call('GET', KEYS[1])
if purged and tonumber(purged) >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
redis.call('SET', KEYS[3], KEYS[2], 'PX', ARGV[4])
redis.call('SET', KEYS[4], KEYS[2], 'PX', ARGV[4])
return 1
`)

// SetRoute stores route (JSON) for SiteRouteTTL, unless the site was
// purged since stamp (then it reports false: the route may be stale).
func (c *SiteCache) SetRoute(ctx context.Context, stamp int64, orgID, siteID uuid.UUID, slug string, route any) (bool, error) {
	raw, err := json.Marshal(route)
	if err != nil {
		return false, fmt.Errorf("site route: %w", err)
	}
	entry, err := json.Marshal(siteEntry{Slug: slug, Route: raw})
	if err != nil {
		return false, fmt.Errorf("site route: %w", err)
	}
	keys := []string{sitePurgedKey(siteID), siteKeyOf(orgID, siteID), siteSlugKey(slug), siteIDKey(siteID)}
	n, err := setRouteScript.Run(ctx, c.rdb, keys, strconv.FormatInt(stamp, 10), entry,
		SiteRouteTTL.Milliseconds(), siteIndexTTL.Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("set site route: %w", err)
	}
	return n == 1, nil
}

// purgeScript marks when the site was purged (kept as long as a route
// could be: a later SetRoute with an older stamp is refused) and drops its
// route (KEYS: purge time, SiteKey).
var purgeScript = redis.NewScript(`
local t = redis.call('TIME')
redis.call('SET', KEYS[1], t[1] .. string.format('%06d', tonumber(t[2])), 'PX', ARGV[1])
redis.call('DEL', KEYS[2])
return 1
`)

// Purge drops the site's cached route and tells every replica listening
// to drop theirs. Call it after the site's live release changed (commit
// first: a replica may read Postgres as soon as it hears).
func (c *SiteCache) Purge(ctx context.Context, orgID, siteID uuid.UUID) error {
	keys := []string{sitePurgedKey(siteID), siteKeyOf(orgID, siteID)}
	if err := purgeScript.Run(ctx, c.rdb, keys, SiteRouteTTL.Milliseconds()).Err(); err != nil {
		return fmt.Errorf("purge site %s: %w", siteID, err)
	}
	if err := c.rdb.Publish(ctx, c.channel, siteID.String()).Err(); err != nil {
		return fmt.Errorf("purge site %s: publish: %w", siteID, err)
	}
	return nil
}

// Listen calls fn with the id of every purged site until ctx ends, then
// returns nil. A dropped subscription is made again (with a growing pause
// while Redis is away); purges published meanwhile were missed, so once
// subscribed again it calls fn(uuid.Nil), which means "drop every site".
// A connection that goes silent is found by a ping every listenPing.
func (c *SiteCache) Listen(ctx context.Context, fn func(siteID uuid.UUID)) error {
	subscribed := false
	pause := listenMinPause
	for ctx.Err() == nil {
		err := c.listenOnce(ctx, fn, &subscribed, &pause)
		if ctx.Err() != nil {
			break
		}
		c.log.Warn().Err(err).Dur("retry_in", pause).Msg("site purge subscription dropped; subscribing again")
		select {
		case <-ctx.Done():
		case <-time.After(pause):
		}
		pause = min(2*pause, listenMaxPause)
	}
	return nil
}

const (
	listenMinPause = 100 * time.Millisecond
	listenMaxPause = 5 * time.Second
	listenPing     = 15 * time.Second
)

func (c *SiteCache) listenOnce(ctx context.Context, fn func(uuid.UUID), subscribed *bool, pause *time.Duration) error {
	sub := c.rdb.Subscribe(ctx, c.channel)
	defer sub.Close()
	// A blocked read does not watch ctx: closing the subscription ends it.
	stop := context.AfterFunc(ctx, func() { _ = sub.Close() })
	defer stop()
	pinged := false
	for {
		msg, err := sub.ReceiveTimeout(ctx, listenPing)
		if err != nil {
			var nerr interface{ Timeout() bool }
			if !errors.As(err, &nerr) || !nerr.Timeout() || pinged {
				return err // a ping went unanswered, or the connection broke
			}
			if err := sub.Ping(ctx); err != nil {
				return err
			}
			pinged = true
			continue
		}
		pinged = false
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind != "subscribe" {
				continue
			}
			// go-redis also resubscribes by itself after a broken read:
			// any confirmation but the very first may follow missed purges.
			if *subscribed {
				fn(uuid.Nil)
			}
			*subscribed, *pause = true, listenMinPause
		case *redis.Message:
			if id, err := uuid.Parse(m.Payload); err == nil && id != uuid.Nil {
				fn(id)
			}
		}
	}
}
