package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters for new hashes: OWASP's first recommendation
// (19 MiB, 2 passes, 1 lane). Old hashes keep theirs: CheckPassword reads
// them from the encoded string.
const (
	argonMemory  = 19456 // KiB
	argonTime    = 2
	argonThreads = 1
	argonSaltLen = 16
	argonKeyLen  = 32
)

// Bounds on parameters read back from a stored hash, so that a corrupt or
// hostile value cannot make CheckPassword panic or exhaust memory.
const (
	maxArgonMemory  = 1 << 20 // KiB, 1 GiB
	maxArgonTime    = 64
	maxArgonThreads = 64
	minArgonSaltLen = 8
	minArgonKeyLen  = 16
	maxArgonKeyLen  = 128
)

// Password length policy: GoTrue's default minimum is 6, we ask 8. The
// maximum is in bytes, to bound the hashing input.
const (
	minPasswordChars = 8
	maxPasswordBytes = 128
)

var errMalformedHash = errors.New("auth: malformed password hash")

// HashPassword hashes password with argon2id and a random salt, encoded as a
// PHC string: $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>.
func HashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: hash password: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches encoded, a hash from
// HashPassword. A malformed hash is an error, not a mismatch.
func CheckPassword(encoded, password string) (bool, error) {
	h, err := parseArgon2id(encoded)
	if err != nil {
		return false, err
	}
	key := argon2.IDKey([]byte(password), h.salt, h.time, h.memory, h.threads, uint32(len(h.key)))
	return subtle.ConstantTimeCompare(key, h.key) == 1, nil
}

// ValidatePassword enforces the length policy. The error wraps
// ErrWeakPassword and says what is wrong in words a user can act on.
func ValidatePassword(password string) error {
	if utf8.RuneCountInString(password) < minPasswordChars {
		return fmt.Errorf("%w: use at least %d characters", ErrWeakPassword, minPasswordChars)
	}
	if len(password) > maxPasswordBytes {
		return fmt.Errorf("%w: use at most %d bytes", ErrWeakPassword, maxPasswordBytes)
	}
	return nil
}

type argon2idHash struct {
	memory    uint32
	time      uint32
	threads   uint8
	salt, key []byte
}

// parseArgon2id parses $argon2id$v=19$m=<m>,t=<t>,p=<p>$<salt>$<key>.
func parseArgon2id(encoded string) (argon2idHash, error) {
	var h argon2idHash
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" {
		return h, fmt.Errorf("%w: want 5 fields", errMalformedHash)
	}
	if parts[1] != "argon2id" {
		return h, fmt.Errorf("%w: algorithm %q", errMalformedHash, parts[1])
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return h, fmt.Errorf("%w: version %q", errMalformedHash, parts[2])
	}
	params := strings.Split(parts[3], ",")
	if len(params) != 3 {
		return h, fmt.Errorf("%w: parameters %q", errMalformedHash, parts[3])
	}
	var err error
	if h.memory, err = argonParam(params[0], "m", maxArgonMemory); err != nil {
		return h, err
	}
	if h.time, err = argonParam(params[1], "t", maxArgonTime); err != nil {
		return h, err
	}
	threads, err := argonParam(params[2], "p", maxArgonThreads)
	if err != nil {
		return h, err
	}
	h.threads = uint8(threads)
	// Argon2 needs 8 KiB of memory per lane (RFC 9106 §3.1).
	if h.memory < 8*threads {
		return h, fmt.Errorf("%w: m=%d too small for p=%d", errMalformedHash, h.memory, threads)
	}
	if h.salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil || len(h.salt) < minArgonSaltLen {
		return h, fmt.Errorf("%w: salt", errMalformedHash)
	}
	if h.key, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil ||
		len(h.key) < minArgonKeyLen || len(h.key) > maxArgonKeyLen {
		return h, fmt.Errorf("%w: hash", errMalformedHash)
	}
	return h, nil
}

// argonParam parses "<name>=<n>" with 1 <= n <= limit.
func argonParam(s, name string, limit uint32) (uint32, error) {
	v, ok := strings.CutPrefix(s, name+"=")
	if !ok {
		return 0, fmt.Errorf("%w: want %s= in %q", errMalformedHash, name, s)
	}
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil || n < 1 || n > uint64(limit) {
		return 0, fmt.Errorf("%w: %s=%s out of range", errMalformedHash, name, v)
	}
	return uint32(n), nil
}
