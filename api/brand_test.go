package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/xentri/xentri/services/brand"
)

func TestBrandCopyRoute(t *testing.T) {
	t.Parallel()
	b := setupCore(t)
	owner := b.signUp(t, "brand-owner")
	org := owner.orgID.String()
	suggest := func(body any) result {
		return b.do(t, req{method: "POST", path: "/api/v1/brand/copy/suggest", token: owner.token, org: org, body: body})
	}

	// No Brief yet: the 404 of GET /brief.
	if p := wantProblem(t, suggest(map[string]any{"kind": "tagline"}), http.StatusNotFound); !strings.Contains(p.Detail, "Co-pilot") {
		t.Fatalf("no brief: %+v", p)
	}

	b.composeBrief(t, owner.orgID, map[string]any{
		"identity.business_name": "Rosa's Bakery",
		"offerings.products":     []string{"sourdough bread", "custard tarts"},
		"audience.segments":      []string{"local families"},
		"brand_voice.tone":       []string{"friendly"},
		"brand_voice.avoid":      []string{"cheap"},
	})
	res := suggest(map[string]any{"kind": "hero", "count": 2})
	if res.status != http.StatusOK {
		t.Fatalf("suggest: %d %s", res.status, res.body)
	}
	s := decodeData[brand.Suggestions](t, res)
	if s.Kind != brand.KindHero || s.BriefVersion != 1 || s.Writer != "templates" || len(s.Suggestions) != 2 {
		t.Fatalf("suggest: %s", res.body)
	}
	for _, sg := range s.Suggestions {
		if sg.Text == "" || len(sg.Cites) == 0 || sg.Voice.Family != "friendly" || sg.Voice.ReadingLevel == "" || strings.Contains(strings.ToLower(sg.Text), "cheap") {
			t.Errorf("suggestion: %+v", sg)
		}
	}
	if s := decodeData[brand.Suggestions](t, suggest(map[string]any{"kind": "service_description", "service": "custard tarts"})); len(s.Suggestions) != 3 ||
		!strings.Contains(strings.ToLower(s.Suggestions[0].Text), "custard tarts") {
		t.Fatalf("service description: %+v", s)
	}

	// Bad kind and count: a 400 naming the field.
	for body, field := range map[string]string{
		`{"kind":"slogan"}`:                "kind",
		`{"count":3}`:                      "kind",
		`{"kind":"tagline","count":0}`:     "count",
		`{"kind":"tagline","count":11}`:    "count",
		`{"kind":"tagline","service":"x"}`: "service",
	} {
		if p := wantProblem(t, suggest(body), http.StatusBadRequest); p.Errors[field] == "" {
			t.Errorf("%s: %+v", body, p)
		}
	}
	if p := wantProblem(t, suggest(`{"kind":"tagline","count":"3"}`), http.StatusBadRequest); !strings.Contains(p.Detail, "count") {
		t.Errorf("count as a string: %+v", p)
	}
	// What the Brief lacks: a 422 with the question that fills it.
	p := wantProblem(t, suggest(map[string]any{"kind": "about"}), http.StatusUnprocessableEntity)
	if p.Errors["identity.founded_year"] != "In what year did you start the business?" {
		t.Fatalf("about: %+v", p)
	}
	if p := wantProblem(t, suggest(map[string]any{"kind": "service_description", "service": "croissants"}), http.StatusUnprocessableEntity); p.Errors["service"] == "" {
		t.Fatalf("unknown service: %+v", p)
	}
}
