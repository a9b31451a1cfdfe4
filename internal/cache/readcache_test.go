package cache_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/uuid"

	"github.com/xentri/xentri/contracts"
	"github.com/xentri/xentri/internal/cache"
	"github.com/xentri/xentri/internal/testenv"
)

func TestEventsInvalidateTheSeedCacheMap(t *testing.T) {
	t.Parallel()
	c := cache.NewReadCache(testenv.Redis(t))
	ctx := context.Background()
	org, site, lead := uuid.NewString(), uuid.NewString(), uuid.NewString()
	env := func(typ string, payload map[string]any) contracts.Envelope {
		raw, _ := json.Marshal(payload)
		return contracts.Envelope{Type: typ, OrgID: org, Payload: raw}
	}
	tests := []struct {
		event contracts.Envelope
		stale []string
		kept  []string
	}{
		{env("xentri.brief.updated.v1", map[string]any{"brief_id": uuid.NewString()}), []string{cache.BriefKey(org)}, []string{cache.LeadsListKey(org)}},
		{env("xentri.website.published.v1", map[string]any{"site_id": site}), []string{cache.SiteKey(org, site)}, []string{cache.BriefKey(org)}},
		{env("xentri.page.updated.v1", map[string]any{"site_id": site}), []string{cache.SiteKey(org, site)}, nil},
		{env("xentri.lead.created.v1", map[string]any{"lead_id": lead}), []string{cache.LeadsListKey(org)}, []string{cache.LeadKey(org, lead)}},
		{env("xentri.lead.updated.v1", map[string]any{"lead_id": lead}), []string{cache.LeadsListKey(org), cache.LeadKey(org, lead)}, nil},
		{env("xentri.user.login.v1", map[string]any{"user_id": uuid.NewString()}), nil, []string{cache.BriefKey(org), cache.LeadsListKey(org)}},
	}
	for _, tt := range tests {
		all := append(append([]string{}, tt.stale...), tt.kept...)
		for _, k := range all {
			if err := c.Set(ctx, k, map[string]string{"v": k}, cache.BriefTTL); err != nil {
				t.Fatal(err)
			}
		}
		if err := c.Invalidate(ctx, tt.event); err != nil {
			t.Fatal(err)
		}
		for _, k := range tt.stale {
			var v map[string]string
			if ok, _ := c.Get(ctx, k, &v); ok {
				t.Errorf("%s left %s in the cache", tt.event.Type, k)
			}
		}
		for _, k := range tt.kept {
			var v map[string]string
			if ok, _ := c.Get(ctx, k, &v); !ok || v["v"] != k {
				t.Errorf("%s dropped %s, which it does not change", tt.event.Type, k)
			}
		}
	}
}
