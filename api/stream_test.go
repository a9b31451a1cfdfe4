package api

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/xentri/xentri/activities"
	"github.com/xentri/xentri/internal/cache"
	"github.com/xentri/xentri/internal/testenv"
	"github.com/xentri/xentri/services/brief"
)

// sseEvent is one server-sent event, or a comment or retry field alone
// (name "").
type sseEvent struct{ id, name, data, comment, retry string }

// readEvents parses a text/event-stream into events until it ends.
func readEvents(res *http.Response) <-chan sseEvent {
	out := make(chan sseEvent, 64)
	go func() {
		defer close(out)
		sc := bufio.NewScanner(res.Body)
		var e sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if e != (sseEvent{}) {
					out <- e
				}
				e = sseEvent{}
			case strings.HasPrefix(line, ": "):
				out <- sseEvent{comment: strings.TrimPrefix(line, ": ")}
			case strings.HasPrefix(line, "retry: "):
				out <- sseEvent{retry: strings.TrimPrefix(line, "retry: ")}
			case strings.HasPrefix(line, "id: "):
				e.id = strings.TrimPrefix(line, "id: ")
			case strings.HasPrefix(line, "event: "):
				e.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				e.data += strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	return out
}

// nextEvent skips comments and retry fields and returns the next event;
// ok is false when the stream ended.
func nextEvent(t *testing.T, events <-chan sseEvent) (sseEvent, bool) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case e, ok := <-events:
			if !ok {
				return sseEvent{}, false
			}
			if e.comment != "" || e.retry != "" {
				continue
			}
			return e, true
		case <-timeout:
			t.Fatal("no event within 10 s")
		}
	}
}

func TestTheCopilotStreamRelaysASessionsEventsPastTheRequestDeadline(t *testing.T) {
	t.Parallel()
	drain := make(chan struct{})
	var cfg Config
	b := setupCore(t, func(c *Config) {
		for _, r := range c.Tenant {
			if cp, ok := r.(*Copilot); ok {
				cp.Keepalive, cp.Drain = 100*time.Millisecond, drain
			}
		}
		cfg = *c
	})
	// A request deadline and server timeouts far shorter than the stream
	// lasts, on a server of the test's own: the stream must outlive them.
	cfg.Registry, cfg.RequestTimeout = prometheus.NewRegistry(), 300*time.Millisecond
	srv := httptest.NewUnstartedServer(NewRouter(cfg))
	srv.Config.ReadTimeout, srv.Config.WriteTimeout = 400*time.Millisecond, 400*time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)

	owner, stranger := b.signUp(t, "owner"), b.signUp(t, "stranger")
	ctx := context.Background()
	session := func(org uuid.UUID, status string) uuid.UUID {
		id := uuid.Must(uuid.NewV7())
		if _, err := b.d.Owner.Exec(ctx, `INSERT INTO copilot_sessions (id, org_id, status) VALUES ($1, $2, $3)`, id, org, status); err != nil {
			t.Fatal(err)
		}
		return id
	}
	open, ended := session(owner.orgID, "open"), session(owner.orgID, "idle")
	rdb := testenv.Redis(t)
	pub := cache.NewCopilotStream(rdb)
	follow := func(ctx context.Context, a account, org uuid.UUID, id string) *http.Response {
		t.Helper()
		r, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/v1/copilot/sessions/"+id+"/stream", nil)
		r.Header.Set("Authorization", "Bearer "+a.token)
		r.Header.Set(OrgHeader, org.String())
		r.Header.Set("Accept", "text/event-stream")
		res, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { res.Body.Close() })
		return res
	}

	// Not the org's, or nothing at all: a 404 problem at once.
	start := time.Now()
	for name, res := range map[string]*http.Response{
		"another org's session": follow(ctx, stranger, stranger.orgID, open.String()),
		"no such session":       follow(ctx, owner, owner.orgID, uuid.NewString()),
	} {
		if res.StatusCode != http.StatusNotFound || res.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %s, want a 404 problem", name, res.StatusCode, res.Header.Get("Content-Type"))
		}
	}
	if res := follow(ctx, owner, owner.orgID, "not-a-uuid"); res.StatusCode < 400 || res.StatusCode >= 500 {
		t.Errorf("a malformed id: %d", res.StatusCode)
	}
	if time.Since(start) > 2*time.Second {
		t.Errorf("refusals took %s", time.Since(start))
	}

	// An ended session: session.ended at once, and the end.
	events := readEvents(follow(ctx, owner, owner.orgID, ended.String()))
	if e, ok := nextEvent(t, events); !ok || e.name != brief.EventSessionEnded || e.data != `{"status":"idle"}` || e.id == "" {
		t.Fatalf("an ended session streamed %+v", e)
	}
	if e, ok := nextEvent(t, events); ok {
		t.Fatalf("after session.ended: %+v", e)
	}

	// An open session: the headers, then nothing but keepalives past every
	// deadline, then what the worker publishes, in order.
	res := follow(ctx, owner, owner.orgID, open.String())
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" ||
		res.Header.Get("Cache-Control") != "no-cache" || res.Header.Get("X-Accel-Buffering") != "no" || res.Header.Get("ETag") != "" {
		t.Fatalf("stream answered %d %v", res.StatusCode, res.Header)
	}
	events = readEvents(res)
	time.Sleep(time.Second)
	keepalives := 0
	for len(events) > 0 {
		if e := <-events; e.comment == "keepalive" {
			keepalives++
		} else if e.comment == "" {
			t.Fatalf("an event nobody published: %+v", e)
		}
	}
	if keepalives < 3 {
		t.Fatalf("%d keepalives in a second at 100 ms", keepalives)
	}
	reply := activities.CopilotReply{MessageID: uuid.NewString(), ClientMessageID: "m1", Turn: 1, Text: "Thanks.",
		Understood: []activities.Understood{{Section: "identity", Field: "business_name", Value: []byte(`"Rosa's Bakery"`)}},
		Missing:    []activities.MissingField{}}
	publish := func(org, id uuid.UUID, event string, data any) {
		t.Helper()
		if err := pub.Publish(ctx, org, id, event, data); err != nil {
			t.Fatal(err)
		}
	}
	publish(owner.orgID, ended, brief.EventTurnStarted, brief.TurnStarted{Turn: 7}) // another session
	publish(stranger.orgID, open, brief.EventTurnStarted, brief.TurnStarted{Turn: 8})
	publish(owner.orgID, open, brief.EventTurnStarted, brief.TurnStarted{Turn: 1, ClientMessageID: "m1"})
	publish(owner.orgID, open, brief.EventFact, reply.Understood[0])
	publish(owner.orgID, open, brief.EventReply, reply)
	var ids []string
	for _, want := range []struct{ name, data string }{
		{brief.EventTurnStarted, `{"turn":1,"client_message_id":"m1"}`},
		{brief.EventFact, `{"section":"identity","field":"business_name","value":"Rosa's Bakery","sources":null}`},
		{brief.EventReply, `{"message_id":"` + reply.MessageID + `","client_message_id":"m1","turn":1,"understood":[{"section":"identity","field":"business_name","value":"Rosa's Bakery","sources":null}],"missing":[],"text":"Thanks."}`},
	} {
		e, ok := nextEvent(t, events)
		if !ok || e.name != want.name || e.data != want.data || e.id == "" {
			t.Fatalf("got %+v, want %s %s", e, want.name, want.data)
		}
		ids = append(ids, e.id)
	}
	if ids[0] == ids[1] || ids[1] == ids[2] {
		t.Fatalf("ids repeat: %v", ids)
	}
	publish(owner.orgID, open, brief.EventSessionEnded, brief.SessionEnded{Status: "finished"})
	if e, ok := nextEvent(t, events); !ok || e.name != brief.EventSessionEnded || e.data != `{"status":"finished"}` {
		t.Fatalf("got %+v, want session.ended", e)
	}
	if e, ok := nextEvent(t, events); ok {
		t.Fatalf("after session.ended: %+v", e)
	}

	// A client that goes away, and a server that shuts down, end the
	// stream and its subscription.
	subscribers := func() int64 {
		n, err := rdb.PubSubNumSub(ctx, cache.CopilotChannel(owner.orgID, open)).Result()
		if err != nil {
			t.Fatal(err)
		}
		return n[cache.CopilotChannel(owner.orgID, open)]
	}
	waitSubscribers := func(want int64) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); subscribers() != want; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%d subscribers, want %d", subscribers(), want)
			}
		}
	}
	gone, leave := context.WithCancel(ctx)
	follow(gone, owner, owner.orgID, open.String())
	stays := readEvents(follow(ctx, owner, owner.orgID, open.String()))
	waitSubscribers(2)
	leave()
	waitSubscribers(1)
	close(drain)
	if e, ok := nextEvent(t, stays); ok {
		t.Fatalf("after the drain: %+v", e)
	}
	waitSubscribers(0)
}
