package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/xentri/xentri/services/brand"
	"github.com/xentri/xentri/services/brief/extract"
)

func TestSiteAndPageRoutes(t *testing.T) {
	t.Parallel()
	b := setupCore(t)
	owner := b.signUp(t, "site-owner")
	org := owner.orgID.String()
	call := func(method, path string, body any, header map[string]string) result {
		return b.do(t, req{method: method, path: "/api/v1" + path, token: owner.token, org: org, body: body, header: header})
	}

	// A site drafted from the Brief.
	b.composeBrief(t, owner.orgID, map[string]any{"identity.business_name": "Rosa's Bakery " + uuid.NewString()[:6],
		"identity.industry": "bakery", "identity.location": extract.Location{City: "Porto"}, "identity.founded_year": 2014,
		"offerings.products": []string{"sourdough bread", "custard tarts"}, "brand_voice.tone": []string{"friendly"},
		"offerings.price_points": []extract.PricePoint{{Label: "sourdough loaf", Amount: 450, Currency: "EUR"}},
		"contact.email":          "ola@rosas.example"})
	res := call("POST", "/sites", map[string]any{"from_brief": true}, nil)
	site := decodeData[brand.Site](t, res)
	if res.status != http.StatusCreated || res.header.Get("ETag") != `"v1"` || res.header.Get("Location") != "/api/v1/sites/"+site.ID.String() {
		t.Fatalf("POST /sites: %d %v %s", res.status, res.header, res.body)
	}
	if !strings.HasPrefix(site.Slug, "rosas-bakery-") || site.Theme.Family != "friendly" {
		t.Fatalf("site %+v", site)
	}
	res = call("GET", "/sites/"+site.ID.String()+"/pages", nil, nil)
	pages, _ := decodeList[brand.Page](t, res)
	var home brand.Page
	for _, p := range pages {
		if p.Path == "/" {
			home = p
		}
	}
	if len(pages) < 4 || home.ID == uuid.Nil || home.Blocks[0].Type != brand.BlockHero || len(home.Blocks[0].Cites) == 0 {
		t.Fatalf("drafted pages: %s", res.body)
	}

	// A page by hand, edited with If-Match.
	res = call("POST", "/sites/"+site.ID.String()+"/pages", map[string]any{"path": "/story", "title": "Our story",
		"blocks": []any{map[string]any{"type": "rich_text", "data": map[string]any{"markdown": "We bake."}}}}, nil)
	page := decodeData[brand.Page](t, res)
	if res.status != http.StatusCreated || page.Version != 1 {
		t.Fatalf("POST pages: %d %s", res.status, res.body)
	}
	res = call("GET", "/pages/"+page.ID.String(), nil, nil)
	if res.status != http.StatusOK || res.header.Get("ETag") != `"v1"` {
		t.Fatalf("GET page: %d %v", res.status, res.header)
	}
	edit := map[string]any{"title": "Our story", "blocks": []any{map[string]any{"type": "rich_text", "data": map[string]any{"markdown": "We bake at dawn."}}}}
	res = call("PUT", "/pages/"+page.ID.String(), edit, map[string]string{"If-Match": `"v1"`})
	if res.status != http.StatusOK || res.header.Get("ETag") != `"v2"` {
		t.Fatalf("PUT page at v1: %d %s", res.status, res.body)
	}
	wantProblem(t, call("PUT", "/pages/"+page.ID.String(), edit, map[string]string{"If-Match": `"v1"`}), http.StatusPreconditionFailed)
	if p := wantProblem(t, call("PUT", "/pages/"+page.ID.String(), edit, nil), http.StatusBadRequest); p.Errors["If-Match"] == "" {
		t.Fatalf("no If-Match: %+v", p)
	}
	wantProblem(t, call("PUT", "/pages/"+page.ID.String(), edit, map[string]string{"If-Match": "v2"}), http.StatusBadRequest)

	// A bad block: a 400 naming the block and its field.
	bad := map[string]any{"title": "Our story", "blocks": []any{
		map[string]any{"type": "rich_text", "data": map[string]any{"markdown": "ok"}},
		map[string]any{"type": "hero", "data": map[string]any{"headline": strings.Repeat("x", 300)}},
	}}
	if p := wantProblem(t, call("PUT", "/pages/"+page.ID.String(), bad, map[string]string{"If-Match": `"v2"`}), http.StatusBadRequest); p.Errors["blocks[1].data.headline"] == "" {
		t.Fatalf("a bad block: %+v", p)
	}

	// Versions and a restore.
	res = call("GET", "/pages/"+page.ID.String()+"/versions", nil, nil)
	versions, _ := decodeList[brand.PageVersion](t, res)
	if len(versions) != 2 || versions[0].Number != 2 {
		t.Fatalf("versions: %s", res.body)
	}
	res = call("POST", "/pages/"+page.ID.String()+"/versions/1/restore", nil, nil)
	restored := decodeData[brand.Page](t, res)
	if res.status != http.StatusOK || restored.Version != 3 || !strings.Contains(string(restored.Blocks[0].Data), `"We bake."`) {
		t.Fatalf("restore: %d %s", res.status, res.body)
	}

	// The site's own If-Match.
	res = call("PUT", "/sites/"+site.ID.String(), map[string]any{"name": "Rosa's"}, map[string]string{"If-Match": `"v1"`})
	if res.status != http.StatusOK || res.header.Get("ETag") != `"v2"` {
		t.Fatalf("PUT site: %d %s", res.status, res.body)
	}
	wantProblem(t, call("PUT", "/sites/"+site.ID.String(), map[string]any{"name": "Rosa's"}, map[string]string{"If-Match": `"v1"`}), http.StatusPreconditionFailed)

	// Delete, then 404s.
	if res := call("DELETE", "/pages/"+page.ID.String(), nil, nil); res.status != http.StatusNoContent {
		t.Fatalf("DELETE page: %d %s", res.status, res.body)
	}
	wantProblem(t, call("GET", "/pages/"+page.ID.String(), nil, nil), http.StatusNotFound)
	wantProblem(t, call("GET", "/pages/"+page.ID.String()+"/versions", nil, nil), http.StatusNotFound)
	wantProblem(t, call("GET", "/sites/"+uuid.NewString(), nil, nil), http.StatusNotFound)
	wantProblem(t, call("GET", "/sites/not-a-uuid/pages", nil, nil), http.StatusNotFound)
	wantProblem(t, call("POST", "/pages/"+home.ID.String()+"/versions/9/restore", nil, nil), http.StatusNotFound)
	wantProblem(t, call("PUT", "/pages/"+uuid.NewString(), edit, map[string]string{"If-Match": `"v1"`}), http.StatusNotFound)
}

// TestASitesETagNamesItsLiveRelease: a publish or rollback moves the live
// release without a new version, so the ETag names the release too: a GET
// revalidating with the old ETag gets the new site, and If-Match takes the
// new form back.
func TestASitesETagNamesItsLiveRelease(t *testing.T) {
	t.Parallel()
	b := setupCore(t)
	owner := b.signUp(t, "site-etag")
	org := owner.orgID.String()
	call := func(method, path string, body any, header map[string]string) result {
		return b.do(t, req{method: method, path: "/api/v1" + path, token: owner.token, org: org, body: body, header: header})
	}
	site := decodeData[brand.Site](t, call("POST", "/sites", map[string]any{"name": "ETag " + uuid.NewString()[:8]}, nil))
	release, _ := victimRelease(t, b.d, owner.orgID, site.ID.String())
	res := call("GET", "/sites/"+site.ID.String(), nil, map[string]string{"If-None-Match": `"v1"`})
	etag := `"v1.` + release + `"`
	if res.status != http.StatusOK || res.header.Get("ETag") != etag {
		t.Fatalf("GET after a publish, revalidating v1: %d ETag %s, want 200 with %s", res.status, res.header.Get("ETag"), etag)
	}
	if res := call("GET", "/sites/"+site.ID.String(), nil, map[string]string{"If-None-Match": etag}); res.status != http.StatusNotModified {
		t.Fatalf("GET with the current ETag: %d, want 304", res.status)
	}
	res = call("PUT", "/sites/"+site.ID.String(), map[string]any{"name": "Renamed"}, map[string]string{"If-Match": etag})
	if res.status != http.StatusOK || res.header.Get("ETag") != `"v2.`+release+`"` {
		t.Fatalf("PUT with the live-release ETag: %d %s", res.status, res.body)
	}
}
