package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/xentri/xentri/internal/db"
	"github.com/xentri/xentri/internal/db/dbsqlc"
	"github.com/xentri/xentri/internal/platform/logging"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/core"
)

// OrgHeader names the org a tenant request acts in (seed ADR-003).
const OrgHeader = "X-Org-Id"

// MembershipChecker says what role a user has in the org of a tenant
// transaction (core.Service).
type MembershipChecker interface {
	MemberRole(ctx context.Context, tx pgx.Tx, orgID, userID uuid.UUID) (core.Role, error)
}

type tenantKey struct{}

type tenant struct {
	tx pgx.Tx
	m  core.Membership
}

// tenantFrom returns the transaction and membership the org gate opened.
func tenantFrom(r *http.Request) (pgx.Tx, core.Membership) {
	t := r.Context().Value(tenantKey{}).(tenant)
	return t.tx, t.m
}

// orgGate guards every tenant route: an x-org-id that parses, a caller who
// belongs to that org (or an API token of it), then one tenant transaction
// around the handler, a unit of work: the handler's response is held back
// until the transaction commits, and an error response rolls it back. An
// Idempotency-Key makes retries of a mutation safe (see idempotency).
func orgGate(d *db.DB, members MembershipChecker, staleAfter time.Duration) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, ok := principalFrom(r.Context())
			if !ok {
				writeError(w, r, unauthenticated("Sign in first: send a bearer token or the session cookie."))
				return
			}
			orgID, err := orgOf(r)
			if err != nil {
				writeError(w, r, err)
				return
			}
			if p.Token != nil && p.Token.OrgID != orgID {
				writeError(w, r, core.ErrNotMember)
				return
			}
			ctx := logging.WithOrgID(r.Context(), orgID.String())
			r = r.WithContext(ctx)
			member := func(ctx context.Context, tx pgx.Tx) (core.Membership, error) {
				m := core.Membership{OrgID: orgID, Principal: p}
				if p.Token != nil {
					return m, nil
				}
				role, err := members.MemberRole(ctx, tx, orgID, p.UserID)
				m.Role = role
				return m, err
			}

			idem, done := claimIdempotencyKey(w, r, d, orgID, member, staleAfter)
			if done {
				return
			}
			buf := newBufferedResponse()
			errRollback := errors.New("handler answered an error")
			err = d.InTenant(ctx, orgID, func(ctx context.Context, tx pgx.Tx) error {
				m, err := member(ctx, tx)
				if err != nil {
					return err
				}
				next.ServeHTTP(buf, r.WithContext(context.WithValue(ctx, tenantKey{}, tenant{tx: tx, m: m})))
				if buf.status >= 400 {
					return errRollback
				}
				if idem != nil {
					return idem.complete(ctx, tx, buf)
				}
				return nil
			})
			switch {
			case err == nil:
			case errors.Is(err, errRollback):
				idem.settleFailure(ctx, d, orgID, buf)
			default:
				idem.release(ctx, d, orgID)
				writeError(w, r, err)
				return
			}
			buf.flush(w)
		})
	}
}

// orgOf reads x-org-id, and checks it against an {orgID} in the path.
func orgOf(r *http.Request) (uuid.UUID, error) {
	raw := r.Header.Get(OrgHeader)
	if raw == "" {
		return uuid.Nil, &services.Error{Code: services.Invalid, Message: "This request acts in an organisation: send its id in the x-org-id header.",
			Fields: map[string]string{"x-org-id": "is required"}}
	}
	id, err := uuid.Parse(raw)
	if err != nil || id == uuid.Nil {
		return uuid.Nil, &services.Error{Code: services.Invalid, Message: "The x-org-id header must be an organisation id (a UUID).",
			Fields: map[string]string{"x-org-id": "must be a UUID"}}
	}
	if inPath := chi.URLParam(r, "orgID"); inPath != "" && inPath != id.String() {
		return uuid.Nil, &services.Error{Code: services.Invalid, Message: "The x-org-id header must name the organisation in the path.",
			Fields: map[string]string{"x-org-id": "differs from the path"}}
	}
	return id, nil
}

// bufferedResponse holds a handler's answer until its transaction ends.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newBufferedResponse() *bufferedResponse { return &bufferedResponse{header: http.Header{}} }

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

func (b *bufferedResponse) flush(w http.ResponseWriter) {
	for k, v := range b.header {
		w.Header()[k] = v
	}
	w.WriteHeader(cmpStatus(b.status))
	_, _ = w.Write(b.body.Bytes())
}

func cmpStatus(s int) int {
	if s == 0 {
		return http.StatusOK
	}
	return s
}

// Idempotency (IETF draft "The Idempotency-Key HTTP Header Field"): a
// mutation with an Idempotency-Key runs once per org and key for 24 hours.
// The same key with the same request replays the stored answer (marked
// Idempotent-Replayed: true); with another request it is a 422; while the
// first is still running, a 409. The answer is stored in the transaction of
// the effect, so either both happen or neither does. Validation failures and
// server errors are not stored, so the client may fix the request and retry.
const replayHeader = "Idempotent-Replayed"

// storedHeaders are the response headers a replay repeats.
var storedHeaders = []string{"Content-Type", "Location", "Etag", "Cache-Control"}

type idempotencyClaim struct {
	id uuid.UUID
}

// claimIdempotencyKey claims the request's key, or answers the request
// itself (replay, conflict, mismatch, bad key) and reports done.
func claimIdempotencyKey(w http.ResponseWriter, r *http.Request, d *db.DB, orgID uuid.UUID,
	member func(context.Context, pgx.Tx) (core.Membership, error), staleAfter time.Duration) (*idempotencyClaim, bool) {
	key := r.Header.Get("Idempotency-Key")
	if key == "" || safeMethod(r.Method) {
		return nil, false
	}
	if len(key) > 255 || !printable(key) {
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
	sum := sha256.New()
	io.WriteString(sum, r.Method+" "+r.URL.EscapedPath()+"\n")
	sum.Write(body)
	hash := sum.Sum(nil)

	var (
		claim  *idempotencyClaim
		stored *dbsqlc.GetIdempotencyKeyRow
	)
	err = d.InTenant(r.Context(), orgID, func(ctx context.Context, tx pgx.Tx) error {
		// Only members may claim keys or read stored answers.
		if _, err := member(ctx, tx); err != nil {
			return err
		}
		q := dbsqlc.New(tx)
		for range 2 {
			id, err := q.ClaimIdempotencyKey(ctx, dbsqlc.ClaimIdempotencyKeyParams{ID: uuid.New(), OrgID: orgID, Key: key, RequestHash: hash})
			if err == nil {
				claim = &idempotencyClaim{id: id}
				return nil
			}
			if !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
			rec, err := q.GetIdempotencyKey(ctx, dbsqlc.GetIdempotencyKeyParams{OrgID: orgID, Key: key, StaleSeconds: staleAfter.Seconds()})
			if errors.Is(err, pgx.ErrNoRows) {
				continue // released in between: claim again
			}
			if err != nil {
				return err
			}
			if rec.Expired || rec.Abandoned {
				if err := q.DeleteIdempotencyKey(ctx, rec.ID); err != nil {
					return err
				}
				continue
			}
			stored = &rec
			return nil
		}
		return errors.New("idempotency key: could not claim")
	})
	switch {
	case err != nil:
		writeError(w, r, err)
		return nil, true
	case claim != nil:
		return claim, false
	case !bytes.Equal(stored.RequestHash, hash):
		writeError(w, r, services.Errorf(services.Unprocessable, "This Idempotency-Key was used for a different request; use a new key."))
	case stored.State == "running":
		w.Header().Set("Retry-After", "1")
		writeError(w, r, services.Errorf(services.Conflict, "A request with this Idempotency-Key is still being processed; retry shortly."))
	default:
		var headers map[string]string
		_ = json.Unmarshal(stored.ResponseHeaders, &headers)
		for k, v := range headers {
			w.Header().Set(k, v)
		}
		w.Header().Set(replayHeader, "true")
		w.WriteHeader(int(*stored.ResponseStatus))
		_, _ = w.Write(stored.ResponseBody)
	}
	return nil, true
}

// complete stores the answer with the effect, in the handler's transaction.
func (c *idempotencyClaim) complete(ctx context.Context, tx pgx.Tx, b *bufferedResponse) error {
	status := int32(cmpStatus(b.status))
	return dbsqlc.New(tx).CompleteIdempotencyKey(ctx, dbsqlc.CompleteIdempotencyKeyParams{
		ID: c.id, ResponseStatus: &status, ResponseHeaders: headersJSON(b.header), ResponseBody: b.body.Bytes(),
	})
}

// settleFailure decides what a failed request leaves behind: a validation
// failure or server error releases the key for a corrected retry; any other
// refusal (404, 409, ...) is stored, as the request's answer.
func (c *idempotencyClaim) settleFailure(ctx context.Context, d *db.DB, orgID uuid.UUID, b *bufferedResponse) {
	if c == nil {
		return
	}
	switch b.status {
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity:
		c.release(ctx, d, orgID)
		return
	}
	if b.status >= 500 {
		c.release(ctx, d, orgID)
		return
	}
	err := d.InTenant(context.WithoutCancel(ctx), orgID, func(ctx context.Context, tx pgx.Tx) error {
		return c.complete(ctx, tx, b)
	})
	if err != nil {
		logging.Ctx(ctx).Error().Err(err).Msg("storing an idempotent answer")
	}
}

// release deletes the claim so the key can be used again.
func (c *idempotencyClaim) release(ctx context.Context, d *db.DB, orgID uuid.UUID) {
	if c == nil {
		return
	}
	err := d.InTenant(context.WithoutCancel(ctx), orgID, func(ctx context.Context, tx pgx.Tx) error {
		return dbsqlc.New(tx).DeleteIdempotencyKey(ctx, c.id)
	})
	if err != nil {
		logging.Ctx(ctx).Error().Err(err).Msg("releasing an idempotency key")
	}
}

func headersJSON(h http.Header) []byte {
	m := map[string]string{}
	for _, k := range storedHeaders {
		if v := h.Get(k); v != "" {
			m[k] = v
		}
	}
	b, _ := json.Marshal(m)
	return b
}

func printable(s string) bool {
	for _, c := range s {
		if c < ' ' || c > '~' {
			return false
		}
	}
	return s != ""
}
