package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/xentri/xentri/services/brand"
)

// Brand is the brand context (services/brand): copy written from the
// org's Universal Brief in its Brand Voice.
type Brand struct {
	Brand *brand.Service
}

// Routes mounts the brand routes (a Tenant context).
func (h *Brand) Routes(r chi.Router) {
	r.Post("/brand/copy/suggest", inTenant(h.suggestCopy))
}

func (h *Brand) suggestCopy(w http.ResponseWriter, r *http.Request, t tenant) {
	var in brand.SuggestInput
	if err := DecodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	write, err := h.Brand.PrepareCopy(r.Context(), t.tx, t.m, in)
	if err != nil {
		writeError(w, r, err)
		return
	}
	// The writer writes after the commit: it may be a model that takes
	// seconds, and no connection waits on it.
	t.afterCommit(deliver(write))
}
