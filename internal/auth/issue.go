package auth

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// Issuer signs the local provider's access tokens: HS256 without a kid, with
// the claims GoTrue puts in its own, so a Verifier and everything behind it
// cannot tell the two providers apart.
type Issuer struct {
	secret []byte
	issuer string
	ttl    time.Duration
}

// NewIssuer returns an Issuer signing with secret (at least 32 bytes), naming
// issuer in iss, and making tokens that live for ttl.
func NewIssuer(secret []byte, issuer string, ttl time.Duration) (*Issuer, error) {
	if len(secret) < minSecretLen {
		return nil, fmt.Errorf("auth: issuer: secret is %d bytes, need at least %d", len(secret), minSecretLen)
	}
	if issuer == "" {
		return nil, errors.New("auth: issuer: empty issuer")
	}
	if ttl < time.Second {
		return nil, fmt.Errorf("auth: issuer: ttl %s is under a second", ttl)
	}
	return &Issuer{secret: slices.Clone(secret), issuer: issuer, ttl: ttl}, nil
}

// Issue signs an access token for u in session sessionID, issued at now.
func (i *Issuer) Issue(u User, sessionID string, now time.Time) (token string, expiresAt time.Time, err error) {
	if u.ID == uuid.Nil {
		return "", time.Time{}, errors.New("auth: issue: user without id")
	}
	iat := now.Unix()
	exp := now.Add(i.ttl).Unix()
	// GoTrue's AccessTokenClaims, key for key; aud is a plain string there.
	claims := jwt.MapClaims{
		"iss":           i.issuer,
		"sub":           u.ID.String(),
		"aud":           defaultAudience,
		"exp":           exp,
		"iat":           iat,
		"email":         u.Email,
		"phone":         "",
		"app_metadata":  map[string]any{"provider": "email", "providers": []string{"email"}},
		"user_metadata": map[string]any{},
		"role":          "authenticated",
		"aal":           "aal1",
		"amr":           []map[string]any{{"method": "password", "timestamp": iat}},
		"session_id":    sessionID,
		"is_anonymous":  false,
	}
	token, err = jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(i.secret)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("auth: issue: %w", err)
	}
	return token, time.Unix(exp, 0), nil
}

// ServiceRoleKey mints what a self-hosted GoTrue accepts as its service-role
// key: an HS256 token with role service_role, signed with GoTrue's own JWT
// secret, living ten years as Supabase's do. Used when GOTRUE_SERVICE_ROLE_KEY
// is not given but GOTRUE_JWT_SECRET is.
func ServiceRoleKey(secret []byte, now time.Time) (string, error) {
	if len(secret) < minSecretLen {
		return "", fmt.Errorf("auth: service role key: secret is %d bytes, need at least %d", len(secret), minSecretLen)
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"iss":  "supabase",
		"role": "service_role",
		"iat":  now.Unix(),
		"exp":  now.AddDate(10, 0, 0).Unix(),
	}).SignedString(secret)
}
