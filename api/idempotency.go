package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/xentri/xentri/internal/idempotency"
	"github.com/xentri/xentri/internal/platform/logging"
	"github.com/xentri/xentri/services"
)

// The HTTP side of Idempotency-Key (package idempotency keeps the keys): a
// mutation with a key runs once per scope and key for 24 hours. The same
// key with the same request replays the stored answer (marked
// Idempotent-Replayed: true); with another request it is a 422; while the
// first is still running, a 409. Validation failures and server errors are
// not stored, so the client may fix the request and retry.
const replayHeader = "Idempotent-Replayed"

// storedHeaders are the response headers a replay repeats.
var storedHeaders = []string{"Content-Type", "Location", "Etag", "Cache-Control"}

// claimKey claims the request's Idempotency-Key in scope, or answers the
// request itself (replay, conflict, mismatch, bad key) and reports done. No
// key, or a safe method, claims nothing.
func claimKey(w http.ResponseWriter, r *http.Request, keys *idempotency.Store, scope idempotency.Scope,
	authorize func(context.Context, pgx.Tx) error) (*idempotency.Claim, bool) {
	key := r.Header.Get("Idempotency-Key")
	if key == "" || safeMethod(r.Method) || keys == nil {
		return nil, false
	}
	if !idempotency.ValidKey(key) {
		writeError(w, r, &services.Error{Code: services.Invalid, Message: "The Idempotency-Key must be 1 to 255 printable characters.",
			Fields: map[string]string{"Idempotency-Key": "is malformed"}})
		return nil, true
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, r, decodeError(err))
		return nil, true
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	claim, stored, err := keys.Claim(r.Context(), scope, key, idempotency.RequestHash(r.Method, r.URL.EscapedPath(), body), authorize)
	switch {
	case errors.Is(err, idempotency.ErrMismatch):
		writeError(w, r, services.Errorf(services.Unprocessable, "This Idempotency-Key was used for a different request; use a new key."))
	case errors.Is(err, idempotency.ErrInProgress):
		w.Header().Set("Retry-After", "1")
		writeError(w, r, services.Errorf(services.Conflict, "A request with this Idempotency-Key is still being processed; retry shortly."))
	case err != nil:
		writeError(w, r, err)
	case claim != nil:
		return claim, false
	default:
		for k, v := range stored.Header {
			w.Header().Set(k, v)
		}
		w.Header().Set(replayHeader, "true")
		w.WriteHeader(stored.Status)
		_, _ = w.Write(stored.Body)
	}
	return nil, true
}

// idempotent honours Idempotency-Key on a route outside an org, in the
// scope scopeOf names (the signed-in user's, or a sign-up's e-mail
// address); a request it names no scope for runs as it is. The effect
// commits in the service's own transaction and the answer is kept just
// after it: a process that dies in between leaves a running claim, which
// counts as abandoned after the store's StaleAfter and may then run again.
func idempotent(keys *idempotency.Store, scopeOf func(r *http.Request, body []byte) (idempotency.Scope, bool)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Idempotency-Key") == "" || safeMethod(r.Method) || keys == nil {
				next.ServeHTTP(w, r)
				return
			}
			body, err := io.ReadAll(r.Body)
			if err != nil {
				writeError(w, r, decodeError(err))
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			scope, ok := scopeOf(r, body)
			if !ok {
				next.ServeHTTP(w, r)
				return
			}
			claim, done := claimKey(w, r, keys, scope, nil)
			if done {
				return
			}
			buf := newBufferedResponse()
			next.ServeHTTP(buf, r)
			if buf.status >= 400 {
				settleRefusal(r.Context(), claim, buf)
			} else if err := claim.Keep(r.Context(), buf.answer()); err != nil {
				logging.Ctx(r.Context()).Error().Err(err).Msg("keeping an idempotent answer")
			}
			buf.flush(w)
		})
	}
}

// settleRefusal decides what a refused request leaves behind: a validation
// failure or server error releases the key for a corrected retry; any other
// refusal (404, 409, ...) is stored, as the request's answer.
func settleRefusal(ctx context.Context, c *idempotency.Claim, b *bufferedResponse) {
	if c == nil {
		return
	}
	switch {
	case b.status == http.StatusBadRequest, b.status == http.StatusRequestEntityTooLarge,
		b.status == http.StatusUnsupportedMediaType, b.status == http.StatusUnprocessableEntity, b.status >= 500:
		release(ctx, c)
		return
	}
	if err := c.Keep(ctx, b.answer()); err != nil {
		logging.Ctx(ctx).Error().Err(err).Msg("storing an idempotent answer")
	}
}

// release frees the claim so the key can be used again.
func release(ctx context.Context, c *idempotency.Claim) {
	if c == nil {
		return
	}
	if err := c.Release(ctx); err != nil {
		logging.Ctx(ctx).Error().Err(err).Msg("releasing an idempotency key")
	}
}

// answer is the response as the idempotency store keeps it.
func (b *bufferedResponse) answer() idempotency.Answer {
	h := map[string]string{}
	for _, k := range storedHeaders {
		if v := b.header.Get(k); v != "" {
			h[k] = v
		}
	}
	return idempotency.Answer{Status: cmpStatus(b.status), Header: h, Body: b.body.Bytes()}
}

// byUser scopes a signed-in user's keys to them; API tokens and anonymous
// callers have no scope here.
func byUser(r *http.Request, _ []byte) (idempotency.Scope, bool) {
	p, ok := principalFrom(r.Context())
	if !ok || p.Token != nil {
		return idempotency.Scope{}, false
	}
	return idempotency.User(p.UserID), true
}

// bySignUpEmail scopes a sign-up's key to the address it signs up: nobody
// is signed in yet. A body without one has no scope (and fails validation).
func bySignUpEmail(_ *http.Request, body []byte) (idempotency.Scope, bool) {
	var in struct {
		Email string `json:"email"`
	}
	if json.Unmarshal(body, &in) != nil || in.Email == "" {
		return idempotency.Scope{}, false
	}
	return idempotency.Email(in.Email), true
}

// byOrgInPath scopes a public form's keys to the org in its path.
func byOrgInPath(r *http.Request, _ []byte) (idempotency.Scope, bool) {
	id, err := uuid.Parse(chi.URLParam(r, "orgID"))
	if err != nil || id == uuid.Nil {
		return idempotency.Scope{}, false
	}
	return idempotency.Form(id), true
}
