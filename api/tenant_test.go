package api

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/xentri/xentri/internal/platform/logging"
	"github.com/xentri/xentri/internal/testenv"
)

// TestATenantRouteOutsideTheGateAnswersAProblemWithoutPanicking: a tenant
// handler mounted where no org gate runs (a routing mistake) is answered
// with a 500 problem, and neither runs nor panics.
func TestATenantRouteOutsideTheGateAnswersAProblemWithoutPanicking(t *testing.T) {
	t.Parallel()
	logs := &testenv.Buffer{}
	ran := false
	h := NewRouter(Config{
		Log: logging.New(logs, "debug", "json"), Registry: prometheus.NewRegistry(), MaxBodyBytes: 1 << 10, RequestTimeout: time.Second,
		Public: []Routes{RoutesFunc(func(r chi.Router) {
			r.Get("/misplaced", inTenant(func(http.ResponseWriter, *http.Request, tenant) { ran = true }))
		})},
	})
	rec := do(h, http.MethodGet, "/api/v1/misplaced", "", nil)
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status = %d, want 500", rec.Code)
	}
	decodeProblem(t, rec)
	if ran {
		t.Error("the tenant handler ran without a tenant")
	}
	if strings.Contains(logs.String(), "panic") {
		t.Errorf("the request panicked:\n%s", logs)
	}
	if !strings.Contains(logs.String(), errOutsideGate.Error()) {
		t.Errorf("the log does not say what went wrong:\n%s", logs)
	}
}
