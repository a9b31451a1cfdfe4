package paging

import (
	"encoding/base64"
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/xentri/xentri/services"
)

// FuzzDecodeCursor: DecodeCursor never panics; what it refuses is an
// Invalid error naming the cursor; what it accepts re-encodes to a
// canonical cursor that decodes to the same id; and every id round-trips
// through EncodeCursor.
func FuzzDecodeCursor(f *testing.F) {
	for _, s := range []string{
		"", "garbage", "!!!", "AAAA", "AAAAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAAAB", "AAAAAAAAAAAAAAAAAAAAAA==",
		"_____________________w", "AAAAAAAAAAAAAAAAAAAA\nAA", "AAAAAAAAAAAAAAAAAAAAAAA", "%00", "\x00",
		EncodeCursor(uuid.MustParse("01a24074-e368-75df-b290-f07d7c8e7620")),
		base64.StdEncoding.EncodeToString(make([]byte, 16)),
		base64.RawURLEncoding.EncodeToString(make([]byte, 17)),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := DecodeCursor(s)
		if err != nil {
			var se *services.Error
			if !errors.As(err, &se) || se.Code != services.Invalid || se.Fields["cursor"] == "" {
				t.Fatalf("DecodeCursor(%q): %v, want an Invalid error naming the cursor", s, err)
			}
		} else {
			canonical := EncodeCursor(id)
			if len(canonical) != 22 {
				t.Fatalf("EncodeCursor(%v) = %q, want 22 characters", id, canonical)
			}
			again, err := DecodeCursor(canonical)
			if err != nil || again != id {
				t.Fatalf("DecodeCursor(%q) = %v, %v; %q was decoded to %v", canonical, again, err, s, id)
			}
			if EncodeCursor(again) != canonical {
				t.Fatalf("the canonical cursor %q does not re-encode to itself", canonical)
			}
		}
		// Any 16 bytes are an id: take them from the input.
		var raw uuid.UUID
		copy(raw[:], s)
		if back, err := DecodeCursor(EncodeCursor(raw)); err != nil || back != raw {
			t.Fatalf("DecodeCursor(EncodeCursor(%v)) = %v, %v", raw, back, err)
		}
	})
}
