package access_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/xentri/xentri/contracts"
	"github.com/xentri/xentri/services/access"
)

// managersOnly are the event types no API token follows and only owners
// and admins see live. Every other type must have an EventScope: a new
// type fails here until someone decides who may follow it.
var managersOnly = map[string]bool{
	"xentri.workflow.failed.v1": true,
}

func TestEveryEventTypeHasAReader(t *testing.T) {
	t.Parallel()
	types := contracts.EventTypes()
	if len(types) < 10 {
		t.Fatalf("only %d event types: the schemas did not load", len(types))
	}
	for _, typ := range types {
		scope, ok := access.EventScope(typ)
		switch {
		case managersOnly[typ] && ok:
			t.Errorf("%s: API tokens with %s would follow it, but it is for owners and admins", typ, scope)
		case !managersOnly[typ] && !ok:
			t.Errorf("%s has no EventScope: say which scope reads it, or list it in managersOnly", typ)
		}
	}
}

func TestWhoMaySeeWhichEvent(t *testing.T) {
	t.Parallel()
	user := func(role access.Role) access.Membership {
		return access.Membership{OrgID: uuid.New(), Role: role, Principal: access.Principal{UserID: uuid.New()}}
	}
	token := func(scopes ...string) access.Membership {
		return access.Membership{OrgID: uuid.New(), Principal: access.Principal{Token: &access.TokenPrincipal{ID: uuid.New(), Scopes: scopes}}}
	}
	lead, failed, unknown := "xentri.lead.created.v1", "xentri.workflow.failed.v1", "xentri.somethingnew.happened.v1"
	for _, c := range []struct {
		name string
		m    access.Membership
		want map[string]bool
	}{
		{"member", user(access.RoleMember), map[string]bool{lead: true, failed: false, unknown: false}},
		{"admin", user(access.RoleAdmin), map[string]bool{lead: true, failed: true, unknown: true}},
		{"token with leads:read", token(access.ScopeLeadsRead), map[string]bool{lead: true, failed: false, unknown: false}},
		{"token with brief:read", token(access.ScopeBriefRead), map[string]bool{lead: false, "xentri.brief.updated.v1": true, failed: false}},
	} {
		for typ, want := range c.want {
			if got := c.m.MaySee(typ); got != want {
				t.Errorf("%s may see %s: %v, want %v", c.name, typ, got, want)
			}
		}
	}
	if err := token(access.ScopeMediaWrite, access.ScopeLeadsWrite).NeedEvents(); err == nil {
		t.Error("a token without a reading scope may follow events")
	}
	if err := token(access.ScopeSiteRead).NeedEvents(); err != nil {
		t.Errorf("a token with site:read: %v", err)
	}
	if err := user(access.RoleMember).NeedEvents(); err != nil {
		t.Errorf("a member: %v", err)
	}
}
