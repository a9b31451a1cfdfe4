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
	r.Post("/notifications/{notificationID}/read", actOn("notificationID", h.Service.MarkRead))
}

func (h *Notifications) list(w http.ResponseWriter, r *http.Request, t tenant) {
	unread := r.URL.Query().Get("unread") == "true"
	listIn(w, r, t, func(ctx context.Context, tx pgx.Tx, m access.Membership, p paging.Page) ([]notification.Notification, string, error) {
		return h.Service.List(ctx, tx, m, unread, p)
	})
}
