// Package events writes Xentri's domain events and moves them to Redis.
//
// Emit is the one function every service calls, inside the transaction of
// the business change it reports (the outbox): it builds the ADR-002
// envelope, validates the payload against its JSON Schema in contracts/, and
// inserts it into system_events. If the transaction rolls back, the event
// never happened. The Relay then publishes committed events to Redis Streams.
package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/trace"

	"github.com/xentri/xentri/contracts"
	"github.com/xentri/xentri/internal/db/dbsqlc"
)

// NotifyChannel is the LISTEN/NOTIFY channel that wakes the relay.
const NotifyChannel = "xentri_events"

// Actor is who caused an event.
type Actor struct {
	Type string // user | system | job
	ID   string
}

// Event is a fact to publish: the payload carries facts, never secrets.
type Event struct {
	Type          string // xentri.{context}.{action}.v{n}
	OrgID         uuid.UUID
	Actor         Actor
	Payload       any
	DedupeKey     string // optional: a second event with it in the org is not written
	CorrelationID string // optional: the workflow or thread it belongs to
	Source        string // meta.source; the Writer's Source when empty
}

// Writer emits events.
type Writer struct {
	Source      string // default meta.source, e.g. "xentri-api"
	Environment string // meta.environment: local | staging | prod
	Log         zerolog.Logger
	now         func() time.Time
}

// ErrInvalidEvent wraps every reason Emit refuses an event.
var ErrInvalidEvent = errors.New("invalid event")

// Emit records e as part of tx, which must be scoped to e's org
// (db.InTenant). An unknown type or a payload its schema refuses is an
// error, and so the business change rolls back with it. A repeated dedupe
// key within the org writes nothing and is not an error.
func (w *Writer) Emit(ctx context.Context, tx pgx.Tx, e Event) error {
	env, err := w.Envelope(ctx, e)
	if err != nil {
		return err
	}
	return w.Write(ctx, tx, env)
}

// Write records an envelope built by Envelope (for a caller that needs the
// event id before it is written) as part of tx.
func (w *Writer) Write(ctx context.Context, tx pgx.Tx, env contracts.Envelope) error {
	raw, err := json.Marshal(env)
	if err != nil {
		return fmt.Errorf("emit %s: %w", env.Type, err)
	}
	// Serialize the event-writing transactions of one org until they commit,
	// so that within an org insertion order is commit order.
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtextextended($1, 7))", env.OrgID); err != nil {
		return fmt.Errorf("emit %s: lock org: %w", env.Type, err)
	}
	var dedupe *string
	if env.DedupeKey != "" {
		dedupe = &env.DedupeKey
	}
	id, err := uuid.Parse(env.ID)
	if err != nil {
		return fmt.Errorf("%w: id %q", ErrInvalidEvent, env.ID)
	}
	orgID, err := uuid.Parse(env.OrgID)
	if err != nil {
		return fmt.Errorf("%w: org %q", ErrInvalidEvent, env.OrgID)
	}
	n, err := dbsqlc.New(tx).InsertSystemEvent(ctx, dbsqlc.InsertSystemEventParams{
		ID: id, OrgID: orgID, Type: env.Type, OccurredAt: env.OccurredAt, DedupeKey: dedupe, Envelope: raw,
	})
	if err != nil {
		return fmt.Errorf("emit %s: %w", env.Type, err)
	}
	if n == 0 {
		w.Log.Debug().Ctx(ctx).Str("event_type", env.Type).Str("dedupe_key", env.DedupeKey).Msg("event already emitted")
		return nil
	}
	// Delivered at commit, and only then: wakes the relay.
	if _, err := tx.Exec(ctx, "SELECT pg_notify($1, '')", NotifyChannel); err != nil {
		return fmt.Errorf("emit %s: notify: %w", env.Type, err)
	}
	return nil
}

// Envelope builds and validates the ADR-002 envelope of e.
func (w *Writer) Envelope(ctx context.Context, e Event) (contracts.Envelope, error) {
	schema, ok := contracts.PayloadSchemaName(e.Type)
	if !ok {
		return contracts.Envelope{}, fmt.Errorf("%w: unknown type %q", ErrInvalidEvent, e.Type)
	}
	if e.OrgID == uuid.Nil {
		return contracts.Envelope{}, fmt.Errorf("%w: %s without an org", ErrInvalidEvent, e.Type)
	}
	switch e.Actor.Type {
	case "user", "system", "job":
	default:
		return contracts.Envelope{}, fmt.Errorf("%w: %s: actor type %q is not user, system or job", ErrInvalidEvent, e.Type, e.Actor.Type)
	}
	payload, err := json.Marshal(e.Payload)
	if err != nil {
		return contracts.Envelope{}, fmt.Errorf("%w: %s: payload: %v", ErrInvalidEvent, e.Type, err)
	}
	if err := contracts.ValidatePayload(e.Type, payload); err != nil {
		return contracts.Envelope{}, fmt.Errorf("%w: %w", ErrInvalidEvent, err)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return contracts.Envelope{}, err
	}
	now := time.Now
	if w.now != nil {
		now = w.now
	}
	source := e.Source
	if source == "" {
		source = w.Source
	}
	if source == "" {
		source = "xentri"
	}
	env := contracts.Envelope{
		ID: id.String(), Type: e.Type, OccurredAt: now().UTC().Truncate(time.Microsecond), OrgID: e.OrgID.String(),
		Actor: contracts.Actor{Type: e.Actor.Type, ID: e.Actor.ID}, EnvelopeVersion: contracts.EnvelopeVersion,
		PayloadSchema: schema, Payload: payload, DedupeKey: e.DedupeKey, CorrelationID: e.CorrelationID,
		Meta: contracts.Meta{Source: source, Environment: w.Environment},
	}
	if sc := trace.SpanContextFromContext(ctx); sc.HasTraceID() {
		env.TraceID = sc.TraceID().String()
	}
	return env, nil
}
