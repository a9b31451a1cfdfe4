package n8n

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/xentri/xentri/contracts"
)

// DeadLetter is one entry of the dead letter stream: a delivery that
// failed its round of attempts.
type DeadLetter struct {
	EntryID        string
	EventID        string
	EventType      string
	OrgID          string
	SubscriptionID string
	URL            string // without its query, which may carry a secret
	Status         int    // the last attempt's HTTP status, 0 when it got no answer
	Error          string
	BodyExcerpt    string
	Attempts       int
	FailedAt       time.Time
	// Envelope is the JSON that was sent, byte for byte.
	Envelope json.RawMessage
}

// writeDeadLetter records a failed round. Its error means the event is
// neither delivered nor dead-lettered: the caller must not ack it.
func (d *Deliverer) writeDeadLetter(ctx context.Context, sub Subscription, e contracts.Envelope, body []byte, derr *DeliveryError) error {
	id, err := d.rdb.XAdd(ctx, &redis.XAddArgs{
		Stream: d.deadLetter,
		Values: []any{
			DLQEventID, e.ID,
			DLQEventType, e.Type,
			DLQOrgID, e.OrgID,
			DLQSubscriptionID, sub.ID,
			DLQURL, redactURL(sub.URL),
			DLQStatus, derr.Status,
			DLQError, derr.Err.Error(),
			DLQBodyExcerpt, derr.BodyExcerpt,
			DLQAttempts, derr.Attempts,
			DLQFailedAt, time.Now().UTC().Format(time.RFC3339Nano),
			DLQEnvelope, body,
		},
	}).Result()
	if err != nil {
		return fmt.Errorf("n8n dead letter %s: %w", e.ID, err)
	}
	d.log.Error().Ctx(ctx).Str("event_id", e.ID).Str("org_id", e.OrgID).Str("trace_id", e.TraceID).
		Str("subscription_id", sub.ID).Int("attempts", derr.Attempts).Int("status", derr.Status).
		Str("dead_letter", d.deadLetter).Str("entry_id", id).Err(derr.Err).Msg("n8n delivery dead-lettered")
	return nil
}

// ParseDeadLetter reads a dead letter stream entry.
func ParseDeadLetter(m redis.XMessage) (DeadLetter, error) {
	str := func(k string) string { s, _ := m.Values[k].(string); return s }
	dl := DeadLetter{
		EntryID:        m.ID,
		EventID:        str(DLQEventID),
		EventType:      str(DLQEventType),
		OrgID:          str(DLQOrgID),
		SubscriptionID: str(DLQSubscriptionID),
		URL:            str(DLQURL),
		Error:          str(DLQError),
		BodyExcerpt:    str(DLQBodyExcerpt),
		Envelope:       json.RawMessage(str(DLQEnvelope)),
	}
	var err error
	if dl.Status, err = strconv.Atoi(str(DLQStatus)); err != nil {
		return DeadLetter{}, fmt.Errorf("dead letter %s: status: %w", m.ID, err)
	}
	if dl.Attempts, err = strconv.Atoi(str(DLQAttempts)); err != nil {
		return DeadLetter{}, fmt.Errorf("dead letter %s: attempts: %w", m.ID, err)
	}
	if dl.FailedAt, err = time.Parse(time.RFC3339Nano, str(DLQFailedAt)); err != nil {
		return DeadLetter{}, fmt.Errorf("dead letter %s: failed_at: %w", m.ID, err)
	}
	if !json.Valid(dl.Envelope) {
		return DeadLetter{}, fmt.Errorf("dead letter %s: envelope is not JSON", m.ID)
	}
	return dl, nil
}

// RedriveDeadLetter delivers the dead letter entryID of the stream
// deadLetter to sub once more (one more round of attempts, with the bytes
// first sent) and deletes the entry when that succeeds. When it fails
// again the entry stays and the error is a *DeliveryError; nothing new is
// dead-lettered. sub must match the event, org included, so an org's
// subscription cannot pull another org's events; the caller normally
// passes the subscription the entry names (SubscriptionID). Receivers
// dedupe by event id, so redriving twice at once is harmless.
func RedriveDeadLetter(ctx context.Context, rdb *redis.Client, deadLetter, entryID string, d *Deliverer, sub Subscription) error {
	msgs, err := rdb.XRange(ctx, deadLetter, entryID, entryID).Result()
	if err != nil {
		return fmt.Errorf("n8n redrive %s: %w", entryID, err)
	}
	if len(msgs) == 0 {
		return fmt.Errorf("n8n redrive %s: %w", entryID, ErrDeadLetterNotFound)
	}
	dl, err := ParseDeadLetter(msgs[0])
	if err != nil {
		return fmt.Errorf("n8n redrive: %w", err)
	}
	var e contracts.Envelope
	if err := json.Unmarshal(dl.Envelope, &e); err != nil {
		return fmt.Errorf("n8n redrive %s: envelope: %w", entryID, err)
	}
	if !sub.Matches(e) {
		return fmt.Errorf("n8n redrive %s to %s: %w", entryID, sub.ID, ErrSubscriptionMismatch)
	}
	derr, err := d.round(ctx, sub, e, dl.Envelope)
	if err != nil {
		return fmt.Errorf("n8n redrive %s: %w", entryID, err)
	}
	if derr != nil {
		return fmt.Errorf("n8n redrive %s: %w", entryID, derr)
	}
	if err := rdb.XDel(ctx, deadLetter, entryID).Err(); err != nil {
		return fmt.Errorf("n8n redrive %s: delivered, but deleting the entry failed: %w", entryID, err)
	}
	d.log.Info().Ctx(ctx).Str("event_id", e.ID).Str("org_id", e.OrgID).Str("subscription_id", sub.ID).
		Str("entry_id", entryID).Msg("n8n dead letter redriven")
	return nil
}
