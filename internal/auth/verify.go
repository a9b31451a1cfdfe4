package auth

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

const (
	defaultLeeway   = 30 * time.Second
	defaultAudience = "authenticated"
	// minSecretLen is 256 bits, the size of the HS256 output; GoTrue's own
	// minimum for GOTRUE_JWT_SECRET.
	minSecretLen = 32
	// maxTokenLen bounds the work spent on a token before its signature is
	// checked; a real GoTrue access token is well under 4 KiB.
	maxTokenLen = 16 << 10
)

// Algorithms the verifier accepts: HS256 with the shared secret (no kid),
// the asymmetric ones with a key from the JWKS (kid). Anything else, "none"
// included, is refused before a key is looked up.
const (
	algHS256 = "HS256"
	algRS256 = "RS256"
	algES256 = "ES256"
	algEdDSA = "EdDSA"
)

var validAlgs = []string{algHS256, algRS256, algES256, algEdDSA}

// VerifierConfig configures a Verifier. At least one of HS256Secret and
// JWKSURL is required.
type VerifierConfig struct {
	// HS256Secret verifies tokens without a kid (GOTRUE_JWT_SECRET, or
	// XENTRI_JWT_SECRET for the local provider). At least 32 bytes.
	HS256Secret []byte
	// JWKSURL is where the keys of tokens with a kid are published
	// (GOTRUE_URL/.well-known/jwks.json).
	JWKSURL string
	// HTTPClient fetches the JWKS; http.DefaultClient when nil.
	HTTPClient *http.Client
	// Leeway absorbs clock skew on exp, nbf and iat; 30s when zero.
	Leeway time.Duration
	// Audience must be in the token's aud; "authenticated" when empty.
	Audience string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Verifier checks access tokens locally, without a round trip to the
// provider. It is safe for concurrent use.
type Verifier struct {
	secret []byte
	jwks   *jwksCache // nil without a JWKS URL
	parser *jwt.Parser
}

// NewVerifier returns a Verifier for cfg.
func NewVerifier(cfg VerifierConfig) (*Verifier, error) {
	if len(cfg.HS256Secret) == 0 && cfg.JWKSURL == "" {
		return nil, errors.New("auth: verifier: need an HS256 secret or a JWKS URL")
	}
	if len(cfg.HS256Secret) > 0 && len(cfg.HS256Secret) < minSecretLen {
		return nil, fmt.Errorf("auth: verifier: HS256 secret is %d bytes, need at least %d", len(cfg.HS256Secret), minSecretLen)
	}
	if cfg.Leeway < 0 {
		return nil, fmt.Errorf("auth: verifier: negative leeway %s", cfg.Leeway)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	v := &Verifier{
		secret: slices.Clone(cfg.HS256Secret),
		parser: jwt.NewParser(
			jwt.WithValidMethods(validAlgs),
			jwt.WithLeeway(cmp.Or(cfg.Leeway, defaultLeeway)),
			jwt.WithAudience(cmp.Or(cfg.Audience, defaultAudience)),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithTimeFunc(now),
		),
	}
	if cfg.JWKSURL != "" {
		u, err := url.Parse(cfg.JWKSURL)
		if err != nil {
			return nil, fmt.Errorf("auth: verifier: JWKS URL: %w", err)
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("auth: verifier: JWKS URL %q is not an absolute http(s) URL", cfg.JWKSURL)
		}
		v.jwks = newJWKSCache(cfg.JWKSURL, cmp.Or(cfg.HTTPClient, http.DefaultClient), now)
	}
	return v, nil
}

// tokenClaims is what Verify reads from a GoTrue access token.
type tokenClaims struct {
	jwt.RegisteredClaims
	Email       string         `json:"email"`
	Role        string         `json:"role"`
	SessionID   string         `json:"session_id"`
	AppMetadata map[string]any `json:"app_metadata"`
}

// Verify checks token's signature and claims and returns the claims. Every
// error wraps ErrInvalidToken.
func (v *Verifier) Verify(ctx context.Context, token string) (Claims, error) {
	if len(token) > maxTokenLen {
		return Claims{}, invalid("token too long", nil)
	}
	var tc tokenClaims
	tok, err := v.parser.ParseWithClaims(token, &tc, func(t *jwt.Token) (any, error) {
		return v.key(ctx, t)
	})
	if err != nil {
		return Claims{}, classify(tok, err)
	}
	// GoTrue's sub is the user's UUID in canonical form; anything else (an
	// anon or service key, a token from another issuer) is not a user.
	sub, err := uuid.Parse(tc.Subject)
	if err != nil || len(tc.Subject) != 36 || sub == uuid.Nil {
		return Claims{}, invalid("sub is not a user id", nil)
	}
	c := Claims{
		Subject:     sub,
		Email:       tc.Email,
		Role:        tc.Role,
		SessionID:   tc.SessionID,
		AppMetadata: tc.AppMetadata,
		ExpiresAt:   tc.ExpiresAt.Time, // required by the parser
	}
	if tc.IssuedAt != nil {
		c.IssuedAt = tc.IssuedAt.Time
	}
	return c, nil
}

// key picks the verification key for t: the JWKS key named by kid, or the
// HS256 secret when there is no kid. Never both, so a token cannot pick the
// secret by naming a kid, nor make a public key an HMAC secret.
func (v *Verifier) key(ctx context.Context, t *jwt.Token) (any, error) {
	// Critical extensions we do not understand must be refused (RFC 7515).
	if _, ok := t.Header["crit"]; ok {
		return nil, &keyError{reason: "unsupported crit header"}
	}
	alg := t.Method.Alg()
	rawKID, hasKID := t.Header["kid"]
	if !hasKID {
		if alg != algHS256 {
			return nil, &keyError{reason: "alg " + alg + " without kid not allowed"}
		}
		if len(v.secret) == 0 {
			return nil, &keyError{reason: "no HS256 secret configured"}
		}
		return v.secret, nil
	}
	kid, ok := rawKID.(string)
	if !ok {
		return nil, &keyError{reason: "kid is not a string"}
	}
	if alg == algHS256 {
		return nil, &keyError{reason: "alg HS256 with kid not allowed"}
	}
	if v.jwks == nil {
		return nil, &keyError{reason: "kid given but no JWKS configured"}
	}
	k, err := v.jwks.key(ctx, kid)
	if err != nil {
		return nil, err
	}
	if !k.fits(alg) {
		return nil, &keyError{reason: "key does not fit alg " + alg}
	}
	return k.pub, nil
}

// keyError is why no key was found for a token.
type keyError struct {
	reason string
	cause  error
}

func (e *keyError) Error() string {
	if e.cause == nil {
		return e.reason
	}
	return e.reason + ": " + e.cause.Error()
}

func (e *keyError) Unwrap() error { return e.cause }

// invalid returns ErrInvalidToken with a short reason and, if any, its cause.
func invalid(reason string, cause error) error {
	if cause == nil {
		return fmt.Errorf("%w: %s", ErrInvalidToken, reason)
	}
	return fmt.Errorf("%w: %s: %w", ErrInvalidToken, reason, cause)
}

// classify turns a parser error into ErrInvalidToken with a short reason.
func classify(tok *jwt.Token, err error) error {
	if ke, ok := errors.AsType[*keyError](err); ok {
		return invalid(ke.reason, ke.cause)
	}
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return invalid("malformed", err)
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		// Left after keyError: alg missing or unknown to the library.
		return invalid("alg not allowed", err)
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		// The parser reports an alg outside validAlgs as a bad signature.
		if tok != nil && tok.Method != nil && !slices.Contains(validAlgs, tok.Method.Alg()) {
			return invalid("alg not allowed", err)
		}
		return invalid("bad signature", err)
	case errors.Is(err, jwt.ErrTokenExpired):
		return invalid("expired", err)
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return invalid("wrong audience", err)
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return invalid("issued in the future", err)
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return invalid("not valid yet", err)
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return invalid("missing claim", err)
	default:
		return invalid("rejected", err)
	}
}
