package events

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/xentri/xentri/contracts"
)

// Entry is one event as it sits on the stream: the entry id (where a
// reader resumes), the event's type and its envelope JSON.
type Entry struct {
	ID       string
	Type     string
	Envelope []byte
}

// StreamValues are the fields of an event's stream entry: the envelope JSON,
// and its id, type and org for consumers that filter without decoding. The
// relay writes them; readers rely on nothing else.
func StreamValues(id, eventType, orgID, envelope string) []any {
	return []any{contracts.FieldEnvelope, envelope, contracts.FieldID, id, contracts.FieldType, eventType, contracts.FieldOrgID, orgID}
}

// Bounds of one read of Follow: at most FollowCount entries, waiting at most
// FollowBlock for the first, so a reader whose context ended is gone
// within FollowBlock (a blocked XREAD does not notice a cancelled context).
const (
	FollowCount = 100
	FollowBlock = 15 * time.Second
)

// Follower reads one org's events off the event stream, as the relay
// partitions it: for live views (the shell's GET /api/v1/events/stream).
type Follower struct {
	Redis *redis.Client
	// Stream and Partitions are the relay's (default StreamBase, 1).
	Stream     string
	Partitions int
}

// Follow is Follow on the org's partition of f's stream.
func (f *Follower) Follow(ctx context.Context, orgID, after string) iter.Seq2[Entry, error] {
	return Follow(ctx, f.Redis, StreamFor(cmp.Or(f.Stream, StreamBase), orgID, f.Partitions), orgID, after)
}

// Follow yields the events of org on stream that come after the entry id
// after ("$": those added from now on), in stream order, until ctx ends or
// the loop stops. Other orgs sharing the partition are skipped here, never
// yielded. An after older than what the stream still holds (trimmed away)
// resumes from its oldest entry. A Redis error is yielded once, last; an
// ended ctx ends the sequence without one.
func Follow(ctx context.Context, rdb *redis.Client, stream, orgID, after string) iter.Seq2[Entry, error] {
	return func(yield func(Entry, error) bool) {
		after := after
		if after == "$" {
			// XREAD from "$" again after an empty read would miss what
			// arrived in between: start from the newest entry's id instead.
			last, err := rdb.XRevRangeN(ctx, stream, "+", "-", 1).Result()
			if err != nil {
				if ctx.Err() == nil {
					yield(Entry{}, fmt.Errorf("follow %s: %w", stream, err))
				}
				return
			}
			after = "0-0"
			if len(last) > 0 {
				after = last[0].ID
			}
		}
		args := &redis.XReadArgs{Streams: []string{stream, after}, Count: FollowCount, Block: FollowBlock}
		for ctx.Err() == nil {
			args.Streams[1] = after
			res, err := rdb.XRead(ctx, args).Result()
			if ctx.Err() != nil {
				return
			}
			if errors.Is(err, redis.Nil) {
				continue // nothing new within FollowBlock
			}
			if err != nil {
				yield(Entry{}, fmt.Errorf("follow %s: %w", stream, err))
				return
			}
			for _, s := range res {
				for _, m := range s.Messages {
					after = m.ID
					org, _ := m.Values[contracts.FieldOrgID].(string)
					if org != orgID {
						continue
					}
					typ, _ := m.Values[contracts.FieldType].(string)
					env, _ := m.Values[contracts.FieldEnvelope].(string)
					if !yield(Entry{ID: m.ID, Type: typ, Envelope: []byte(env)}, nil) {
						return
					}
				}
			}
		}
	}
}

// ParseEntryID checks that s is a stream entry id, `ms-seq` or `ms`
// (Redis reads `ms` as `ms-0`), and returns it in full.
func ParseEntryID(s string) (string, error) {
	if !entryIDPattern.MatchString(s) {
		return "", fmt.Errorf("%q is not a stream entry id (ms-seq)", s)
	}
	ms, seq, ok := strings.Cut(s, "-")
	if !ok {
		seq = "0"
	}
	for _, n := range []string{ms, seq} {
		if _, err := strconv.ParseUint(n, 10, 64); err != nil {
			return "", fmt.Errorf("%q is not a stream entry id: %w", s, err)
		}
	}
	return ms + "-" + seq, nil
}

var entryIDPattern = regexp.MustCompile(`^[0-9]{1,20}(-[0-9]{1,20})?$`)
