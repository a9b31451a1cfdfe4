package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/xentri/xentri/internal/n8n"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/automation"
)

// signatureTolerance is how old a signed hook call may be (replays beyond
// it are refused).
const signatureTolerance = 5 * time.Minute

// Hooks are the n8n → Xentri endpoints: automations start registered
// workflows (services/automation).
type Hooks struct {
	Automation *automation.Service
	// N8NSecret verifies X-Xentri-Signature on calls without an API token;
	// empty, only API tokens are accepted.
	N8NSecret []byte
}

// Routes mounts POST /hooks/n8n/workflows/{name} (a Caller context: an API
// token, or the shared signature). The Idempotency-Key names the run, so a
// retried call finds the run the first one started.
func (h *Hooks) Routes(r chi.Router) {
	r.Post("/hooks/n8n/workflows/{name}", h.start)
}

// start starts a registered workflow for an org: {org_id, input},
// authenticated by an API token of that org with workflows:start, or by
// the shared n8n signature.
func (h *Hooks) start(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, r, decodeError(err))
		return
	}
	p, tokenAuth := principalFrom(r.Context())
	if !tokenAuth {
		sig := r.Header.Get(n8n.HeaderSignature)
		if sig == "" || len(h.N8NSecret) == 0 {
			writeError(w, r, unauthenticated("Send an org API token (workflows:start) as a bearer token, or sign the body with X-Xentri-Signature."))
			return
		}
		if err := n8n.VerifySignature(h.N8NSecret, sig, body, time.Now(), signatureTolerance); err != nil {
			writeError(w, r, unauthenticatedErr("The X-Xentri-Signature is invalid or older than 5 minutes.", err))
			return
		}
	}
	var in struct {
		OrgID uuid.UUID       `json:"org_id"`
		Input json.RawMessage `json:"input"`
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err := DecodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	if in.OrgID == uuid.Nil {
		writeError(w, r, &services.Error{Code: services.Invalid, Message: "org_id is required.", Fields: map[string]string{"org_id": "is required"}})
		return
	}
	switch {
	case !tokenAuth:
		// The signature proves n8n; the org must still exist.
		if err := h.Automation.CheckOrg(r.Context(), in.OrgID); err != nil {
			writeError(w, r, err)
			return
		}
	case p.Token == nil:
		writeError(w, r, services.Errorf(services.Forbidden, "Automations start workflows with an org API token, not a user session."))
		return
	case p.Token.OrgID != in.OrgID:
		writeError(w, r, services.Errorf(services.Forbidden, "You do not have access to this organisation."))
		return
	default:
		if err := p.Need(access.ScopeWorkflowsStart); err != nil {
			writeError(w, r, err)
			return
		}
	}
	run, err := h.Automation.Start(r.Context(), in.OrgID, chi.URLParam(r, "name"), in.Input, r.Header.Get("Idempotency-Key"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", run.StatusURL)
	respond(w, http.StatusAccepted, run, Meta{})
}

// Workflows reports on the org's workflow runs that automations started.
type Workflows struct {
	Automation *automation.Service
}

// Routes mounts GET /workflows/{id...} (a Tenant context).
func (h *Workflows) Routes(r chi.Router) {
	r.Get("/workflows/*", inTenant(h.status))
}

func (h *Workflows) status(w http.ResponseWriter, r *http.Request, t tenant) {
	if err := t.m.Need(access.ScopeWorkflowsStart); err != nil {
		writeError(w, r, err)
		return
	}
	// A workflow id holds slashes (site-publish/{id}); a client may send
	// them encoded (%2F), which the router leaves as they came.
	id, err := url.PathUnescape(chi.URLParam(r, "*"))
	if err != nil {
		writeError(w, r, services.Errorf(services.NotFound, "No such workflow: the id is not a valid path."))
		return
	}
	st, err := h.Automation.Status(r.Context(), t.m.OrgID, id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respond(w, http.StatusOK, st, Meta{})
}
