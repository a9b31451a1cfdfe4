package brief_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/xentri/xentri/activities"
	"github.com/xentri/xentri/internal/cache"
	"github.com/xentri/xentri/services/brief"
	"github.com/xentri/xentri/workflows"
)

// next waits for the subscription's next event.
func next(t *testing.T, sub *cache.CopilotSubscription) cache.StreamEvent {
	t.Helper()
	select {
	case e, ok := <-sub.Events():
		if !ok {
			t.Fatal("the subscription ended")
		}
		return e
	case <-time.After(30 * time.Second):
		t.Fatal("no live event within 30 s")
	}
	return cache.StreamEvent{}
}

func TestTheWorkerStreamsEachTurnAsItAnswersIt(t *testing.T) {
	t.Parallel()
	b := setupCopilot(t)
	s := b.start(t)
	sub, err := b.stream.Subscribe(context.Background(), b.org, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()

	for turn, text := range []string{
		"Hi, I run Rosa's Bakery, a small bakery in Lisbon, Portugal. Reach us at hello@rosasbakery.pt.",
		"We opened in 2014.",
	} {
		clientID := []string{"m1", "m2"}[turn]
		reply, err := b.send(s.ID, clientID, text)
		if err != nil {
			t.Fatal(err)
		}
		if len(reply.Understood) == 0 {
			t.Fatalf("turn %d understood nothing: %+v", turn+1, reply)
		}
		// turn.started, one fact per value understood, in the reply's
		// order, then the reply the Update returned.
		e := next(t, sub)
		var started brief.TurnStarted
		if e.Event != brief.EventTurnStarted || json.Unmarshal(e.Data, &started) != nil ||
			started.Turn != turn+1 || started.ClientMessageID != clientID || e.ID == "" {
			t.Fatalf("turn %d: first event %s %s, want turn.started", turn+1, e.Event, e.Data)
		}
		for i, want := range reply.Understood {
			e := next(t, sub)
			var got activities.Understood
			if e.Event != brief.EventFact || json.Unmarshal(e.Data, &got) != nil {
				t.Fatalf("turn %d: event %s %s, want fact %d", turn+1, e.Event, e.Data, i)
			}
			if got.Section != want.Section || got.Field != want.Field || string(got.Value) != string(want.Value) ||
				len(got.Sources) == 0 || got.Sources[0] != want.Sources[0] {
				t.Fatalf("turn %d: fact %d is %+v, the reply understood %+v", turn+1, i, got, want)
			}
		}
		e = next(t, sub)
		var got activities.CopilotReply
		if e.Event != brief.EventReply || json.Unmarshal(e.Data, &got) != nil {
			t.Fatalf("turn %d: event %s %s, want reply", turn+1, e.Event, e.Data)
		}
		want, _ := json.Marshal(reply)
		if again, _ := json.Marshal(got); string(again) != string(want) {
			t.Fatalf("turn %d: streamed reply\n%s\nthe Update's\n%s", turn+1, again, want)
		}
	}

	// The same message again is answered from Postgres by the API: no
	// new turn is streamed. Finishing ends the stream.
	if _, err := b.send(s.ID, "m1", "Hi again"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.finish(b.owner, s.ID); err != nil {
		t.Fatal(err)
	}
	e := next(t, sub)
	var ended brief.SessionEnded
	if e.Event != brief.EventSessionEnded || json.Unmarshal(e.Data, &ended) != nil || ended.Status != "finished" {
		t.Fatalf("after finish: %s %s, want session.ended finished", e.Event, e.Data)
	}
	var done workflows.CopilotFinished
	b.waitFor(t, s.WorkflowID, &done)
}

func TestATurnIsAnsweredWhenPublishingFails(t *testing.T) {
	t.Parallel()
	b := setupCopilot(t)
	s := b.start(t)
	// A stream whose every publish fails: the turn's answer must not.
	failing := *b.copilot
	failing.Stream = failingStream{}
	reply, err := failing.Reply(context.Background(), activities.CopilotTurn{OrgID: b.org.String(), SessionID: s.ID.String(),
		Message: activities.CopilotMessage{ClientMessageID: "m1", Text: "We are Rosa's Bakery in Lisbon.", Kind: "text"}})
	if err != nil || reply.Turn != 1 || len(reply.Understood) == 0 {
		t.Fatalf("reply %+v, %v", reply, err)
	}
}

type failingStream struct{}

func (failingStream) Publish(context.Context, uuid.UUID, uuid.UUID, string, any) error {
	return errors.New("redis is down")
}
