// Package core is the seed's core-api domain: users, organisations, their
// memberships, org-scoped API tokens, and account deletion.
//
// Tenant operations take the transaction of the org gate (api), which has
// already set the tenant and checked membership; row-level security scopes
// every query to that org whatever the query says. Who is calling and what
// they may do is package access; paging is package paging.
package core

import (
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/xentri/xentri/internal/auth"
	"github.com/xentri/xentri/internal/db"
	"github.com/xentri/xentri/internal/events"
	"github.com/xentri/xentri/services/access"
)

// User is a person who can sign in.
type User struct {
	ID        uuid.UUID `json:"id"`
	Email     string    `json:"email"`
	CreatedAt time.Time `json:"created_at"`
}

// Org is an organisation, with the caller's role in it.
type Org struct {
	ID        uuid.UUID   `json:"id"`
	Name      string      `json:"name"`
	Role      access.Role `json:"role"`
	CreatedAt time.Time   `json:"created_at"`
}

// Member is a user's membership of an org.
type Member struct {
	UserID   uuid.UUID   `json:"user_id"`
	Email    string      `json:"email"`
	Role     access.Role `json:"role"`
	JoinedAt time.Time   `json:"joined_at"`
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

// Service implements the core operations.
type Service struct {
	DB     *db.DB
	Auth   auth.Provider
	Events *events.Writer
	Log    zerolog.Logger
}

func normEmail(s string) string { return strings.TrimSpace(s) }

func validEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	return len(s) <= 254 && at > 0 && at < len(s)-1 && !strings.ContainsAny(s, " \t\r\n<>") &&
		strings.Contains(s[at+1:], ".")
}
