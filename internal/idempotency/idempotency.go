// Package idempotency keeps the answers of mutations sent with an
// Idempotency-Key (IETF draft "The Idempotency-Key HTTP Header Field"), so a
// retried request has its effect once. Keys are kept for 24 hours within a
// scope: an org's (tenant requests, under the org's row-level security), a
// user's, or a sign-up e-mail address's (requests outside an org).
//
// A request first claims its key. A claim is completed with the answer, in
// the transaction of the effect where there is one, or released so the key
// can be used again. A key already claimed answers with what is stored: the
// same request replays the stored answer, another request with the same key
// is a mismatch, and a request still running is in progress.
package idempotency

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/xentri/xentri/internal/db"
	"github.com/xentri/xentri/internal/db/dbsqlc"
)

// Errors of a key that is taken.
var (
	// ErrMismatch: the key was used for a different request.
	ErrMismatch = errors.New("idempotency key used for a different request")
	// ErrInProgress: the first request with the key is still running.
	ErrInProgress = errors.New("idempotency key in use by a running request")
)

// MaxKeyLength bounds a key, as the database does.
const MaxKeyLength = 255

// ValidKey reports whether key is 1 to 255 printable ASCII characters.
func ValidKey(key string) bool {
	if key == "" || len(key) > MaxKeyLength {
		return false
	}
	for _, c := range key {
		if c < ' ' || c > '~' {
			return false
		}
	}
	return true
}

// Scope is the set of keys a key belongs to.
type Scope struct {
	org    uuid.UUID // a tenant scope, or
	caller string    // "user:{id}" or "email:{hash}"
}

// Org is the scope of an org's tenant requests.
func Org(id uuid.UUID) Scope { return Scope{org: id} }

// User is the scope of a signed-in user's requests outside an org.
func User(id uuid.UUID) Scope { return Scope{caller: "user:" + id.String()} }

// Email is the scope of a sign-up: the address, hashed, since nobody is
// signed in yet. The address is not stored.
func Email(address string) Scope {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(address))))
	return Scope{caller: "email:" + hex.EncodeToString(sum[:])}
}

// Form is the scope of an org's public form (a website's contact form):
// anonymous callers, kept apart from the org's own keys, and from orgs that
// do not exist, which the form answers like any other.
func Form(orgID uuid.UUID) Scope { return Scope{caller: "form:" + orgID.String()} }

func (s Scope) tenant() bool { return s.org != uuid.Nil }

// RequestHash identifies a request: its method, path and body.
func RequestHash(method, path string, body []byte) []byte {
	h := sha256.New()
	_, _ = io.WriteString(h, method+" "+path+"\n")
	h.Write(body)
	return h.Sum(nil)
}

// Answer is a stored response.
type Answer struct {
	Status int
	Header map[string]string
	Body   []byte
}

// Store keeps keys and answers in Postgres.
type Store struct {
	DB *db.DB
	// StaleAfter is how long a claim may stay running before it counts as
	// abandoned (its process died) and the key can be claimed again.
	StaleAfter time.Duration
}

// Claim is a key claimed by the running request.
type Claim struct {
	store *Store
	scope Scope
	id    uuid.UUID
}

// Claim claims key for the request with hash, or returns the stored answer
// of the request that claimed it (with ErrMismatch or ErrInProgress when it
// cannot be replayed). authorize, when not nil, runs first in the same
// transaction: only those allowed to act in the scope may claim its keys or
// read its answers.
func (s *Store) Claim(ctx context.Context, scope Scope, key string, hash []byte, authorize func(context.Context, pgx.Tx) error) (*Claim, *Answer, error) {
	var (
		claim  *Claim
		stored *record
	)
	err := s.in(ctx, scope, func(ctx context.Context, tx pgx.Tx) error {
		if authorize != nil {
			if err := authorize(ctx, tx); err != nil {
				return err
			}
		}
		q := queries{dbsqlc.New(tx), scope, s.StaleAfter}
		for range 2 {
			id, err := q.claim(ctx, key, hash)
			if err == nil {
				claim = &Claim{store: s, scope: scope, id: id}
				return nil
			}
			if !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
			rec, err := q.get(ctx, key)
			if errors.Is(err, pgx.ErrNoRows) {
				continue // released in between: claim again
			}
			if err != nil {
				return err
			}
			if rec.expired || rec.abandoned {
				if err := q.delete(ctx, rec.id); err != nil {
					return err
				}
				continue
			}
			stored = &rec
			return nil
		}
		return errors.New("could not claim the key")
	})
	switch {
	case err != nil:
		return nil, nil, fmt.Errorf("claim idempotency key: %w", err)
	case claim != nil:
		return claim, nil, nil
	case string(stored.hash) != string(hash):
		return nil, nil, ErrMismatch
	case stored.running:
		return nil, nil, ErrInProgress
	}
	return nil, &stored.answer, nil
}

// Complete stores the answer in tx, the transaction of the request's
// effect, so that either both are kept or neither is. Only for tenant
// scopes, whose effect runs in the gate's transaction.
func (c *Claim) Complete(ctx context.Context, tx pgx.Tx, a Answer) error {
	if err := (queries{dbsqlc.New(tx), c.scope, 0}).complete(ctx, c.id, a); err != nil {
		return fmt.Errorf("store idempotent answer: %w", err)
	}
	return nil
}

// Keep stores the answer in a transaction of its own: for a request whose
// effect committed on its own (outside an org), or a refusal that is the
// request's answer. It runs even when ctx is cancelled.
func (c *Claim) Keep(ctx context.Context, a Answer) error {
	err := c.store.in(context.WithoutCancel(ctx), c.scope, func(ctx context.Context, tx pgx.Tx) error {
		return c.Complete(ctx, tx, a)
	})
	if err != nil {
		return fmt.Errorf("keep idempotent answer: %w", err)
	}
	return nil
}

// Release deletes the claim so the key can be used again (the request
// failed in a way a retry may fix). It runs even when ctx is cancelled.
func (c *Claim) Release(ctx context.Context) error {
	err := c.store.in(context.WithoutCancel(ctx), c.scope, func(ctx context.Context, tx pgx.Tx) error {
		return (queries{dbsqlc.New(tx), c.scope, 0}).delete(ctx, c.id)
	})
	if err != nil {
		return fmt.Errorf("release idempotency key: %w", err)
	}
	return nil
}

// in runs fn in a transaction that sees the scope's keys.
func (s *Store) in(ctx context.Context, scope Scope, fn func(context.Context, pgx.Tx) error) error {
	if scope.tenant() {
		return s.DB.InTenant(ctx, scope.org, fn)
	}
	return s.DB.InTx(ctx, fn)
}

// record is a claimed key as stored.
type record struct {
	id                 uuid.UUID
	hash               []byte
	running            bool
	expired, abandoned bool
	answer             Answer
}

// queries runs the key queries of one scope: the tenant table for an org,
// the caller table otherwise.
type queries struct {
	q          *dbsqlc.Queries
	scope      Scope
	staleAfter time.Duration
}

func (q queries) claim(ctx context.Context, key string, hash []byte) (uuid.UUID, error) {
	id := uuid.New()
	if q.scope.tenant() {
		return q.q.ClaimIdempotencyKey(ctx, dbsqlc.ClaimIdempotencyKeyParams{ID: id, OrgID: q.scope.org, Key: key, RequestHash: hash})
	}
	return q.q.ClaimCallerIdempotencyKey(ctx, dbsqlc.ClaimCallerIdempotencyKeyParams{ID: id, Scope: q.scope.caller, Key: key, RequestHash: hash})
}

func (q queries) get(ctx context.Context, key string) (record, error) {
	if q.scope.tenant() {
		r, err := q.q.GetIdempotencyKey(ctx, dbsqlc.GetIdempotencyKeyParams{OrgID: q.scope.org, Key: key, StaleSeconds: q.staleAfter.Seconds()})
		return recordOf(r.ID, r.RequestHash, r.State, r.Expired, r.Abandoned, r.ResponseStatus, r.ResponseHeaders, r.ResponseBody), err
	}
	r, err := q.q.GetCallerIdempotencyKey(ctx, dbsqlc.GetCallerIdempotencyKeyParams{Scope: q.scope.caller, Key: key, StaleSeconds: q.staleAfter.Seconds()})
	return recordOf(r.ID, r.RequestHash, r.State, r.Expired, r.Abandoned, r.ResponseStatus, r.ResponseHeaders, r.ResponseBody), err
}

func (q queries) complete(ctx context.Context, id uuid.UUID, a Answer) error {
	status := int32(a.Status)
	headers, err := json.Marshal(a.Header)
	if err != nil {
		return err
	}
	if q.scope.tenant() {
		return q.q.CompleteIdempotencyKey(ctx, dbsqlc.CompleteIdempotencyKeyParams{ID: id, ResponseStatus: &status, ResponseHeaders: headers, ResponseBody: a.Body})
	}
	return q.q.CompleteCallerIdempotencyKey(ctx, dbsqlc.CompleteCallerIdempotencyKeyParams{ID: id, ResponseStatus: &status, ResponseHeaders: headers, ResponseBody: a.Body})
}

func (q queries) delete(ctx context.Context, id uuid.UUID) error {
	if q.scope.tenant() {
		return q.q.DeleteIdempotencyKey(ctx, id)
	}
	return q.q.DeleteCallerIdempotencyKey(ctx, id)
}

func recordOf(id uuid.UUID, hash []byte, state string, expired, abandoned bool, status *int32, headers, body []byte) record {
	r := record{id: id, hash: hash, running: state == "running", expired: expired, abandoned: abandoned, answer: Answer{Body: body}}
	if status != nil {
		r.answer.Status = int(*status)
	}
	_ = json.Unmarshal(headers, &r.answer.Header) // written by complete; absent while running
	return r
}
