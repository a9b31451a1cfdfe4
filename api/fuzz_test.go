package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/otel"

	"github.com/xentri/xentri/services/sales"
)

// FuzzDecodeJSON feeds arbitrary bytes, under arbitrary Content-Types, to
// DecodeJSON as the body of a lead update (sales.LeadInput and a version,
// as api/leads.go reads it): it never panics, and what it refuses
// writeError answers as a 400, 413, 415 or 422 problem with a trace_id,
// never a 500.
func FuzzDecodeJSON(f *testing.F) {
	for _, seed := range []struct{ body, contentType string }{
		{`{"name":"Ada","email":"ada@example.test","value":{"amount":990000,"currency":"EUR"},"version":1}`, "application/json"},
		{`{"name":"Ada"}`, ""},
		{`{"name":"Ada"}`, "text/plain"},
		{`{"name":"Ada"}`, "application/merge-patch+json; charset=utf-8"},
		{`{"name":"Ada"}`, "application/json; charset"},
		{`{`, "application/json"},
		{`{"name":`, "application/json"},
		{``, "application/json"},
		{`null`, "application/json"},
		{`[]`, "application/json"},
		{`"x"`, "application/json"},
		{`{}{}`, "application/json"},
		{`{} garbage`, "application/json"},
		{`{"nope":1}`, "application/json"},
		{`{"name":1}`, "application/json"},
		{`{"value":{"amount":"1"}}`, "application/json"},
		{`{"value":{"amount":1e40}}`, "application/json"},
		{`{"version":9223372036854775808}`, "application/json"},
		{`{"name":"a\u0000b"}`, "application/json"},
		{`{"name":"a\\u0000b"}`, "application/json"},
		{"{\"name\":\"a\x00b\"}", "application/json"},
		{"{\"name\":\"\xff\xfe\"}", "application/json"},
		{`{"name":"` + strings.Repeat("a", 5000) + `"}`, "application/json"},
		{strings.Repeat("[", 20000), "application/json"},
	} {
		f.Add([]byte(seed.body), seed.contentType)
	}
	tracer := otel.Tracer("fuzz")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		rec := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodPut, "/api/v1/leads/x", bytes.NewReader(body))
		ctx, span := tracer.Start(r.Context(), "fuzz")
		defer span.End()
		r = r.WithContext(ctx)
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		// A small limit, so that some inputs are over it.
		r.Body = http.MaxBytesReader(rec, r.Body, 4<<10)
		var in struct {
			sales.LeadInput
			Version *int32 `json:"version"`
		}
		err := DecodeJSON(r, &in)
		if err == nil {
			return
		}
		writeError(rec, r, err)
		switch rec.Code {
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity:
		default:
			t.Fatalf("DecodeJSON(%q, %q) = %v, answered %d", body, contentType, err, rec.Code)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
			t.Fatalf("DecodeJSON(%q, %q): answered as %q", body, contentType, ct)
		}
		var p Problem
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Status != rec.Code || p.TraceID == "" || p.Detail == "" {
			t.Fatalf("DecodeJSON(%q, %q): incomplete problem %s (%v)", body, contentType, rec.Body.Bytes(), err)
		}
	})
}

// TestEscapesNUL: the NUL scan tells an escaped NUL from an escaped
// backslash followed by u0000.
func TestEscapesNUL(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]bool{
		`{"a":"b"}`:            false,
		`{"a":"\u0000"}`:       true,
		`{"\u0000":1}`:         true,
		`{"a":"x\\u0000"}`:     false,
		`{"a":"x\\\u0000"}`:    true,
		`{"a":"\"\u0000"}`:     true,
		`{"a":"\u00000"}`:      true,
		`{"a":"\u0001"}`:       false,
		`{"a":"\\"}`:           false,
		`{"a":"\n","b":"\\u"}`: false,
	} {
		if got := escapesNUL([]byte(raw)); got != want {
			t.Errorf("escapesNUL(%s) = %v, want %v", raw, got, want)
		}
	}
}
