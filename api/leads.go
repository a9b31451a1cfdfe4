package api

import (
	"context"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"github.com/xentri/xentri/internal/idempotency"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/paging"
	"github.com/xentri/xentri/services/sales"
)

// Leads are the org's CRM (services/sales/service.go): leads, their status
// and timeline, their follow-ups (services/sales/followup.go) and the org's
// sales settings (services/sales/settings.go).
type Leads struct {
	Sales *sales.Service
}

// Routes mounts the lead routes (a Tenant context).
func (h *Leads) Routes(r chi.Router) {
	r.Get("/leads", inTenant(h.list))
	r.Get("/leads/summary", inTenant(h.summary))
	r.Post("/leads", inTenant(h.create))
	r.Get("/leads/{leadID}", inTenant(h.get))
	r.Put("/leads/{leadID}", inTenant(h.update))
	r.Post("/leads/{leadID}/status", inTenant(h.setStatus))
	r.Get("/leads/{leadID}/activities", inTenant(h.activities))
	r.Get("/leads/{leadID}/followups", inTenant(h.followUps))
	r.Post("/leads/{leadID}/followups/snooze", inTenant(h.snooze))
	r.Get("/settings/sales", inTenant(h.getSettings))
	r.Put("/settings/sales", inTenant(h.putSettings))
}

func filterOf(r *http.Request) sales.Filter {
	q := r.URL.Query()
	return sales.Filter{Status: optional(q.Get("status")), Source: optional(q.Get("source")), Query: optional(q.Get("q"))}
}

// summary answers the board's columns: leads and value by status.
func (h *Leads) summary(w http.ResponseWriter, r *http.Request, t tenant) {
	cols, err := h.Sales.Summary(r.Context(), t.tx, t.m, filterOf(r))
	if err != nil {
		writeError(w, r, err)
		return
	}
	respond(w, http.StatusOK, cols, Meta{})
}

func (h *Leads) list(w http.ResponseWriter, r *http.Request, t tenant) {
	f := filterOf(r)
	listIn(w, r, t, func(ctx context.Context, tx pgx.Tx, m access.Membership, p paging.Page) ([]sales.Lead, string, error) {
		return h.Sales.List(ctx, tx, m, f, p)
	})
}

func (h *Leads) create(w http.ResponseWriter, r *http.Request, t tenant) {
	var in sales.LeadInput
	if err := DecodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	lead, err := h.Sales.Create(r.Context(), t.tx, t.m, in)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/leads/"+lead.ID.String())
	respond(w, http.StatusCreated, lead, Meta{})
}

func (h *Leads) get(w http.ResponseWriter, r *http.Request, t tenant) {
	id, err := uuidParam(r, "leadID")
	if err != nil {
		writeError(w, r, err)
		return
	}
	lead, err := h.Sales.Get(r.Context(), t.tx, t.m, id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respond(w, http.StatusOK, lead, Meta{})
}

func (h *Leads) update(w http.ResponseWriter, r *http.Request, t tenant) {
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
	lead, err := h.Sales.Update(r.Context(), t.tx, t.m, id, *in.Version, in.LeadInput)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respond(w, http.StatusOK, lead, Meta{})
}

func (h *Leads) setStatus(w http.ResponseWriter, r *http.Request, t tenant) {
	id, err := uuidParam(r, "leadID")
	if err != nil {
		writeError(w, r, err)
		return
	}
	var in struct {
		Status     string  `json:"status"`
		Note       *string `json:"note"`
		LostReason *string `json:"lost_reason"`
		// Version, when sent, is the version the caller read: a stale one
		// is a 412 (a board's drag of a card another user moved).
		Version int32 `json:"version"`
	}
	if err := DecodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	lead, err := h.Sales.SetStatus(r.Context(), t.tx, t.m, id, in.Status, in.Note, in.LostReason, in.Version)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respond(w, http.StatusOK, lead, Meta{})
}

func (h *Leads) activities(w http.ResponseWriter, r *http.Request, t tenant) {
	id, err := uuidParam(r, "leadID")
	if err != nil {
		writeError(w, r, err)
		return
	}
	listIn(w, r, t, func(ctx context.Context, tx pgx.Tx, m access.Membership, p paging.Page) ([]sales.Activity, string, error) {
		return h.Sales.Activities(ctx, tx, m, id, p)
	})
}

func (h *Leads) followUps(w http.ResponseWriter, r *http.Request, t tenant) {
	id, err := uuidParam(r, "leadID")
	if err != nil {
		writeError(w, r, err)
		return
	}
	view, err := h.Sales.FollowUps(r.Context(), t.tx, t.m, id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respond(w, http.StatusOK, view, Meta{})
}

func (h *Leads) snooze(w http.ResponseWriter, r *http.Request, t tenant) {
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
	if err := h.Sales.Snooze(r.Context(), t.tx, t.m, id, in.Until); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Leads) getSettings(w http.ResponseWriter, r *http.Request, t tenant) {
	set, err := h.Sales.GetSettings(r.Context(), t.tx, t.m)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respond(w, http.StatusOK, set, Meta{})
}

func (h *Leads) putSettings(w http.ResponseWriter, r *http.Request, t tenant) {
	var in struct {
		FollowUpCadenceDays []int `json:"followup_cadence_days"`
	}
	if err := DecodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	set, err := h.Sales.PutSettings(r.Context(), t.tx, t.m, sales.Settings{FollowUpCadenceDays: in.FollowUpCadenceDays})
	if err != nil {
		writeError(w, r, err)
		return
	}
	respond(w, http.StatusOK, set, Meta{})
}

// Public lead capture limits: a website's contact form, not a firehose.
const (
	captureMaxBody  = 16 << 10
	capturePerIP    = 10
	capturePerOrg   = 300
	captureWindow   = time.Minute
	captureHoneypot = "website" // a field people never see and bots fill in
)

// LeadForm is a website's contact form: POST /public/orgs/{orgID}/leads,
// no login, rate-limited per client address and per org, with a honeypot.
type LeadForm struct {
	Sales       *sales.Service
	Limiter     Limiter
	Idempotency *idempotency.Store
}

// Routes mounts the form (a Public context). A retried form with an
// Idempotency-Key is kept among the org's keys.
func (h *LeadForm) Routes(r chi.Router) {
	r.With(idempotent(h.Idempotency, byOrgInPath)).Post("/public/orgs/{orgID}/leads", h.capture)
}

func (h *LeadForm) capture(w http.ResponseWriter, r *http.Request) {
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
	if !allowed(w, r, h.Limiter, "capture:ip:"+clientIP(r), capturePerIP, captureWindow) ||
		!allowed(w, r, h.Limiter, "capture:org:"+orgID.String(), capturePerOrg, captureWindow) {
		return
	}
	if in.Trap == "" {
		err = h.Sales.Capture(r.Context(), orgID, sales.LeadInput{Name: in.Name, Email: in.Email, Phone: in.Phone, Company: in.Company, Notes: in.Message})
		if err != nil {
			writeError(w, r, err)
			return
		}
	} // else a bot: answer as if it worked, keep nothing
	respond(w, http.StatusAccepted, Received{Received: true}, Meta{})
}

// Received is the form's answer: it tells a stranger nothing more.
type Received struct {
	Received bool `json:"received"`
}
