package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/brand"
	"github.com/xentri/xentri/services/paging"
)

// Sites are the brand engine's content (services/brand): an org's sites
// and their pages, each page an ordered list of typed blocks saved as
// immutable versions. Publishing comes later.
type Sites struct {
	Brand *brand.Service
}

// Routes mounts the site and page routes (a Tenant context).
func (h *Sites) Routes(r chi.Router) {
	r.Get("/sites", inTenant(h.sites))
	r.Post("/sites", inTenant(h.createSite))
	r.Get("/sites/{siteID}", inTenant(h.site))
	r.Put("/sites/{siteID}", inTenant(h.updateSite))
	r.Get("/sites/{siteID}/pages", inTenant(h.pages))
	r.Post("/sites/{siteID}/pages", inTenant(h.createPage))
	r.Get("/pages/{pageID}", inTenant(h.page))
	r.Put("/pages/{pageID}", inTenant(h.updatePage))
	r.Delete("/pages/{pageID}", actOn("pageID", h.Brand.DeletePage))
	r.Get("/pages/{pageID}/versions", inTenant(h.versions))
	r.Post("/pages/{pageID}/versions/{n}/restore", inTenant(h.restore))
}

func respondSite(w http.ResponseWriter, status int, s brand.Site) {
	etag := versionETag(s.Version)
	if s.LiveReleaseID != nil {
		// A publish or rollback moves the live release without a new
		// version: the ETag names it too, so a revalidating GET sees the
		// change. If-Match takes either form back.
		etag = strings.TrimSuffix(etag, `"`) + "." + s.LiveReleaseID.String() + `"`
	}
	w.Header().Set("ETag", etag)
	respond(w, status, s, Meta{})
}

func respondPage(w http.ResponseWriter, status int, p brand.Page) {
	w.Header().Set("ETag", versionETag(p.Version))
	respond(w, status, p, Meta{})
}

func (h *Sites) sites(w http.ResponseWriter, r *http.Request, t tenant) {
	listIn(w, r, t, h.Brand.Sites)
}

func (h *Sites) createSite(w http.ResponseWriter, r *http.Request, t tenant) {
	var in brand.SiteInput
	if err := DecodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	s, err := h.Brand.CreateSite(r.Context(), t.tx, t.m, in)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/sites/"+s.ID.String())
	respondSite(w, http.StatusCreated, s)
}

func (h *Sites) site(w http.ResponseWriter, r *http.Request, t tenant) {
	id, err := uuidParam(r, "siteID")
	if err != nil {
		writeError(w, r, err)
		return
	}
	s, err := h.Brand.Site(r.Context(), t.tx, t.m, id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respondSite(w, http.StatusOK, s)
}

func (h *Sites) updateSite(w http.ResponseWriter, r *http.Request, t tenant) {
	id, err := uuidParam(r, "siteID")
	if err != nil {
		writeError(w, r, err)
		return
	}
	version, err := ifMatchOf(r, "site")
	if err != nil {
		writeError(w, r, err)
		return
	}
	var in brand.SiteUpdate
	if err := DecodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	s, err := h.Brand.UpdateSite(r.Context(), t.tx, t.m, id, in, version)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respondSite(w, http.StatusOK, s)
}

func (h *Sites) pages(w http.ResponseWriter, r *http.Request, t tenant) {
	id, err := uuidParam(r, "siteID")
	if err != nil {
		writeError(w, r, err)
		return
	}
	listIn(w, r, t, func(ctx context.Context, tx pgx.Tx, m access.Membership, p paging.Page) ([]brand.Page, string, error) {
		return h.Brand.Pages(ctx, tx, m, id, p)
	})
}

func (h *Sites) createPage(w http.ResponseWriter, r *http.Request, t tenant) {
	id, err := uuidParam(r, "siteID")
	if err != nil {
		writeError(w, r, err)
		return
	}
	var in brand.PageInput
	if err := DecodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	p, err := h.Brand.CreatePage(r.Context(), t.tx, t.m, id, in)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/pages/"+p.ID.String())
	respondPage(w, http.StatusCreated, p)
}

func (h *Sites) page(w http.ResponseWriter, r *http.Request, t tenant) {
	id, err := uuidParam(r, "pageID")
	if err != nil {
		writeError(w, r, err)
		return
	}
	p, err := h.Brand.Page(r.Context(), t.tx, t.m, id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respondPage(w, http.StatusOK, p)
}

func (h *Sites) updatePage(w http.ResponseWriter, r *http.Request, t tenant) {
	id, err := uuidParam(r, "pageID")
	if err != nil {
		writeError(w, r, err)
		return
	}
	version, err := ifMatchOf(r, "page")
	if err != nil {
		writeError(w, r, err)
		return
	}
	var in brand.PageInput
	if err := DecodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	p, err := h.Brand.UpdatePage(r.Context(), t.tx, t.m, id, in, version)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respondPage(w, http.StatusOK, p)
}

func (h *Sites) versions(w http.ResponseWriter, r *http.Request, t tenant) {
	id, err := uuidParam(r, "pageID")
	if err != nil {
		writeError(w, r, err)
		return
	}
	listIn(w, r, t, func(ctx context.Context, tx pgx.Tx, m access.Membership, p paging.Page) ([]brand.PageVersion, string, error) {
		return h.Brand.PageVersions(ctx, tx, m, id, p)
	})
}

func (h *Sites) restore(w http.ResponseWriter, r *http.Request, t tenant) {
	id, err := uuidParam(r, "pageID")
	if err != nil {
		writeError(w, r, err)
		return
	}
	n, err := versionParam(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	p, err := h.Brand.RestorePage(r.Context(), t.tx, t.m, id, n)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respondPage(w, http.StatusOK, p)
}
