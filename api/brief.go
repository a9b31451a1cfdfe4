package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"github.com/xentri/xentri/contracts"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/brief"
	"github.com/xentri/xentri/services/paging"
)

// Brief is the org's Universal Brief (services/brief): its versions, edits
// by hand, proposals and category contexts. Generation with the AI engine
// (POST /brief/generate, POST /brief/sections/{sectionId}/propose) is
// mounted with the co-pilot (api.Copilot).
type Brief struct {
	Brief *brief.Service
}

// Routes mounts the Brief's routes (a Tenant context).
func (h *Brief) Routes(r chi.Router) {
	r.Get("/brief", inTenant(h.current))
	r.Get("/brief/schema", inTenant(h.schema))
	r.Get("/brief/versions", inTenant(h.versions))
	r.Get("/brief/versions/{n}", inTenant(h.version))
	r.Get("/brief/versions/{n}/diff", inTenant(h.diff))
	r.Post("/brief/versions/{n}/restore", inTenant(h.restore))
	r.Put("/brief/sections/{sectionId}", inTenant(h.editSection))
	r.Post("/brief/sections/{sectionId}/proposals", inTenant(h.propose))
	r.Get("/brief/contexts/{category}", inTenant(h.context))
	r.Get("/brief/proposals", inTenant(h.proposals))
	r.Get("/brief/proposals/{proposalID}", inTenant(h.proposal))
	r.Post("/brief/proposals/{proposalID}/accept", inTenant(h.accept))
	r.Post("/brief/proposals/{proposalID}/reject", inTenant(h.reject))
}

// respondBrief answers the Brief with its version as the ETag.
func respondBrief(w http.ResponseWriter, status int, b brief.Brief) {
	w.Header().Set("ETag", versionETag(b.Version))
	respond(w, status, b, Meta{})
}

func (h *Brief) current(w http.ResponseWriter, r *http.Request, t tenant) {
	b, err := h.Brief.Current(r.Context(), t.tx, t.m)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respondBrief(w, http.StatusOK, b)
}

func (h *Brief) schema(w http.ResponseWriter, r *http.Request, t tenant) {
	if err := t.m.Need(access.ScopeBriefRead); err != nil {
		writeError(w, r, err)
		return
	}
	respond(w, http.StatusOK, json.RawMessage(contracts.BriefSchema), Meta{})
}

func (h *Brief) versions(w http.ResponseWriter, r *http.Request, t tenant) {
	listIn(w, r, t, h.Brief.Versions)
}

// versionParam reads {n}, a version number: what is not a whole number
// from 1 names no version.
func versionParam(r *http.Request) (int, error) {
	s := chi.URLParam(r, "n")
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || strconv.Itoa(n) != s {
		return 0, services.Errorf(services.NotFound, "No such version: a version is a whole number from 1, such as 3.")
	}
	return n, nil
}

func (h *Brief) version(w http.ResponseWriter, r *http.Request, t tenant) {
	n, err := versionParam(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	v, err := h.Brief.Version(r.Context(), t.tx, t.m, n)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respond(w, http.StatusOK, v, Meta{})
}

func (h *Brief) diff(w http.ResponseWriter, r *http.Request, t tenant) {
	n, err := versionParam(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var from *int
	if s := r.URL.Query().Get("from"); s != "" {
		m, err := strconv.Atoi(s)
		if err != nil || m < 0 || strconv.Itoa(m) != s {
			writeError(w, r, &services.Error{Code: services.Invalid, Message: "from must be a version number, or 0 for the empty Brief.",
				Fields: map[string]string{"from": "must be a whole number from 0"}})
			return
		}
		from = &m
	}
	d, err := h.Brief.Diff(r.Context(), t.tx, t.m, n, from)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respond(w, http.StatusOK, d, Meta{})
}

func (h *Brief) restore(w http.ResponseWriter, r *http.Request, t tenant) {
	n, err := versionParam(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	b, err := h.Brief.Restore(r.Context(), t.tx, t.m, n)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respondBrief(w, http.StatusOK, b)
}

// sectionParam reads {sectionId}, a section of the Brief.
func sectionParam(r *http.Request) (string, error) {
	id := chi.URLParam(r, "sectionId")
	if !brief.KnownSection(id) {
		return "", services.Errorf(services.NotFound, "The Brief has no such section; its sections are %s.", strings.Join(brief.Sections(), ", "))
	}
	return id, nil
}

// ifMatchVersion reads If-Match: the ETag of the Brief version the edit
// is based on, "v3" (quotes included), as GET /brief sent it. It is
// required: a Brief always exists once it can be edited.
func ifMatchVersion(r *http.Request) (int, error) {
	n, err := ifMatchOf(r, "Brief")
	if err == nil && n == 0 {
		return 0, &services.Error{Code: services.Invalid, Message: `Send If-Match with the ETag of the Brief you read (such as "v3"), so a concurrent change is not overwritten.`,
			Fields: map[string]string{"If-Match": "is required"}}
	}
	return n, err
}

func (h *Brief) editSection(w http.ResponseWriter, r *http.Request, t tenant) {
	section, err := sectionParam(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	version, err := ifMatchVersion(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var in struct {
		Fields map[string]json.RawMessage `json:"fields"`
	}
	if err := DecodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	b, err := h.Brief.EditSection(r.Context(), t.tx, t.m, section, in.Fields, version)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respondBrief(w, http.StatusOK, b)
}

func (h *Brief) propose(w http.ResponseWriter, r *http.Request, t tenant) {
	section, err := sectionParam(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var in struct {
		Fields      map[string]json.RawMessage `json:"fields"`
		Instruction *string                    `json:"instruction"`
	}
	if err := DecodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	p, err := h.Brief.Propose(r.Context(), t.tx, t.m, section, in.Fields, in.Instruction)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/brief/proposals/"+p.ID.String())
	respond(w, http.StatusCreated, p, Meta{})
}

func (h *Brief) context(w http.ResponseWriter, r *http.Request, t tenant) {
	c, err := h.Brief.Context(r.Context(), t.tx, t.m, chi.URLParam(r, "category"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	respond(w, http.StatusOK, c, Meta{})
}

func (h *Brief) proposals(w http.ResponseWriter, r *http.Request, t tenant) {
	status := optional(r.URL.Query().Get("status"))
	listIn(w, r, t, func(ctx context.Context, tx pgx.Tx, m access.Membership, p paging.Page) ([]brief.Proposal, string, error) {
		return h.Brief.Proposals(ctx, tx, m, status, p)
	})
}

func (h *Brief) proposal(w http.ResponseWriter, r *http.Request, t tenant) {
	id, err := uuidParam(r, "proposalID")
	if err != nil {
		writeError(w, r, err)
		return
	}
	p, err := h.Brief.Proposal(r.Context(), t.tx, t.m, id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respond(w, http.StatusOK, p, Meta{})
}

func (h *Brief) accept(w http.ResponseWriter, r *http.Request, t tenant) {
	id, err := uuidParam(r, "proposalID")
	if err != nil {
		writeError(w, r, err)
		return
	}
	p, err := h.Brief.Accept(r.Context(), t.tx, t.m, id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respond(w, http.StatusOK, p, Meta{})
}

func (h *Brief) reject(w http.ResponseWriter, r *http.Request, t tenant) {
	id, err := uuidParam(r, "proposalID")
	if err != nil {
		writeError(w, r, err)
		return
	}
	var in struct {
		Reason *string `json:"reason"`
	}
	if err := DecodeOptionalJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	p, err := h.Brief.Reject(r.Context(), t.tx, t.m, id, in.Reason)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respond(w, http.StatusOK, p, Meta{})
}
