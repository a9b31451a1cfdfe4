package api

import (
	"bytes"
	"context"
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/xentri/xentri/internal/idempotency"
	"github.com/xentri/xentri/internal/platform/logging"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/core"
)

// OrgHeader names the org a tenant request acts in (seed ADR-003).
const OrgHeader = "X-Org-Id"

// MembershipChecker says what role a user has in the org of a tenant
// transaction (core.Service).
type MembershipChecker interface {
	MemberRole(ctx context.Context, tx pgx.Tx, orgID, userID uuid.UUID) (access.Role, error)
}

type tenantKey struct{}

// tenant is what the org gate hands a tenant route: the org's transaction,
// and the caller's standing in the org.
type tenant struct {
	tx pgx.Tx
	m  access.Membership
	// after is what answers once the transaction has committed (see
	// afterCommit).
	after *func(http.ResponseWriter, *http.Request)
}

// afterCommit hands the response to fn once the org gate's transaction has
// committed, outside it and unbuffered: for an answer that outlives the
// transaction, such as an event stream, or that waits on a worker which
// needs connections of its own (a co-pilot Update). The handler writes
// nothing itself then; fn writes everything (a problem too, if it must).
// The route must be idempotent by itself: an Idempotency-Key is released,
// not kept.
func (t tenant) afterCommit(fn func(w http.ResponseWriter, r *http.Request)) {
	*t.after = fn
}

// errOutsideGate answers a tenant handler reached without the org gate: a
// routing mistake, answered as a 500 problem rather than a panic.
var errOutsideGate = errors.New("a tenant route is mounted outside the org gate")

// inTenant adapts a tenant handler to http: it hands the handler what the
// org gate opened, or answers an error if no gate ran.
func inTenant(h func(http.ResponseWriter, *http.Request, tenant)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		t, ok := r.Context().Value(tenantKey{}).(tenant)
		if !ok {
			writeError(w, r, errOutsideGate)
			return
		}
		h(w, r, t)
	}
}

// orgGate guards every tenant route: an x-org-id that parses, a caller who
// belongs to that org (or an API token of it), then one tenant transaction
// around the handler, a unit of work: the handler's response is held back
// until the transaction commits, and an error response rolls it back. An
// Idempotency-Key makes retries of a mutation safe: its answer is stored in
// the transaction of the effect, so either both happen or neither does.
func orgGate(g *Gate, keys *idempotency.Store) func(http.Handler) http.Handler {
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
			member := func(ctx context.Context, tx pgx.Tx) (access.Membership, error) {
				m := access.Membership{OrgID: orgID, Principal: p}
				if p.Token != nil {
					return m, nil
				}
				role, err := g.Members.MemberRole(ctx, tx, orgID, p.UserID)
				m.Role = role
				return m, err
			}

			// Only members may claim keys or read stored answers.
			claim, done := claimKey(w, r, keys, idempotency.Org(orgID), func(ctx context.Context, tx pgx.Tx) error {
				_, err := member(ctx, tx)
				return err
			})
			if done {
				return
			}
			buf := newBufferedResponse()
			var after func(http.ResponseWriter, *http.Request)
			errRollback := errors.New("handler answered an error")
			err = g.DB.InTenant(ctx, orgID, func(ctx context.Context, tx pgx.Tx) error {
				m, err := member(ctx, tx)
				if err != nil {
					return err
				}
				next.ServeHTTP(buf, r.WithContext(context.WithValue(ctx, tenantKey{}, tenant{tx: tx, m: m, after: &after})))
				if buf.status >= 400 {
					return errRollback
				}
				if claim != nil {
					return claim.Complete(ctx, tx, buf.answer())
				}
				return nil
			})
			switch {
			case err == nil && after != nil && buf.status == 0:
				// An answer made after the commit is not kept for the
				// Idempotency-Key: such routes are idempotent themselves
				// (a co-pilot message by its client_message_id), and a
				// retry simply asks again.
				release(ctx, claim)
				after(w, r)
				return
			case err == nil:
			case errors.Is(err, errRollback):
				settleRefusal(ctx, claim, buf)
			default:
				release(ctx, claim)
				writeError(w, r, err)
				return
			}
			buf.flush(w)
		})
	}
}

// OrgQuery names the org in the query string of the live event stream,
// when x-org-id is absent: a browser's EventSource cannot send headers (it
// sends the session cookie). No other route reads it.
const OrgQuery = "org_id"

// orgOf reads x-org-id, and checks it against an {orgID} in the path. The
// live event stream, a GET that changes nothing, may name its org in
// ?org_id= instead; with both, they must agree.
func orgOf(r *http.Request) (uuid.UUID, error) {
	raw, field, what := r.Header.Get(OrgHeader), "x-org-id", "x-org-id header"
	if q, ok := r.URL.Query()[OrgQuery]; ok && r.Method == http.MethodGet && routePattern(r) == eventsStreamRoute {
		if len(q) != 1 || (raw != "" && q[0] != raw) {
			return uuid.Nil, &services.Error{Code: services.Invalid, Message: "Name the organisation once: in the x-org-id header or in ?org_id=, the same id in both.",
				Fields: map[string]string{OrgQuery: "is repeated or differs from x-org-id"}}
		}
		if raw == "" {
			raw, field, what = q[0], OrgQuery, "org_id query parameter"
		}
	}
	if raw == "" {
		return uuid.Nil, &services.Error{Code: services.Invalid, Message: "This request acts in an organisation: send its id in the x-org-id header.",
			Fields: map[string]string{"x-org-id": "is required"}}
	}
	id, err := uuid.Parse(raw)
	if err != nil || id == uuid.Nil {
		return uuid.Nil, &services.Error{Code: services.Invalid, Message: "The " + what + " must be an organisation id (a UUID).",
			Fields: map[string]string{field: "must be a UUID"}}
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
