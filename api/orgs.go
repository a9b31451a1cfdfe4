package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/xentri/xentri/internal/idempotency"
	"github.com/xentri/xentri/services/core"
)

// Orgs are the caller's organisations (services/core/org.go).
type Orgs struct {
	Core        *core.Service
	Idempotency *idempotency.Store
}

// Routes mounts creating and listing the caller's orgs (a Caller context).
func (h *Orgs) Routes(r chi.Router) {
	r.Use(requireAuth)
	r.With(idempotent(h.Idempotency, byUser)).Post("/orgs", h.create)
	r.Get("/orgs", h.list)
}

func (h *Orgs) create(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name string `json:"name"`
	}
	if err := DecodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	p, _ := principalFrom(r.Context())
	if p.Token == nil {
		if err := h.Core.EnsureUser(r.Context(), p.Claims); err != nil {
			writeError(w, r, err)
			return
		}
	}
	org, err := h.Core.CreateOrg(r.Context(), p, in.Name)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/orgs/"+org.ID.String())
	respond(w, http.StatusCreated, org, Meta{})
}

func (h *Orgs) list(w http.ResponseWriter, r *http.Request) {
	page, err := pageOf(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	p, _ := principalFrom(r.Context())
	orgs, next, err := h.Core.ListOrgs(r.Context(), p, page)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respondList(w, orgs, next)
}
