// Package auth is Xentri's identity adapter: the Provider interface that
// signs people up and in (Supabase Auth/GoTrue, or the embedded local
// provider), the Verifier that checks access tokens locally on every request,
// the Issuer that signs the local provider's tokens in GoTrue's claim shape,
// and password hashing.
package auth

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
)

// User is who a provider knows.
type User struct {
	ID    uuid.UUID
	Email string
}

// Session is what signing up, in or refreshing returns. With e-mail
// confirmation on (GoTrue), sign-up returns a User and an empty session.
type Session struct {
	AccessToken  string
	RefreshToken string
	ExpiresIn    int // seconds
	ExpiresAt    time.Time
	User         User
}

// HasTokens reports whether the session can be used (not awaiting e-mail
// confirmation).
func (s Session) HasTokens() bool { return s.AccessToken != "" }

// Provider is an identity provider, chosen by AUTH_PROVIDER.
type Provider interface {
	SignUp(ctx context.Context, email, password string) (Session, error)
	SignIn(ctx context.Context, email, password string) (Session, error)
	Refresh(ctx context.Context, refreshToken string) (Session, error)
	// SignOut ends the session of a verified access token.
	SignOut(ctx context.Context, accessToken string, claims Claims) error
	// DeleteUser removes the user at the provider (account deletion).
	DeleteUser(ctx context.Context, userID uuid.UUID) error
}

// Errors a Provider returns; the core service maps them to problems.
var (
	ErrEmailTaken          = errors.New("auth: e-mail already registered")
	ErrInvalidCredentials  = errors.New("auth: invalid e-mail or password")
	ErrInvalidRefreshToken = errors.New("auth: invalid refresh token")
	ErrWeakPassword        = errors.New("auth: password too weak")
	ErrEmailNotConfirmed   = errors.New("auth: e-mail address not confirmed")
	ErrUnavailable         = errors.New("auth: provider unavailable")
	ErrInvalidToken        = errors.New("auth: invalid access token")
)

// Claims are the verified claims of an access token, in GoTrue's shape.
type Claims struct {
	Subject     uuid.UUID      // sub
	Email       string         // email
	Role        string         // role, "authenticated" for a signed-in user
	SessionID   string         // session_id
	AppMetadata map[string]any // app_metadata
	IssuedAt    time.Time      // iat
	ExpiresAt   time.Time      // exp
}
