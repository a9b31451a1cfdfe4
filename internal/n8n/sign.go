package n8n

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/xentri/xentri/contracts"
)

// Delivery headers.
const (
	HeaderEventType = "X-Xentri-Event-Type"
	HeaderEventID   = "X-Xentri-Event-Id"
	HeaderSignature = "X-Xentri-Signature"
	UserAgent       = "xentri-n8n-bridge"

	// Issuer is the JWT iss claim.
	Issuer = "xentri"
	// TokenTTL is how long a delivery's bearer JWT is valid.
	TokenTTL = 5 * time.Minute
	// MinSecretLen is the shortest XENTRI_N8N_SECRET accepted: HS256 wants
	// a key at least as long as its 32-byte output.
	MinSecretLen = 32
)

// Signer signs deliveries with the secret shared with n8n
// (XENTRI_N8N_SECRET). n8n's JWT Auth credential of type "Passphrase" with
// algorithm HS256 holds the same secret as text.
type Signer struct {
	secret []byte
	ttl    time.Duration
	now    func() time.Time
}

// NewSigner returns a Signer on a copy of secret, which must be at least
// MinSecretLen bytes.
func NewSigner(secret []byte) (*Signer, error) {
	if len(secret) < MinSecretLen {
		return nil, fmt.Errorf("n8n signer: secret is %d bytes, want at least %d", len(secret), MinSecretLen)
	}
	return &Signer{secret: append([]byte(nil), secret...), ttl: TokenTTL, now: time.Now}, nil
}

// Claims are the bearer JWT's claims. BodySHA256 ties the token to the
// one body it was issued for, so a captured token cannot carry another
// event; ID (jti) is the event id.
type Claims struct {
	jwt.RegisteredClaims
	BodySHA256 string `json:"body_sha256"`
	EventType  string `json:"event_type"`
}

// Headers returns the headers of one delivery attempt of body, the JSON of
// e: Content-Type, User-Agent, X-Xentri-Event-Type, X-Xentri-Event-Id,
// X-Xentri-Signature (t=<unix>,v1=<hex HMAC-SHA256(secret, t "." body)>)
// and Authorization: Bearer <HS256 JWT>. Call it per attempt: the
// timestamp and token are fresh each time.
func (s *Signer) Headers(e contracts.Envelope, body []byte) (http.Header, error) {
	if e.ID == "" {
		return nil, errors.New("n8n sign: event has no id")
	}
	now := s.now()
	sum := sha256.Sum256(body)
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    Issuer,
			Subject:   e.OrgID,
			ID:        e.ID,
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(s.ttl)),
		},
		BodySHA256: hex.EncodeToString(sum[:]),
		EventType:  e.Type,
	}).SignedString(s.secret)
	if err != nil {
		return nil, fmt.Errorf("n8n sign: jwt: %w", err)
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", UserAgent)
	h.Set(HeaderEventType, e.Type)
	h.Set(HeaderEventID, e.ID)
	h.Set(HeaderSignature, signatureHeader(s.secret, now.Unix(), body))
	h.Set("Authorization", "Bearer "+token)
	return h, nil
}

func signatureHeader(secret []byte, t int64, body []byte) string {
	ts := strconv.FormatInt(t, 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Errors of VerifySignature, for errors.Is.
var (
	ErrSignatureMalformed = errors.New("malformed signature header")
	ErrSignatureTimestamp = errors.New("signature timestamp outside tolerance")
	ErrSignatureMismatch  = errors.New("signature does not match")
)

// maxSignatures bounds the v1 values checked in one header.
const maxSignatures = 8

// VerifySignature checks an X-Xentri-Signature header against body: it
// needs exactly one t=<unix seconds> within tolerance of now (either way)
// and at least one v1=<hex> that is HMAC-SHA256(secret, t "." body),
// compared in constant time. Several v1 values are allowed (a sender
// rotating its secret signs with both); elements with other keys are
// ignored, so a future v2 does not break old verifiers.
func VerifySignature(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	if len(secret) == 0 {
		return errors.New("verify signature: empty secret")
	}
	var (
		ts   string
		sigs [][]byte
	)
	for part := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || v == "" {
			return fmt.Errorf("verify signature: %w", ErrSignatureMalformed)
		}
		switch k {
		case "t":
			if ts != "" || !allDigits(v) || len(v) > 12 {
				return fmt.Errorf("verify signature: %w: t", ErrSignatureMalformed)
			}
			ts = v
		case "v1":
			sig, err := hex.DecodeString(v)
			if err != nil || len(sig) != sha256.Size {
				return fmt.Errorf("verify signature: %w: v1", ErrSignatureMalformed)
			}
			if len(sigs) == maxSignatures {
				return fmt.Errorf("verify signature: %w: more than %d v1 values", ErrSignatureMalformed, maxSignatures)
			}
			sigs = append(sigs, sig)
		}
	}
	if ts == "" || len(sigs) == 0 {
		return fmt.Errorf("verify signature: %w: want t and v1", ErrSignatureMalformed)
	}
	t, _ := strconv.ParseInt(ts, 10, 64) // all digits, at most 12
	if d := now.Sub(time.Unix(t, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("verify signature: %w (%s off)", ErrSignatureTimestamp, d.Round(time.Second))
	}
	want := mac(secret, ts, body)
	match := 0
	for _, sig := range sigs {
		match |= boolInt(hmac.Equal(sig, want)) // check them all: no early exit
	}
	if match == 0 {
		return fmt.Errorf("verify signature: %w", ErrSignatureMismatch)
	}
	return nil
}

func allDigits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
