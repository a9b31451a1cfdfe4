package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/xentri/xentri/services/integrations"
)

// Subscriptions are an org's n8n webhook subscriptions
// (services/integrations).
type Subscriptions struct {
	Integrations *integrations.Service
}

// Routes mounts the subscription routes (a Tenant context).
func (h *Subscriptions) Routes(r chi.Router) {
	r.Get("/integrations/n8n/subscriptions", inTenant(func(w http.ResponseWriter, r *http.Request, t tenant) {
		listIn(w, r, t, h.Integrations.List)
	}))
	r.Post("/integrations/n8n/subscriptions", inTenant(h.create))
	r.Delete("/integrations/n8n/subscriptions/{subscriptionID}", actOn("subscriptionID", h.Integrations.Delete))
}

func (h *Subscriptions) create(w http.ResponseWriter, r *http.Request, t tenant) {
	var in struct {
		Pattern string `json:"pattern"`
		URL     string `json:"url"`
	}
	if err := DecodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	sub, err := h.Integrations.Create(r.Context(), t.tx, t.m, in.Pattern, in.URL)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respond(w, http.StatusCreated, sub, Meta{})
}
