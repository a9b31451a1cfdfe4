package api

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/workflows"
)

// DiagnosticsRunner is what the system endpoints need (services/system).
type DiagnosticsRunner interface {
	Diagnostics(ctx context.Context, requestID string, checks []string) (workflows.DiagnosticsResult, string, error)
}

// Diagnostics is the operator's end-to-end check: API -> Temporal ->
// worker -> dependencies (services/system).
type Diagnostics struct {
	Runner        DiagnosticsRunner
	OperatorToken string
	// WorkflowLink makes the Temporal UI address of a workflow (optional).
	WorkflowLink func(workflowID string) string
}

// Routes mounts POST /system/diagnostics (a Public context that checks the
// operator token itself; with no token configured it refuses every call).
func (h *Diagnostics) Routes(r chi.Router) {
	r.Use(requireOperator(h.OperatorToken))
	r.Post("/system/diagnostics", h.run)
}

func requireOperator(token string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if token == "" {
				writeError(w, r, services.Errorf(services.Forbidden, "Operator endpoints are disabled: set XENTRI_OPERATOR_TOKEN."))
				return
			}
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="xentri-operator"`)
				writeError(w, r, services.Errorf(services.Unauthenticated, "This endpoint needs the operator token as a bearer token."))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// DiagnosticsReport is the answer: each dependency "ok" or its error, as a
// worker sees it.
type DiagnosticsReport struct {
	WorkflowID    string            `json:"workflow_id"`
	Checks        map[string]string `json:"checks"`
	TemporalUIURL string            `json:"temporal_ui_url,omitempty"`
}

// run runs the Diagnostics workflow on a worker and answers with its
// report. An empty body checks everything.
func (h *Diagnostics) run(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Checks []string `json:"checks"`
	}
	if err := DecodeOptionalJSON(r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	res, id, err := h.Runner.Diagnostics(r.Context(), RequestIDFromContext(r.Context()), req.Checks)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := DiagnosticsReport{WorkflowID: id, Checks: res.Checks}
	if h.WorkflowLink != nil {
		out.TemporalUIURL = h.WorkflowLink(id)
	}
	respond(w, http.StatusOK, out, Meta{})
}
