package api

import (
	"context"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"

	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/brand"
	"github.com/xentri/xentri/services/paging"
)

// Publishing is the brand engine's releases (services/brand/releases.go):
// publish through the site-publish/{site_id} workflow, the release list,
// rollback, scheduled publishes, and signed draft previews.
type Publishing struct {
	Publishing *brand.Publishing
	Preview    *brand.Preview
	Log        zerolog.Logger
}

// Routes mounts the publishing routes (a Tenant context).
func (h *Publishing) Routes(r chi.Router) {
	r.Post("/sites/{siteID}/publish", inTenant(h.publish))
	r.Get("/sites/{siteID}/releases", inTenant(h.releases))
	r.Get("/sites/{siteID}/releases/{releaseID}", inTenant(h.release))
	r.Post("/sites/{siteID}/rollback", inTenant(h.rollback))
	r.Get("/sites/{siteID}/schedules", inTenant(h.schedules))
	r.Post("/sites/{siteID}/schedules", inTenant(h.schedule))
	r.Delete("/sites/{siteID}/schedules/{scheduleID}", inTenant(h.cancelSchedule))
	r.Post("/sites/{siteID}/preview", inTenant(h.preview))
}

// publish answers 202: the publish runs in its workflow, queued behind
// the site's running publish if there is one.
func (h *Publishing) publish(w http.ResponseWriter, r *http.Request, t tenant) {
	id, err := uuidParam(r, "siteID")
	if err != nil {
		writeError(w, r, err)
		return
	}
	if err := DecodeOptionalJSON(r, &struct{}{}); err != nil {
		writeError(w, r, err)
		return
	}
	s, err := h.Publishing.Publish(r.Context(), t.tx, t.m, id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", s.StatusURL)
	respond(w, http.StatusAccepted, s, Meta{})
}

func (h *Publishing) releases(w http.ResponseWriter, r *http.Request, t tenant) {
	id, err := uuidParam(r, "siteID")
	if err != nil {
		writeError(w, r, err)
		return
	}
	listIn(w, r, t, func(ctx context.Context, tx pgx.Tx, m access.Membership, p paging.Page) ([]brand.Release, string, error) {
		return h.Publishing.Releases(ctx, tx, m, id, p)
	})
}

func (h *Publishing) release(w http.ResponseWriter, r *http.Request, t tenant) {
	siteID, err := uuidParam(r, "siteID")
	if err != nil {
		writeError(w, r, err)
		return
	}
	id, err := uuidParam(r, "releaseID")
	if err != nil {
		writeError(w, r, err)
		return
	}
	rel, err := h.Publishing.Release(r.Context(), t.tx, t.m, siteID, id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respond(w, http.StatusOK, rel, Meta{})
}

// RollbackInput names the release to make live again.
type RollbackInput struct {
	ReleaseID *string `json:"release_id"`
}

// Rolledback is the answer to a rollback: the release now live, and
// whether every cache dropped the old one (the CDN's webhook may fail; the
// site's own caches are dropped first).
type Rolledback struct {
	brand.Release
	Purged bool `json:"purged"`
}

// rollback swaps the live release in the org gate's transaction, then
// purges the caches once it has committed.
func (h *Publishing) rollback(w http.ResponseWriter, r *http.Request, t tenant) {
	siteID, err := uuidParam(r, "siteID")
	if err != nil {
		writeError(w, r, err)
		return
	}
	var in RollbackInput
	if err := DecodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	releaseID, err := requiredUUID(in.ReleaseID, "release_id")
	if err != nil {
		writeError(w, r, err)
		return
	}
	rel, purge, err := h.Publishing.Rollback(r.Context(), t.tx, t.m, siteID, releaseID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	t.afterCommit(deliver(func(ctx context.Context) (Rolledback, error) {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		out := Rolledback{Release: rel, Purged: true}
		if err := purge(ctx); err != nil {
			h.Log.Warn().Err(err).Str("site_id", siteID.String()).Msg("rollback committed; a cache was not purged")
			out.Purged = false
		}
		return out, nil
	}))
}

func (h *Publishing) schedules(w http.ResponseWriter, r *http.Request, t tenant) {
	id, err := uuidParam(r, "siteID")
	if err != nil {
		writeError(w, r, err)
		return
	}
	listIn(w, r, t, func(ctx context.Context, tx pgx.Tx, m access.Membership, p paging.Page) ([]brand.Schedule, string, error) {
		return h.Publishing.Schedules(ctx, tx, m, id, p)
	})
}

func (h *Publishing) schedule(w http.ResponseWriter, r *http.Request, t tenant) {
	id, err := uuidParam(r, "siteID")
	if err != nil {
		writeError(w, r, err)
		return
	}
	var in brand.ScheduleInput
	if err := DecodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	s, err := h.Publishing.CreateSchedule(r.Context(), t.tx, t.m, id, in)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respond(w, http.StatusCreated, s, Meta{})
}

func (h *Publishing) cancelSchedule(w http.ResponseWriter, r *http.Request, t tenant) {
	siteID, err := uuidParam(r, "siteID")
	if err != nil {
		writeError(w, r, err)
		return
	}
	id, err := uuidParam(r, "scheduleID")
	if err != nil {
		writeError(w, r, err)
		return
	}
	s, err := h.Publishing.CancelSchedule(r.Context(), t.tx, t.m, siteID, id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respond(w, http.StatusOK, s, Meta{})
}

// preview answers a signed, expiring link to the site's drafts.
func (h *Publishing) preview(w http.ResponseWriter, r *http.Request, t tenant) {
	id, err := uuidParam(r, "siteID")
	if err != nil {
		writeError(w, r, err)
		return
	}
	if err := DecodeOptionalJSON(r, &struct{}{}); err != nil {
		writeError(w, r, err)
		return
	}
	if h.Preview == nil {
		writeError(w, r, services.Errorf(services.Unavailable, "Previews are not configured here."))
		return
	}
	link, err := h.Preview.Link(r.Context(), t.tx, t.m, id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respond(w, http.StatusOK, link, Meta{})
}
