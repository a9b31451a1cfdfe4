// Package access says who is calling and what they may do: the Principal
// (a signed-in user or an org's API token), their Membership of the org a
// tenant request acts in, roles and token scopes. Every bounded context
// checks its callers with it; it knows nothing of HTTP or storage.
package access

import (
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/xentri/xentri/internal/auth"
	"github.com/xentri/xentri/internal/events"
	"github.com/xentri/xentri/services"
)

// Role is a member's role in an org.
type Role string

const (
	RoleOwner  Role = "owner"
	RoleAdmin  Role = "admin"
	RoleMember Role = "member"
)

// ParseRole accepts owner, admin or member.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case RoleOwner, RoleAdmin, RoleMember:
		return r, nil
	}
	return "", &services.Error{Code: services.Invalid, Message: fmt.Sprintf("Role %q is not one of owner, admin, member.", s),
		Fields: map[string]string{"role": "must be owner, admin or member"}}
}

// Manages reports whether the role may manage members, tokens and settings.
func (r Role) Manages() bool { return r == RoleOwner || r == RoleAdmin }

// The scopes an API token can hold; each operation names the one it needs.
const (
	ScopeOrgsRead          = "orgs:read"
	ScopeMembersRead       = "members:read"
	ScopeMembersWrite      = "members:write"
	ScopeIntegrationsRead  = "integrations:read"
	ScopeIntegrationsWrite = "integrations:write"
	ScopeWorkflowsStart    = "workflows:start"
	ScopeLeadsRead         = "leads:read"
	ScopeLeadsWrite        = "leads:write"
	ScopeBriefRead         = "brief:read"
	ScopeBriefWrite        = "brief:write"
	ScopeSiteRead          = "site:read"
	ScopeSiteWrite         = "site:write"
	ScopeMediaRead         = "media:read"
	ScopeMediaWrite        = "media:write"
)

// Scopes lists every scope, in the order the API documents them.
func Scopes() []string {
	return []string{ScopeOrgsRead, ScopeMembersRead, ScopeMembersWrite, ScopeIntegrationsRead, ScopeIntegrationsWrite,
		ScopeWorkflowsStart, ScopeLeadsRead, ScopeLeadsWrite, ScopeBriefRead, ScopeBriefWrite, ScopeSiteRead, ScopeSiteWrite,
		ScopeMediaRead, ScopeMediaWrite}
}

// Principal is who is calling: a signed-in user, or an API token acting for
// its org.
type Principal struct {
	UserID uuid.UUID
	Email  string
	Claims auth.Claims // a user's verified access token
	Token  *TokenPrincipal
}

// TokenPrincipal is an API token acting in its org with its scopes.
type TokenPrincipal struct {
	ID     uuid.UUID
	OrgID  uuid.UUID
	Scopes []string
}

// Allows reports whether the principal holds scope: users hold every scope
// their role permits (roles are checked by each operation).
func (p Principal) Allows(scope string) bool {
	return p.Token == nil || slices.Contains(p.Token.Scopes, scope)
}

// Need is the scope check every operation starts with: nil when the
// principal holds scope, else the one Forbidden answer that names it.
func (p Principal) Need(scope string) error {
	if p.Allows(scope) {
		return nil
	}
	return services.Errorf(services.Forbidden, "This API token lacks the %s scope.", scope)
}

// Actor is how the principal appears on events.
func (p Principal) Actor() events.Actor {
	if p.Token != nil {
		return events.Actor{Type: "job", ID: "api-token:" + p.Token.ID.String()}
	}
	return events.Actor{Type: "user", ID: p.UserID.String()}
}

// UserRef is the user behind the principal, for "created by" columns; nil
// for an API token.
func (p Principal) UserRef() *uuid.UUID {
	if p.Token != nil || p.UserID == uuid.Nil {
		return nil
	}
	id := p.UserID
	return &id
}

// Membership is the caller's standing in the org of a tenant request.
type Membership struct {
	OrgID     uuid.UUID
	Role      Role // empty for an API token
	Principal Principal
}

// Need is Principal.Need for the member.
func (m Membership) Need(scope string) error { return m.Principal.Need(scope) }

// NeedManager lets owners and admins through, and API tokens holding
// scope (when scope is not empty); what names the thing being managed, for
// the refusal ("Only owners and admins may manage <what>.").
func (m Membership) NeedManager(scope, what string) error {
	if m.Principal.Token != nil {
		if scope == "" {
			return services.Errorf(services.Forbidden, "An API token cannot manage %s.", what)
		}
		return m.Principal.Need(scope)
	}
	if !m.Role.Manages() {
		return services.Errorf(services.Forbidden, "Only owners and admins may manage %s.", what)
	}
	return nil
}

// EventScope is the scope that lets an API token follow events of
// eventType (xentri.{context}.{action}.v{n}) live: the one that reads what
// they report. ok is false for a type no token follows, such as a failed
// workflow (its dead letter is for owners and admins alone), and for a
// type this table does not know yet.
func EventScope(eventType string) (scope string, ok bool) {
	area, _, _ := strings.Cut(strings.TrimPrefix(eventType, "xentri."), ".")
	switch area {
	case "lead", "followup":
		return ScopeLeadsRead, true
	case "brief", "ai":
		return ScopeBriefRead, true
	case "page", "content", "website":
		return ScopeSiteRead, true
	case "org":
		return ScopeOrgsRead, true
	case "user":
		return ScopeMembersRead, true
	}
	return "", false
}

// eventScopes are the scopes EventScope hands out.
func eventScopes() []string {
	return []string{ScopeOrgsRead, ScopeMembersRead, ScopeLeadsRead, ScopeBriefRead, ScopeSiteRead}
}

// MaySee reports whether the member may follow events of eventType live:
// every member the org's events that have an EventScope, owners and admins
// the others too; an API token those whose EventScope it holds.
func (m Membership) MaySee(eventType string) bool {
	scope, ok := EventScope(eventType)
	if m.Principal.Token != nil {
		return ok && m.Principal.Allows(scope)
	}
	return ok || m.Role.Manages()
}

// NeedEvents refuses an API token that may follow no event at all: it
// holds none of the scopes EventScope hands out.
func (m Membership) NeedEvents() error {
	for _, scope := range eventScopes() {
		if m.Principal.Allows(scope) {
			return nil
		}
	}
	return services.Errorf(services.Forbidden, "This API token may follow no events: it needs one of the scopes %s.", strings.Join(eventScopes(), ", "))
}
