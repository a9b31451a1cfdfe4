// Package core is the seed's core-api domain: users, organisations, their
// memberships and roles, org-scoped API tokens, and account deletion.
//
// Tenant operations take the transaction of the org gate (api), which has
// already set the tenant and checked membership; row-level security scopes
// every query to that org whatever the query says.
package core

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/xentri/xentri/internal/auth"
	"github.com/xentri/xentri/internal/db"
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

// Manages reports whether the role may manage members and tokens.
func (r Role) Manages() bool { return r == RoleOwner || r == RoleAdmin }

// Scopes an API token can hold; each route names the one it needs.
var Scopes = []string{"orgs:read", "members:read", "members:write", "integrations:read", "integrations:write", "workflows:start", "leads:read", "leads:write"}

// User is a person who can sign in.
type User struct {
	ID        uuid.UUID `json:"id"`
	Email     string    `json:"email"`
	CreatedAt time.Time `json:"created_at"`
}

// Org is an organisation, with the caller's role in it.
type Org struct {
	ID        uuid.UUID `json:"id"`
	Name      string    `json:"name"`
	Role      Role      `json:"role"`
	CreatedAt time.Time `json:"created_at"`
}

// Member is a user's membership of an org.
type Member struct {
	UserID   uuid.UUID `json:"user_id"`
	Email    string    `json:"email"`
	Role     Role      `json:"role"`
	JoinedAt time.Time `json:"joined_at"`
}

// APIToken describes an org-scoped token; its secret is never stored.
type APIToken struct {
	ID         uuid.UUID  `json:"id"`
	Name       string     `json:"name"`
	Scopes     []string   `json:"scopes"`
	CreatedBy  *uuid.UUID `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
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

// Actor is how the principal appears on events.
func (p Principal) Actor() events.Actor {
	if p.Token != nil {
		return events.Actor{Type: "job", ID: "api-token:" + p.Token.ID.String()}
	}
	return events.Actor{Type: "user", ID: p.UserID.String()}
}

// Membership is the caller's standing in the org of a tenant request.
type Membership struct {
	OrgID     uuid.UUID
	Role      Role // empty for an API token
	Principal Principal
}

// Service implements the core operations.
type Service struct {
	DB     *db.DB
	Auth   auth.Provider
	Events *events.Writer
	Log    zerolog.Logger
}

// Page asks for one page of a list: at most Limit items after the cursor.
type Page struct {
	Limit int
	After *uuid.UUID
}

// Paging limits (seed §6.D).
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// EncodeCursor makes the opaque cursor that follows id.
func EncodeCursor(id uuid.UUID) string { return base64.RawURLEncoding.EncodeToString(id[:]) }

// DecodeCursor reads a cursor made by EncodeCursor.
func DecodeCursor(s string) (uuid.UUID, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != 16 {
		return uuid.Nil, &services.Error{Code: services.Invalid, Message: "The cursor is not one this API gave out.",
			Fields: map[string]string{"cursor": "is malformed"}}
	}
	return uuid.UUID(b), nil
}

// Paginate turns rows fetched with LIMIT limit+1 into one page of items and
// the cursor of the next page ("" when this is the last).
func Paginate[R, T any](rows []R, limit int, id func(R) uuid.UUID, item func(R) T) ([]T, string) {
	out := make([]T, 0, min(len(rows), limit))
	for i, r := range rows {
		if i == limit {
			return out, EncodeCursor(id(rows[i-1]))
		}
		out = append(out, item(r))
	}
	return out, ""
}

func normEmail(s string) string { return strings.TrimSpace(s) }

func validEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	return len(s) <= 254 && at > 0 && at < len(s)-1 && !strings.ContainsAny(s, " \t\r\n<>") &&
		strings.Contains(s[at+1:], ".")
}

func newID() uuid.UUID { return uuid.Must(uuid.NewV7()) }
