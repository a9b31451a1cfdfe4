package web

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestShellServesFilesAndFallsBackToIndex(t *testing.T) {
	t.Parallel()
	h := Handler()
	for path, want := range map[string]string{
		"/":              "<title>Xentri</title>",
		"/shell.js":      "/readyz",
		"/leads/42":      "<title>Xentri</title>", // a client-side route
		"/../etc/passwd": "<title>Xentri</title>",
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), want) {
			t.Errorf("GET %s = %d, body lacks %q", path, rec.Code, want)
		}
	}
}
