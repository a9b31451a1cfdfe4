package main

import (
	"context"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/xentri/xentri/api"
	"github.com/xentri/xentri/contracts"
	"github.com/xentri/xentri/internal/blob"
	"github.com/xentri/xentri/internal/platform/config"
)

// TestOpenAPIDescribesEveryRoute walks the router the api serves and the
// contract: a route missing from contracts/openapi.yaml, or described there
// but not served, fails the build.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	t.Parallel()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(contracts.OpenAPI)
	if err != nil {
		t.Fatalf("contracts/openapi.yaml does not parse: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("contracts/openapi.yaml is not valid OpenAPI: %v", err)
	}
	described := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			described[method+" "+canonical(path)] = true
		}
	}

	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	// An object store (never contacted) so the site server is mounted too.
	store, err := blob.New(blob.Config{Endpoint: "127.0.0.1:1", AccessKey: "k", SecretKey: "s", Region: "us-east-1", Bucket: "contract"})
	if err != nil {
		t.Fatal(err)
	}
	routes, err := apiConfig(cfg, &deps{blob: store}, zerolog.Nop(), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	mux := api.NewMux(routes)
	served := map[string]bool{}
	err = chi.Walk(mux, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		route = strings.TrimSuffix(strings.ReplaceAll(route, "/*/", "/"), "/")
		if route == "" || route == "/*" || method == http.MethodHead {
			return nil // the web shell, not the API
		}
		served[method+" "+canonical(route)] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range sortedKeys(served) {
		if !described[r] {
			t.Errorf("%s is served but not described in contracts/openapi.yaml", r)
		}
	}
	for _, r := range sortedKeys(described) {
		if !served[r] {
			t.Errorf("%s is described in contracts/openapi.yaml but not served", r)
		}
	}
	if len(served) < 4 {
		t.Fatalf("walked only %v: the walk is broken", sortedKeys(served))
	}
}

// canonical names every path parameter alike: chi's {id} and * (a rest of
// the path, such as a workflow id with slashes) and OpenAPI's {id}.
func canonical(path string) string {
	path = paramPattern.ReplaceAllString(path, "{}")
	if strings.HasSuffix(path, "/*") {
		path = strings.TrimSuffix(path, "*") + "{}"
	}
	return path
}

var paramPattern = regexp.MustCompile(`\{[^}]+\}`)

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
