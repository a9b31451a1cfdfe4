package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/xentri/xentri/internal/platform/logging"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/paging"
)

// What handlers share: reading paths and pages, answering lists and 204s,
// and rate limits.

// pageOf reads ?limit= (default 50, at most 200) and ?cursor=.
func pageOf(r *http.Request) (paging.Page, error) {
	page := paging.Page{Limit: paging.DefaultLimit}
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > paging.MaxLimit {
			return page, &services.Error{Code: services.Invalid, Message: "limit must be an integer from 1 to 200.",
				Fields: map[string]string{"limit": "must be 1 to 200"}}
		}
		page.Limit = n
	}
	if s := r.URL.Query().Get("cursor"); s != "" {
		id, err := paging.DecodeCursor(s)
		if err != nil {
			return page, err
		}
		page.After = &id
	}
	return page, nil
}

// listIn answers one page of a tenant list.
func listIn[T any](w http.ResponseWriter, r *http.Request, t tenant,
	list func(context.Context, pgx.Tx, access.Membership, paging.Page) ([]T, string, error)) {
	page, err := pageOf(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	items, next, err := list(r.Context(), t.tx, t.m, page)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respondList(w, items, next)
}

// respondList answers a page in the envelope, with the next cursor in meta.
func respondList[T any](w http.ResponseWriter, items []T, next string) {
	if items == nil {
		items = []T{}
	}
	respond(w, http.StatusOK, items, Meta{NextCursor: next})
}

// actOn answers 204 once act has done what a tenant route asks of the
// resource named by the path parameter param.
func actOn(param string, act func(context.Context, pgx.Tx, access.Membership, uuid.UUID) error) http.HandlerFunc {
	return inTenant(func(w http.ResponseWriter, r *http.Request, t tenant) {
		id, err := uuidParam(r, param)
		if err != nil {
			writeError(w, r, err)
			return
		}
		if err := act(r.Context(), t.tx, t.m, id); err != nil {
			writeError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// uuidParam reads the path parameter name (such as leadID) as a UUID. What
// is not one, or is the nil UUID, names nothing: a 404 like any unknown id.
func uuidParam(r *http.Request, name string) (uuid.UUID, error) {
	what := strings.TrimSuffix(name, "ID")
	id, err := uuid.Parse(chi.URLParam(r, name))
	switch {
	case err != nil:
		return uuid.Nil, services.Errorf(services.NotFound, "No such %s: the id is not a UUID.", what)
	case id == uuid.Nil:
		return uuid.Nil, services.Errorf(services.NotFound, "No such %s.", what)
	}
	return id, nil
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Limiter rate-limits by key (cache.RateLimiter).
type Limiter interface {
	Allow(ctx context.Context, key string, limit int, window time.Duration) (bool, time.Duration, error)
}

// allowed counts one request against key's limit of n per window, and
// answers a 429 with Retry-After when it is over. With Redis down the
// request goes through (a password still has to match, a form still has its
// honeypot) rather than locking everyone out.
func allowed(w http.ResponseWriter, r *http.Request, l Limiter, key string, n int, window time.Duration) bool {
	ok, retry, err := l.Allow(r.Context(), key, n, window)
	if err != nil {
		logging.Ctx(r.Context()).Warn().Err(err).Msg("rate limiter unavailable")
		return true
	}
	if !ok {
		secs := int(retry.Seconds()) + 1
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		writeError(w, r, services.Errorf(services.RateLimited, "Too many attempts; try again in %d seconds.", secs))
	}
	return ok
}

// normKey keys a limit by a hash of an e-mail address: no address lands in
// Redis.
func normKey(email string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email))))
	return hex.EncodeToString(sum[:12])
}

// requiredUUID reads a body field that must be a UUID.
func requiredUUID(s *string, field string) (uuid.UUID, error) {
	if s == nil || *s == "" {
		return uuid.Nil, &services.Error{Code: services.Invalid, Message: "Send " + field + ".", Fields: map[string]string{field: "is required"}}
	}
	id, err := uuid.Parse(*s)
	if err != nil || id == uuid.Nil {
		return uuid.Nil, &services.Error{Code: services.Invalid, Message: field + " is not a UUID.", Fields: map[string]string{field: "must be a UUID"}}
	}
	return id, nil
}
