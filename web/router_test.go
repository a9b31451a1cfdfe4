package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/xentri/xentri/api"
	"github.com/xentri/xentri/web"
)

// stubSites stands in for the published-site server.
type stubSites struct{}

func (stubSites) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	_, _ = w.Write([]byte("site by host"))
}
func (stubSites) Matches(string) bool { return false }
func (stubSites) ServeByID(w http.ResponseWriter, _ *http.Request) {
	_, _ = w.Write([]byte("site by id"))
}

// TestAPIRoutesWinOverTheShell mounts the shell as cmd/xentri does, at /,
// and checks that the API's own routes still answer theirs.
func TestAPIRoutesWinOverTheShell(t *testing.T) {
	t.Parallel()
	h := api.NewMux(api.Config{
		Log:      zerolog.Nop(),
		Registry: prometheus.NewRegistry(),
		Web:      web.Handler(),
		Sites:    stubSites{},
		Preview:  http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("a preview")) }),
		Public:   []api.Routes{api.Contracts{}},
	})
	for _, tc := range []struct {
		method, path string
		status       int
		contentType  string
		body         string
	}{
		{"GET", "/healthz", 200, "application/json", ""},
		{"GET", "/readyz", 200, "application/json", ""},
		{"GET", "/metrics", 200, "text/plain", ""},
		{"GET", "/api/v1/openapi.json", 200, "application/json", `"openapi"`},
		{"GET", "/api/v1/no-such-route", 404, "application/problem+json", ""},
		{"GET", "/api/v1/me", 404, "application/problem+json", ""}, // no session configured here: not the shell either
		{"GET", "/sites/0192f6d4-0000-7000-8000-000000000000/about", 200, "", "site by id"},
		{"GET", "/preview/token/", 200, "", "a preview"},
		{"GET", "/", 200, "text/html", `id="outlet"`},
		{"GET", "/leads/42", 200, "text/html", `id="outlet"`},
		{"HEAD", "/leads/42", 200, "text/html", ""},
		{"GET", "/api", 404, "text/plain", ""},
		{"GET", "/_astro/gone.js", 404, "text/plain", ""},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
		if rec.Code != tc.status {
			t.Errorf("%s %s = %d, want %d", tc.method, tc.path, rec.Code, tc.status)
		}
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, tc.contentType) {
			t.Errorf("%s %s: Content-Type %q, want %s", tc.method, tc.path, ct, tc.contentType)
		}
		if !strings.Contains(rec.Body.String(), tc.body) {
			t.Errorf("%s %s: body lacks %q", tc.method, tc.path, tc.body)
		}
	}
}
