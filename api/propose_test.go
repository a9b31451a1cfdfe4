package api

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/xentri/xentri/services/brief"
	"github.com/xentri/xentri/services/core"
)

func TestProposeASectionFromTheOwnersWords(t *testing.T) {
	t.Parallel()
	b := setupCore(t)
	owner := b.signUp(t, "owner")
	org := owner.orgID.String()
	propose := func(section string, body any) result {
		return b.do(t, req{method: "POST", path: "/api/v1/brief/sections/" + section + "/propose", token: owner.token, org: org, body: body})
	}
	// No Brief yet: 404, as GET /brief.
	if res := propose("identity", nil); res.status != http.StatusNotFound {
		t.Fatalf("without a Brief: %d %s", res.status, res.body)
	}
	b.composeBrief(t, owner.orgID, map[string]any{"identity.business_name": "Rosa's Bakery"})
	session := uuid.Must(uuid.NewV7())
	ctx := context.Background()
	if _, err := b.d.Owner.Exec(ctx, `INSERT INTO copilot_sessions (id, org_id) VALUES ($1, $2)`, session, owner.orgID); err != nil {
		t.Fatal(err)
	}
	if _, err := b.d.Owner.Exec(ctx, `INSERT INTO copilot_messages (id, org_id, session_id, turn, client_message_id, kind, text, reply)
		VALUES ($1, $2, $3, 1, 'm1', 'text', 'We are Rosa''s Bakery in Lisbon, Portugal. Email us at hello@rosasbakery.pt.', '{}')`,
		uuid.Must(uuid.NewV7()), owner.orgID, session); err != nil {
		t.Fatal(err)
	}

	res := propose("contact", map[string]string{"instruction": "use the shop's address"})
	if res.status != http.StatusCreated || !strings.HasPrefix(res.header.Get("Location"), "/api/v1/brief/proposals/") {
		t.Fatalf("propose contact: %d %s", res.status, res.body)
	}
	p := decodeData[brief.Proposal](t, res)
	if p.Kind != "suggestion" || p.Status != "pending" || string(p.Fields["email"].Value) != `"hello@rosasbakery.pt"` ||
		p.Instruction == nil || *p.Instruction != "use the shop's address" {
		t.Fatalf("proposal %s", res.body)
	}
	// The same again: the pending one, 200. No body is fine too.
	if res := propose("contact", nil); res.status != http.StatusOK || decodeData[brief.Proposal](t, res).ID != p.ID {
		t.Fatalf("again: %d %s", res.status, res.body)
	}
	// Nothing new: the name is the Brief's already.
	res = propose("goals", map[string]any{})
	if res.status != http.StatusConflict || problemOf(t, res).Title == "" || !strings.Contains(string(res.body), "Nothing new to propose for this section") {
		t.Fatalf("nothing new: %d %s", res.status, res.body)
	}
	if res := propose("nope", nil); res.status != http.StatusNotFound {
		t.Fatalf("unknown section: %d %s", res.status, res.body)
	}
	if res := propose("identity", map[string]string{"instruction": strings.Repeat("x", 501)}); res.status != http.StatusBadRequest {
		t.Fatalf("a long instruction: %d %s", res.status, res.body)
	}
	// A member without brief:write (an API token that may only read the Brief).
	tok := b.do(t, req{method: "POST", path: "/api/v1/orgs/" + org + "/tokens", token: owner.token, org: org,
		body: map[string]any{"name": "reader", "scopes": []string{"brief:read"}}})
	secret := decodeData[core.NewAPIToken](t, tok).Secret
	if res := b.do(t, req{method: "POST", path: "/api/v1/brief/sections/contact/propose", token: secret, org: org}); res.status != http.StatusForbidden {
		t.Fatalf("a read-only token: %d %s", res.status, res.body)
	}
}
