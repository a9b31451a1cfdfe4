package n8n_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/xentri/xentri/contracts"
	"github.com/xentri/xentri/internal/n8n"
)

var testSecret = []byte("test-secret-0123456789abcdefghijklmnop") // 38 bytes

func testEnvelope() contracts.Envelope {
	return contracts.Envelope{
		ID:              "0190f2a4-7b1c-7cde-9f00-0123456789ab",
		Type:            "xentri.lead.created.v1",
		OccurredAt:      time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		OrgID:           "0190f2a4-0000-7000-8000-000000000001",
		Actor:           contracts.Actor{Type: "user", ID: "u-1"},
		EnvelopeVersion: contracts.EnvelopeVersion,
		PayloadSchema:   "lead.created@1",
		Payload:         []byte(`{"lead_id":"l-1","name":"Zoë"}`),
		TraceID:         "4bf92f3577b34da6a3ce929d0e0e4736",
		Meta:            contracts.Meta{Source: "crm", Environment: "local"},
	}
}

func mustSigner(t *testing.T, secret []byte) *n8n.Signer {
	t.Helper()
	s, err := n8n.NewSigner(secret)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestNewSignerRefusesShortSecret(t *testing.T) {
	t.Parallel()
	if _, err := n8n.NewSigner([]byte(strings.Repeat("x", 31))); err == nil {
		t.Error("NewSigner accepted a 31-byte secret")
	}
	if _, err := n8n.NewSigner([]byte(strings.Repeat("x", 32))); err != nil {
		t.Errorf("NewSigner refused a 32-byte secret: %v", err)
	}
}

func TestSignatureRoundTrip(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	s := mustSigner(t, testSecret)
	s.SetClock(func() time.Time { return now })
	body := []byte(`{"id":"e-1"}`)
	h, err := s.Headers(testEnvelope(), body)
	if err != nil {
		t.Fatal(err)
	}
	sig := h.Get(n8n.HeaderSignature)
	if !strings.HasPrefix(sig, "t=1800000000,v1=") {
		t.Fatalf("signature header %q, want t=1800000000,v1=...", sig)
	}
	const tol = 5 * time.Minute
	if err := n8n.VerifySignature(testSecret, sig, body, now.Add(4*time.Minute), tol); err != nil {
		t.Fatalf("own signature refused: %v", err)
	}
	v1 := strings.TrimPrefix(sig, "t=1800000000,v1=")
	otherMAC := strings.Repeat("ab", 32)

	tests := []struct {
		name   string
		secret []byte
		header string
		body   string
		now    time.Time
		want   error // nil: accepted
	}{
		{"several v1, one matching", testSecret, "t=1800000000,v1=" + otherMAC + ",v1=" + v1, `{"id":"e-1"}`, now, nil},
		{"unknown element ignored", testSecret, "t=1800000000, v0=zz, v1=" + v1, `{"id":"e-1"}`, now, nil},
		{"tampered body", testSecret, sig, `{"id":"e-2"}`, now, n8n.ErrSignatureMismatch},
		{"wrong secret", []byte(strings.Repeat("k", 32)), sig, `{"id":"e-1"}`, now, n8n.ErrSignatureMismatch},
		{"no v1 matches", testSecret, "t=1800000000,v1=" + otherMAC, `{"id":"e-1"}`, now, n8n.ErrSignatureMismatch},
		{"old timestamp", testSecret, sig, `{"id":"e-1"}`, now.Add(tol + time.Second), n8n.ErrSignatureTimestamp},
		{"future timestamp", testSecret, sig, `{"id":"e-1"}`, now.Add(-tol - time.Second), n8n.ErrSignatureTimestamp},
		{"empty", testSecret, "", `{"id":"e-1"}`, now, n8n.ErrSignatureMalformed},
		{"no v1", testSecret, "t=1800000000", `{"id":"e-1"}`, now, n8n.ErrSignatureMalformed},
		{"no t", testSecret, "v1=" + v1, `{"id":"e-1"}`, now, n8n.ErrSignatureMalformed},
		{"two t", testSecret, "t=1800000000,t=1800000000,v1=" + v1, `{"id":"e-1"}`, now, n8n.ErrSignatureMalformed},
		{"t not a number", testSecret, "t=18e8,v1=" + v1, `{"id":"e-1"}`, now, n8n.ErrSignatureMalformed},
		{"negative t", testSecret, "t=-1,v1=" + v1, `{"id":"e-1"}`, now, n8n.ErrSignatureMalformed},
		{"v1 not hex", testSecret, "t=1800000000,v1=" + strings.Repeat("zz", 32), `{"id":"e-1"}`, now, n8n.ErrSignatureMalformed},
		{"v1 short", testSecret, "t=1800000000,v1=" + v1[:20], `{"id":"e-1"}`, now, n8n.ErrSignatureMalformed},
		{"element without =", testSecret, "t=1800000000,v1=" + v1 + ",junk", `{"id":"e-1"}`, now, n8n.ErrSignatureMalformed},
		{"too many v1", testSecret, "t=1800000000" + strings.Repeat(",v1="+otherMAC, 9) + ",v1=" + v1, `{"id":"e-1"}`, now, n8n.ErrSignatureMalformed},
	}
	for _, tt := range tests {
		err := n8n.VerifySignature(tt.secret, tt.header, []byte(tt.body), tt.now, tol)
		if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("%s: VerifySignature = %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestHeadersCarryAVerifiableJWT(t *testing.T) {
	t.Parallel()
	s := mustSigner(t, testSecret)
	e := testEnvelope()
	body := []byte(`{"some":"body"}`)
	before := time.Now()
	h, err := s.Headers(e, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{
		"Content-Type":        "application/json",
		"User-Agent":          "xentri-n8n-bridge",
		"X-Xentri-Event-Type": e.Type,
		"X-Xentri-Event-Id":   e.ID,
	} {
		if got := h.Get(k); got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
	token, ok := strings.CutPrefix(h.Get("Authorization"), "Bearer ")
	if !ok {
		t.Fatalf("Authorization %q is not a bearer token", h.Get("Authorization"))
	}
	var c n8n.Claims
	_, err = jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return testSecret, nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer("xentri"), jwt.WithExpirationRequired(), jwt.WithIssuedAt())
	if err != nil {
		t.Fatalf("token does not verify with the secret: %v", err)
	}
	sum := sha256.Sum256(body)
	if c.BodySHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("body_sha256 = %q, want %x", c.BodySHA256, sum)
	}
	if c.Subject != e.OrgID || c.ID != e.ID || c.EventType != e.Type {
		t.Errorf("sub, jti, event_type = %q, %q, %q; want %q, %q, %q", c.Subject, c.ID, c.EventType, e.OrgID, e.ID, e.Type)
	}
	if ttl := c.ExpiresAt.Sub(c.IssuedAt.Time); ttl != 5*time.Minute {
		t.Errorf("exp - iat = %s, want 5m", ttl)
	}
	if d := c.ExpiresAt.Sub(before.Add(5 * time.Minute)); d < -2*time.Second || d > 2*time.Second {
		t.Errorf("exp = %s, want about now + 5m (%s)", c.ExpiresAt, before.Add(5*time.Minute))
	}
	if _, err := jwt.Parse(token, func(*jwt.Token) (any, error) { return []byte(strings.Repeat("k", 32)), nil }); err == nil {
		t.Error("token verifies with another secret")
	}
	// The header's timestamp is the token's iat.
	if sig := h.Get(n8n.HeaderSignature); !strings.HasPrefix(sig, "t="+strconv.FormatInt(c.IssuedAt.Unix(), 10)+",") {
		t.Errorf("signature %q does not carry t = iat %d", sig, c.IssuedAt.Unix())
	}
	if _, err := s.Headers(contracts.Envelope{Type: e.Type}, body); err == nil {
		t.Error("Headers signed an event without an id")
	}
}
