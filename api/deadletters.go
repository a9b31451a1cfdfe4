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
	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/ops"
	"github.com/xentri/xentri/services/paging"
)

// DeadLetters are an org's failed workflow runs, for its owners and admins
// (services/ops/deadletters.go).
type DeadLetters struct {
	Ops *ops.Service
}

// Routes mounts the org's dead-letter routes (a Tenant context).
func (h *DeadLetters) Routes(r chi.Router) {
	r.Get("/ops/dead-letters", inTenant(h.list))
	r.Post("/ops/dead-letters/{deadLetterID}/redrive", inTenant(h.redrive))
	r.Post("/ops/dead-letters/{deadLetterID}/discard", actOn("deadLetterID", h.Ops.Discard))
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

func (h *DeadLetters) list(w http.ResponseWriter, r *http.Request, t tenant) {
	status, err := letterStatus(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	listIn(w, r, t, func(ctx context.Context, tx pgx.Tx, m access.Membership, p paging.Page) ([]ops.DeadLetter, string, error) {
		return h.Ops.List(ctx, tx, m, status, p)
	})
}

func (h *DeadLetters) redrive(w http.ResponseWriter, r *http.Request, t tenant) {
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
	d, err := h.Ops.Redrive(r.Context(), t.tx, t.m, id, in.Input)
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

// OperatorDeadLetters is the platform operator's view of every org's dead
// letters, each call one db.AsOperator transaction.
type OperatorDeadLetters struct {
	DB            *db.DB
	Ops           *ops.Service
	OperatorToken string
}

// Routes mounts the operator's dead-letter routes (a Public context that
// checks the operator token itself).
func (h *OperatorDeadLetters) Routes(r chi.Router) {
	r.Use(requireOperator(h.OperatorToken))
	r.Get("/system/dead-letters", h.list)
	r.Get("/system/dead-letters/{deadLetterID}", h.show)
	r.Post("/system/dead-letters/{deadLetterID}/redrive", h.redrive)
	r.Post("/system/dead-letters/{deadLetterID}/discard", h.discard)
}

func (h *OperatorDeadLetters) list(w http.ResponseWriter, r *http.Request) {
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
	err = h.DB.AsOperator(r.Context(), func(ctx context.Context, tx pgx.Tx) (err error) {
		items, next, err = h.Ops.OperatorList(ctx, tx, org, status, page)
		return err
	})
	if err != nil {
		writeError(w, r, err)
		return
	}
	respondList(w, items, next)
}

func (h *OperatorDeadLetters) show(w http.ResponseWriter, r *http.Request) {
	h.one(w, r, http.StatusOK, h.Ops.OperatorShow)
}

func (h *OperatorDeadLetters) discard(w http.ResponseWriter, r *http.Request) {
	h.one(w, r, http.StatusOK, h.Ops.OperatorDiscard)
}

func (h *OperatorDeadLetters) redrive(w http.ResponseWriter, r *http.Request) {
	var in redriveRequest
	if err := DecodeOptionalJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	h.one(w, r, http.StatusAccepted, func(ctx context.Context, tx pgx.Tx, id uuid.UUID) (ops.DeadLetter, error) {
		return h.Ops.OperatorRedrive(ctx, tx, id, in.Input)
	})
}

// one runs do on the dead letter named in the path, as the operator.
func (h *OperatorDeadLetters) one(w http.ResponseWriter, r *http.Request, status int,
	do func(context.Context, pgx.Tx, uuid.UUID) (ops.DeadLetter, error)) {
	id, err := uuidParam(r, "deadLetterID")
	if err != nil {
		writeError(w, r, err)
		return
	}
	var d ops.DeadLetter
	err = h.DB.AsOperator(r.Context(), func(ctx context.Context, tx pgx.Tx) (err error) {
		d, err = do(ctx, tx, id)
		return err
	})
	if err != nil {
		writeError(w, r, err)
		return
	}
	respond(w, status, d, Meta{})
}
