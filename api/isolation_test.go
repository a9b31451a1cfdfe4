package api

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/xentri/xentri/internal/testenv"
	"github.com/xentri/xentri/services/brand"
	"github.com/xentri/xentri/services/brief"
	"github.com/xentri/xentri/services/core"
	"github.com/xentri/xentri/services/sales"
)

// nonTenantRoutes act for the caller alone, not in an org: every other
// /api/v1 route must demand x-org-id, or this suite fails. A new route is
// thus covered without anyone remembering to add it.
var nonTenantRoutes = map[string]bool{
	"POST /api/v1/auth/signup":  true,
	"POST /api/v1/auth/login":   true,
	"POST /api/v1/auth/refresh": true,
	"POST /api/v1/auth/logout":  true,
	"GET /api/v1/me":            true,
	"DELETE /api/v1/account":    true,
	"POST /api/v1/orgs":         true,
	"GET /api/v1/orgs":          true,
	// The org is in the body, and an API token must belong to it (or the
	// shared n8n signature must verify): covered by the hook tests.
	"POST /api/v1/hooks/n8n/workflows/{name}": true,
	// A website's contact form: anyone may add a lead to an org, by design
	// (rate-limited, honeypot); it reads nothing back. Covered by the lead tests.
	"POST /api/v1/public/orgs/{orgID}/leads": true,
	// The contracts, for anyone.
	"GET /api/v1/openapi.json":  true,
	"GET /api/v1/asyncapi.json": true,
	// The platform operator's, behind the operator token (every org's dead
	// letters by design): the attacks below check no user token opens them.
	"POST /api/v1/system/diagnostics":                         true,
	"GET /api/v1/system/dead-letters":                         true,
	"GET /api/v1/system/dead-letters/{deadLetterID}":          true,
	"POST /api/v1/system/dead-letters/{deadLetterID}/redrive": true,
	"POST /api/v1/system/dead-letters/{deadLetterID}/discard": true,
}

// publicRoutes need no signed-in caller.
var publicRoutes = map[string]bool{
	"POST /api/v1/public/orgs/{orgID}/leads": true,
	"GET /api/v1/openapi.json":               true,
	"GET /api/v1/asyncapi.json":              true,
	"POST /api/v1/auth/signup":               true,
	"POST /api/v1/auth/login":                true,
	"POST /api/v1/auth/refresh":              true,
}

// attackBody is a request body that would change the victim's data if a
// handler ever ran it: well-formed, so no validation stops it first.
func attackBody(method, route string, attackerEmail string) any {
	switch {
	case method == http.MethodPost && strings.HasSuffix(route, "/members"):
		return map[string]string{"email": attackerEmail, "role": "owner"}
	case method == http.MethodPatch && strings.Contains(route, "/members/"):
		return map[string]string{"role": "member"}
	case method == http.MethodPost && strings.HasSuffix(route, "/tokens"):
		return map[string]any{"name": "pwned", "scopes": []string{"members:read", "members:write"}}
	case method == http.MethodPost && strings.HasSuffix(route, "/leads"):
		return map[string]any{"name": "Pwned", "email": attackerEmail}
	case method == http.MethodPut && strings.Contains(route, "/leads/"):
		return map[string]any{"name": "Pwned", "version": 1}
	case method == http.MethodPost && strings.HasSuffix(route, "/status"):
		return map[string]any{"status": "won"}
	case method == http.MethodPost && strings.HasSuffix(route, "/snooze"):
		return map[string]any{"until": time.Now().Add(72 * time.Hour).UTC().Format(time.RFC3339)}
	case method == http.MethodPut && strings.Contains(route, "/brief/sections/"):
		return map[string]any{"fields": map[string]any{"business_name": "Pwned"}}
	case method == http.MethodPost && strings.HasSuffix(route, "/proposals"):
		return map[string]any{"fields": map[string]any{"business_name": "Pwned"}}
	case method == http.MethodPost && strings.HasSuffix(route, "/reject"):
		return map[string]any{"reason": "pwned"}
	case method == http.MethodPut && strings.HasSuffix(route, "/settings/sales"):
		return map[string]any{"followup_cadence_days": []int{300}}
	case method == http.MethodPost && strings.HasSuffix(route, "/rollback"):
		return map[string]any{"release_id": uuid.NewString()}
	case method == http.MethodPost && strings.HasSuffix(route, "/schedules"):
		return map[string]any{"publish_at": time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)}
	case method == http.MethodPost && strings.HasSuffix(route, "/redrive"):
		return map[string]any{"input": []any{map[string]any{"lead_id": "pwned"}}}
	case method == http.MethodPost && strings.HasSuffix(route, "/media/presign"):
		return map[string]any{"filename": "pwned.png", "content_type": "image/png", "size": 10}
	case method == http.MethodPost && strings.HasSuffix(route, "/subscriptions"):
		return map[string]any{"pattern": "xentri.*", "url": "https://attacker.example/hook"}
	case method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch:
		return map[string]any{}
	}
	return nil
}

// TestTenantIsolationSuite walks every route of the router and attacks each
// tenant route from outside its org: as a member of another org, with an
// API token of another org, without x-org-id or with a malformed one, and
// with no, expired, wrongly signed, alg:none and garbage tokens. Every
// attempt must be refused with a problem, show nothing of the victim, and
// leave every row of the victim's org as it was.
func TestTenantIsolationSuite(t *testing.T) {
	t.Parallel()
	b := setupCore(t)
	victim, attacker, colleague := b.signUp(t, "victim"), b.signUp(t, "attacker"), b.signUp(t, "colleague")
	vOrg := victim.orgID.String()
	b.do(t, req{method: "POST", path: "/api/v1/orgs/" + vOrg + "/members", token: victim.token, org: vOrg, body: map[string]string{"email": colleague.email, "role": "admin"}})
	res := b.do(t, req{method: "POST", path: "/api/v1/orgs/" + vOrg + "/tokens", token: victim.token, org: vOrg,
		body: map[string]any{"name": "victim-private-token", "scopes": []string{"members:read"}}, header: map[string]string{"Idempotency-Key": "victim-key"}})
	if res.status != http.StatusCreated {
		t.Fatalf("victim token: %d %s", res.status, res.body)
	}
	victimToken := decodeData[core.NewAPIToken](t, res)
	if victimToken.ID == uuid.Nil {
		t.Fatalf("victim token has no id: %s", res.body)
	}
	victimTokenID := victimToken.ID.String()
	res = b.do(t, req{method: "POST", path: "/api/v1/leads", token: victim.token, org: vOrg,
		body: map[string]any{"name": "Victim Customer", "email": "customer@victim.example", "value": map[string]any{"amount": 990000, "currency": "EUR"}}})
	if res.status != http.StatusCreated {
		t.Fatalf("victim lead: %d %s", res.status, res.body)
	}
	victimLead := decodeData[sales.Lead](t, res)
	if victimLead.ID == uuid.Nil {
		t.Fatalf("victim lead has no id: %s", res.body)
	}
	victimLeadID := victimLead.ID.String()
	aOrg := attacker.orgID.String()
	res = b.do(t, req{method: "POST", path: "/api/v1/orgs/" + aOrg + "/tokens", token: attacker.token, org: aOrg,
		body: map[string]any{"name": "attacker-token", "scopes": []string{"orgs:read", "members:read", "members:write"}}})
	attackerAPIToken := decodeData[core.NewAPIToken](t, res).Secret
	if attackerAPIToken == "" {
		t.Fatalf("attacker token has no secret: %d %s", res.status, res.body)
	}
	// What an attacker must never see (ids in the path they chose come back
	// in a problem's instance, so they are not secrets here).
	secrets := []string{colleague.email, victim.email, "victim-private-token", "customer@victim.example", "Victim Customer"}

	// A dead letter of the victim's, so the ops routes have a real target.
	victimLetterID := uuid.NewString()
	if _, err := b.d.Owner.Exec(context.Background(), `INSERT INTO dead_letters
		(id, org_id, workflow_type, workflow_id, run_id, task_queue, input, failure_type, failure_message)
		VALUES ($1, $2, 'LeadFollowUp', 'lead-followup/' || $3, 'run-1', 'xentri', '[]', 'T', 'Victim Customer broke')`,
		victimLetterID, victim.orgID, victimLeadID); err != nil {
		t.Fatal(err)
	}

	// A Brief of the victim's with a pending proposal: the brief routes
	// have real targets too.
	b.composeBrief(t, victim.orgID, map[string]any{"identity.business_name": "Victim Customer Bakery"})
	_, proposals := b.composeBrief(t, victim.orgID, map[string]any{"sales.follow_up_days": []int{1, 4}})
	if len(proposals) != 0 {
		t.Fatalf("an extracted value made a proposal: %+v", proposals)
	}
	res = b.do(t, req{method: "POST", path: "/api/v1/brief/sections/goals/proposals", token: victim.token, org: vOrg,
		body: map[string]any{"fields": map[string]any{"goals": []string{"Victim Customer goals"}}}})
	victimProposalID := decodeData[brief.Proposal](t, res).ID.String()

	// A site of the victim's with a page: the site routes need real ids.
	res = b.do(t, req{method: "POST", path: "/api/v1/sites", token: victim.token, org: vOrg, body: map[string]any{"name": "Victim Customer Site"}})
	if res.status != http.StatusCreated {
		t.Fatalf("victim site: %d %s", res.status, res.body)
	}
	victimSiteID := decodeData[brand.Site](t, res).ID.String()
	res = b.do(t, req{method: "POST", path: "/api/v1/sites/" + victimSiteID + "/pages", token: victim.token, org: vOrg,
		body: map[string]any{"path": "/", "title": "Victim Customer Home"}})
	if res.status != http.StatusCreated {
		t.Fatalf("victim page: %d %s", res.status, res.body)
	}
	victimPageID := decodeData[brand.Page](t, res).ID.String()
	// A pending media asset of the victim's.
	res = b.do(t, req{method: "POST", path: "/api/v1/media/presign", token: victim.token, org: vOrg,
		body: map[string]any{"filename": "Victim Customer logo.png", "content_type": "image/png", "size": 1234}})
	if res.status != http.StatusCreated {
		t.Fatalf("victim media: %d %s", res.status, res.body)
	}
	victimMediaID := decodeData[brand.Presigned](t, res).Asset.ID.String()
	// A release of the victim's site that went live, and a schedule.
	victimReleaseID, victimScheduleID := victimRelease(t, b.d, victim.orgID, victimSiteID)

	before := b.snapshot(t, victim.orgID)
	bad := b.badTokens(t, attacker)

	routes := 0
	err := chi.Walk(b.mux, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if !strings.HasPrefix(route, "/api/v1/") || method == http.MethodHead {
			return nil
		}
		key := method + " " + route
		path := strings.NewReplacer("{orgID}", vOrg, "{userID}", victim.userID.String(), "{tokenID}", victimTokenID,
			"{leadID}", victimLeadID, "{deadLetterID}", victimLetterID, "{proposalID}", victimProposalID, "{mediaID}", victimMediaID,
			"{siteID}", victimSiteID, "{pageID}", victimPageID, "{releaseID}", victimReleaseID, "{scheduleID}", victimScheduleID,
			"{n}", "1", "{sectionId}", "identity", "{category}", "website").Replace(route)
		body := attackBody(method, route, attacker.email)
		attemptAt := func(path, name, token, org string) result {
			r := b.do(t, req{method: method, path: path, body: body, token: token, org: org,
				header: map[string]string{"Idempotency-Key": "attack-" + uuid.NewString()}})
			for _, s := range secrets {
				if strings.Contains(string(r.body), s) {
					t.Errorf("%s (%s): the answer shows the victim's %q: %s", key, name, s, r.body)
				}
			}
			return r
		}
		attempt := func(name, token, org string) result { return attemptAt(path, name, token, org) }
		expect := func(name string, r result, status int) {
			if r.status != status || r.header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s (%s): %d %s, want a %d problem", key, name, r.status, r.body, status)
			}
		}
		if nonTenantRoutes[key] && publicRoutes[key] && strings.Contains(route, "/public/") {
			return nil // writes by design; see nonTenantRoutes
		}
		if !publicRoutes[key] {
			expect("no token", attempt("no token", "", vOrg), http.StatusUnauthorized)
			for name, tok := range bad {
				expect(name+" token", attempt(name, tok, vOrg), http.StatusUnauthorized)
			}
		}
		if nonTenantRoutes[key] {
			return nil
		}
		routes++
		r := attempt("no x-org-id", attacker.token, "")
		if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "x-org-id") {
			t.Errorf("%s neither demands x-org-id (%d %s) nor is listed in nonTenantRoutes", key, r.status, r.body)
		}
		expect("malformed x-org-id", attempt("malformed x-org-id", attacker.token, "org-1"), http.StatusBadRequest)
		foreign := attempt("member of another org", attacker.token, vOrg)
		expect("member of another org", foreign, http.StatusForbidden)
		ghost := uuid.NewString()
		missing := attemptAt(strings.ReplaceAll(path, vOrg, ghost), "org that does not exist", attacker.token, ghost)
		if missing.status != http.StatusForbidden || problemOf(t, missing).Detail != problemOf(t, foreign).Detail {
			t.Errorf("%s: a missing org (%d %s) is answered unlike a foreign one: the answer hints which orgs exist", key, missing.status, missing.body)
		}
		expect("API token of another org", attempt("API token of another org", attackerAPIToken, vOrg), http.StatusForbidden)
		// The org in ?org_id=, as a browser's EventSource names it: the
		// live stream reads it and refuses the outsider, every other route
		// ignores it and still demands x-org-id.
		if method == http.MethodGet {
			want := http.StatusBadRequest
			if route == eventsStreamRoute {
				want = http.StatusForbidden
			}
			for name, tok := range map[string]string{"member of another org": attacker.token, "API token of another org": attackerAPIToken} {
				expect(name+", org in ?org_id=", attemptAt(path+"?"+OrgQuery+"="+vOrg, name+", ?org_id=", tok, ""), want)
			}
		}
		// The victim's objects named from the attacker's own org: as if they
		// did not exist.
		if strings.Contains(route, "{leadID}") || strings.Contains(route, "{deadLetterID}") || strings.Contains(route, "{tokenID}") ||
			strings.Contains(route, "{proposalID}") || strings.Contains(route, "{mediaID}") || strings.Contains(route, "{n}") || strings.Contains(route, "{category}") ||
			strings.Contains(route, "{siteID}") || strings.Contains(route, "{pageID}") || strings.Contains(route, "{releaseID}") ||
			strings.Contains(route, "{scheduleID}") {
			if strings.Contains(route, "{orgID}") {
				path = strings.ReplaceAll(path, vOrg, aOrg)
			}
			expect("the victim's ids from the attacker's org", attemptAt(path, "own org, victim's ids", attacker.token, aOrg), http.StatusNotFound)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if routes < 7 {
		t.Fatalf("attacked only %d tenant routes: the walk is broken", routes)
	}
	if after := b.snapshot(t, victim.orgID); after != before {
		t.Fatalf("the victim's org changed under attack:\nbefore %s\nafter  %s", before, after)
	}
}

// victimRelease stores a live release of the site and a schedule, as a
// publish and POST .../schedules leave them.
func victimRelease(t *testing.T, d *testenv.Database, org uuid.UUID, site string) (release, schedule string) {
	t.Helper()
	release, schedule = uuid.NewString(), uuid.NewString()
	ctx := context.Background()
	if _, err := d.Owner.Exec(ctx, `INSERT INTO site_releases (id, org_id, site_id, number, trigger, author, status, activated_at)
		VALUES ($1, $2, $3, 1, 'publish', 'user:victim', 'live', now())`, release, org, site); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Owner.Exec(ctx, `UPDATE sites SET live_release_id = $1 WHERE id = $2`, release, site); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Owner.Exec(ctx, `INSERT INTO site_schedules (id, org_id, site_id, publish_at, workflow_id, author)
		VALUES ($1, $2, $3, now() + interval '1 day', $4, 'user:victim')`, schedule, org, site, "site-schedule/"+schedule); err != nil {
		t.Fatal(err)
	}
	return release, schedule
}

// snapshot renders every row of the org, in every table with an org_id and
// in orgs, as the owner sees them.
func (b *coreBundle) snapshot(t *testing.T, orgID uuid.UUID) string {
	t.Helper()
	ctx := context.Background()
	rows, err := b.d.Owner.Query(ctx, `SELECT c.relname FROM pg_class c
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'org_id' AND NOT a.attisdropped
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	var out strings.Builder
	for _, table := range append(tables, "orgs") {
		col := "org_id"
		if table == "orgs" {
			col = "id"
		}
		var js string
		q := "SELECT coalesce(json_agg(t ORDER BY t::text)::text, '[]') FROM " + table + " t WHERE " + col + " = $1"
		if err := b.d.Owner.QueryRow(ctx, q, orgID).Scan(&js); err != nil {
			t.Fatal(err)
		}
		out.WriteString(table + "=" + js + "\n")
	}
	return out.String()
}
