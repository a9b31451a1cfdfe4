package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/xentri/xentri/services/core"
)

// Tokens are an org's API tokens (services/core/token.go).
type Tokens struct {
	Core *core.Service
}

// Routes mounts the token routes (a Tenant context).
func (h *Tokens) Routes(r chi.Router) {
	r.Get("/orgs/{orgID}/tokens", inTenant(func(w http.ResponseWriter, r *http.Request, t tenant) {
		listIn(w, r, t, h.Core.ListTokens)
	}))
	r.Post("/orgs/{orgID}/tokens", inTenant(h.create))
	r.Delete("/orgs/{orgID}/tokens/{tokenID}", actOn("tokenID", h.Core.RevokeToken))
}

func (h *Tokens) create(w http.ResponseWriter, r *http.Request, t tenant) {
	var in struct {
		Name   string   `json:"name"`
		Scopes []string `json:"scopes"`
	}
	if err := DecodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	tok, err := h.Core.CreateToken(r.Context(), t.tx, t.m, in.Name, in.Scopes)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	respond(w, http.StatusCreated, tok, Meta{})
}
