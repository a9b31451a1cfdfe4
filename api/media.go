package api

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/brand"
	"github.com/xentri/xentri/services/paging"
)

// Media is the media library of the brand context (brand.Media): presigned
// uploads straight to object storage, checked before use.
type Media struct {
	Media *brand.Media
}

// Routes mounts the media routes (a Tenant context).
func (h *Media) Routes(r chi.Router) {
	r.Post("/media/presign", inTenant(h.presign))
	r.Get("/media", inTenant(h.list))
	r.Get("/media/{mediaID}", inTenant(h.asset))
	r.Post("/media/{mediaID}/complete", inTenant(h.complete))
}

func (h *Media) presign(w http.ResponseWriter, r *http.Request, t tenant) {
	var in brand.PresignRequest
	if err := DecodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	p, err := h.Media.Presign(r.Context(), t.tx, t.m, in)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/media/"+p.Asset.ID.String())
	respond(w, http.StatusCreated, p, Meta{})
}

func (h *Media) list(w http.ResponseWriter, r *http.Request, t tenant) {
	status := optional(r.URL.Query().Get("status"))
	listIn(w, r, t, func(ctx context.Context, tx pgx.Tx, m access.Membership, p paging.Page) ([]brand.Asset, string, error) {
		return h.Media.List(ctx, tx, m, status, p)
	})
}

func (h *Media) asset(w http.ResponseWriter, r *http.Request, t tenant) {
	id, err := uuidParam(r, "mediaID")
	if err != nil {
		writeError(w, r, err)
		return
	}
	a, err := h.Media.Asset(r.Context(), t.tx, t.m, id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respond(w, http.StatusOK, a, Meta{})
}

func (h *Media) complete(w http.ResponseWriter, r *http.Request, t tenant) {
	id, err := uuidParam(r, "mediaID")
	if err != nil {
		writeError(w, r, err)
		return
	}
	a, err := h.Media.Complete(r.Context(), t.tx, t.m, id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respond(w, http.StatusOK, a, Meta{})
}
