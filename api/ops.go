package api

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/xentri/xentri/internal/db"
	"github.com/xentri/xentri/services"

	"github.com/xentri/xentri/services/core"
	"github.com/xentri/xentri/services/ops"
)

type opsHandlers struct{ ops *ops.Service }

func (h *opsHandlers) mountTenant(r chi.Router) {
	r.Get("/ops/dead-letters", h.list)
	r.Post("/ops/dead-letters/{deadLetterID}/redrive", h.redrive)
	r.Post("/ops/dead-letters/{deadLetterID}/discard", h.discard)
}

// letterStatus reads the status filter of a dead letter list: one of open,
// redriven, discarded, or none for all.
func letterStatus(r *http.Request) (*string, error) {
	s := r.URL.Query().Get("status")
	switch {
	case s == "":
		return nil, nil
	case ops.IsStatus(s):
		return &s, nil
	}
	return nil, &services.Error{Code: services.Invalid, Message: "status must be open, redriven or discarded (or absent, for all).",
		Fields: map[string]string{"status": "must be open, redriven or discarded"}}
}

func (h *opsHandlers) list(w http.ResponseWriter, r *http.Request) {
	status, err := letterStatus(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
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
	var in redriveRequest
	if err := DecodeOptionalJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	tx, m := tenantFrom(r)
	d, err := h.ops.Redrive(r.Context(), tx, m, id, in.Input)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respond(w, http.StatusAccepted, d, Meta{})
}

// redriveRequest optionally replaces the workflow's arguments.
type redriveRequest struct {
	Input json.RawMessage `json:"input"`
}

func (h *opsHandlers) discard(w http.ResponseWriter, r *http.Request) {
	actInTenant(w, r, "deadLetterID", h.ops.Discard)
}

// operatorDeadLetters is the platform operator's view of every org's dead
// letters, each call one db.AsOperator transaction.
type operatorDeadLetters struct {
	db  *db.DB
	ops *ops.Service
}

func (h *operatorDeadLetters) list(w http.ResponseWriter, r *http.Request) {
	page, err := pageOf(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var org *uuid.UUID
	if s := r.URL.Query().Get("org_id"); s != "" {
		id, err := uuid.Parse(s)
		if err != nil {
			writeError(w, r, &services.Error{Code: services.Invalid, Message: "org_id must be a UUID.", Fields: map[string]string{"org_id": "must be a UUID"}})
			return
		}
		org = &id
	}
	status, err := letterStatus(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var items []ops.DeadLetter
	var next string
	err = h.db.AsOperator(r.Context(), func(ctx context.Context, tx pgx.Tx) (err error) {
		items, next, err = h.ops.OperatorList(ctx, tx, org, status, page)
		return err
	})
	if err != nil {
		writeError(w, r, err)
		return
	}
	respondList(w, items, next)
}

func (h *operatorDeadLetters) show(w http.ResponseWriter, r *http.Request) {
	h.one(w, r, http.StatusOK, h.ops.OperatorShow)
}

func (h *operatorDeadLetters) discard(w http.ResponseWriter, r *http.Request) {
	h.one(w, r, http.StatusOK, h.ops.OperatorDiscard)
}

func (h *operatorDeadLetters) redrive(w http.ResponseWriter, r *http.Request) {
	var in redriveRequest
	if err := DecodeOptionalJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	h.one(w, r, http.StatusAccepted, func(ctx context.Context, tx pgx.Tx, id uuid.UUID) (ops.DeadLetter, error) {
		return h.ops.OperatorRedrive(ctx, tx, id, in.Input)
	})
}

// one runs do on the dead letter named in the path, as the operator.
func (h *operatorDeadLetters) one(w http.ResponseWriter, r *http.Request, status int,
	do func(context.Context, pgx.Tx, uuid.UUID) (ops.DeadLetter, error)) {
	id, err := uuidParam(r, "deadLetterID")
	if err != nil {
		writeError(w, r, err)
		return
	}
	var d ops.DeadLetter
	err = h.db.AsOperator(r.Context(), func(ctx context.Context, tx pgx.Tx) (err error) {
		d, err = do(ctx, tx, id)
		return err
	})
	if err != nil {
		writeError(w, r, err)
		return
	}
	respond(w, status, d, Meta{})
}
