package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"

	"github.com/xentri/xentri/contracts"
	"github.com/xentri/xentri/internal/events"
	"github.com/xentri/xentri/services/brief"
	"github.com/xentri/xentri/services/brief/extract"
	"github.com/xentri/xentri/services/core"
)

// composeBrief composes a version of org's Brief from facts, as the
// generation workflow will (there is no route for it yet), and returns the
// proposals it made.
func (b *coreBundle) composeBrief(t *testing.T, orgID uuid.UUID, facts map[string]any) (brief.Version, []brief.Proposal) {
	t.Helper()
	svc := &brief.Service{DB: b.d.App, Events: &events.Writer{Log: zerolog.Nop()}, Log: zerolog.Nop()}
	var in []extract.Fact
	for key, v := range facts {
		section, field, _ := strings.Cut(key, ".")
		raw, _ := json.Marshal(v)
		in = append(in, extract.Fact{Section: section, Field: field, Value: raw, Confidence: 0.9,
			Sources: []extract.Source{{MessageID: "m1", Start: 0, End: 1, Quote: "x"}}})
	}
	var (
		v  brief.Version
		ps []brief.Proposal
	)
	err := b.d.App.InTenant(context.Background(), orgID, func(ctx context.Context, tx pgx.Tx) (err error) {
		v, ps, err = svc.Compose(ctx, tx, orgID, brief.Author{Type: brief.AuthorCopilot}, in, "")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return v, ps
}

func TestBriefRoutes(t *testing.T) {
	t.Parallel()
	b := setupCore(t)
	owner := b.signUp(t, "brief-owner")
	org := owner.orgID.String()
	get := func(path string) result {
		return b.do(t, req{method: "GET", path: "/api/v1" + path, token: owner.token, org: org})
	}

	// No Brief yet: a 404 that says how to get one.
	if p := wantProblem(t, get("/brief"), http.StatusNotFound); !strings.Contains(p.Detail, "Co-pilot") {
		t.Fatalf("no brief: %+v", p)
	}
	b.composeBrief(t, owner.orgID, map[string]any{"identity.business_name": "Rosa's Bakery", "identity.team_size": 3,
		"offerings.price_points": []extract.PricePoint{{Label: "loaf", Amount: 450, Currency: "EUR"}}})

	res := get("/brief")
	cur := decodeData[brief.Brief](t, res)
	if res.status != http.StatusOK || cur.Version != 1 || res.header.Get("ETag") != `"v1"` {
		t.Fatalf("GET /brief: %d v%d ETag %q", res.status, cur.Version, res.header.Get("ETag"))
	}
	var raw struct{ Data json.RawMessage }
	_ = json.Unmarshal(res.body, &raw)
	if err := contracts.ValidateBrief(raw.Data); err != nil {
		t.Fatalf("GET /brief does not match its schema: %v\n%s", err, raw.Data)
	}
	if r := b.do(t, req{method: "GET", path: "/api/v1/brief", token: owner.token, org: org, header: map[string]string{"If-None-Match": `"v1"`}}); r.status != http.StatusNotModified {
		t.Fatalf("If-None-Match v1: %d", r.status)
	}
	if s := decodeData[map[string]any](t, get("/brief/schema")); s["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Fatalf("schema: %v", s["$schema"])
	}

	// An edit needs If-Match; a stale one is a 412.
	edit := func(ifMatch string, body any) result {
		h := map[string]string{"Idempotency-Key": uuid.NewString()}
		if ifMatch != "" {
			h["If-Match"] = ifMatch
		}
		return b.do(t, req{method: "PUT", path: "/api/v1/brief/sections/identity", token: owner.token, org: org, body: body, header: h})
	}
	wantProblem(t, edit("", map[string]any{"fields": map[string]any{"business_name": "Rosa Bakes"}}), http.StatusBadRequest)
	wantProblem(t, edit(`"3"`, map[string]any{"fields": map[string]any{"business_name": "Rosa Bakes"}}), http.StatusBadRequest)
	wantProblem(t, edit(`"v1"`, map[string]any{"fields": map[string]any{"team_size": "many"}}), http.StatusBadRequest)
	res = edit(`"v1"`, map[string]any{"fields": map[string]any{"business_name": "Rosa Bakes", "team_size": nil}})
	edited := decodeData[brief.Brief](t, res)
	if res.status != http.StatusOK || edited.Version != 2 || res.header.Get("ETag") != `"v2"` ||
		string(edited.Data.Sections["identity"].Fields["business_name"].Value) != `"Rosa Bakes"` {
		t.Fatalf("edit: %d %s", res.status, res.body)
	}
	if _, ok := edited.Data.Sections["identity"].Fields["team_size"]; ok {
		t.Fatal("null did not remove team_size")
	}
	wantProblem(t, edit(`"v1"`, map[string]any{"fields": map[string]any{"business_name": "Again"}}), http.StatusPreconditionFailed)
	wantProblem(t, b.do(t, req{method: "PUT", path: "/api/v1/brief/sections/horoscope", token: owner.token, org: org,
		body: map[string]any{"fields": map[string]any{"x": 1}}, header: map[string]string{"If-Match": `"v2"`}}), http.StatusNotFound)

	// Versions, one version, a diff, a restore.
	versions, _ := decodeList[brief.Version](t, get("/brief/versions"))
	if len(versions) != 2 || versions[0].Number != 2 {
		t.Fatalf("versions: %+v", versions)
	}
	if v := decodeData[brief.Version](t, get("/brief/versions/1")); v.Number != 1 || string(v.Data.Sections["identity"].Fields["business_name"].Value) != `"Rosa's Bakery"` {
		t.Fatalf("version 1: %+v", v)
	}
	d := decodeData[brief.Diff](t, get("/brief/versions/2/diff"))
	if d.From != 1 || d.To != 2 || len(d.Changes) != 2 {
		t.Fatalf("diff: %+v", d)
	}
	if d := decodeData[brief.Diff](t, get("/brief/versions/2/diff?from=0")); d.From != 0 || len(d.Changes) != 2 {
		t.Fatalf("diff from 0: %+v", d)
	}
	for _, bad := range []string{"0", "-1", "x", "01", "1.5", "99999999999999999999"} {
		wantProblem(t, get("/brief/versions/"+bad), http.StatusNotFound)
	}
	wantProblem(t, get("/brief/versions/9"), http.StatusNotFound)
	wantProblem(t, get("/brief/versions/2/diff?from=x"), http.StatusBadRequest)
	res = b.do(t, req{method: "POST", path: "/api/v1/brief/versions/1/restore", token: owner.token, org: org, header: map[string]string{"Idempotency-Key": "restore-1"}})
	if restored := decodeData[brief.Brief](t, res); restored.Version != 3 || res.header.Get("ETag") != `"v3"` {
		t.Fatalf("restore: %d %s", res.status, res.body)
	}
	// The same key replays the answer and makes no second version.
	res = b.do(t, req{method: "POST", path: "/api/v1/brief/versions/1/restore", token: owner.token, org: org, header: map[string]string{"Idempotency-Key": "restore-1"}})
	if res.header.Get(replayHeader) != "true" || decodeData[brief.Brief](t, get("/brief")).Version != 3 {
		t.Fatalf("replayed restore: %d %v", res.status, res.header)
	}

	// Contexts.
	site := decodeData[brief.Context](t, get("/brief/contexts/website"))
	if site.Version != 3 || !strings.Contains(string(site.Data), `"pricing"`) {
		t.Fatalf("website context: %+v", site)
	}
	wantProblem(t, get("/brief/contexts/astrology"), http.StatusNotFound)

	// Proposals: one made now, accepted after another change, is a 409;
	// rejecting it keeps it; a second decision is a 409.
	res = b.do(t, req{method: "POST", path: "/api/v1/brief/sections/goals/proposals", token: owner.token, org: org,
		body: map[string]any{"fields": map[string]any{"goals": []string{"open a café"}}, "instruction": "be bold"}})
	p := decodeData[brief.Proposal](t, res)
	if res.status != http.StatusCreated || p.BasedOnVersion != 3 || p.Status != brief.StatusPending ||
		res.header.Get("Location") != "/api/v1/brief/proposals/"+p.ID.String() {
		t.Fatalf("propose: %d %s", res.status, res.body)
	}
	if got := decodeData[brief.Proposal](t, get("/brief/proposals/"+p.ID.String())); got.ID != p.ID {
		t.Fatalf("get proposal: %+v", got)
	}
	if r := edit(`"v3"`, map[string]any{"fields": map[string]any{"industry": "bakery"}}); r.status != http.StatusOK {
		t.Fatalf("edit v3: %d %s", r.status, r.body)
	}
	act := func(id uuid.UUID, what string, body any) result {
		return b.do(t, req{method: "POST", path: "/api/v1/brief/proposals/" + id.String() + "/" + what, token: owner.token, org: org, body: body})
	}
	if p := wantProblem(t, act(p.ID, "accept", nil), http.StatusConflict); !strings.Contains(p.Detail, "version 3") {
		t.Fatalf("accept on an old version: %+v", p)
	}
	rejected := decodeData[brief.Proposal](t, act(p.ID, "reject", map[string]string{"reason": "later"}))
	if rejected.Status != brief.StatusRejected || rejected.Reason == nil || *rejected.Reason != "later" {
		t.Fatalf("reject: %+v", rejected)
	}
	wantProblem(t, act(p.ID, "reject", nil), http.StatusConflict)
	wantProblem(t, act(p.ID, "accept", nil), http.StatusConflict)

	// A fresh proposal is accepted.
	res = b.do(t, req{method: "POST", path: "/api/v1/brief/sections/goals/proposals", token: owner.token, org: org,
		body: map[string]any{"fields": map[string]any{"goals": []string{"open a café"}}}})
	fresh := decodeData[brief.Proposal](t, res)
	accepted := decodeData[brief.Proposal](t, act(fresh.ID, "accept", nil))
	if accepted.Status != brief.StatusAccepted || accepted.AcceptedVersion == nil || *accepted.AcceptedVersion != 5 {
		t.Fatalf("accept: %+v", accepted)
	}
	pending, _ := decodeList[brief.Proposal](t, get("/brief/proposals?status=pending"))
	all, _ := decodeList[brief.Proposal](t, get("/brief/proposals"))
	if len(pending) != 0 || len(all) != 2 {
		t.Fatalf("proposals: %d pending, %d in all", len(pending), len(all))
	}
	wantProblem(t, get("/brief/proposals?status=maybe"), http.StatusBadRequest)
	wantProblem(t, act(uuid.New(), "accept", nil), http.StatusNotFound)

	// A token with brief:read reads but cannot write.
	res = b.do(t, req{method: "POST", path: "/api/v1/orgs/" + org + "/tokens", token: owner.token, org: org,
		body: map[string]any{"name": "reader", "scopes": []string{"brief:read"}}})
	reader := decodeData[core.NewAPIToken](t, res).Secret
	if r := b.do(t, req{method: "GET", path: "/api/v1/brief", token: reader, org: org}); r.status != http.StatusOK {
		t.Fatalf("reader GET /brief: %d %s", r.status, r.body)
	}
	wantProblem(t, b.do(t, req{method: "POST", path: "/api/v1/brief/versions/1/restore", token: reader, org: org}), http.StatusForbidden)
}
