package auth

import (
	"encoding/base64"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

func newTestIssuer(t testing.TB) *Issuer {
	t.Helper()
	i, err := NewIssuer(testSecret, "http://localhost:8080/auth/v1", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return i
}

func TestNewIssuer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		secret  []byte
		issuer  string
		ttl     time.Duration
		wantErr bool
	}{
		{"ok", testSecret, "xentri", time.Hour, false},
		{"secret of 31 bytes", testSecret[:31], "xentri", time.Hour, true},
		{"no issuer", testSecret, "", time.Hour, true},
		{"zero ttl", testSecret, "xentri", 0, true},
		{"negative ttl", testSecret, "xentri", -time.Hour, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewIssuer(tc.secret, tc.issuer, tc.ttl)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
		})
	}
}

func TestIssueRoundTrip(t *testing.T) {
	t.Parallel()
	i := newTestIssuer(t)
	u := User{ID: uuid.New(), Email: "ada@example.com"}
	sid := uuid.NewString()
	now := testNow.Add(500 * time.Millisecond) // JWT times are whole seconds

	token, exp, err := i.Issue(u, sid, now)
	if err != nil {
		t.Fatal(err)
	}
	if want := testNow.Add(time.Hour); !exp.Equal(want) {
		t.Fatalf("expiresAt = %v, want %v", exp, want)
	}
	v := newTestVerifier(t, VerifierConfig{HS256Secret: testSecret, Now: func() time.Time { return now }})
	c, err := v.Verify(t.Context(), token)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	want := Claims{
		Subject: u.ID, Email: u.Email, Role: "authenticated", SessionID: sid,
		AppMetadata: map[string]any{"provider": "email", "providers": []any{"email"}},
		IssuedAt:    testNow, ExpiresAt: exp,
	}
	if !c.IssuedAt.Equal(want.IssuedAt) || !c.ExpiresAt.Equal(want.ExpiresAt) {
		t.Fatalf("times = %v, %v; want %v, %v", c.IssuedAt, c.ExpiresAt, want.IssuedAt, want.ExpiresAt)
	}
	c.IssuedAt, c.ExpiresAt, want.IssuedAt, want.ExpiresAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("claims = %+v\nwant     %+v", c, want)
	}

	// Another secret does not verify it, and it lapses at exp.
	other := newTestVerifier(t, VerifierConfig{HS256Secret: []byte(strings.Repeat("x", 32)), Now: func() time.Time { return now }})
	if _, err := other.Verify(t.Context(), token); err == nil {
		t.Fatal("verified with another secret")
	}
	late := newTestVerifier(t, VerifierConfig{HS256Secret: testSecret, Now: func() time.Time { return exp.Add(time.Minute) }})
	if _, err := late.Verify(t.Context(), token); err == nil {
		t.Fatal("verified after expiry")
	}
}

// TestIssueGoTrueShape: header and claims are those of a GoTrue access
// token, key for key and type for type.
func TestIssueGoTrueShape(t *testing.T) {
	t.Parallel()
	i := newTestIssuer(t)
	u := User{ID: uuid.New(), Email: "ada@example.com"}
	sid := uuid.NewString()
	token, _, err := i.Issue(u, sid, testNow)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts", len(parts))
	}
	decode := func(seg string) map[string]any {
		t.Helper()
		b, err := base64.RawURLEncoding.DecodeString(seg)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}

	header := decode(parts[0])
	if want := map[string]any{"alg": "HS256", "typ": "JWT"}; !reflect.DeepEqual(header, want) {
		t.Errorf("header = %v, want %v (no kid)", header, want)
	}

	iat := float64(testNow.Unix())
	want := map[string]any{
		"iss":           "http://localhost:8080/auth/v1",
		"sub":           u.ID.String(),
		"aud":           "authenticated",
		"exp":           iat + 3600,
		"iat":           iat,
		"email":         "ada@example.com",
		"phone":         "",
		"app_metadata":  map[string]any{"provider": "email", "providers": []any{"email"}},
		"user_metadata": map[string]any{},
		"role":          "authenticated",
		"aal":           "aal1",
		"amr":           []any{map[string]any{"method": "password", "timestamp": iat}},
		"session_id":    sid,
		"is_anonymous":  false,
	}
	got := decode(parts[1])
	if gk, wk := slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)); !slices.Equal(gk, wk) {
		t.Fatalf("claim keys = %v\nwant %v", gk, wk)
	}
	for k, w := range want {
		if !reflect.DeepEqual(got[k], w) {
			t.Errorf("claim %s = %#v, want %#v", k, got[k], w)
		}
	}
}

func TestIssueRefusesUserWithoutID(t *testing.T) {
	t.Parallel()
	if _, _, err := newTestIssuer(t).Issue(User{Email: "ada@example.com"}, "s", testNow); err == nil {
		t.Fatal("issued a token for uuid.Nil")
	}
}

func TestServiceRoleKey(t *testing.T) {
	t.Parallel()
	secret := []byte("a-gotrue-jwt-secret-of-at-least-32-bytes")
	key, err := ServiceRoleKey(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	claims := jwt.MapClaims{}
	if _, err := jwt.ParseWithClaims(key, claims, func(*jwt.Token) (any, error) { return secret, nil },
		jwt.WithValidMethods([]string{"HS256"})); err != nil {
		t.Fatal(err)
	}
	if claims["role"] != "service_role" {
		t.Fatalf("claims = %v", claims)
	}
	if _, err := ServiceRoleKey([]byte("short"), time.Now()); err == nil {
		t.Fatal("a short secret was accepted")
	}
}
