package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/xentri/xentri/contracts"
	"github.com/xentri/xentri/internal/events"
	"github.com/xentri/xentri/internal/testenv"
	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/core"
)

// eventsBundle is the core bundle with the live stream on a stream of its
// own, one partition (so every org shares it), a Drain of its own and
// 100 ms keepalives.
type eventsBundle struct {
	*coreBundle
	cfg    Config
	rdb    *redis.Client
	stream string
	drain  chan struct{}
	writer *events.Writer
}

func setupEvents(t *testing.T) *eventsBundle {
	t.Helper()
	e := &eventsBundle{rdb: testenv.Redis(t), drain: make(chan struct{}), writer: &events.Writer{Source: "test", Log: zerolog.Nop()}}
	e.coreBundle = setupCore(t, func(c *Config) {
		for _, r := range c.Tenant {
			if h, ok := r.(*Events); ok {
				f, _ := h.Follower.(*events.Follower)
				if f == nil || f.Partitions > 1 {
					t.Fatalf("setupCore's live stream follows %#v, not one partition of a stream of its own", h.Follower)
				}
				e.stream = f.Stream
				h.Keepalive, h.Drain = 100*time.Millisecond, e.drain
			}
		}
		e.cfg = *c
	})
	if e.stream == "" {
		t.Fatal("setupCore mounts no Events")
	}
	t.Cleanup(func() { e.rdb.Del(context.Background(), e.stream) })
	return e
}

// envelope builds a valid envelope of an event of org.
func (e *eventsBundle) envelope(t *testing.T, org uuid.UUID, typ string, payload any) contracts.Envelope {
	t.Helper()
	env, err := e.writer.Envelope(context.Background(), events.Event{Type: typ, OrgID: org, Actor: events.Actor{Type: "user", ID: uuid.NewString()}, Payload: payload})
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// add puts an event on the stream as the relay does (its own fields), and
// returns its entry id.
func (e *eventsBundle) add(t *testing.T, env contracts.Envelope) string {
	t.Helper()
	raw, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	id, err := e.rdb.XAdd(context.Background(), &redis.XAddArgs{Stream: events.StreamFor(e.stream, env.OrgID, 1),
		Values: events.StreamValues(env.ID, env.Type, env.OrgID, string(raw))}).Result()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// tail is the id of the stream's newest entry ("0" when it has none): a
// Last-Event-ID from which a stream sends exactly what is added next.
func (e *eventsBundle) tail(t *testing.T) string {
	t.Helper()
	last, err := e.rdb.XRevRangeN(context.Background(), e.stream, "+", "-", 1).Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(last) == 0 {
		return "0"
	}
	return last[0].ID
}

// streamReq is how a client asks for the stream.
type streamReq struct {
	token, cookie string
	org           string // x-org-id
	query         url.Values
	lastEventID   string
}

func openStream(t *testing.T, ctx context.Context, base string, q streamReq) *http.Response {
	t.Helper()
	u := base + "/api/v1/events/stream"
	if len(q.query) > 0 {
		u += "?" + q.query.Encode()
	}
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Accept", "text/event-stream")
	if q.token != "" {
		r.Header.Set("Authorization", "Bearer "+q.token)
	}
	if q.cookie != "" {
		r.AddCookie(&http.Cookie{Name: accessCookie, Value: q.cookie})
	}
	if q.org != "" {
		r.Header.Set(OrgHeader, q.org)
	}
	if q.lastEventID != "" {
		r.Header.Set("Last-Event-ID", q.lastEventID)
	}
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

// wantStream checks the answer is an event stream that starts with retry.
func wantStream(t *testing.T, res *http.Response) <-chan sseEvent {
	t.Helper()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" || res.Header.Get("Cache-Control") != "no-store" ||
		res.Header.Get("X-Accel-Buffering") != "no" || res.Header.Get("ETag") != "" {
		t.Fatalf("stream answered %d %v", res.StatusCode, res.Header)
	}
	stream := readEvents(res)
	for {
		select {
		case e, ok := <-stream:
			switch {
			case !ok:
				t.Fatal("the stream ended before its retry field")
			case e.retry == "3000":
				return stream
			case e.comment == "":
				t.Fatalf("before the retry field: %+v", e)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no retry field within 5 s")
		}
	}
}

// wantEnd checks the stream ends, with nothing but comments before.
func wantEnd(t *testing.T, stream <-chan sseEvent) {
	t.Helper()
	for {
		select {
		case e, ok := <-stream:
			if !ok {
				return
			}
			if e.comment == "" && e.retry == "" {
				t.Fatalf("before the end: %+v", e)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the stream did not end within 5 s")
		}
	}
}

// cookieOf signs in through the API and returns the session cookie.
func cookieOf(t *testing.T, b *coreBundle, a account) string {
	t.Helper()
	res := b.do(t, req{method: "POST", path: "/api/v1/auth/login", body: map[string]string{"email": a.email, "password": a.password}})
	for _, c := range (&http.Response{Header: res.header}).Cookies() {
		if c.Name == accessCookie && c.Value != "" {
			return c.Value
		}
	}
	t.Fatalf("login set no %s cookie: %d %s", accessCookie, res.status, res.body)
	return ""
}

// TestTheEventStreamFollowsTheOrgLiveAndResumes is the path: the
// shell's EventSource (the session cookie, the org in ?org_id=) follows
// the org's events past the request deadline, never sees another org's
// sharing the partition, resumes after Last-Event-ID, and ends when the
// server drains. The entries are written with the relay's own fields
// (events.StreamValues): the relay itself publishes every unpublished
// event of the database, and would change the other tests' orgs, so its
// run into Follow is tested in internal/events.
func TestTheEventStreamFollowsTheOrgLiveAndResumes(t *testing.T) {
	t.Parallel()
	e := setupEvents(t)
	// A request deadline and server timeouts far shorter than the stream
	// lasts, on a server of the test's own: the stream must outlive them.
	cfg := e.cfg
	cfg.Registry, cfg.RequestTimeout = prometheus.NewRegistry(), 300*time.Millisecond
	srv := httptest.NewUnstartedServer(NewRouter(cfg))
	srv.Config.ReadTimeout, srv.Config.WriteTimeout = 400*time.Millisecond, 400*time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)

	owner, stranger := e.signUp(t, "owner"), e.signUp(t, "stranger")
	cookie := cookieOf(t, e.coreBundle, owner)
	// emit puts a login of a new user of org on the stream.
	emit := func(org uuid.UUID) string {
		t.Helper()
		user := uuid.NewString()
		env := e.envelope(t, org, "xentri.user.login.v1", contracts.UserLogin{UserID: user})
		env.Actor.ID = user
		e.add(t, env)
		return user
	}
	type sent struct{ id, user string }
	// wantNext reads the next event and checks it is the org's login of
	// user, with its entry id and its envelope as data.
	wantNext := func(stream <-chan sseEvent, user string) string {
		t.Helper()
		ev, ok := nextEvent(t, stream)
		if !ok {
			t.Fatalf("the stream ended; want the login of %s", user)
		}
		var env contracts.Envelope
		if err := json.Unmarshal([]byte(ev.data), &env); err != nil {
			t.Fatalf("data is not an envelope: %v: %s", err, ev.data)
		}
		if ev.name != "xentri.user.login.v1" || env.Type != ev.name || env.OrgID != owner.orgID.String() || env.Actor.ID != user {
			t.Fatalf("got %s %s of org %s by %s; want the owner's login of %s", ev.id, ev.name, env.OrgID, env.Actor.ID, user)
		}
		entry, err := e.rdb.XRange(context.Background(), e.stream, ev.id, ev.id).Result()
		if err != nil || len(entry) != 1 || entry[0].Values[contracts.FieldID] != env.ID {
			t.Fatalf("id %s is not the stream entry of event %s: %v %v", ev.id, env.ID, entry, err)
		}
		return ev.id
	}

	from := e.tail(t)
	shell := wantStream(t, openStream(t, context.Background(), srv.URL, streamReq{cookie: cookie, query: url.Values{"org_id": {owner.orgID.String()}}, lastEventID: from}))
	// Past every deadline: keepalives only.
	time.Sleep(time.Second)
	keepalives := 0
	for len(shell) > 0 {
		if ev := <-shell; ev.comment == "keepalive" {
			keepalives++
		} else if ev.comment == "" {
			t.Fatalf("an event nobody emitted: %+v", ev)
		}
	}
	if keepalives < 3 {
		t.Fatalf("%d keepalives in a second at 100 ms", keepalives)
	}
	var mine []sent
	for range 3 {
		mine = append(mine, sent{user: emit(owner.orgID)})
		emit(stranger.orgID) // the same partition: it must not show
	}
	for i := range mine {
		mine[i].id = wantNext(shell, mine[i].user)
	}

	// Resuming: the header, the query (the header wins over it, as the
	// URL an EventSource reconnects to keeps its query), each exactly
	// what follows the id, then what comes next.
	resumed := map[string]<-chan sseEvent{
		"Last-Event-ID": wantStream(t, openStream(t, context.Background(), srv.URL,
			streamReq{token: owner.token, org: owner.orgID.String(), lastEventID: mine[0].id})),
		"?last_event_id=": wantStream(t, openStream(t, context.Background(), srv.URL,
			streamReq{token: owner.token, org: owner.orgID.String(), query: url.Values{"last_event_id": {mine[0].id}}})),
		"both": wantStream(t, openStream(t, context.Background(), srv.URL,
			streamReq{cookie: cookie, query: url.Values{"org_id": {owner.orgID.String()}, "last_event_id": {"0"}}, lastEventID: mine[0].id})),
	}
	for name, stream := range resumed {
		for _, s := range mine[1:] {
			if id := wantNext(stream, s.user); id != s.id {
				t.Fatalf("%s: resumed with %s, want %s", name, id, s.id)
			}
		}
	}
	emit(stranger.orgID)
	last := emit(owner.orgID)
	for name, stream := range map[string]<-chan sseEvent{"shell": shell, "Last-Event-ID": resumed["Last-Event-ID"], "?last_event_id=": resumed["?last_event_id="], "both": resumed["both"]} {
		if id := wantNext(stream, last); id == "" {
			t.Fatalf("%s: no id", name)
		}
	}

	// The server shuts down: every stream ends, and the EventSource
	// reconnects elsewhere.
	close(e.drain)
	for _, stream := range []<-chan sseEvent{shell, resumed["Last-Event-ID"], resumed["?last_event_id="], resumed["both"]} {
		wantEnd(t, stream)
	}
}

// TestTheEventStreamStartsFromNow: without Last-Event-ID, only what comes
// after the stream opened.
func TestTheEventStreamStartsFromNow(t *testing.T) {
	t.Parallel()
	e := setupEvents(t)
	owner := e.signUp(t, "owner")
	old := e.envelope(t, owner.orgID, "xentri.user.login.v1", contracts.UserLogin{UserID: uuid.NewString()})
	e.add(t, old)
	stream := wantStream(t, openStream(t, context.Background(), e.srv.URL, streamReq{token: owner.token, org: owner.orgID.String()}))
	// The follower starts reading after the headers: add events until one
	// arrives. It must be new, and every later one follows in order.
	var added []string
	var got sseEvent
	for deadline := time.Now().Add(10 * time.Second); got.id == ""; {
		if time.Now().After(deadline) {
			t.Fatal("nothing new arrived within 10 s")
		}
		added = append(added, e.add(t, e.envelope(t, owner.orgID, "xentri.user.login.v1", contracts.UserLogin{UserID: uuid.NewString()})))
		select {
		case ev := <-stream:
			if ev.comment == "" {
				got = ev
			}
		case <-time.After(100 * time.Millisecond):
		}
	}
	at := -1
	for i, id := range added {
		if id == got.id {
			at = i
		}
	}
	if at < 0 {
		t.Fatalf("from now: got %+v, which was on the stream before (%s)", got, old.ID)
	}
	for _, want := range added[at+1:] {
		if ev, ok := nextEvent(t, stream); !ok || ev.id != want {
			t.Fatalf("got %+v, want %s", ev, want)
		}
	}
}

// TestTheEventStreamShowsEachCallerWhatItMayRead: a member sees the org's
// events but for failed workflows, which owners see too; an API token sees
// what its scopes read, and one whose scopes read no events is refused.
func TestTheEventStreamShowsEachCallerWhatItMayRead(t *testing.T) {
	t.Parallel()
	e := setupEvents(t)
	owner, colleague := e.signUp(t, "owner"), e.signUp(t, "colleague")
	org := owner.orgID.String()
	if res := e.do(t, req{method: "POST", path: "/api/v1/orgs/" + org + "/members", token: owner.token, org: org,
		body: map[string]string{"email": colleague.email, "role": "member"}}); res.status != http.StatusCreated {
		t.Fatalf("invite: %d %s", res.status, res.body)
	}
	token := func(scopes ...string) string {
		t.Helper()
		res := e.do(t, req{method: "POST", path: "/api/v1/orgs/" + org + "/tokens", token: owner.token, org: org,
			body: map[string]any{"name": "stream " + uuid.NewString()[:8], "scopes": scopes}})
		secret := decodeData[core.NewAPIToken](t, res).Secret
		if secret == "" {
			t.Fatalf("token: %d %s", res.status, res.body)
		}
		return secret
	}
	leadsReader, writer := token(access.ScopeLeadsRead, access.ScopeLeadsWrite), token(access.ScopeLeadsWrite, access.ScopeMediaWrite)
	p := wantProblem(t, e.do(t, req{method: "GET", path: "/api/v1/events/stream", token: writer, org: org}), http.StatusForbidden)
	if p.Detail == "" {
		t.Fatalf("the refusal says nothing: %+v", p)
	}

	from := e.tail(t)
	login := e.envelope(t, owner.orgID, "xentri.user.login.v1", contracts.UserLogin{UserID: uuid.NewString()})
	failed := e.envelope(t, owner.orgID, "xentri.workflow.failed.v1", contracts.WorkflowFailed{WorkflowID: "lead-followup/x", RunID: "r",
		WorkflowType: "LeadFollowUp", Failure: contracts.WorkflowFailure{Message: "it broke"}, Attempts: 3, DeadLetterID: uuid.NewString()})
	lead := e.envelope(t, owner.orgID, "xentri.lead.created.v1", contracts.LeadCreated{LeadID: uuid.NewString(), Source: "manual", Status: "new"})
	ids := map[string]string{}
	for _, env := range []contracts.Envelope{login, failed, lead} {
		ids[env.Type] = e.add(t, env)
	}
	for _, c := range []struct {
		name string
		q    streamReq
		want []string
	}{
		{"the owner", streamReq{token: owner.token, org: org}, []string{login.Type, failed.Type, lead.Type}},
		{"a member", streamReq{token: colleague.token, org: org}, []string{login.Type, lead.Type}},
		{"a token with leads:read", streamReq{token: leadsReader, org: org}, []string{lead.Type}},
	} {
		c.q.lastEventID = from
		stream := wantStream(t, openStream(t, context.Background(), e.srv.URL, c.q))
		for _, typ := range c.want {
			if ev, ok := nextEvent(t, stream); !ok || ev.name != typ || ev.id != ids[typ] {
				t.Fatalf("%s: got %+v, want %s %s", c.name, ev, ids[typ], typ)
			}
		}
	}
}

// TestTheEventStreamRefusesOutsiders: the org gate's answers, with the org
// in x-org-id or in ?org_id= (which no other route reads), and malformed
// resume points.
func TestTheEventStreamRefusesOutsiders(t *testing.T) {
	t.Parallel()
	e := setupEvents(t)
	owner, stranger := e.signUp(t, "owner"), e.signUp(t, "stranger")
	org := owner.orgID.String()
	strangerCookie := cookieOf(t, e.coreBundle, stranger)
	stream := "/api/v1/events/stream"
	q := func(kv ...string) string {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return "?" + v.Encode()
	}
	cookie := map[string]string{"Cookie": accessCookie + "=" + strangerCookie}
	for _, c := range []struct {
		name   string
		r      req
		status int
	}{
		{"no credentials", req{path: stream + q("org_id", org)}, http.StatusUnauthorized},
		{"no credentials, x-org-id", req{path: stream, org: org}, http.StatusUnauthorized},
		{"a garbage cookie", req{path: stream + q("org_id", org), header: map[string]string{"Cookie": accessCookie + "=garbage"}}, http.StatusUnauthorized},
		{"a member of another org, ?org_id=", req{path: stream + q("org_id", org), header: cookie}, http.StatusForbidden},
		{"a member of another org, x-org-id", req{path: stream, token: stranger.token, org: org}, http.StatusForbidden},
		{"a member of another org, an org that does not exist", req{path: stream + q("org_id", uuid.NewString()), header: cookie}, http.StatusForbidden},
		{"no org", req{path: stream, token: owner.token}, http.StatusBadRequest},
		{"?org_id= not a UUID", req{path: stream + q("org_id", "org-1"), token: owner.token}, http.StatusBadRequest},
		{"?org_id= twice", req{path: stream + q("org_id", org, "org_id", org), token: owner.token}, http.StatusBadRequest},
		{"?org_id= and x-org-id differ", req{path: stream + q("org_id", stranger.orgID.String()), token: owner.token, org: org}, http.StatusBadRequest},
		{"?org_id= on another route", req{path: "/api/v1/leads" + q("org_id", org), token: owner.token}, http.StatusBadRequest},
		{"a malformed Last-Event-ID", req{path: stream, token: owner.token, org: org, header: map[string]string{"Last-Event-ID": "$"}}, http.StatusBadRequest},
		{"a malformed ?last_event_id=", req{path: stream + q("last_event_id", "12-x"), token: owner.token, org: org}, http.StatusBadRequest},
		{"?last_event_id= twice", req{path: stream + q("last_event_id", "1-0", "last_event_id", "2-0"), token: owner.token, org: org}, http.StatusBadRequest},
	} {
		// Within a deadline: a stream opened by mistake never ends.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		r, err := http.NewRequestWithContext(ctx, http.MethodGet, e.srv.URL+c.r.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.r.token != "" {
			r.Header.Set("Authorization", "Bearer "+c.r.token)
		}
		if c.r.org != "" {
			r.Header.Set(OrgHeader, c.r.org)
		}
		for k, v := range c.r.header {
			r.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		cancel()
		if err != nil || res.StatusCode != c.status || res.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %s %s (%v), want a %d problem", c.name, res.StatusCode, res.Header.Get("Content-Type"), body, err, c.status)
		}
	}
	// The owner by cookie and ?org_id=, as the shell: a stream, which ends
	// when the server drains.
	res := openStream(t, context.Background(), e.srv.URL, streamReq{cookie: cookieOf(t, e.coreBundle, owner), query: url.Values{"org_id": {org}}})
	stream2 := wantStream(t, res)
	close(e.drain)
	wantEnd(t, stream2)
}
