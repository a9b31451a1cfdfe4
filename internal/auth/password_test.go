package auth

import (
	"encoding/base64"
	"errors"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
)

func TestHashPasswordRoundTrip(t *testing.T) {
	t.Parallel()
	const pw = "correct horse battery staple"
	h1, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	phc := regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	if !phc.MatchString(h1) {
		t.Fatalf("hash %q is not the expected PHC string", h1)
	}
	h2, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	if h1 == h2 {
		t.Fatal("two hashes of one password are equal: salt not random")
	}

	tests := []struct {
		name     string
		hash     string
		password string
		want     bool
	}{
		{"right password", h1, pw, true},
		{"right password, other salt", h2, pw, true},
		{"wrong password", h1, "correct horse battery stapler", false},
		{"empty password", h1, "", false},
		{"case differs", h1, strings.ToUpper(pw), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ok, err := CheckPassword(tc.hash, tc.password)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tc.want {
				t.Fatalf("CheckPassword = %v, want %v", ok, tc.want)
			}
		})
	}
}

// TestCheckPasswordReadsParameters: a hash made with other parameters, as
// after a future change of cost, still checks.
func TestCheckPasswordReadsParameters(t *testing.T) {
	t.Parallel()
	salt := []byte("0123456789abcdef")
	key := argon2.IDKey([]byte("hunter22"), salt, 1, 8192, 2, 24)
	enc := base64.RawStdEncoding.EncodeToString
	hash := "$argon2id$v=19$m=8192,t=1,p=2$" + enc(salt) + "$" + enc(key)
	for pw, want := range map[string]bool{"hunter22": true, "hunter23": false} {
		ok, err := CheckPassword(hash, pw)
		if err != nil {
			t.Fatal(err)
		}
		if ok != want {
			t.Errorf("CheckPassword(%q) = %v, want %v", pw, ok, want)
		}
	}
}

func TestCheckPasswordMalformed(t *testing.T) {
	t.Parallel()
	salt := base64.RawStdEncoding.EncodeToString([]byte("0123456789abcdef"))
	key := base64.RawStdEncoding.EncodeToString(make([]byte, 32))
	ok := "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key
	if _, err := CheckPassword(ok, "x"); err != nil {
		t.Fatalf("the well-formed control hash fails: %v", err)
	}
	tests := map[string]string{
		"empty":            "",
		"plain text":       "hunter22",
		"bcrypt":           "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
		"argon2i":          strings.Replace(ok, "argon2id", "argon2i", 1),
		"version 16":       strings.Replace(ok, "v=19", "v=16", 1),
		"no version":       "$argon2id$m=19456,t=2,p=1$" + salt + "$" + key,
		"too few fields":   "$argon2id$v=19$m=19456,t=2,p=1$" + salt,
		"too many fields":  ok + "$x",
		"no leading $":     strings.TrimPrefix(ok, "$"),
		"params reordered": strings.Replace(ok, "m=19456,t=2,p=1", "t=2,m=19456,p=1", 1),
		"param missing":    strings.Replace(ok, "m=19456,t=2,p=1", "m=19456,t=2", 1),
		"param extra":      strings.Replace(ok, "p=1", "p=1,k=2", 1),
		"m=0":              strings.Replace(ok, "m=19456", "m=0", 1),
		"t=0":              strings.Replace(ok, "t=2", "t=0", 1),
		"p=0":              strings.Replace(ok, "p=1", "p=0", 1),
		"p=256":            strings.Replace(ok, "p=1", "p=256", 1),
		"m below 8 per p":  strings.Replace(ok, "m=19456,t=2,p=1", "m=8,t=2,p=2", 1),
		"m huge":           strings.Replace(ok, "m=19456", "m=4294967295", 1),
		"m overflows":      strings.Replace(ok, "m=19456", "m=99999999999", 1),
		"m negative":       strings.Replace(ok, "m=19456", "m=-1", 1),
		"m not a number":   strings.Replace(ok, "m=19456", "m=lots", 1),
		"t huge":           strings.Replace(ok, "t=2", "t=1000000", 1),
		"salt not base64":  strings.Replace(ok, salt, "!!!!", 1),
		"salt short":       strings.Replace(ok, salt, "c2FsdA", 1),
		"salt empty":       strings.Replace(ok, salt, "", 1),
		"hash not base64":  strings.Replace(ok, key, "%%%%", 1),
		"hash short":       strings.Replace(ok, key, "c2hvcnQ", 1),
		"hash empty":       strings.TrimSuffix(ok, key),
		"hash padded":      ok + "=",
	}
	for name, hash := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ok, err := CheckPassword(hash, "hunter22")
			if err == nil || ok {
				t.Fatalf("CheckPassword = %v, %v; want false and an error", ok, err)
			}
		})
	}
}

func TestValidatePassword(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		password string
		weak     bool
	}{
		{"empty", "", true},
		{"7 characters", "abcdefg", true},
		{"8 characters", "abcdefgh", false},
		{"7 two-byte characters", strings.Repeat("é", 7), true},
		{"8 two-byte characters", strings.Repeat("é", 8), false},
		{"128 bytes", strings.Repeat("a", 128), false},
		{"129 bytes", strings.Repeat("a", 129), true},
		{"65 two-byte characters", strings.Repeat("é", 65), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := ValidatePassword(tc.password)
			if !tc.weak {
				if err != nil {
					t.Fatalf("ValidatePassword: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrWeakPassword) {
				t.Fatalf("err = %v, want ErrWeakPassword", err)
			}
			if !strings.Contains(err.Error(), "characters") && !strings.Contains(err.Error(), "bytes") {
				t.Fatalf("err = %q does not say what to fix", err)
			}
		})
	}
}
