package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/core"
)

// Members are an org's members and their roles (services/core/member.go).
type Members struct {
	Core *core.Service
}

// Routes mounts the member routes (a Tenant context).
func (h *Members) Routes(r chi.Router) {
	r.Get("/orgs/{orgID}/members", inTenant(func(w http.ResponseWriter, r *http.Request, t tenant) {
		listIn(w, r, t, h.Core.ListMembers)
	}))
	r.Post("/orgs/{orgID}/members", inTenant(h.add))
	r.Patch("/orgs/{orgID}/members/{userID}", inTenant(h.update))
	r.Delete("/orgs/{orgID}/members/{userID}", actOn("userID", h.Core.RemoveMember))
}

func (h *Members) add(w http.ResponseWriter, r *http.Request, t tenant) {
	var in struct {
		Email string `json:"email"`
		Role  string `json:"role"`
	}
	if err := DecodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	role, err := access.ParseRole(in.Role)
	if err != nil {
		writeError(w, r, err)
		return
	}
	member, err := h.Core.AddMember(r.Context(), t.tx, t.m, in.Email, role)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respond(w, http.StatusCreated, member, Meta{})
}

func (h *Members) update(w http.ResponseWriter, r *http.Request, t tenant) {
	userID, err := uuidParam(r, "userID")
	if err != nil {
		writeError(w, r, err)
		return
	}
	var in struct {
		Role string `json:"role"`
	}
	if err := DecodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	role, err := access.ParseRole(in.Role)
	if err != nil {
		writeError(w, r, err)
		return
	}
	member, err := h.Core.UpdateMember(r.Context(), t.tx, t.m, userID, role)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respond(w, http.StatusOK, member, Meta{})
}
