package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"sync"
	"time"
)

const (
	// jwksRefetchInterval spaces fetches after a success, so a flood of
	// tokens with made-up kids costs GoTrue one request per interval.
	jwksRefetchInterval = 30 * time.Second
	// jwksRetryInterval spaces fetches after a failure: short, so a blip
	// heals quickly, but an outage is not hammered by every request.
	jwksRetryInterval = 5 * time.Second
	jwksFetchTimeout  = 5 * time.Second
	maxJWKSBytes      = 1 << 20
	minRSABits        = 2048
)

// errUnknownKID is returned while a refetch is not yet allowed.
var errUnknownKID = &keyError{reason: "unknown kid"}

// jwk is a public key from the JWKS.
type jwk struct {
	alg string // the JWK's own alg, "" when it names none
	pub crypto.PublicKey
}

// fits reports whether k may verify a token signed with alg: the key type
// must be the alg's, and the JWK's alg, if any, the same.
func (k jwk) fits(alg string) bool {
	if k.alg != "" && k.alg != alg {
		return false
	}
	switch alg {
	case algRS256:
		_, ok := k.pub.(*rsa.PublicKey)
		return ok
	case algES256:
		// parseJWK only makes P-256 ECDSA keys.
		_, ok := k.pub.(*ecdsa.PublicKey)
		return ok
	case algEdDSA:
		_, ok := k.pub.(ed25519.PublicKey)
		return ok
	default:
		return false
	}
}

// jwksCache holds the keys of a JWKS URL, fetched on first use and again
// when a token names a kid it does not know, at most once per interval.
type jwksCache struct {
	url    string
	client *http.Client
	now    func() time.Time
	// sem lets one fetch run at a time; waiters then find its keys.
	sem chan struct{}

	mu      sync.Mutex
	keys    map[string]jwk
	next    time.Time // no fetch before; zero until the first attempt
	lastErr error     // of the last fetch, nil after a success
}

func newJWKSCache(url string, client *http.Client, now func() time.Time) *jwksCache {
	return &jwksCache{url: url, client: client, now: now, sem: make(chan struct{}, 1)}
}

// key returns the key named kid, fetching the JWKS if kid is unknown and a
// fetch is due. Errors are *keyError.
func (c *jwksCache) key(ctx context.Context, kid string) (jwk, error) {
	if k, _, _, ok := c.lookup(kid); ok {
		return k, nil
	}
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return jwk{}, &keyError{reason: "JWKS fetch", cause: ctx.Err()}
	}
	defer func() { <-c.sem }()

	// Another caller may have fetched while this one waited.
	k, due, lastErr, ok := c.lookup(kid)
	switch {
	case ok:
		return k, nil
	case !due && lastErr != nil:
		return jwk{}, &keyError{reason: "JWKS unavailable", cause: lastErr}
	case !due:
		return jwk{}, errUnknownKID
	}

	keys, err := c.fetch(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case err == nil:
		c.keys, c.lastErr = keys, nil
		c.next = c.now().Add(jwksRefetchInterval)
	case ctx.Err() == nil:
		// Keep the old keys: a failed fetch says nothing about them. A caller
		// that gave up says nothing about GoTrue, so only real failures wait.
		c.lastErr = err
		c.next = c.now().Add(jwksRetryInterval)
	}
	if err != nil {
		return jwk{}, &keyError{reason: "JWKS fetch failed", cause: err}
	}
	if k, ok := keys[kid]; ok {
		return k, nil
	}
	return jwk{}, errUnknownKID
}

// lookup returns the cached key for kid, whether a fetch is due, and the
// error of the last fetch.
func (c *jwksCache) lookup(kid string) (k jwk, due bool, lastErr error, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok = c.keys[kid]
	return k, !c.now().Before(c.next), c.lastErr, ok
}

// fetch gets and parses the JWKS, skipping keys it cannot use.
func (c *jwksCache) fetch(ctx context.Context) (map[string]jwk, error) {
	ctx, cancel := context.WithTimeout(ctx, jwksFetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url, nil)
	if err != nil {
		return nil, fmt.Errorf("jwks request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("get jwks: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("get jwks: status %d", resp.StatusCode)
	}
	// Entries stay raw so that one odd entry does not spoil the others.
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxJWKSBytes)).Decode(&set); err != nil {
		return nil, fmt.Errorf("decode jwks: %w", err)
	}
	keys := make(map[string]jwk, len(set.Keys))
	for _, raw := range set.Keys {
		kid, k, err := parseJWK(raw)
		if err != nil {
			continue
		}
		if _, dup := keys[kid]; !dup {
			keys[kid] = k
		}
	}
	return keys, nil
}

// rawJWK holds the JWK members parseJWK reads (RFC 7517, 7518, 8037).
type rawJWK struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
	Crv string `json:"crv"`
	N   string `json:"n"`
	E   string `json:"e"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

// parseJWK parses a public signing key: RSA, EC P-256 or OKP Ed25519.
func parseJWK(data []byte) (kid string, k jwk, err error) {
	var r rawJWK
	if err := json.Unmarshal(data, &r); err != nil {
		return "", jwk{}, err
	}
	if r.Kid == "" {
		return "", jwk{}, errors.New("jwk: no kid")
	}
	if r.Use != "" && r.Use != "sig" {
		return "", jwk{}, fmt.Errorf("jwk: use %q", r.Use)
	}
	k.alg = r.Alg
	switch r.Kty {
	case "RSA":
		k.pub, err = parseRSA(r)
	case "EC":
		k.pub, err = parseEC(r)
	case "OKP":
		k.pub, err = parseOKP(r)
	default:
		err = fmt.Errorf("jwk: kty %q", r.Kty)
	}
	if err != nil {
		return "", jwk{}, err
	}
	return r.Kid, k, nil
}

func parseRSA(r rawJWK) (*rsa.PublicKey, error) {
	n, err := b64(r.N)
	if err != nil {
		return nil, fmt.Errorf("jwk n: %w", err)
	}
	e, err := b64(r.E)
	if err != nil {
		return nil, fmt.Errorf("jwk e: %w", err)
	}
	mod := new(big.Int).SetBytes(n)
	if mod.BitLen() < minRSABits {
		return nil, fmt.Errorf("jwk: RSA key of %d bits", mod.BitLen())
	}
	// e fits an int of 32 bits; real keys use 65537.
	if len(e) == 0 || len(e) > 4 {
		return nil, errors.New("jwk: bad RSA exponent")
	}
	exp := int(new(big.Int).SetBytes(e).Int64())
	if exp < 3 || exp%2 == 0 {
		return nil, errors.New("jwk: bad RSA exponent")
	}
	return &rsa.PublicKey{N: mod, E: exp}, nil
}

func parseEC(r rawJWK) (*ecdsa.PublicKey, error) {
	if r.Crv != "P-256" {
		return nil, fmt.Errorf("jwk: EC curve %q", r.Crv)
	}
	x, err := b64(r.X)
	if err != nil {
		return nil, fmt.Errorf("jwk x: %w", err)
	}
	y, err := b64(r.Y)
	if err != nil {
		return nil, fmt.Errorf("jwk y: %w", err)
	}
	if len(x) != 32 || len(y) != 32 {
		return nil, errors.New("jwk: P-256 coordinates must be 32 bytes")
	}
	// Parsing the uncompressed point also checks that it is on the curve.
	point := append(append([]byte{4}, x...), y...)
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
	if err != nil {
		return nil, fmt.Errorf("jwk: %w", err)
	}
	return pub, nil
}

func parseOKP(r rawJWK) (ed25519.PublicKey, error) {
	if r.Crv != "Ed25519" {
		return nil, fmt.Errorf("jwk: OKP curve %q", r.Crv)
	}
	x, err := b64(r.X)
	if err != nil {
		return nil, fmt.Errorf("jwk x: %w", err)
	}
	if len(x) != ed25519.PublicKeySize {
		return nil, errors.New("jwk: Ed25519 key must be 32 bytes")
	}
	return ed25519.PublicKey(x), nil
}

// b64 decodes base64url without padding, as JWK members are (RFC 7515 §2).
func b64(s string) ([]byte, error) {
	if s == "" {
		return nil, errors.New("empty")
	}
	return base64.RawURLEncoding.DecodeString(s)
}
