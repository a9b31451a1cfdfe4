package core

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/paging"
)

// TokenPrefix starts every API token, so scanners and people can tell one.
const TokenPrefix = "xnt_"

// NewAPIToken is a token just created: Secret is shown this once.
type NewAPIToken struct {
	APIToken
	Secret string `json:"token"`
}

// CreateToken makes an API token for the org. The secret embeds the org id
// (so a request can be scoped before the token is looked up) and 32 random
// bytes; only its SHA-256 is stored.
func (s *Service) CreateToken(ctx context.Context, tx pgx.Tx, m access.Membership, name string, scopes []string) (NewAPIToken, error) {
	if err := m.NeedManager("", "API tokens"); err != nil {
		return NewAPIToken{}, err
	}
	name = strings.TrimSpace(name)
	fields := map[string]string{}
	if name == "" || len(name) > 100 {
		fields["name"] = "must be 1 to 100 characters"
	}
	known := access.Scopes()
	if len(scopes) == 0 {
		fields["scopes"] = "must name at least one of " + strings.Join(known, ", ")
	}
	for _, sc := range scopes {
		if !slices.Contains(known, sc) {
			fields["scopes"] = fmt.Sprintf("%q is not one of %s", sc, strings.Join(known, ", "))
		}
	}
	if len(fields) > 0 {
		return NewAPIToken{}, &services.Error{Code: services.Invalid, Message: "The token request has invalid fields.", Fields: fields}
	}
	random := make([]byte, 32)
	if _, err := rand.Read(random); err != nil {
		return NewAPIToken{}, fmt.Errorf("create token: %w", err)
	}
	secret := TokenPrefix + base64.RawURLEncoding.EncodeToString(append(m.OrgID[:], random...))
	tok, err := storeIn(tx).createToken(ctx, m.OrgID, name, slices.Compact(slices.Sorted(slices.Values(scopes))),
		hashSecret(secret), m.Principal.UserRef())
	if err != nil {
		return NewAPIToken{}, fmt.Errorf("create token: %w", err)
	}
	return NewAPIToken{APIToken: tok, Secret: secret}, nil
}

// ListTokens pages through the org's tokens (never their secrets).
func (s *Service) ListTokens(ctx context.Context, tx pgx.Tx, m access.Membership, page paging.Page) ([]APIToken, string, error) {
	if err := m.NeedManager("", "API tokens"); err != nil {
		return nil, "", err
	}
	out, next, err := storeIn(tx).tokens(ctx, m.OrgID, page)
	if err != nil {
		return nil, "", fmt.Errorf("list tokens: %w", err)
	}
	return out, next, nil
}

// RevokeToken deletes a token: the next request that presents it is refused.
func (s *Service) RevokeToken(ctx context.Context, tx pgx.Tx, m access.Membership, id uuid.UUID) error {
	if err := m.NeedManager("", "API tokens"); err != nil {
		return err
	}
	if err := storeIn(tx).deleteToken(ctx, m.OrgID, id); err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	return nil
}

// ErrBadToken refuses an API token without saying why.
var ErrBadToken = services.Errorf(services.Unauthenticated, "The API token is invalid or revoked.")

// AuthenticateToken resolves an xnt_ token to the org it acts for and its
// scopes, inside that org's tenant scope, and notes its use.
func (s *Service) AuthenticateToken(ctx context.Context, secret string) (access.Principal, error) {
	raw, ok := strings.CutPrefix(secret, TokenPrefix)
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if !ok || err != nil || len(b) != 48 {
		return access.Principal{}, ErrBadToken
	}
	orgID := uuid.UUID(b[:16])
	if orgID == uuid.Nil {
		return access.Principal{}, ErrBadToken
	}
	var tok access.TokenPrincipal
	err = s.DB.InTenant(ctx, orgID, func(ctx context.Context, tx pgx.Tx) (err error) {
		tok, err = storeIn(tx).tokenByHash(ctx, orgID, hashSecret(secret))
		return err
	})
	if err != nil {
		return access.Principal{}, fmt.Errorf("authenticate token: %w", err)
	}
	return access.Principal{Token: &tok}, nil
}

func hashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}
