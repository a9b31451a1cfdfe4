package api

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/xentri/xentri/internal/db"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/ops"
	"github.com/xentri/xentri/workflows"
)

// DiagnosticsRunner is what the system endpoints need (services/system).
type DiagnosticsRunner interface {
	Diagnostics(ctx context.Context, requestID string, checks []string) (workflows.DiagnosticsResult, string, error)
}

// System is what the platform operator's endpoints use.
type System struct {
	Diagnostics DiagnosticsRunner
	// DB and DeadLetters serve the operator's view of every org's dead
	// letters; without DeadLetters those routes are not mounted.
	DB            *db.DB
	DeadLetters   *ops.Service
	OperatorToken string
	// WorkflowLink makes the Temporal UI address of a workflow (optional).
	WorkflowLink func(workflowID string) string
}

// SystemRoutes mounts the operator endpoints, which take the operator token
// as a bearer token. With no token configured they refuse every call.
func SystemRoutes(s System) func(chi.Router) {
	return func(r chi.Router) {
		r.Group(func(r chi.Router) {
			r.Use(requireOperator(s.OperatorToken))
			r.Post("/system/diagnostics", diagnostics(s.Diagnostics, s.WorkflowLink))
			if s.DeadLetters != nil {
				h := &operatorDeadLetters{db: s.DB, ops: s.DeadLetters}
				r.Get("/system/dead-letters", h.list)
				r.Get("/system/dead-letters/{deadLetterID}", h.show)
				r.Post("/system/dead-letters/{deadLetterID}/redrive", h.redrive)
				r.Post("/system/dead-letters/{deadLetterID}/discard", h.discard)
			}
		})
	}
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

type diagnosticsRequest struct {
	Checks []string `json:"checks"`
}

// diagnostics runs the Diagnostics workflow on a worker and answers with its
// report. An empty body checks everything.
func diagnostics(runner DiagnosticsRunner, link func(string) string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req diagnosticsRequest
		if err := DecodeOptionalJSON(r, &req); err != nil {
			writeError(w, r, err)
			return
		}
		res, id, err := runner.Diagnostics(r.Context(), RequestIDFromContext(r.Context()), req.Checks)
		if err != nil {
			writeError(w, r, err)
			return
		}
		out := map[string]any{"workflow_id": id, "checks": res.Checks}
		if link != nil {
			out["temporal_ui_url"] = link(id)
		}
		respond(w, http.StatusOK, out, Meta{})
	}
}
