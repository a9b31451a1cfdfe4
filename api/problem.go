package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"go.opentelemetry.io/otel/trace"

	"github.com/xentri/xentri/internal/platform/logging"
	"github.com/xentri/xentri/services"
)

// Problem is an RFC 9457 problem details document.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
	TraceID  string `json:"trace_id"`
	// Errors names invalid fields and why (validation problems only).
	Errors map[string]string `json:"errors,omitempty"`
	// Checks names each failing dependency (readiness problems only).
	Checks map[string]string `json:"checks,omitempty"`
}

const problemTypeBase = "https://xentri.app/problems/"

// statusOf maps each service error code to its HTTP status: the one place
// where that mapping lives.
var statusOf = map[services.Code]int{
	services.Invalid:            http.StatusBadRequest,
	services.Unauthenticated:    http.StatusUnauthorized,
	services.Forbidden:          http.StatusForbidden,
	services.NotFound:           http.StatusNotFound,
	services.Conflict:           http.StatusConflict,
	services.PreconditionFailed: http.StatusPreconditionFailed,
	services.Unprocessable:      http.StatusUnprocessableEntity,
	services.TooLarge:           http.StatusRequestEntityTooLarge,
	services.UnsupportedMedia:   http.StatusUnsupportedMediaType,
	services.RateLimited:        http.StatusTooManyRequests,
	services.Unavailable:        http.StatusServiceUnavailable,
}

// writeError answers err as a problem. A *services.Error shows its message;
// anything else is logged and answered with a bare 500, so no internal detail
// leaks to the caller.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	var se *services.Error
	switch {
	case errors.As(err, &se):
		status, ok := statusOf[se.Code]
		if !ok {
			status = http.StatusInternalServerError
		}
		p := newProblem(r, status, string(se.Code), se.Message)
		p.Errors = se.Fields
		if se.Err != nil {
			logging.Ctx(r.Context()).Debug().Err(se.Err).Str("code", string(se.Code)).Msg("request failed")
		}
		writeProblem(w, p)
	case errors.Is(err, context.DeadlineExceeded):
		writeProblem(w, newProblem(r, http.StatusGatewayTimeout, "timeout", "The request took longer than the server allows."))
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		// The client went away; nobody reads this answer. 499 in the access log.
		w.WriteHeader(499)
	default:
		logging.Ctx(r.Context()).Error().Err(err).Msg("unexpected error")
		writeProblem(w, newProblem(r, http.StatusInternalServerError, "internal", "Something went wrong on our side. The trace_id identifies it in our logs."))
	}
}

func newProblem(r *http.Request, status int, code, detail string) Problem {
	return Problem{
		Type:     problemTypeBase + code,
		Title:    http.StatusText(status),
		Status:   status,
		Detail:   detail,
		Instance: r.URL.Path,
		TraceID:  traceID(r.Context()),
	}
}

func writeProblem(w http.ResponseWriter, p Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

func traceID(ctx context.Context) string {
	if sc := trace.SpanContextFromContext(ctx); sc.HasTraceID() {
		return sc.TraceID().String()
	}
	return ""
}

// notFound and methodNotAllowed answer routing misses as problems.
func notFound(w http.ResponseWriter, r *http.Request) {
	writeProblem(w, newProblem(r, http.StatusNotFound, "not_found", "No route matches "+r.Method+" "+r.URL.Path+"."))
}

// methodNotAllowed answers with the methods the path does allow, found by
// asking the router, since chi does not pass them to a custom handler.
func methodNotAllowed(router chi.Routes) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var allowed []string
		for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			if router.Match(chi.NewRouteContext(), m, r.URL.Path) {
				allowed = append(allowed, m)
			}
		}
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeProblem(w, newProblem(r, http.StatusMethodNotAllowed, "method_not_allowed",
			r.Method+" is not allowed on "+r.URL.Path+"; allowed: "+strings.Join(allowed, ", ")+"."))
	}
}
