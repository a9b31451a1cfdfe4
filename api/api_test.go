package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/xentri/xentri/internal/platform/logging"
	"github.com/xentri/xentri/internal/testenv"
)

func init() {
	// Real trace ids, as in production, without exporting anything.
	otel.SetTracerProvider(sdktrace.NewTracerProvider())
}

type echoBody struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// setup returns a router with test routes mounted, and the log it writes.
func setup(t *testing.T, checks ...Check) (http.Handler, *testenv.Buffer) {
	t.Helper()
	// Parallel subtests share the router, so the log must take concurrent writes.
	logs := &testenv.Buffer{}
	h := NewRouter(Config{
		Log:            logging.New(logs, "debug", "json"),
		Registry:       prometheus.NewRegistry(),
		MaxBodyBytes:   64,
		RequestTimeout: 200 * time.Millisecond,
		Checks:         checks,
		Public: []Routes{RoutesFunc(func(r chi.Router) {
			r.Post("/echo", func(w http.ResponseWriter, r *http.Request) {
				var in echoBody
				if err := DecodeJSON(r, &in); err != nil {
					writeError(w, r, err)
					return
				}
				respond(w, http.StatusCreated, in, Meta{})
			})
			r.Get("/panic", func(http.ResponseWriter, *http.Request) { panic("secret internals") })
			r.Get("/slow", func(w http.ResponseWriter, r *http.Request) {
				<-r.Context().Done()
				writeError(w, r, r.Context().Err())
			})
			r.Get("/boom", func(w http.ResponseWriter, r *http.Request) {
				writeError(w, r, errors.New("db password is hunter2"))
			})
		})},
	})
	return h, logs
}

func do(h http.Handler, method, path, contentType string, body io.Reader) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, body)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func decodeProblem(t *testing.T, rec *httptest.ResponseRecorder) Problem {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want application/problem+json; body %s", ct, rec.Body)
	}
	var p Problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatalf("problem body: %v: %s", err, rec.Body)
	}
	if p.Status != rec.Code || p.Type == "" || p.Title == "" || p.Detail == "" {
		t.Errorf("problem lacks a member or disagrees with the status %d: %+v", rec.Code, p)
	}
	if len(p.TraceID) != 32 {
		t.Errorf("problem trace_id = %q, want a 32-hex trace id", p.TraceID)
	}
	return p
}

func TestErrorsAreProblems(t *testing.T) {
	t.Parallel()
	h, _ := setup(t)
	tests := []struct {
		name        string
		method      string
		path        string
		contentType string
		body        string
		status      int
		detail      string // a part of the detail
	}{
		{"unknown route", "GET", "/api/v1/nope", "", "", 404, "No route matches GET /api/v1/nope"},
		{"unknown root route", "GET", "/nope", "", "", 404, "No route"},
		{"wrong method", "DELETE", "/healthz", "", "", 405, "allowed: GET"},
		{"wrong method in api", "GET", "/api/v1/echo", "", "", 405, "allowed: POST"},
		{"malformed json", "POST", "/api/v1/echo", "application/json", `{"name":`, 400, "ends in the middle"},
		{"syntax error", "POST", "/api/v1/echo", "application/json", `{"name" "x"}`, 400, "not valid JSON"},
		{"empty body", "POST", "/api/v1/echo", "application/json", ``, 400, "empty"},
		{"wrong type", "POST", "/api/v1/echo", "application/json", `{"count":"three"}`, 400, `"count" must be an integer`},
		{"unknown field", "POST", "/api/v1/echo", "application/json", `{"nam":"x"}`, 400, `Unknown field "nam"`},
		{"not an object", "POST", "/api/v1/echo", "application/json", `[1]`, 400, "must be a JSON object"},
		{"two values", "POST", "/api/v1/echo", "application/json", `{} {}`, 400, "single JSON value"},
		{"oversized", "POST", "/api/v1/echo", "application/json", `{"name":"` + strings.Repeat("x", 100) + `"}`, 413, "larger than the 64 bytes"},
		{"wrong media type", "POST", "/api/v1/echo", "text/plain", `{}`, 415, "application/json"},
		{"unexpected error hides its detail", "GET", "/api/v1/boom", "", "", 500, "Something went wrong"},
		{"deadline", "GET", "/api/v1/slow", "", "", 504, "longer than the server allows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := do(h, tt.method, tt.path, tt.contentType, strings.NewReader(tt.body))
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tt.status, rec.Body)
			}
			p := decodeProblem(t, rec)
			if !strings.Contains(p.Detail, tt.detail) {
				t.Errorf("detail = %q, want it to contain %q", p.Detail, tt.detail)
			}
			if strings.Contains(rec.Body.String(), "hunter2") {
				t.Errorf("an internal error leaked into the body: %s", rec.Body)
			}
		})
	}
}

func TestWrongMethodListsAllowedMethods(t *testing.T) {
	t.Parallel()
	h, _ := setup(t)
	rec := do(h, "POST", "/readyz", "", nil)
	if got := rec.Header().Get("Allow"); got != "GET" {
		t.Fatalf("Allow = %q, want GET", got)
	}
}

func TestOversizedBodyWithoutContentLength(t *testing.T) {
	t.Parallel()
	h, _ := setup(t)
	// A chunked body has no Content-Length: the limit must hold while reading.
	req := httptest.NewRequest("POST", "/api/v1/echo", io.MultiReader(strings.NewReader(`{"name":"`), strings.NewReader(strings.Repeat("x", 200)+`"}`)))
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("status = %d, want 413; body %s", rec.Code, rec.Body)
	}
	decodeProblem(t, rec)
}

func TestSuccessUsesTheEnvelope(t *testing.T) {
	t.Parallel()
	h, _ := setup(t)
	rec := do(h, "POST", "/api/v1/echo", "application/json; charset=utf-8", strings.NewReader(`{"name":"Ada","count":2}`))
	if rec.Code != http.StatusCreated {
		t.Fatalf("status = %d: %s", rec.Code, rec.Body)
	}
	var env map[string]json.RawMessage
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
		t.Fatal(err)
	}
	if string(env["data"]) != `{"name":"Ada","count":2}` || string(env["error"]) != "null" || string(env["meta"]) != "{}" {
		t.Fatalf("body = %s, want {data, error: null, meta: {}}", rec.Body)
	}
}

func TestPanicBecomesA500ProblemWithTheStackOnlyInTheLog(t *testing.T) {
	t.Parallel()
	h, logs := setup(t)
	rec := do(h, "GET", "/api/v1/panic", "", nil)
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status = %d, want 500", rec.Code)
	}
	p := decodeProblem(t, rec)
	if strings.Contains(rec.Body.String(), "secret internals") || strings.Contains(rec.Body.String(), "goroutine") {
		t.Fatalf("the panic leaked into the body: %s", rec.Body)
	}
	if !strings.Contains(logs.String(), "secret internals") || !strings.Contains(logs.String(), "api_test.go") {
		t.Fatalf("the log lacks the panic and its stack:\n%s", logs)
	}
	if !strings.Contains(logs.String(), p.TraceID) {
		t.Errorf("the log does not carry the trace id %s the caller was given", p.TraceID)
	}
}

func TestRequestIDIsEchoedOrMade(t *testing.T) {
	t.Parallel()
	h, logs := setup(t)
	req := httptest.NewRequest("GET", "/healthz", nil)
	req.Header.Set("X-Request-Id", "edge-42")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if got := rec.Header().Get("X-Request-Id"); got != "edge-42" {
		t.Errorf("X-Request-Id = %q, want the caller's edge-42", got)
	}
	if !strings.Contains(logs.String(), `"request_id":"edge-42"`) {
		t.Errorf("access log lacks the request id:\n%s", logs)
	}
	req = httptest.NewRequest("GET", "/healthz", nil)
	req.Header.Set("X-Request-Id", "bad id\nwith newline")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if got := rec.Header().Get("X-Request-Id"); got == "" || strings.ContainsAny(got, " \n") {
		t.Errorf("a malformed request id was echoed: %q", got)
	}
}

func TestAccessLogCarriesTraceAndRoute(t *testing.T) {
	t.Parallel()
	h, logs := setup(t)
	do(h, "POST", "/api/v1/echo", "application/json", strings.NewReader(`{}`))
	// The access log line's fields this test reads (observe in middleware.go).
	var line *struct {
		Route   string  `json:"route"`
		Status  int     `json:"status"`
		TraceID *string `json:"trace_id"`
	}
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if strings.Contains(l, `"message":"request"`) {
			if err := json.Unmarshal([]byte(l), &line); err != nil {
				t.Fatalf("access log line does not decode: %v: %s", err, l)
			}
		}
	}
	if line == nil {
		t.Fatalf("no access log line:\n%s", logs)
	}
	if line.Route != "/api/v1/echo" || line.Status != 201 || line.TraceID == nil {
		t.Fatalf("access log line = %+v, want route, status and trace_id", *line)
	}
}

func TestReadyz(t *testing.T) {
	t.Parallel()
	ok := func(context.Context) error { return nil }
	down := func(context.Context) error { return errors.New("connection refused") }
	hang := func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }

	t.Run("all answer", func(t *testing.T) {
		t.Parallel()
		h, _ := setup(t, Check{"postgres", ok}, Check{"redis", ok})
		rec := do(h, "GET", "/readyz", "", nil)
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"postgres":"ok"`) {
			t.Fatalf("readyz = %d %s", rec.Code, rec.Body)
		}
	})
	t.Run("some fail", func(t *testing.T) {
		t.Parallel()
		h, _ := setup(t, Check{"postgres", down}, Check{"redis", ok}, Check{"temporal", hang})
		start := time.Now()
		rec := do(h, "GET", "/readyz", "", nil)
		if took := time.Since(start); took > readyTimeout+time.Second {
			t.Errorf("a hung dependency held /readyz for %s", took)
		}
		if rec.Code != http.StatusServiceUnavailable {
			t.Fatalf("readyz = %d, want 503", rec.Code)
		}
		p := decodeProblem(t, rec)
		if p.Checks["postgres"] != "connection refused" || p.Checks["temporal"] == "" || p.Checks["redis"] != "" {
			t.Fatalf("checks = %v, want postgres and temporal failing, redis not listed", p.Checks)
		}
		if p.Detail != "Not ready: postgres and temporal did not answer." {
			t.Errorf("detail = %q", p.Detail)
		}
	})
}

func TestMetricsHaveRouteHistograms(t *testing.T) {
	t.Parallel()
	h, _ := setup(t)
	do(h, "POST", "/api/v1/echo", "application/json", strings.NewReader(`{}`))
	do(h, "GET", "/api/v1/does-not-exist/123", "", nil)
	rec := do(h, "GET", "/metrics", "", nil)
	body := rec.Body.String()
	for _, want := range []string{
		`xentri_http_request_duration_seconds_bucket{method="POST",route="/api/v1/echo",status="201",le="0.3"} 1`,
		`xentri_http_request_duration_seconds_count{method="GET",route="/api/v1/*",status="404"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s\n%s", want, body)
		}
	}
}
