// Package events is where Xentri's domain events are written. Emit is the one
// function every service calls, inside the transaction of the business
// change it reports.
//
// For now Emit records the event in the log; the events work replaces its
// body with the ADR-002 envelope written to system_events (the outbox) and
// relayed to Redis Streams, without any caller changing.
package events

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"
)

// Actor is who caused an event.
type Actor struct {
	Type string // user | system | job
	ID   string
}

// Event is a fact to publish: the payload carries facts, never secrets.
type Event struct {
	Type      string // xentri.{context}.{action}.v{n}
	OrgID     uuid.UUID
	Actor     Actor
	Payload   any
	DedupeKey string
}

// Writer emits events.
type Writer struct {
	Log zerolog.Logger
}

// Emit records e as part of tx: if tx rolls back, the event never happened.
func (w *Writer) Emit(ctx context.Context, tx pgx.Tx, e Event) error {
	w.Log.Info().Ctx(ctx).
		Str("event_type", e.Type).Str("org_id", e.OrgID.String()).
		Str("actor_type", e.Actor.Type).Str("actor_id", e.Actor.ID).
		Interface("payload", e.Payload).
		Msg("event")
	return nil
}
