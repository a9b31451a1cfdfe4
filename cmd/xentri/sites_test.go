package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	enumspb "go.temporal.io/api/enums/v1"

	itemporal "github.com/xentri/xentri/internal/temporal"
	"github.com/xentri/xentri/internal/testenv"
	"github.com/xentri/xentri/services/automation"
	"github.com/xentri/xentri/services/brand"
	"github.com/xentri/xentri/services/brief"
	"github.com/xentri/xentri/services/core"
	"github.com/xentri/xentri/services/sales"
)

// siteResponse is a fetch of the live site.
type siteResponse struct {
	status  int
	body    string
	release string
	header  http.Header
}

// fetchSite asks the API's address for path as a visitor of host would.
func fetchSite(t *testing.T, run *devRun, host, method, path, form string) siteResponse {
	t.Helper()
	var body io.Reader
	if form != "" {
		body = strings.NewReader(form)
	}
	req, _ := http.NewRequest(method, run.url(path), body)
	req.Host = host
	if form != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return siteResponse{status: res.StatusCode, body: string(raw), release: res.Header.Get("X-Release-Id"), header: res.Header}
}

// TestASiteFromTheBriefIsPublishedServedAndFeedsTheCRM walks the brand
// engine on the whole stack: a Brief, a site drafted from it, an edit, a
// publish, the live page fetched by Host, its contact form making a lead
// with follow-ups, a second publish and a rollback seen at once.
func TestASiteFromTheBriefIsPublishedServedAndFeedsTheCRM(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole stack")
	}
	env := devEnv(t, t.TempDir())
	env["TEMPORAL_ADDRESS"] = testenv.Temporal(t)
	env["XENTRI_TEMPORAL_UI_URL"] = "http://127.0.0.1:8233"
	env["XENTRI_FOLLOWUP_DAY"] = "1h"
	run := startDev(t, env)
	token, org := run.signUp(t, "owner@harbour.example")
	auth := map[string]string{"Authorization": "Bearer " + token, "X-Org-Id": org}
	do := func(method, path, body string, want int, extra ...string) apiResult {
		t.Helper()
		h := map[string]string{}
		for k, v := range auth {
			h[k] = v
		}
		for i := 0; i+1 < len(extra); i += 2 {
			h[extra[i]] = extra[i+1]
		}
		res := call(t, method, run.url("/api/v1"+path), body, h)
		if res.status != want {
			t.Fatalf("%s %s: %d %s", method, path, res.status, res.raw)
		}
		return res
	}

	// The Brief, from the owner's words.
	gen := decodeData[brief.Generation](t, do("POST", "/brief/generate", `{"text":"We are Harbour Yoga, a small yoga studio in Galway, Ireland. We teach beginner classes, prenatal yoga and office stretching to office workers and new parents. A class costs 15 euro. Email hello@harbour.example or call +353 91 123 4567. Our tone is calm and friendly."}`, http.StatusAccepted))
	waitCompleted(t, run, auth, gen.WorkflowID)

	// "Create my site from my Brief".
	site := decodeData[brand.Site](t, do("POST", "/sites", `{"from_brief":true}`, http.StatusCreated))
	pages := decodeData[[]brand.Page](t, do("GET", "/sites/"+site.ID.String()+"/pages", "", http.StatusOK))
	var home *brand.Page
	contact := ""
	for i, p := range pages {
		if p.Path == "/" {
			home = &pages[i]
		}
		for _, b := range p.Blocks {
			if b.Type == brand.BlockContactForm {
				contact = p.Path
			}
		}
	}
	if home == nil || contact == "" || len(pages) < 3 {
		t.Fatalf("the drafted site has %d pages, home %v, a contact form on %q", len(pages), home != nil, contact)
	}
	drafted := decodeData[brand.Page](t, do("GET", "/pages/"+home.ID.String(), "", http.StatusOK))
	if !strings.Contains(string(drafted.Blocks[0].Data), "Harbour Yoga") {
		t.Fatalf("the home page's copy does not name the business: %s", drafted.Blocks[0].Data)
	}

	// The owner changes the hero.
	setHero := func(headline string) {
		t.Helper()
		cur := decodeData[brand.Page](t, do("GET", "/pages/"+home.ID.String(), "", http.StatusOK))
		blocks := append([]brand.Block{}, cur.Blocks...)
		blocks[0] = brand.Block{Type: brand.BlockHero, Data: json.RawMessage(fmt.Sprintf(`{"headline":%q}`, headline))}
		body, _ := json.Marshal(brand.PageInput{Path: "/", Title: cur.Title, Blocks: blocks})
		do("PUT", "/pages/"+home.ID.String(), string(body), http.StatusOK, "If-Match", fmt.Sprintf(`"v%d"`, cur.Version))
	}
	publish := func() brand.Started {
		t.Helper()
		started := decodeData[brand.Started](t, do("POST", "/sites/"+site.ID.String()+"/publish", "", http.StatusAccepted))
		if started.WorkflowID != "site-publish/"+site.ID.String() || !strings.Contains(started.TemporalUIURL, "site-publish%2F") {
			t.Fatalf("publish answered %+v", started)
		}
		deadline := time.Now().Add(60 * time.Second)
		for time.Now().Before(deadline) {
			if r, ok := tryData[brand.Release](call(t, "GET", run.url("/api/v1"+strings.TrimPrefix(started.StatusURL, "/api/v1")), "", auth)); ok && r.Status == "live" {
				// Live since the commit point; the run ends once the
				// caches are purged.
				waitCompleted(t, run, auth, started.WorkflowID)
				return started
			} else if ok && r.Status == "failed" {
				t.Fatalf("the publish failed: %v", *r.Failure)
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("release %s did not go live in 60 s", started.ReleaseID)
		return brand.Started{}
	}
	setHero("Breathe easy in Galway")
	first := publish()

	// The live site, by its Host.
	_, port, _ := strings.Cut(run.banner.HTTPAddr, ":")
	host := site.Slug + ".sites.localhost:" + port
	live := fetchSite(t, run, host, "GET", "/", "")
	if live.status != http.StatusOK || live.release != first.ReleaseID || !strings.Contains(live.body, "Breathe easy in Galway") {
		t.Fatalf("GET / on %s: %d release %s\n%.500s", host, live.status, live.release, live.body)
	}
	if res := fetchSite(t, run, host, "GET", "/no-such-page", ""); res.status != http.StatusNotFound {
		t.Errorf("a missing page: %d", res.status)
	}

	// A visitor's message through the contact form becomes a lead with
	// follow-ups.
	form := url.Values{"name": {"Maeve Walsh"}, "email": {"maeve@example.test"}, "message": {"Do you have evening classes?"}, "page": {contact}, "website": {""}}
	sent := fetchSite(t, run, host, "POST", "/_forms/contact", form.Encode())
	if sent.status != http.StatusSeeOther {
		t.Fatalf("the contact form: %d %s", sent.status, sent.body)
	}
	var lead sales.Lead
	for start := time.Now(); time.Since(start) < 20*time.Second && lead.Name == ""; time.Sleep(100 * time.Millisecond) {
		for _, l := range decodeData[[]sales.Lead](t, do("GET", "/leads", "", http.StatusOK)) {
			if l.Name == "Maeve Walsh" {
				lead = l
			}
		}
	}
	if lead.Source != "website" {
		t.Fatalf("no lead from the website: %+v", lead)
	}
	c, err := itemporal.Dial(context.Background(), env["TEMPORAL_ADDRESS"], "default", zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	followUp, err := c.DescribeWorkflow(context.Background(), "lead-followup/"+lead.ID.String(), "")
	if err != nil || followUp.Status != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Fatalf("the lead's follow-ups: %v %v", followUp, err)
	}
	// Every publish is findable in Temporal UI by org and site.
	desc, err := c.DescribeWorkflow(context.Background(), first.WorkflowID, first.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := desc.TypedSearchAttributes.GetKeyword(itemporal.OrgID); o != org {
		t.Errorf("XentriOrgId = %q, want %s", o, org)
	}
	if s, _ := desc.TypedSearchAttributes.GetKeyword(itemporal.SiteID); s != site.ID.String() {
		t.Errorf("XentriSiteId = %q, want %s", s, site.ID)
	}

	// A new hero, published; then rolled back, and the old hero is live at
	// once.
	setHero("Evening classes now open")
	second := publish()
	if res := fetchSite(t, run, host, "GET", "/", ""); res.release != second.ReleaseID || !strings.Contains(res.body, "Evening classes now open") {
		t.Fatalf("after the second publish: release %s\n%.300s", res.release, res.body)
	}
	start := time.Now()
	do("POST", "/sites/"+site.ID.String()+"/rollback", `{"release_id":"`+first.ReleaseID+`"}`, http.StatusOK)
	back := fetchSite(t, run, host, "GET", "/", "")
	took := time.Since(start)
	if back.release != first.ReleaseID || !strings.Contains(back.body, "Breathe easy in Galway") {
		t.Fatalf("after the rollback: release %s\n%.300s", back.release, back.body)
	}
	t.Logf("rollback and the next page view: %s", took)
	releases := decodeData[[]brand.Release](t, do("GET", "/sites/"+site.ID.String()+"/releases", "", http.StatusOK))
	if len(releases) != 2 || !releases[1].Live || releases[0].Status != "retired" {
		t.Fatalf("releases after the rollback: %+v", releases)
	}

	// n8n publishes through the site.publish hook, on the same workflow.
	tok := decodeData[core.NewAPIToken](t, do("POST", "/orgs/"+org+"/tokens", `{"name":"n8n","scopes":["workflows:start"]}`, http.StatusCreated)).Secret
	hooked := call(t, "POST", run.url("/api/v1/hooks/n8n/workflows/site.publish"), `{"org_id":"`+org+`","input":{"site_id":"`+site.ID.String()+`"}}`,
		map[string]string{"Authorization": "Bearer " + tok})
	if r, ok := tryData[automation.Run](hooked); hooked.status != http.StatusAccepted || !ok || r.WorkflowID != "site-publish/"+site.ID.String() {
		t.Fatalf("hook site.publish: %d %s", hooked.status, hooked.raw)
	}
	waitCompleted(t, run, auth, "site-publish/"+site.ID.String())
	// The same status with the id's slashes encoded, as a generic client
	// escapes a path parameter.
	if res := call(t, "GET", run.url("/api/v1/workflows/"+url.PathEscape("site-publish/"+site.ID.String())), "", auth); res.status != http.StatusOK {
		t.Fatalf("GET /workflows/site-publish%%2F{id}: %d %s", res.status, res.raw)
	}
	releases = decodeData[[]brand.Release](t, do("GET", "/sites/"+site.ID.String()+"/releases", "", http.StatusOK))
	if len(releases) != 3 || !releases[0].Live || releases[0].Trigger != "hook" {
		t.Fatalf("releases after the hook's publish: %+v", releases)
	}
	if res := call(t, "POST", run.url("/api/v1/hooks/n8n/workflows/site.publish"), `{"org_id":"`+org+`","input":{"site_id":"not-a-site"}}`,
		map[string]string{"Authorization": "Bearer " + tok}); res.status != http.StatusBadRequest {
		t.Errorf("hook site.publish with a malformed site id: %d %s", res.status, res.raw)
	}
}
