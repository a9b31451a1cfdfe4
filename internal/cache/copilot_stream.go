package cache

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
)

// CopilotChannel is the pub/sub channel of one co-pilot session's live
// events: copilot:{org}:{session}.
func CopilotChannel(orgID, sessionID uuid.UUID) string {
	return "copilot:" + orgID.String() + ":" + sessionID.String()
}

// StreamEvent is one live event of a co-pilot session, as it travels over
// pub/sub and goes out as a server-sent event.
type StreamEvent struct {
	ID    string          `json:"id"`    // a UUIDv7, the SSE id
	Event string          `json:"event"` // turn.started, fact, reply, session.ended
	Data  json.RawMessage `json:"data"`
}

// CopilotStream carries a session's live events from the worker, which
// answers its turns, to the API processes whose clients follow the session
// (GET /copilot/sessions/{id}/stream), over Redis pub/sub: fire and forget,
// nothing is kept for a subscriber that is not there (the transcript in
// Postgres is the record).
type CopilotStream struct{ rdb *redis.Client }

// NewCopilotStream returns a stream on rdb.
func NewCopilotStream(rdb *redis.Client) *CopilotStream { return &CopilotStream{rdb: rdb} }

// Publish sends one event of a session to whoever follows it now.
func (s *CopilotStream) Publish(ctx context.Context, orgID, sessionID uuid.UUID, event string, data any) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("encode %s: %w", event, err)
	}
	msg, err := json.Marshal(StreamEvent{ID: uuid.Must(uuid.NewV7()).String(), Event: event, Data: raw})
	if err != nil {
		return fmt.Errorf("encode %s: %w", event, err)
	}
	if err := s.rdb.Publish(ctx, CopilotChannel(orgID, sessionID), msg).Err(); err != nil {
		return fmt.Errorf("publish %s: %w", event, err)
	}
	return nil
}

// CopilotSubscription follows one session's events until closed.
type CopilotSubscription struct {
	ps     *redis.PubSub
	events chan StreamEvent
	done   chan struct{}
	once   sync.Once
}

// Subscribe follows a session's events. It returns once Redis has
// confirmed the subscription, so an event published after it returns is
// delivered. Close the subscription when done.
func (s *CopilotStream) Subscribe(ctx context.Context, orgID, sessionID uuid.UUID) (*CopilotSubscription, error) {
	ps := s.rdb.Subscribe(ctx, CopilotChannel(orgID, sessionID))
	if _, err := ps.Receive(ctx); err != nil { // the subscription's confirmation
		_ = ps.Close()
		return nil, fmt.Errorf("subscribe to co-pilot session: %w", err)
	}
	sub := &CopilotSubscription{ps: ps, events: make(chan StreamEvent, 64), done: make(chan struct{})}
	go sub.run(ps.Channel())
	return sub, nil
}

func (s *CopilotSubscription) run(in <-chan *redis.Message) {
	defer close(s.events)
	for m := range in {
		var e StreamEvent
		if json.Unmarshal([]byte(m.Payload), &e) != nil || e.Event == "" {
			continue // not one of ours
		}
		select {
		case s.events <- e:
		case <-s.done:
			return
		}
	}
}

// Events delivers the session's events in the order they were published;
// it is closed when the subscription ends.
func (s *CopilotSubscription) Events() <-chan StreamEvent { return s.events }

// Close ends the subscription.
func (s *CopilotSubscription) Close() error {
	var err error
	s.once.Do(func() {
		close(s.done)
		err = s.ps.Close()
	})
	return err
}
