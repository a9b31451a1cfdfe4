package api

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/notification"
	"github.com/xentri/xentri/services/paging"
)

// Notifications are the org's bell (services/notification).
type Notifications struct {
	Service *notification.Service
}

// Routes mounts the notification routes (a Tenant context).
func (h *Notifications) Routes(r chi.Router) {
	r.Get("/notifications", inTenant(h.list))
	r.Get("/notifications/unread", inTenant(h.unread))
	r.Post("/notifications/read", inTenant(h.readAll))
	r.Post("/notifications/{notificationID}/read", actOn("notificationID", h.Service.MarkRead))
}

func (h *Notifications) list(w http.ResponseWriter, r *http.Request, t tenant) {
	unread := r.URL.Query().Get("unread") == "true"
	listIn(w, r, t, func(ctx context.Context, tx pgx.Tx, m access.Membership, p paging.Page) ([]notification.Notification, string, error) {
		return h.Service.List(ctx, tx, m, unread, p)
	})
}

// Unread is the bell's badge.
type Unread struct {
	Unread int `json:"unread"`
}

func (h *Notifications) unread(w http.ResponseWriter, r *http.Request, t tenant) {
	n, err := h.Service.Unread(r.Context(), t.tx, t.m)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respond(w, http.StatusOK, Unread{Unread: n}, Meta{})
}

// MarkedRead says how many notifications a "mark all read" marked.
type MarkedRead struct {
	Marked int `json:"marked"`
}

func (h *Notifications) readAll(w http.ResponseWriter, r *http.Request, t tenant) {
	if err := DecodeOptionalJSON(r, &struct{}{}); err != nil {
		writeError(w, r, err)
		return
	}
	n, err := h.Service.MarkAllRead(r.Context(), t.tx, t.m)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respond(w, http.StatusOK, MarkedRead{Marked: n}, Meta{})
}
