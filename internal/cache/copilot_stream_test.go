package cache_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/xentri/xentri/internal/cache"
	"github.com/xentri/xentri/internal/testenv"
)

func TestCopilotStreamDeliversASessionsEventsInOrderToItsSubscribersOnly(t *testing.T) {
	t.Parallel()
	s := cache.NewCopilotStream(testenv.Redis(t))
	ctx := context.Background()
	org, session, other := uuid.New(), uuid.New(), uuid.New()
	sub, err := s.Subscribe(ctx, org, session)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	// Another session of the org, and the same session id under another
	// org, reach nobody here.
	if err := s.Publish(ctx, org, other, "reply", map[string]int{"turn": 9}); err != nil {
		t.Fatal(err)
	}
	if err := s.Publish(ctx, other, session, "reply", map[string]int{"turn": 8}); err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"turn.started", "fact", "reply"} {
		if err := s.Publish(ctx, org, session, name, map[string]int{"turn": i + 1}); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	for i, want := range []string{"turn.started", "fact", "reply"} {
		select {
		case e := <-sub.Events():
			if e.Event != want || e.ID == "" || string(e.Data) != `{"turn":`+string(rune('1'+i))+`}` {
				t.Fatalf("event %d: %+v, want %s", i, e, want)
			}
			ids = append(ids, e.ID)
		case <-time.After(5 * time.Second):
			t.Fatalf("no %s", want)
		}
	}
	if ids[0] >= ids[1] || ids[1] >= ids[2] {
		t.Fatalf("ids do not grow: %v", ids)
	}
	if err := sub.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case _, open := <-sub.Events():
		if open {
			t.Fatal("an event after close")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("events not closed after Close")
	}
	_ = sub.Close() // twice is fine
}
