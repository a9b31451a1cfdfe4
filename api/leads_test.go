package api

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/xentri/xentri/services/notification"
	"github.com/xentri/xentri/services/sales"
)

func TestLeads(t *testing.T) {
	t.Parallel()
	b := setupCore(t)
	ada := b.signUp(t, "ada")
	org := ada.orgID.String()
	do := func(method, path string, body any) result {
		return b.do(t, req{method: method, path: path, body: body, token: ada.token, org: org})
	}

	res := do("POST", "/api/v1/leads", map[string]any{"name": "Grace", "email": "grace@example.test", "phone": "+44 20 7946 0958",
		"value": map[string]any{"amount": 250000, "currency": "GBP"}})
	if res.status != http.StatusCreated {
		t.Fatalf("create: %d %s", res.status, res.body)
	}
	lead := decodeData[sales.Lead](t, res)
	if lead.ID == uuid.Nil {
		t.Fatalf("created lead has no id: %s", res.body)
	}
	id := lead.ID.String()
	if lead.Status != "new" || lead.Source != "manual" || lead.Version != 1 {
		t.Fatalf("created lead = %+v", lead)
	}

	// Worth 2,500.00 GBP: above the threshold, so the org is notified.
	notes, _ := decodeList[notification.Notification](t, do("GET", "/api/v1/notifications?unread=true", nil))
	if len(notes) != 1 || notes[0].ID == uuid.Nil || !strings.Contains(notes[0].Title, "2500.00 GBP") {
		t.Fatalf("notifications = %+v", notes)
	}
	if res := do("POST", "/api/v1/notifications/"+notes[0].ID.String()+"/read", nil); res.status != http.StatusNoContent {
		t.Fatalf("read: %d %s", res.status, res.body)
	}
	if notes, _ := decodeList[notification.Notification](t, do("GET", "/api/v1/notifications?unread=true", nil)); len(notes) != 0 {
		t.Fatalf("%d unread after reading", len(notes))
	}

	// Validation names each bad field.
	p := wantProblem(t, do("POST", "/api/v1/leads", map[string]any{"name": "", "email": "nope", "phone": "12",
		"value": map[string]any{"amount": -1, "currency": "EURO"}}), http.StatusBadRequest)
	for _, f := range []string{"name", "email", "phone", "value.amount", "value.currency"} {
		if _, ok := p.Errors[f]; !ok {
			t.Errorf("validation problem does not name %s: %v", f, p.Errors)
		}
	}
	wantProblem(t, do("POST", "/api/v1/leads", map[string]any{"name": "X", "value": map[string]any{"amount": 12.5, "currency": "EUR"}}), http.StatusBadRequest)
	// One lead per e-mail: the problem names the lead that has it.
	p = wantProblem(t, do("POST", "/api/v1/leads", map[string]any{"name": "Grace again", "email": "GRACE@example.test"}), http.StatusConflict)
	if !strings.Contains(p.Detail, id) {
		t.Errorf("409 does not name the existing lead: %q", p.Detail)
	}

	// Optimistic concurrency.
	if res := do("PUT", "/api/v1/leads/"+id, map[string]any{"name": "Grace Hopper", "email": "grace@example.test", "version": 1}); res.status != 200 {
		t.Fatalf("update: %d %s", res.status, res.body)
	}
	wantProblem(t, do("PUT", "/api/v1/leads/"+id, map[string]any{"name": "Stale", "version": 1}), http.StatusPreconditionFailed)
	wantProblem(t, do("PUT", "/api/v1/leads/"+id, map[string]any{"name": "No version"}), http.StatusBadRequest)

	// Status: lost needs a reason.
	wantProblem(t, do("POST", "/api/v1/leads/"+id+"/status", map[string]any{"status": "lost"}), http.StatusBadRequest)
	if res := do("POST", "/api/v1/leads/"+id+"/status", map[string]any{"status": "contacted", "note": "called, call back Friday"}); res.status != 200 {
		t.Fatalf("status: %d %s", res.status, res.body)
	}
	got := decodeData[sales.Lead](t, do("GET", "/api/v1/leads/"+id, nil))
	if got.Name != "Grace Hopper" || got.Status != "contacted" || got.Version != 3 {
		t.Fatalf("lead after changes = %+v", got)
	}

	// The timeline, oldest first.
	var kinds []string
	activities, _ := decodeList[sales.Activity](t, do("GET", "/api/v1/leads/"+id+"/activities", nil))
	for _, a := range activities {
		kinds = append(kinds, a.Kind)
	}
	if strings.Join(kinds, ",") != "created,updated,status_changed" {
		t.Fatalf("timeline = %v", kinds)
	}

	// Filters.
	do("POST", "/api/v1/leads", map[string]any{"name": "Linus", "source": "referral"})
	for query, want := range map[string]int{"?status=contacted": 1, "?source=referral": 1, "?q=hopper": 1, "?q=nobody": 0} {
		if leads, _ := decodeList[sales.Lead](t, do("GET", "/api/v1/leads"+query, nil)); len(leads) != want {
			t.Errorf("GET /leads%s gave %d leads, want %d", query, len(leads), want)
		}
	}
	wantProblem(t, do("GET", "/api/v1/leads?status=hot", nil), http.StatusBadRequest)

	// Events: created, updated (details), updated (status).
	rows, _ := b.d.Owner.Query(context.Background(), "SELECT type FROM system_events WHERE org_id = $1 AND type LIKE 'xentri.lead.%' ORDER BY pos", ada.orgID)
	var types []string
	for rows.Next() {
		var ty string
		_ = rows.Scan(&ty)
		types = append(types, ty)
	}
	if strings.Join(types, ",") != "xentri.lead.created.v1,xentri.lead.updated.v1,xentri.lead.updated.v1,xentri.lead.created.v1" {
		t.Errorf("lead events = %v", types)
	}
}

func TestPublicLeadCapture(t *testing.T) {
	t.Parallel()
	b := setupCore(t)
	ada := b.signUp(t, "ada")
	url := "/api/v1/public/orgs/" + ada.orgID.String() + "/leads"
	form := func(body map[string]any, ip string) result {
		return b.do(t, req{method: "POST", path: url, body: body, header: map[string]string{"X-Forwarded-For": ip}})
	}
	if res := form(map[string]any{"name": "Visitor", "email": "visitor@example.test", "message": "Do you ship to Spain?"}, ""); res.status != http.StatusAccepted {
		t.Fatalf("capture: %d %s", res.status, res.body)
	}
	// A bot fills the honeypot: answered alike, nothing stored.
	if res := form(map[string]any{"name": "Bot", "email": "bot@example.test", "website": "http://spam.example"}, ""); res.status != http.StatusAccepted {
		t.Fatalf("honeypot: %d", res.status)
	}
	var n int
	_ = b.d.Owner.QueryRow(context.Background(), "SELECT count(*) FROM leads WHERE org_id = $1", ada.orgID).Scan(&n)
	var source string
	_ = b.d.Owner.QueryRow(context.Background(), "SELECT source FROM leads WHERE org_id = $1", ada.orgID).Scan(&source)
	if n != 1 || source != "website" {
		t.Fatalf("%d leads stored (source %q), want the visitor's alone, from the website", n, source)
	}
	wantProblem(t, b.do(t, req{method: "POST", path: "/api/v1/public/orgs/" + ada.userID.String() + "/leads", body: map[string]any{"name": "X"}}), http.StatusNotFound)
	wantProblem(t, b.do(t, req{method: "POST", path: url, body: map[string]any{"name": strings.Repeat("x", 20<<10)}}), http.StatusRequestEntityTooLarge)
	// Rate limited per client address.
	var last result
	for range capturePerIP + 1 {
		last = form(map[string]any{"name": "Flood"}, "")
	}
	wantProblem(t, last, http.StatusTooManyRequests)
}

// TestSalesSettings: the cadence is the default until an owner sets one;
// a malformed cadence is a problem naming the field; a plain member may read
// but not change it.
func TestSalesSettings(t *testing.T) {
	t.Parallel()
	b := setupCore(t)
	ada, bob := b.signUp(t, "ada-settings"), b.signUp(t, "bob-settings")
	org := ada.orgID.String()
	as := func(who account, method string, body any) result {
		return b.do(t, req{method: method, path: "/api/v1/settings/sales", body: body, token: who.token, org: org})
	}
	got := decodeData[sales.Settings](t, as(ada, "GET", nil))
	if got.Source != "default" || len(got.FollowUpCadenceDays) != 3 {
		t.Fatalf("settings before any = %+v, want the default [1 3 7]", got)
	}
	for _, bad := range []any{[]int{}, []int{3, 1}, []int{0, 2}, []int{1, 400}, []int{2, 2}} {
		res := as(ada, "PUT", map[string]any{"followup_cadence_days": bad})
		wantProblem(t, res, http.StatusBadRequest)
		if !strings.Contains(string(res.body), `"followup_cadence_days"`) {
			t.Errorf("PUT %v: the problem does not name the field: %s", bad, res.body)
		}
	}
	if res := as(ada, "PUT", map[string]any{"followup_cadence_days": []int{2, 5, 14}}); res.status != http.StatusOK {
		t.Fatalf("put: %d %s", res.status, res.body)
	}
	got = decodeData[sales.Settings](t, as(ada, "GET", nil))
	if days := got.FollowUpCadenceDays; got.Source != "org" || len(days) != 3 || days[2] != 14 {
		t.Fatalf("settings after put = %+v", got)
	}

	b.do(t, req{method: "POST", path: "/api/v1/orgs/" + org + "/members", token: ada.token, org: org, body: map[string]string{"email": bob.email, "role": "member"}})
	if res := as(bob, "GET", nil); res.status != http.StatusOK {
		t.Fatalf("a member reads the settings: %d %s", res.status, res.body)
	}
	wantProblem(t, as(bob, "PUT", map[string]any{"followup_cadence_days": []int{1}}), http.StatusForbidden)
}
