// Package local is the embedded identity provider (AUTH_PROVIDER=local):
// what Supabase Auth does, kept in Xentri's own Postgres, for a machine with
// no GoTrue. Passwords are argon2id hashes; access tokens are HS256 JWTs in
// GoTrue's claim shape, so the rest of Xentri cannot tell the providers
// apart; refresh tokens are stored hashed and rotate on every use.
package local

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/xentri/xentri/internal/auth"
	"github.com/xentri/xentri/internal/db"
	"github.com/xentri/xentri/internal/db/dbsqlc"
)

// RefreshTTL is how long an unused refresh token stays valid.
const RefreshTTL = 30 * 24 * time.Hour

// Provider is the local identity provider.
type Provider struct {
	db     *db.DB
	issuer *auth.Issuer
	now    func() time.Time
	// dummyHash is checked when an e-mail is unknown, so that a failed login
	// takes as long whether or not the account exists.
	dummyHash string
}

var _ auth.Provider = (*Provider)(nil)

// New returns a provider storing identities in d and signing with issuer.
func New(d *db.DB, issuer *auth.Issuer) (*Provider, error) {
	dummy, err := auth.HashPassword("not a password anyone has: " + uuid.NewString())
	if err != nil {
		return nil, err
	}
	return &Provider{db: d, issuer: issuer, now: time.Now, dummyHash: dummy}, nil
}

// SignUp creates an identity and signs it in.
func (p *Provider) SignUp(ctx context.Context, email, password string) (auth.Session, error) {
	if err := auth.ValidatePassword(password); err != nil {
		return auth.Session{}, err
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return auth.Session{}, fmt.Errorf("signup: %w", err)
	}
	var s auth.Session
	err = p.db.InTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		id, err := uuid.NewV7()
		if err != nil {
			return err
		}
		ident, err := dbsqlc.New(tx).CreateIdentity(ctx, dbsqlc.CreateIdentityParams{ID: id, Email: strings.TrimSpace(email), PasswordHash: hash})
		if db.IsUniqueViolation(err) {
			return auth.ErrEmailTaken
		}
		if err != nil {
			return fmt.Errorf("create identity: %w", err)
		}
		s, err = p.startSession(ctx, tx, auth.User{ID: ident.ID, Email: ident.Email})
		return err
	})
	return s, err
}

// SignIn checks the password and starts a session.
func (p *Provider) SignIn(ctx context.Context, email, password string) (auth.Session, error) {
	ident, err := dbsqlc.New(p.db.Pool).GetIdentityByEmail(ctx, strings.TrimSpace(email))
	if errors.Is(err, pgx.ErrNoRows) {
		_, _ = auth.CheckPassword(p.dummyHash, password)
		return auth.Session{}, auth.ErrInvalidCredentials
	}
	if err != nil {
		return auth.Session{}, fmt.Errorf("signin: %w", err)
	}
	ok, err := auth.CheckPassword(ident.PasswordHash, password)
	if err != nil {
		return auth.Session{}, fmt.Errorf("signin: %w", err)
	}
	if !ok {
		return auth.Session{}, auth.ErrInvalidCredentials
	}
	var s auth.Session
	err = p.db.InTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		s, err = p.startSession(ctx, tx, auth.User{ID: ident.ID, Email: ident.Email})
		return err
	})
	return s, err
}

// Refresh trades a refresh token for a new access token and a new refresh
// token. A token already used is proof of theft (or of a broken client): the
// whole session is revoked.
func (p *Provider) Refresh(ctx context.Context, refreshToken string) (auth.Session, error) {
	hash := hashToken(refreshToken)
	var s auth.Session
	err := p.db.InTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		q := dbsqlc.New(tx)
		row, err := q.UseRefreshToken(ctx, hash)
		if errors.Is(err, pgx.ErrNoRows) {
			return auth.ErrInvalidRefreshToken
		}
		if err != nil {
			return fmt.Errorf("use refresh token: %w", err)
		}
		user := auth.User{ID: row.IdentityID, Email: row.Email}
		s, err = p.continueSession(ctx, tx, row.SessionID, user)
		return err
	})
	if errors.Is(err, auth.ErrInvalidRefreshToken) {
		p.revokeOnReuse(ctx, hash)
	}
	return s, err
}

// revokeOnReuse revokes the session of a refresh token presented after it
// was used.
func (p *Provider) revokeOnReuse(ctx context.Context, hash []byte) {
	q := dbsqlc.New(p.db.Pool)
	row, err := q.GetRefreshTokenSession(ctx, hash)
	if err != nil || row.UsedAt == nil {
		return
	}
	_ = q.RevokeSession(ctx, row.SessionID)
}

// SignOut revokes the session of the access token: its refresh tokens stop
// working at once; the access token itself lapses at its expiry.
func (p *Provider) SignOut(ctx context.Context, _ string, claims auth.Claims) error {
	id, err := uuid.Parse(claims.SessionID)
	if err != nil {
		return auth.ErrInvalidToken
	}
	return dbsqlc.New(p.db.Pool).RevokeSession(ctx, id)
}

// DeleteUser removes the identity with its sessions and tokens.
func (p *Provider) DeleteUser(ctx context.Context, userID uuid.UUID) error {
	_, err := dbsqlc.New(p.db.Pool).DeleteIdentity(ctx, userID)
	return err
}

func (p *Provider) startSession(ctx context.Context, tx pgx.Tx, u auth.User) (auth.Session, error) {
	sid, err := uuid.NewV7()
	if err != nil {
		return auth.Session{}, err
	}
	if _, err := dbsqlc.New(tx).CreateSession(ctx, dbsqlc.CreateSessionParams{ID: sid, IdentityID: u.ID}); err != nil {
		return auth.Session{}, fmt.Errorf("create session: %w", err)
	}
	return p.continueSession(ctx, tx, sid, u)
}

// continueSession issues an access token and a fresh refresh token for a
// session.
func (p *Provider) continueSession(ctx context.Context, tx pgx.Tx, sessionID uuid.UUID, u auth.User) (auth.Session, error) {
	now := p.now()
	refresh, err := newRefreshToken()
	if err != nil {
		return auth.Session{}, err
	}
	err = dbsqlc.New(tx).CreateRefreshToken(ctx, dbsqlc.CreateRefreshTokenParams{
		ID: uuid.New(), SessionID: sessionID, TokenHash: hashToken(refresh), ExpiresAt: now.Add(RefreshTTL),
	})
	if err != nil {
		return auth.Session{}, fmt.Errorf("store refresh token: %w", err)
	}
	access, exp, err := p.issuer.Issue(u, sessionID.String(), now)
	if err != nil {
		return auth.Session{}, fmt.Errorf("issue access token: %w", err)
	}
	return auth.Session{
		AccessToken: access, RefreshToken: refresh, ExpiresAt: exp,
		ExpiresIn: int(exp.Sub(now).Seconds()), User: u,
	}, nil
}

func newRefreshToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
