package cache

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/xentri/xentri/contracts"
)

// The read cache of seed §7: hot data kept in Redis with a TTL and dropped
// when the events that change it arrive.
const (
	BriefTTL     = 10 * time.Minute
	SiteTTL      = 10 * time.Minute
	LeadsListTTL = time.Minute
	LeadTTL      = 5 * time.Minute
)

// BriefKey caches an org's Universal Brief.
func BriefKey(orgID string) string { return "brief:" + orgID }

// SiteKey caches a site: the site server's route of it (SiteCache), which
// a publish purges (and xentri.website.published.v1 drops besides).
func SiteKey(orgID, siteID string) string { return "site:" + orgID + ":" + siteID }

// LeadsListKey is a hash of an org's lead list pages, one field per cursor.
func LeadsListKey(orgID string) string { return "leads:list:" + orgID }

// LeadKey caches one lead; the write path refreshes it.
func LeadKey(orgID, leadID string) string { return "lead:" + orgID + ":" + leadID }

// ReadCache stores JSON values with a TTL.
type ReadCache struct{ rdb *redis.Client }

// NewReadCache returns a cache on rdb.
func NewReadCache(rdb *redis.Client) *ReadCache { return &ReadCache{rdb: rdb} }

// Get reads key into dst and reports whether it was there.
func (c *ReadCache) Get(ctx context.Context, key string, dst any) (bool, error) {
	raw, err := c.rdb.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("cache get %s: %w", key, err)
	}
	return true, json.Unmarshal(raw, dst)
}

// Set stores v under key for ttl.
func (c *ReadCache) Set(ctx context.Context, key string, v any, ttl time.Duration) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.rdb.Set(ctx, key, raw, ttl).Err()
}

// KeysFor lists the cache keys an event makes stale (seed §7 map).
func KeysFor(e contracts.Envelope) []string {
	var p struct {
		SiteID string `json:"site_id"`
		LeadID string `json:"lead_id"`
	}
	_ = json.Unmarshal(e.Payload, &p)
	switch e.Type {
	case "xentri.brief.created.v1", "xentri.brief.updated.v1":
		return []string{BriefKey(e.OrgID)}
	case "xentri.website.published.v1", "xentri.page.updated.v1":
		if p.SiteID != "" {
			return []string{SiteKey(e.OrgID, p.SiteID)}
		}
	case "xentri.lead.created.v1":
		return []string{LeadsListKey(e.OrgID)}
	case "xentri.lead.updated.v1":
		keys := []string{LeadsListKey(e.OrgID)}
		if p.LeadID != "" {
			keys = append(keys, LeadKey(e.OrgID, p.LeadID))
		}
		return keys
	}
	return nil
}

// Invalidate drops what e makes stale. It is the handler of the "cache"
// consumer group.
func (c *ReadCache) Invalidate(ctx context.Context, e contracts.Envelope) error {
	keys := KeysFor(e)
	if len(keys) == 0 {
		return nil
	}
	return c.rdb.Del(ctx, keys...).Err()
}

// Delete drops keys.
func (c *ReadCache) Delete(ctx context.Context, keys ...string) error {
	return c.rdb.Del(ctx, keys...).Err()
}
