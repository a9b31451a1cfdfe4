package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/xentri/xentri/contracts"
	"github.com/xentri/xentri/internal/cache"
	"github.com/xentri/xentri/internal/testenv"
)

func TestEventsCLITailsAndListsDeadLetters(t *testing.T) {
	url := devRedisURL(t)
	rdb, _ := cache.Connect(url)
	defer rdb.Close()
	env := map[string]string{"REDIS_URL": url}
	getenv := func(k string) string { return env[k] }

	out := &testenv.Buffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"events", "tail", "--type", "xentri.lead.*"}, getenv, out, &testenv.Buffer{})
	}()
	time.Sleep(300 * time.Millisecond) // tail starts at the stream's end

	add := func(typ string) string {
		id := uuid.NewString()
		raw, _ := json.Marshal(contracts.Envelope{ID: id, Type: typ, OrgID: uuid.NewString(), OccurredAt: time.Now(),
			Actor: contracts.Actor{Type: "user", ID: "u1"}, EnvelopeVersion: "1.0", Payload: json.RawMessage(`{}`)})
		rdb.XAdd(context.Background(), &redis.XAddArgs{Stream: "xentri:events", Values: []any{contracts.FieldEnvelope, string(raw), contracts.FieldID, id, contracts.FieldType, typ}})
		return id
	}
	lead, login := add("xentri.lead.created.v1"), add("xentri.user.login.v1")
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && !strings.Contains(out.String(), lead) {
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("tail exited %d", code)
	}
	if !strings.Contains(out.String(), lead) || strings.Contains(out.String(), login) {
		t.Fatalf("tail --type xentri.lead.* printed:\n%s", out)
	}

	rdb.XAdd(context.Background(), &redis.XAddArgs{Stream: "xentri:dlq", Values: []any{
		contracts.FieldID, lead, contracts.FieldType, "xentri.lead.created.v1", "group", "n8n-bridge", "reason", "receiver said 500", "attempts", "5",
		"stream", "xentri:events", "entry_id", "1-0", "failed_at", time.Now().UTC().Format(time.RFC3339)}})
	list := &testenv.Buffer{}
	if code := run(context.Background(), []string{"events", "dlq", "list"}, getenv, list, &testenv.Buffer{}); code != 0 {
		t.Fatalf("dlq list exited %d", code)
	}
	if !strings.Contains(list.String(), "receiver said 500") || !strings.Contains(list.String(), "n8n-bridge") {
		t.Fatalf("dlq list printed:\n%s", list)
	}
}
