package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"github.com/xentri/xentri/internal/db"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/core"
	"github.com/xentri/xentri/services/sales"
)

// Public lead capture limits: a website's contact form, not a firehose.
const (
	captureMaxBody  = 16 << 10
	capturePerIP    = 10
	capturePerOrg   = 300
	captureWindow   = time.Minute
	captureHoneypot = "website" // a field people never see and bots fill in
)

type leadHandlers struct {
	sales   *sales.Service
	db      *db.DB
	limiter Limiter
}

func (h *leadHandlers) mountTenant(r chi.Router) {
	r.Get("/leads", h.list)
	r.Post("/leads", h.create)
	r.Get("/leads/{leadID}", h.get)
	r.Put("/leads/{leadID}", h.update)
	r.Post("/leads/{leadID}/status", h.setStatus)
	r.Get("/leads/{leadID}/activities", h.activities)
	r.Get("/leads/{leadID}/followups", h.followUps)
	r.Post("/leads/{leadID}/followups/snooze", h.snooze)
	r.Get("/settings/sales", h.getSettings)
	r.Put("/settings/sales", h.putSettings)
}

func (h *leadHandlers) getSettings(w http.ResponseWriter, r *http.Request) {
	tx, m := tenantFrom(r)
	set, err := h.sales.GetSettings(r.Context(), tx, m)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respond(w, http.StatusOK, set, Meta{})
}

func (h *leadHandlers) putSettings(w http.ResponseWriter, r *http.Request) {
	var in struct {
		FollowUpCadenceDays []int `json:"followup_cadence_days"`
	}
	if err := DecodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	tx, m := tenantFrom(r)
	set, err := h.sales.PutSettings(r.Context(), tx, m, sales.Settings{FollowUpCadenceDays: in.FollowUpCadenceDays})
	if err != nil {
		writeError(w, r, err)
		return
	}
	respond(w, http.StatusOK, set, Meta{})
}

func (h *leadHandlers) followUps(w http.ResponseWriter, r *http.Request) {
	id, err := uuidParam(r, "leadID")
	if err != nil {
		writeError(w, r, err)
		return
	}
	tx, m := tenantFrom(r)
	view, err := h.sales.FollowUps(r.Context(), tx, m, id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respond(w, http.StatusOK, view, Meta{})
}

func (h *leadHandlers) snooze(w http.ResponseWriter, r *http.Request) {
	id, err := uuidParam(r, "leadID")
	if err != nil {
		writeError(w, r, err)
		return
	}
	var in struct {
		Until time.Time `json:"until"`
	}
	if err := DecodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	tx, m := tenantFrom(r)
	if err := h.sales.Snooze(r.Context(), tx, m, id, in.Until); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *leadHandlers) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := sales.Filter{Status: optional(q.Get("status")), Source: optional(q.Get("source")), Query: optional(q.Get("q"))}
	listInTenant(w, r, func(ctx context.Context, tx pgx.Tx, m core.Membership, p core.Page) ([]sales.Lead, string, error) {
		return h.sales.List(ctx, tx, m, f, p)
	})
}

func (h *leadHandlers) create(w http.ResponseWriter, r *http.Request) {
	var in sales.LeadInput
	if err := DecodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	tx, m := tenantFrom(r)
	lead, err := h.sales.Create(r.Context(), tx, m, in)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/leads/"+lead.ID.String())
	respond(w, http.StatusCreated, lead, Meta{})
}

func (h *leadHandlers) get(w http.ResponseWriter, r *http.Request) {
	id, err := uuidParam(r, "leadID")
	if err != nil {
		writeError(w, r, err)
		return
	}
	tx, m := tenantFrom(r)
	lead, err := h.sales.Get(r.Context(), tx, m, id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respond(w, http.StatusOK, lead, Meta{})
}

func (h *leadHandlers) update(w http.ResponseWriter, r *http.Request) {
	id, err := uuidParam(r, "leadID")
	if err != nil {
		writeError(w, r, err)
		return
	}
	var in struct {
		sales.LeadInput
		Version *int32 `json:"version"`
	}
	if err := DecodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	if in.Version == nil {
		writeError(w, r, &services.Error{Code: services.Invalid, Message: "Send the version you read, so a concurrent change is not overwritten.",
			Fields: map[string]string{"version": "is required"}})
		return
	}
	tx, m := tenantFrom(r)
	lead, err := h.sales.Update(r.Context(), tx, m, id, *in.Version, in.LeadInput)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respond(w, http.StatusOK, lead, Meta{})
}

func (h *leadHandlers) setStatus(w http.ResponseWriter, r *http.Request) {
	id, err := uuidParam(r, "leadID")
	if err != nil {
		writeError(w, r, err)
		return
	}
	var in struct {
		Status     string  `json:"status"`
		Note       *string `json:"note"`
		LostReason *string `json:"lost_reason"`
	}
	if err := DecodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	tx, m := tenantFrom(r)
	lead, err := h.sales.SetStatus(r.Context(), tx, m, id, in.Status, in.Note, in.LostReason)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respond(w, http.StatusOK, lead, Meta{})
}

func (h *leadHandlers) activities(w http.ResponseWriter, r *http.Request) {
	id, err := uuidParam(r, "leadID")
	if err != nil {
		writeError(w, r, err)
		return
	}
	listInTenant(w, r, func(ctx context.Context, tx pgx.Tx, m core.Membership, p core.Page) ([]sales.Activity, string, error) {
		return h.sales.Activities(ctx, tx, m, id, p)
	})
}

// capture is a website's contact form: POST /public/orgs/{orgID}/leads,
// no login, rate-limited per client address and per org, with a honeypot.
func (h *leadHandlers) capture(w http.ResponseWriter, r *http.Request) {
	orgID, err := uuidParam(r, "orgID")
	if err != nil {
		writeError(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, captureMaxBody)
	var in struct {
		Name    string  `json:"name"`
		Email   *string `json:"email"`
		Phone   *string `json:"phone"`
		Company *string `json:"company"`
		Message *string `json:"message"`
		Trap    string  `json:"website"`
	}
	if err := DecodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	if !allowed(w, r, h.limiter, "capture:ip:"+clientIP(r), capturePerIP, captureWindow) ||
		!allowed(w, r, h.limiter, "capture:org:"+orgID.String(), capturePerOrg, captureWindow) {
		return
	}
	if in.Trap != "" {
		// A bot: answer as if it worked, keep nothing.
		respond(w, http.StatusAccepted, map[string]any{"received": true}, Meta{})
		return
	}
	err = h.db.InTenant(r.Context(), orgID, func(ctx context.Context, tx pgx.Tx) error {
		_, err := h.sales.Capture(ctx, tx, orgID, sales.LeadInput{Name: in.Name, Email: in.Email, Phone: in.Phone, Company: in.Company, Notes: in.Message})
		return err
	})
	var se *services.Error
	if errors.As(err, &se) && se.Code == services.Conflict {
		err = nil // a second form from the same address: already known, nothing to tell a stranger
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	respond(w, http.StatusAccepted, map[string]any{"received": true}, Meta{})
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
