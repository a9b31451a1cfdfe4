package core

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/xentri/xentri/internal/db/dbsqlc"
	"github.com/xentri/xentri/services"
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
func (s *Service) CreateToken(ctx context.Context, tx pgx.Tx, m Membership, name string, scopes []string) (NewAPIToken, error) {
	if err := userManager(m); err != nil {
		return NewAPIToken{}, err
	}
	name = strings.TrimSpace(name)
	fields := map[string]string{}
	if name == "" || len(name) > 100 {
		fields["name"] = "must be 1 to 100 characters"
	}
	if len(scopes) == 0 {
		fields["scopes"] = "must name at least one of " + strings.Join(Scopes, ", ")
	}
	for _, sc := range scopes {
		if !slices.Contains(Scopes, sc) {
			fields["scopes"] = fmt.Sprintf("%q is not one of %s", sc, strings.Join(Scopes, ", "))
		}
	}
	if len(fields) > 0 {
		return NewAPIToken{}, &services.Error{Code: services.Invalid, Message: "The token request has invalid fields.", Fields: fields}
	}
	random := make([]byte, 32)
	if _, err := rand.Read(random); err != nil {
		return NewAPIToken{}, err
	}
	secret := TokenPrefix + base64.RawURLEncoding.EncodeToString(append(m.OrgID[:], random...))
	creator := m.Principal.UserID
	row, err := dbsqlc.New(tx).CreateAPIToken(ctx, dbsqlc.CreateAPITokenParams{
		ID: newID(), OrgID: m.OrgID, Name: name, Scopes: slices.Compact(slices.Sorted(slices.Values(scopes))),
		TokenHash: hashSecret(secret), CreatedBy: &creator,
	})
	if err != nil {
		return NewAPIToken{}, fmt.Errorf("create token: %w", err)
	}
	return NewAPIToken{APIToken: tokenFromRow(row), Secret: secret}, nil
}

// ListTokens pages through the org's tokens (never their secrets).
func (s *Service) ListTokens(ctx context.Context, tx pgx.Tx, m Membership, page Page) ([]APIToken, string, error) {
	if err := userManager(m); err != nil {
		return nil, "", err
	}
	rows, err := dbsqlc.New(tx).ListAPITokens(ctx, dbsqlc.ListAPITokensParams{OrgID: m.OrgID, After: page.After, Lim: int32(page.Limit + 1)})
	if err != nil {
		return nil, "", err
	}
	out, next := Paginate(rows, page.Limit, func(r dbsqlc.ApiToken) uuid.UUID { return r.ID }, tokenFromRow)
	return out, next, nil
}

// RevokeToken deletes a token: the next request that presents it is refused.
func (s *Service) RevokeToken(ctx context.Context, tx pgx.Tx, m Membership, id uuid.UUID) error {
	if err := userManager(m); err != nil {
		return err
	}
	n, err := dbsqlc.New(tx).DeleteAPIToken(ctx, dbsqlc.DeleteAPITokenParams{OrgID: m.OrgID, ID: id})
	if err != nil {
		return err
	}
	if n == 0 {
		return services.Errorf(services.NotFound, "This organisation has no such token.")
	}
	return nil
}

// ErrBadToken refuses an API token without saying why.
var ErrBadToken = services.Errorf(services.Unauthenticated, "The API token is invalid or revoked.")

// AuthenticateToken resolves an xnt_ token to the org it acts for and its
// scopes, inside that org's tenant scope, and notes its use.
func (s *Service) AuthenticateToken(ctx context.Context, secret string) (Principal, error) {
	raw, ok := strings.CutPrefix(secret, TokenPrefix)
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if !ok || err != nil || len(b) != 48 {
		return Principal{}, ErrBadToken
	}
	orgID := uuid.UUID(b[:16])
	if orgID == uuid.Nil {
		return Principal{}, ErrBadToken
	}
	var p Principal
	err = s.DB.InTenant(ctx, orgID, func(ctx context.Context, tx pgx.Tx) error {
		q := dbsqlc.New(tx)
		row, err := q.GetAPITokenByHash(ctx, dbsqlc.GetAPITokenByHashParams{OrgID: orgID, TokenHash: hashSecret(secret)})
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrBadToken
		}
		if err != nil {
			return err
		}
		p = Principal{Token: &TokenPrincipal{ID: row.ID, OrgID: row.OrgID, Scopes: row.Scopes}}
		return q.TouchAPIToken(ctx, row.ID)
	})
	return p, err
}

// userManager: tokens are managed by people (owners and admins), never by
// other tokens.
func userManager(m Membership) error {
	if m.Principal.Token != nil {
		return services.Errorf(services.Forbidden, "API tokens cannot manage API tokens.")
	}
	if !m.Role.Manages() {
		return services.Errorf(services.Forbidden, "Only owners and admins can manage API tokens.")
	}
	return nil
}

func tokenFromRow(r dbsqlc.ApiToken) APIToken {
	return APIToken{ID: r.ID, Name: r.Name, Scopes: r.Scopes, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, LastUsedAt: r.LastUsedAt}
}

func hashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}
