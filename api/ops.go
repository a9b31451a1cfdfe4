package api

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"github.com/xentri/xentri/services/core"
	"github.com/xentri/xentri/services/ops"
)

type opsHandlers struct{ ops *ops.Service }

func (h *opsHandlers) mountTenant(r chi.Router) {
	r.Get("/ops/dead-letters", h.list)
	r.Post("/ops/dead-letters/{deadLetterID}/redrive", h.redrive)
	r.Post("/ops/dead-letters/{deadLetterID}/discard", h.discard)
}

func (h *opsHandlers) list(w http.ResponseWriter, r *http.Request) {
	status := optional(r.URL.Query().Get("status"))
	listInTenant(w, r, func(ctx context.Context, tx pgx.Tx, m core.Membership, p core.Page) ([]ops.DeadLetter, string, error) {
		return h.ops.List(ctx, tx, m, status, p)
	})
}

func (h *opsHandlers) redrive(w http.ResponseWriter, r *http.Request) {
	id, err := uuidParam(r, "deadLetterID")
	if err != nil {
		writeError(w, r, err)
		return
	}
	var in struct {
		Input json.RawMessage `json:"input"`
	}
	if r.ContentLength != 0 {
		if err := DecodeJSON(r, &in); err != nil {
			writeError(w, r, err)
			return
		}
	}
	tx, m := tenantFrom(r)
	d, err := h.ops.Redrive(r.Context(), tx, m, id, in.Input)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respond(w, http.StatusAccepted, d, Meta{})
}

func (h *opsHandlers) discard(w http.ResponseWriter, r *http.Request) {
	actInTenant(w, r, "deadLetterID", h.ops.Discard)
}
