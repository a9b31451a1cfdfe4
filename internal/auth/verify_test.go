package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"maps"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

var (
	testSecret = []byte("xentri-test-secret-0123456789abcdef")
	testNow    = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	testSub    = uuid.MustParse("7c9e6679-7425-40de-944b-e07fc1f90ae7")
)

// clock is a settable time source, safe for concurrent use.
type clock struct{ ns atomic.Int64 }

func newClock(t time.Time) *clock {
	c := &clock{}
	c.ns.Store(t.UnixNano())
	return c
}

func (c *clock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// gotrueClaims are the claims of a GoTrue access token issued at now.
func gotrueClaims(now time.Time) jwt.MapClaims {
	return jwt.MapClaims{
		"iss":          "http://localhost:9999",
		"sub":          testSub.String(),
		"aud":          "authenticated",
		"exp":          now.Add(time.Hour).Unix(),
		"iat":          now.Unix(),
		"email":        "ada@example.com",
		"phone":        "",
		"role":         "authenticated",
		"aal":          "aal1",
		"session_id":   "5f0a1a3e-2b1c-4d7e-9f00-112233445566",
		"app_metadata": map[string]any{"provider": "email", "providers": []any{"email"}},
		"is_anonymous": false,
	}
}

// sign signs claims with method and key, adding header fields.
func sign(t testing.TB, method jwt.SigningMethod, key any, header map[string]any, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	maps.Copy(tok.Header, header)
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// handMade assembles a token from raw JSON, for tokens no library would sign.
func handMade(header, claims string, sig []byte) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(claims)) + "." + enc.EncodeToString(sig)
}

// hmacWithKid is the key-confusion attack: HS256 with a kid, keyed with
// bytes an attacker knows.
func hmacWithKid(kid string, key []byte, claims jwt.MapClaims) string {
	enc := base64.RawURLEncoding
	h, _ := json.Marshal(map[string]any{"alg": "HS256", "typ": "JWT", "kid": kid})
	c, _ := json.Marshal(claims)
	input := enc.EncodeToString(h) + "." + enc.EncodeToString(c)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(input))
	return input + "." + enc.EncodeToString(mac.Sum(nil))
}

// testKey is an asymmetric signing key with its public JWK.
type testKey struct {
	kid    string
	method jwt.SigningMethod
	priv   crypto.Signer
	jwk    map[string]any
}

func (k testKey) sign(t testing.TB, claims jwt.MapClaims) string {
	t.Helper()
	return sign(t, k.method, k.priv, map[string]any{"kid": k.kid}, claims)
}

// withJWK returns k with the JWK members in extra set (nil deletes).
func (k testKey) withJWK(extra map[string]any) testKey {
	k.jwk = maps.Clone(k.jwk)
	for name, v := range extra {
		if v == nil {
			delete(k.jwk, name)
			continue
		}
		k.jwk[name] = v
	}
	return k
}

var b64u = base64.RawURLEncoding.EncodeToString

func newES256Key(t testing.TB, kid string) testKey {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	point, err := priv.PublicKey.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return testKey{kid: kid, method: jwt.SigningMethodES256, priv: priv, jwk: map[string]any{
		"kty": "EC", "crv": "P-256", "kid": kid, "alg": "ES256", "use": "sig",
		"x": b64u(point[1:33]), "y": b64u(point[33:]),
	}}
}

func newEdDSAKey(t testing.TB, kid string) testKey {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return testKey{kid: kid, method: jwt.SigningMethodEdDSA, priv: priv, jwk: map[string]any{
		"kty": "OKP", "crv": "Ed25519", "kid": kid, "alg": "EdDSA", "x": b64u(pub),
	}}
}

// rsaKey is generated once: 2048-bit keys are slow to make under -race.
var rsaKey = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

func newRS256Key(t testing.TB, kid string) testKey {
	t.Helper()
	priv, err := rsaKey()
	if err != nil {
		t.Fatal(err)
	}
	return testKey{kid: kid, method: jwt.SigningMethodRS256, priv: priv, jwk: map[string]any{
		"kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig",
		"n": b64u(priv.N.Bytes()), "e": b64u(big.NewInt(int64(priv.E)).Bytes()),
	}}
}

// jwksServer stands in for GoTrue's /.well-known/jwks.json and counts
// requests.
type jwksServer struct {
	*httptest.Server
	requests atomic.Int32

	mu     sync.Mutex
	status int
	body   string // raw body, served instead of keys when set
	keys   []any
}

func newJWKSServer(t testing.TB, keys ...testKey) *jwksServer {
	t.Helper()
	s := &jwksServer{status: http.StatusOK}
	s.setKeys(keys...)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		s.mu.Lock()
		defer s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(s.status)
		if s.body != "" {
			_, _ = w.Write([]byte(s.body))
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": s.keys})
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) setKeys(keys ...testKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = nil
	for _, k := range keys {
		s.keys = append(s.keys, k.jwk)
	}
}

func (s *jwksServer) setRaw(entries ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = entries
}

func (s *jwksServer) setResponse(status int, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.body = status, body
}

func newTestVerifier(t testing.TB, cfg VerifierConfig) *Verifier {
	t.Helper()
	v, err := NewVerifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// wantInvalid fails unless err is ErrInvalidToken giving reason.
func wantInvalid(t testing.TB, err error, reason string) {
	t.Helper()
	if !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("err = %v, want ErrInvalidToken", err)
	}
	if !strings.Contains(err.Error(), reason) {
		t.Fatalf("err = %q, want reason %q", err, reason)
	}
}

func TestNewVerifier(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     VerifierConfig
		wantErr bool
	}{
		{"secret", VerifierConfig{HS256Secret: testSecret}, false},
		{"jwks", VerifierConfig{JWKSURL: "http://gotrue:9999/.well-known/jwks.json"}, false},
		{"both", VerifierConfig{HS256Secret: testSecret, JWKSURL: "https://x.supabase.co/auth/v1/.well-known/jwks.json"}, false},
		{"neither", VerifierConfig{}, true},
		{"secret of 31 bytes", VerifierConfig{HS256Secret: testSecret[:31]}, true},
		{"relative JWKS URL", VerifierConfig{JWKSURL: "/.well-known/jwks.json"}, true},
		{"JWKS URL not http", VerifierConfig{JWKSURL: "file:///etc/jwks.json"}, true},
		{"JWKS URL unparsable", VerifierConfig{JWKSURL: "http://[::1"}, true},
		{"negative leeway", VerifierConfig{HS256Secret: testSecret, Leeway: -time.Second}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewVerifier(tc.cfg)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
		})
	}
}

func TestVerifyHS256(t *testing.T) {
	t.Parallel()
	ec := newES256Key(t, "ec-1")
	jwks := newJWKSServer(t, ec)
	v := newTestVerifier(t, VerifierConfig{
		HS256Secret: testSecret, JWKSURL: jwks.URL,
		Now: func() time.Time { return testNow },
	})
	// hs signs GoTrue's claims, changed by edit, with the HS256 secret.
	hs := func(edit func(jwt.MapClaims)) func(t *testing.T) string {
		return func(t *testing.T) string {
			c := gotrueClaims(testNow)
			if edit != nil {
				edit(c)
			}
			return sign(t, jwt.SigningMethodHS256, testSecret, nil, c)
		}
	}
	claimsJSON := func(edit func(jwt.MapClaims)) string {
		c := gotrueClaims(testNow)
		edit(c)
		b, _ := json.Marshal(c)
		return string(b)
	}
	noEdit := func(jwt.MapClaims) {}

	tests := []struct {
		name   string
		token  func(t *testing.T) string
		reason string // "" when the token is valid
	}{
		{"valid", hs(nil), ""},
		{"expired beyond leeway", hs(func(c jwt.MapClaims) { c["exp"] = testNow.Add(-31 * time.Second).Unix() }), "expired"},
		{"expired within leeway", hs(func(c jwt.MapClaims) { c["exp"] = testNow.Add(-29 * time.Second).Unix() }), ""},
		{"wrong audience", hs(func(c jwt.MapClaims) { c["aud"] = "anon" }), "wrong audience"},
		{"audience list", hs(func(c jwt.MapClaims) { c["aud"] = []string{"other", "authenticated"} }), ""},
		{"no audience", hs(func(c jwt.MapClaims) { delete(c, "aud") }), "missing claim"},
		{"no exp", hs(func(c jwt.MapClaims) { delete(c, "exp") }), "missing claim"},
		{"iat in the future", hs(func(c jwt.MapClaims) { c["iat"] = testNow.Add(31 * time.Second).Unix() }), "issued in the future"},
		{"iat within leeway", hs(func(c jwt.MapClaims) { c["iat"] = testNow.Add(29 * time.Second).Unix() }), ""},
		{"no iat", hs(func(c jwt.MapClaims) { delete(c, "iat") }), ""},
		{"nbf in the future", hs(func(c jwt.MapClaims) { c["nbf"] = testNow.Add(time.Minute).Unix() }), "not valid yet"},
		{"nbf past", hs(func(c jwt.MapClaims) { c["nbf"] = testNow.Add(-time.Minute).Unix() }), ""},
		{"sub not a UUID", hs(func(c jwt.MapClaims) { c["sub"] = "ada" }), "sub is not a user id"},
		{"sub UUID without dashes", hs(func(c jwt.MapClaims) { c["sub"] = strings.ReplaceAll(testSub.String(), "-", "") }), "sub is not a user id"},
		{"sub nil UUID", hs(func(c jwt.MapClaims) { c["sub"] = uuid.Nil.String() }), "sub is not a user id"},
		{"no sub", hs(func(c jwt.MapClaims) { delete(c, "sub") }), "sub is not a user id"},
		{"email not a string", hs(func(c jwt.MapClaims) { c["email"] = 42 }), "malformed"},
		{"wrong secret", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS256, []byte("another-secret-0123456789abcdefghij"), nil, gotrueClaims(testNow))
		}, "bad signature"},
		{"tampered claims", func(t *testing.T) string {
			parts := strings.Split(hs(nil)(t), ".")
			parts[1] = base64.RawURLEncoding.EncodeToString([]byte(claimsJSON(func(c jwt.MapClaims) { c["role"] = "service_role" })))
			return strings.Join(parts, ".")
		}, "bad signature"},
		{"alg none", func(*testing.T) string {
			return handMade(`{"alg":"none","typ":"JWT"}`, claimsJSON(noEdit), nil)
		}, "alg not allowed"},
		{"alg None", func(*testing.T) string {
			return handMade(`{"alg":"None","typ":"JWT"}`, claimsJSON(noEdit), nil)
		}, "alg not allowed"},
		{"alg HS512", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS512, testSecret, nil, gotrueClaims(testNow))
		}, "alg not allowed"},
		{"alg unknown", func(*testing.T) string {
			return handMade(`{"alg":"XS256","typ":"JWT"}`, claimsJSON(noEdit), []byte("sig"))
		}, "alg not allowed"},
		{"no alg", func(*testing.T) string {
			return handMade(`{"typ":"JWT"}`, claimsJSON(noEdit), []byte("sig"))
		}, "alg not allowed"},
		{"ES256 without kid", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodES256, ec.priv, nil, gotrueClaims(testNow))
		}, "without kid not allowed"},
		{"HS256 with a kid", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS256, testSecret, map[string]any{"kid": "ec-1"}, gotrueClaims(testNow))
		}, "HS256 with kid not allowed"},
		{"kid not a string", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodES256, ec.priv, map[string]any{"kid": 1}, gotrueClaims(testNow))
		}, "kid is not a string"},
		{"crit header", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS256, testSecret, map[string]any{"crit": []string{"exp"}}, gotrueClaims(testNow))
		}, "crit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			claims, err := v.Verify(t.Context(), tc.token(t))
			if tc.reason != "" {
				wantInvalid(t, err, tc.reason)
				return
			}
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if claims.Subject != testSub {
				t.Fatalf("Subject = %v, want %v", claims.Subject, testSub)
			}
		})
	}
}

func TestVerifyMapsClaims(t *testing.T) {
	t.Parallel()
	v := newTestVerifier(t, VerifierConfig{HS256Secret: testSecret, Now: func() time.Time { return testNow }})
	got, err := v.Verify(t.Context(), sign(t, jwt.SigningMethodHS256, testSecret, nil, gotrueClaims(testNow)))
	if err != nil {
		t.Fatal(err)
	}
	if got.Subject != testSub || got.Email != "ada@example.com" || got.Role != "authenticated" ||
		got.SessionID != "5f0a1a3e-2b1c-4d7e-9f00-112233445566" {
		t.Errorf("claims = %+v", got)
	}
	if !got.IssuedAt.Equal(testNow) || !got.ExpiresAt.Equal(testNow.Add(time.Hour)) {
		t.Errorf("IssuedAt, ExpiresAt = %v, %v; want %v, %v", got.IssuedAt, got.ExpiresAt, testNow, testNow.Add(time.Hour))
	}
	if got.AppMetadata["provider"] != "email" {
		t.Errorf("AppMetadata = %v", got.AppMetadata)
	}
}

func TestVerifyDefaultsToSystemClock(t *testing.T) {
	t.Parallel()
	v := newTestVerifier(t, VerifierConfig{HS256Secret: testSecret})
	if _, err := v.Verify(t.Context(), sign(t, jwt.SigningMethodHS256, testSecret, nil, gotrueClaims(time.Now()))); err != nil {
		t.Fatal(err)
	}
	_, err := v.Verify(t.Context(), sign(t, jwt.SigningMethodHS256, testSecret, nil, gotrueClaims(testNow)))
	wantInvalid(t, err, "issued in the future")
}

func TestVerifyWithoutSecretRefusesHS256(t *testing.T) {
	t.Parallel()
	jwks := newJWKSServer(t, newES256Key(t, "ec-1"))
	v := newTestVerifier(t, VerifierConfig{JWKSURL: jwks.URL, Now: func() time.Time { return testNow }})
	_, err := v.Verify(t.Context(), sign(t, jwt.SigningMethodHS256, testSecret, nil, gotrueClaims(testNow)))
	wantInvalid(t, err, "no HS256 secret")
}

func TestVerifyWithoutJWKSRefusesKid(t *testing.T) {
	t.Parallel()
	v := newTestVerifier(t, VerifierConfig{HS256Secret: testSecret, Now: func() time.Time { return testNow }})
	_, err := v.Verify(t.Context(), newES256Key(t, "ec-1").sign(t, gotrueClaims(testNow)))
	wantInvalid(t, err, "no JWKS configured")
}

func TestVerifyJWKS(t *testing.T) {
	t.Parallel()
	tests := []struct {
		alg    string
		newKey func(testing.TB, string) testKey
	}{
		{"RS256", newRS256Key},
		{"ES256", newES256Key},
		{"EdDSA", newEdDSAKey},
	}
	for _, tc := range tests {
		t.Run(tc.alg, func(t *testing.T) {
			t.Parallel()
			key := tc.newKey(t, "key-1")
			jwks := newJWKSServer(t, key)
			v := newTestVerifier(t, VerifierConfig{JWKSURL: jwks.URL, Now: func() time.Time { return testNow }})

			claims, err := v.Verify(t.Context(), key.sign(t, gotrueClaims(testNow)))
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if claims.Subject != testSub {
				t.Fatalf("Subject = %v", claims.Subject)
			}
			// The cached key serves the next token.
			if _, err := v.Verify(t.Context(), key.sign(t, gotrueClaims(testNow))); err != nil {
				t.Fatalf("second Verify: %v", err)
			}
			if n := jwks.requests.Load(); n != 1 {
				t.Fatalf("JWKS fetched %d times, want 1", n)
			}

			expired := gotrueClaims(testNow.Add(-2 * time.Hour))
			_, err = v.Verify(t.Context(), key.sign(t, expired))
			wantInvalid(t, err, "expired")
		})
	}
}

func TestVerifyJWKSBadSignature(t *testing.T) {
	t.Parallel()
	tests := []struct {
		alg    string
		newKey func(testing.TB, string) testKey
	}{
		{"ES256", newES256Key},
		{"EdDSA", newEdDSAKey},
	}
	for _, tc := range tests {
		t.Run(tc.alg, func(t *testing.T) {
			t.Parallel()
			jwks := newJWKSServer(t, tc.newKey(t, "key-1"))
			v := newTestVerifier(t, VerifierConfig{JWKSURL: jwks.URL, Now: func() time.Time { return testNow }})
			// Same kid, another private key.
			_, err := v.Verify(t.Context(), tc.newKey(t, "key-1").sign(t, gotrueClaims(testNow)))
			wantInvalid(t, err, "bad signature")
		})
	}
}

func TestVerifyKeyMustFitAlg(t *testing.T) {
	t.Parallel()
	ec := newES256Key(t, "ec-1")
	ed := newEdDSAKey(t, "ed-1")
	rs := newRS256Key(t, "rs-1")
	tests := []struct {
		name  string
		jwks  []testKey
		token func(t *testing.T) string
	}{
		// An ES256 token naming the kid of an RSA key, and so on.
		{"ES256 token, RSA key", []testKey{rs}, func(t *testing.T) string {
			return sign(t, jwt.SigningMethodES256, ec.priv, map[string]any{"kid": "rs-1"}, gotrueClaims(testNow))
		}},
		{"RS256 token, EC key", []testKey{ec}, func(t *testing.T) string {
			return sign(t, jwt.SigningMethodRS256, rs.priv, map[string]any{"kid": "ec-1"}, gotrueClaims(testNow))
		}},
		{"EdDSA token, EC key", []testKey{ec}, func(t *testing.T) string {
			return sign(t, jwt.SigningMethodEdDSA, ed.priv, map[string]any{"kid": "ec-1"}, gotrueClaims(testNow))
		}},
		{"JWK alg differs", []testKey{ec.withJWK(map[string]any{"alg": "ES384"})}, func(t *testing.T) string {
			return ec.sign(t, gotrueClaims(testNow))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			jwks := newJWKSServer(t, tc.jwks...)
			v := newTestVerifier(t, VerifierConfig{JWKSURL: jwks.URL, Now: func() time.Time { return testNow }})
			_, err := v.Verify(t.Context(), tc.token(t))
			wantInvalid(t, err, "does not fit alg")
		})
	}
}

func TestVerifyJWKWithoutAlg(t *testing.T) {
	t.Parallel()
	ec := newES256Key(t, "ec-1").withJWK(map[string]any{"alg": nil, "use": nil})
	jwks := newJWKSServer(t, ec)
	v := newTestVerifier(t, VerifierConfig{JWKSURL: jwks.URL, Now: func() time.Time { return testNow }})
	if _, err := v.Verify(t.Context(), ec.sign(t, gotrueClaims(testNow))); err != nil {
		t.Fatal(err)
	}
}

// TestVerifyKeyConfusion: an HS256 token naming a kid is refused whatever
// it was keyed with, public key bytes included.
func TestVerifyKeyConfusion(t *testing.T) {
	t.Parallel()
	rs := newRS256Key(t, "rs-1")
	jwks := newJWKSServer(t, rs)
	v := newTestVerifier(t, VerifierConfig{HS256Secret: testSecret, JWKSURL: jwks.URL, Now: func() time.Time { return testNow }})
	der, err := x509.MarshalPKIXPublicKey(rs.priv.Public())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		key  []byte
	}{
		{"public key PEM", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})},
		{"public key DER", der},
		{"modulus", rs.priv.Public().(*rsa.PublicKey).N.Bytes()},
		{"the HS256 secret", testSecret},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := v.Verify(t.Context(), hmacWithKid("rs-1", tc.key, gotrueClaims(testNow)))
			wantInvalid(t, err, "HS256 with kid not allowed")
		})
	}
}

func TestVerifyJWKSRefetch(t *testing.T) {
	t.Parallel()
	clk := newClock(testNow)
	// claims follow the clock, so tokens stay fresh as it advances.
	claims := func() jwt.MapClaims { return gotrueClaims(clk.Now()) }
	old, rotated := newES256Key(t, "old"), newEdDSAKey(t, "rotated")
	jwks := newJWKSServer(t, old)
	v := newTestVerifier(t, VerifierConfig{JWKSURL: jwks.URL, Now: clk.Now})
	wantRequests := func(want int32) {
		t.Helper()
		if n := jwks.requests.Load(); n != want {
			t.Fatalf("JWKS fetched %d times, want %d", n, want)
		}
	}

	if _, err := v.Verify(t.Context(), old.sign(t, claims())); err != nil {
		t.Fatal(err)
	}
	wantRequests(1)

	// A key rotated in is found by the one refetch its unknown kid causes.
	jwks.setKeys(old, rotated)
	clk.Advance(jwksRefetchInterval)
	if _, err := v.Verify(t.Context(), rotated.sign(t, claims())); err != nil {
		t.Fatalf("rotated key: %v", err)
	}
	wantRequests(2)

	// Another unknown kid within 30s does not refetch.
	stranger := newES256Key(t, "stranger")
	clk.Advance(jwksRefetchInterval - time.Second)
	_, err := v.Verify(t.Context(), stranger.sign(t, claims()))
	wantInvalid(t, err, "unknown kid")
	wantRequests(2)

	// Known keys keep working meanwhile, without a fetch.
	if _, err := v.Verify(t.Context(), old.sign(t, claims())); err != nil {
		t.Fatal(err)
	}
	wantRequests(2)

	// Once the interval is over, an unknown kid refetches, once.
	clk.Advance(time.Second)
	_, err = v.Verify(t.Context(), stranger.sign(t, claims()))
	wantInvalid(t, err, "unknown kid")
	_, err = v.Verify(t.Context(), stranger.sign(t, claims()))
	wantInvalid(t, err, "unknown kid")
	wantRequests(3)

	// A key dropped from the JWKS goes with the next successful fetch.
	jwks.setKeys(rotated)
	clk.Advance(jwksRefetchInterval)
	_, err = v.Verify(t.Context(), stranger.sign(t, claims()))
	wantInvalid(t, err, "unknown kid")
	wantRequests(4)
	_, err = v.Verify(t.Context(), old.sign(t, claims()))
	wantInvalid(t, err, "unknown kid")
}

// TestVerifyJWKSConcurrentFetch: many requests with an unknown kid at once
// cost one fetch.
func TestVerifyJWKSConcurrentFetch(t *testing.T) {
	t.Parallel()
	key := newES256Key(t, "k")
	jwks := newJWKSServer(t, key)
	v := newTestVerifier(t, VerifierConfig{JWKSURL: jwks.URL, Now: func() time.Time { return testNow }})
	good := key.sign(t, gotrueClaims(testNow))
	bad := newES256Key(t, "unknown").sign(t, gotrueClaims(testNow))

	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Go(func() {
			tok := good
			if i%2 == 1 {
				tok = bad
			}
			_, err := v.Verify(t.Context(), tok)
			if tok == good && err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := jwks.requests.Load(); n != 1 {
		t.Fatalf("JWKS fetched %d times, want 1", n)
	}
}

func TestVerifyJWKSUnavailable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		breakServer func(*jwksServer)
	}{
		{"status 500", func(s *jwksServer) { s.setResponse(http.StatusInternalServerError, `{"message":"oops"}`) }},
		{"status 404", func(s *jwksServer) { s.setResponse(http.StatusNotFound, "Not Found") }},
		{"not JSON", func(s *jwksServer) { s.setResponse(http.StatusOK, "<html>") }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clk := newClock(testNow)
			key := newES256Key(t, "k")
			jwks := newJWKSServer(t, key)
			tc.breakServer(jwks)
			v := newTestVerifier(t, VerifierConfig{JWKSURL: jwks.URL, Now: clk.Now})

			_, err := v.Verify(t.Context(), key.sign(t, gotrueClaims(clk.Now())))
			wantInvalid(t, err, "JWKS fetch failed")
			// Right after, the failure is remembered rather than retried.
			_, err = v.Verify(t.Context(), key.sign(t, gotrueClaims(clk.Now())))
			wantInvalid(t, err, "JWKS unavailable")
			if n := jwks.requests.Load(); n != 1 {
				t.Fatalf("JWKS fetched %d times, want 1", n)
			}

			// The failure was not cached as an empty key set.
			jwks.setResponse(http.StatusOK, "")
			clk.Advance(jwksRetryInterval)
			if _, err := v.Verify(t.Context(), key.sign(t, gotrueClaims(clk.Now()))); err != nil {
				t.Fatalf("after recovery: %v", err)
			}
		})
	}
}

func TestVerifyJWKSServerDown(t *testing.T) {
	t.Parallel()
	jwks := newJWKSServer(t)
	jwks.Close()
	v := newTestVerifier(t, VerifierConfig{JWKSURL: jwks.URL, Now: func() time.Time { return testNow }})
	_, err := v.Verify(t.Context(), newES256Key(t, "k").sign(t, gotrueClaims(testNow)))
	wantInvalid(t, err, "JWKS fetch failed")
}

// TestVerifyJWKSKeepsKeysOnFailure: keys fetched before stay in use while
// a refetch fails.
func TestVerifyJWKSKeepsKeysOnFailure(t *testing.T) {
	t.Parallel()
	clk := newClock(testNow)
	key := newES256Key(t, "k")
	jwks := newJWKSServer(t, key)
	v := newTestVerifier(t, VerifierConfig{JWKSURL: jwks.URL, Now: clk.Now})
	if _, err := v.Verify(t.Context(), key.sign(t, gotrueClaims(clk.Now()))); err != nil {
		t.Fatal(err)
	}
	jwks.setResponse(http.StatusBadGateway, "")
	clk.Advance(jwksRefetchInterval)
	_, err := v.Verify(t.Context(), newES256Key(t, "other").sign(t, gotrueClaims(clk.Now())))
	wantInvalid(t, err, "JWKS fetch failed")
	if _, err := v.Verify(t.Context(), key.sign(t, gotrueClaims(clk.Now()))); err != nil {
		t.Fatalf("cached key after a failed refetch: %v", err)
	}
}

func TestVerifyJWKSHonoursContext(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	v := newTestVerifier(t, VerifierConfig{JWKSURL: srv.URL, Now: func() time.Time { return testNow }})

	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := v.Verify(ctx, newES256Key(t, "k").sign(t, gotrueClaims(testNow)))
	wantInvalid(t, err, "JWKS fetch failed")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want it to wrap context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Verify took %s after its context ended", d)
	}
}

// TestVerifyJWKSSkipsBadEntries: entries that cannot be used are skipped,
// the rest still serve.
func TestVerifyJWKSSkipsBadEntries(t *testing.T) {
	t.Parallel()
	good := newEdDSAKey(t, "good")
	ec := newES256Key(t, "ec")
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p384Point, err := p384.PublicKey.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	smallRSA, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	offCurve := ec.withJWK(map[string]any{"kid": "off-curve", "y": b64u(make([]byte, 32))})
	jwks := newJWKSServer(t)
	jwks.setRaw(
		"not an object",
		42,
		map[string]any{"kty": "oct", "kid": "hmac", "k": b64u(testSecret)},
		map[string]any{"kty": "EC", "crv": "P-384", "kid": "p384", "x": b64u(p384Point[1:49]), "y": b64u(p384Point[49:])},
		map[string]any{"kty": "RSA", "kid": "small", "n": b64u(smallRSA.N.Bytes()), "e": "AQAB"},
		map[string]any{"kty": "OKP", "crv": "Ed25519", "kid": "bad-b64", "x": "!!!"},
		map[string]any{"kty": "OKP", "crv": "Ed25519", "kid": "padded", "x": base64.URLEncoding.EncodeToString(make([]byte, 32))},
		map[string]any{"kty": "OKP", "crv": "X25519", "kid": "x25519", "x": b64u(make([]byte, 32))},
		map[string]any{"kty": "EC", "crv": "P-256", "kid": 7},
		offCurve.jwk,
		ec.withJWK(map[string]any{"kid": "enc", "use": "enc"}).jwk,
		good.withJWK(map[string]any{"kid": nil}).jwk,
		good.jwk,
	)
	v := newTestVerifier(t, VerifierConfig{JWKSURL: jwks.URL, Now: func() time.Time { return testNow }})
	if _, err := v.Verify(t.Context(), good.sign(t, gotrueClaims(testNow))); err != nil {
		t.Fatalf("good key: %v", err)
	}
	for _, kid := range []string{"hmac", "p384", "small", "bad-b64", "padded", "x25519", "off-curve", "enc"} {
		tok := sign(t, jwt.SigningMethodES256, ec.priv, map[string]any{"kid": kid}, gotrueClaims(testNow))
		_, err := v.Verify(t.Context(), tok)
		wantInvalid(t, err, "unknown kid")
	}
}

func TestVerifyGarbage(t *testing.T) {
	t.Parallel()
	jwks := newJWKSServer(t, newES256Key(t, "k"))
	v := newTestVerifier(t, VerifierConfig{HS256Secret: testSecret, JWKSURL: jwks.URL, Now: func() time.Time { return testNow }})
	valid := sign(t, jwt.SigningMethodHS256, testSecret, nil, gotrueClaims(testNow))
	parts := strings.Split(valid, ".")
	tests := []string{
		"",
		".",
		"..",
		"...",
		"a.b.c",
		"Bearer " + valid,
		valid + ".",
		parts[0] + "." + parts[1],
		parts[0] + ".." + parts[2],
		"." + parts[1] + "." + parts[2],
		valid[:len(valid)-1],
		valid + "=",
		strings.Repeat("A", maxTokenLen+1),
		strings.Repeat(".", 1000),
		"\x00\xff\xfe",
		handMade(`null`, `null`, nil),
		handMade(`[]`, `{}`, nil),
		handMade(`{"alg":"HS256"}`, `[]`, nil),
		handMade(`{"alg":"HS256"}`, `{"exp":"tomorrow"}`, nil),
		handMade(`{"alg":"ES256","kid":"k"}`, `{}`, []byte{1, 2, 3}),
		handMade(`{"alg":"EdDSA","kid":"k"}`, `{}`, nil),
		handMade(`{"alg":"RS256","kid":"k"}`, `{}`, make([]byte, 256)),
		handMade(`{"alg":"ES256","kid":"`+strings.Repeat("k", 5000)+`"}`, `{}`, nil),
	}
	for _, tok := range tests {
		if _, err := v.Verify(t.Context(), tok); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("Verify(%.40q) err = %v, want ErrInvalidToken", tok, err)
		}
	}
}

func FuzzVerify(f *testing.F) {
	key := newES256Key(f, "k")
	jwks := newJWKSServer(f, key)
	v := newTestVerifier(f, VerifierConfig{HS256Secret: testSecret, JWKSURL: jwks.URL, Now: func() time.Time { return testNow }})
	hs := sign(f, jwt.SigningMethodHS256, testSecret, nil, gotrueClaims(testNow))
	es := key.sign(f, gotrueClaims(testNow))
	for _, seed := range []string{
		hs,
		es,
		hs[:len(hs)-2],
		strings.Replace(es, ".", "..", 1),
		handMade(`{"alg":"none"}`, `{"sub":"x"}`, nil),
		hmacWithKid("k", testSecret, gotrueClaims(testNow)),
		"",
		"a.b.c",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		claims, err := v.Verify(context.Background(), token)
		if err != nil {
			if !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("err = %v, want ErrInvalidToken", err)
			}
			return
		}
		if claims.Subject == uuid.Nil || claims.ExpiresAt.IsZero() {
			t.Fatalf("accepted token with claims %+v", claims)
		}
	})
}
