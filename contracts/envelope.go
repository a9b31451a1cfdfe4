package contracts

import (
	"encoding/json"
	"time"
)

// EnvelopeVersion is the only envelope version there is.
const EnvelopeVersion = "1.0"

// Envelope is the ADR-002 SystemEvent: every event in system_events, on the
// Redis streams and in n8n deliveries has exactly this shape.
type Envelope struct {
	ID              string          `json:"id"` // UUIDv7
	Type            string          `json:"type"`
	OccurredAt      time.Time       `json:"occurred_at"`
	OrgID           string          `json:"org_id"`
	Actor           Actor           `json:"actor"`
	EnvelopeVersion string          `json:"envelope_version"`
	PayloadSchema   string          `json:"payload_schema"` // e.g. lead.created@1
	Payload         json.RawMessage `json:"payload"`
	DedupeKey       string          `json:"dedupe_key,omitempty"`
	CorrelationID   string          `json:"correlation_id,omitempty"`
	TraceID         string          `json:"trace_id,omitempty"`
	Meta            Meta            `json:"meta"`
}

// Actor is who caused the event.
type Actor struct {
	Type string `json:"type"` // user | system | job
	ID   string `json:"id"`
}

// Meta says where the event comes from.
type Meta struct {
	Source      string `json:"source"`
	Environment string `json:"environment,omitempty"` // local | staging | prod
}

// Stream message fields: each Redis stream entry carries the envelope JSON
// and, for consumers that filter without decoding, its id, type and org.
const (
	FieldEnvelope = "envelope"
	FieldID       = "id"
	FieldType     = "type"
	FieldOrgID    = "org_id"
)
