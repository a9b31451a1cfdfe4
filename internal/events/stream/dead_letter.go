package stream

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/xentri/xentri/contracts"
)

// Fields a dead letter entry has besides the original entry's.
const (
	fieldStream   = "stream"    // the stream the entry was on
	fieldEntryID  = "entry_id"  // its id there
	fieldGroup    = "group"     // the consumer group that gave up on it
	fieldReason   = "reason"    // the last error, at most 1000 bytes
	fieldAttempts = "attempts"  // how many times it was tried
	fieldFailedAt = "failed_at" // RFC 3339
)

// originalFields are the fields of a relayed entry a dead letter keeps.
var originalFields = []string{contracts.FieldEnvelope, contracts.FieldID, contracts.FieldType, contracts.FieldOrgID}

// ErrNotFound is returned by Redrive for an id not in the dead letter stream.
var ErrNotFound = errors.New("dead letter not found")

// DeadLetter is an entry of a dead letter stream: an event a consumer group
// gave up on, and why.
type DeadLetter struct {
	ID       string // the dead letter's own entry id, for Redrive
	Stream   string
	EntryID  string
	Group    string
	Reason   string
	Attempts int
	FailedAt time.Time

	// The original entry's fields; empty when it lacked them.
	EventID   string
	EventType string
	OrgID     string
	Envelope  string // the envelope JSON as it was (it may be malformed)
}

// ListDeadLetters returns the oldest count entries of the dead letter stream
// (all of them if count <= 0).
func ListDeadLetters(ctx context.Context, rdb *redis.Client, deadLetter string, count int64) ([]DeadLetter, error) {
	var (
		msgs []redis.XMessage
		err  error
	)
	if count > 0 {
		msgs, err = rdb.XRangeN(ctx, deadLetter, "-", "+", count).Result()
	} else {
		msgs, err = rdb.XRange(ctx, deadLetter, "-", "+").Result()
	}
	if err != nil {
		return nil, fmt.Errorf("list dead letters: %w", err)
	}
	out := make([]DeadLetter, len(msgs))
	for i, m := range msgs {
		out[i] = parseDeadLetter(m)
	}
	return out, nil
}

func parseDeadLetter(m redis.XMessage) DeadLetter {
	f := stringFields(m.Values)
	attempts, _ := strconv.Atoi(f[fieldAttempts])
	failedAt, _ := time.Parse(time.RFC3339, f[fieldFailedAt])
	return DeadLetter{
		ID:        m.ID,
		Stream:    f[fieldStream],
		EntryID:   f[fieldEntryID],
		Group:     f[fieldGroup],
		Reason:    f[fieldReason],
		Attempts:  attempts,
		FailedAt:  failedAt,
		EventID:   f[contracts.FieldID],
		EventType: f[contracts.FieldType],
		OrgID:     f[contracts.FieldOrgID],
		Envelope:  f[contracts.FieldEnvelope],
	}
}

// Redrive moves dead letter entryID back onto the stream it came from, as a
// new entry with its original fields, and deletes it from the dead letter
// stream.
//
// Every consumer group on that stream sees the new entry, not only the one
// that gave up on it; the others skip it as a duplicate while they remember
// the event id (DedupeTTL). If Redrive fails after the new entry was added,
// redriving again adds a second copy, which dedupe also absorbs.
func Redrive(ctx context.Context, rdb *redis.Client, deadLetter, entryID string) error {
	msgs, err := rdb.XRangeN(ctx, deadLetter, entryID, entryID, 1).Result()
	if err != nil {
		return fmt.Errorf("redrive %s: %w", entryID, err)
	}
	if len(msgs) == 0 {
		return fmt.Errorf("redrive %s: %w", entryID, ErrNotFound)
	}
	f := stringFields(msgs[0].Values)
	stream := f[fieldStream]
	if stream == "" {
		return fmt.Errorf("redrive %s: the dead letter names no stream", entryID)
	}
	if f[contracts.FieldEnvelope] == "" {
		return fmt.Errorf("redrive %s: the dead letter has no envelope to redrive", entryID)
	}
	values := make(map[string]any, len(originalFields))
	for _, k := range originalFields {
		if v, ok := f[k]; ok {
			values[k] = v
		}
	}
	newID, err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: stream, Values: values}).Result()
	if err != nil {
		return fmt.Errorf("redrive %s: add to %s: %w", entryID, stream, err)
	}
	if err := rdb.XDel(ctx, deadLetter, entryID).Err(); err != nil {
		return fmt.Errorf("redrive %s: re-added to %s as %s, but not deleted from %s: %w", entryID, stream, newID, deadLetter, err)
	}
	return nil
}
