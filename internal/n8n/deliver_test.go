package n8n_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/xentri/xentri/internal/n8n"
	"github.com/xentri/xentri/internal/testenv"
)

type testBundle struct {
	rdb    *redis.Client
	dlq    string
	signer *n8n.Signer
}

// setup returns a Deliverer on the test Redis with its own dead letter
// stream and a 1ms backoff, allowed to reach loopback where the receivers
// listen (as `xentri dev`'s n8n does); configure adjusts the config first.
func setup(t *testing.T, configure ...func(*n8n.DelivererConfig)) (*n8n.Deliverer, testBundle) {
	t.Helper()
	rdb := testenv.Redis(t)
	b := testBundle{rdb: rdb, dlq: "test:n8n:dlq:" + uuid.NewString(), signer: mustSigner(t, testSecret)}
	t.Cleanup(func() { rdb.Del(context.Background(), b.dlq) })
	cfg := n8n.DelivererConfig{
		Signer:     b.signer,
		Redis:      rdb,
		DeadLetter: b.dlq,
		Allow:      loopback(),
		Backoff:    func(int) time.Duration { return time.Millisecond },
		Log:        zerolog.New(zerolog.NewTestWriter(t)),
	}
	for _, c := range configure {
		c(&cfg)
	}
	return n8n.NewDeliverer(cfg), b
}

func (b testBundle) deadLetters(t *testing.T) []n8n.DeadLetter {
	t.Helper()
	msgs, err := b.rdb.XRange(context.Background(), b.dlq, "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	var dls []n8n.DeadLetter
	for _, m := range msgs {
		dl, err := n8n.ParseDeadLetter(m)
		if err != nil {
			t.Fatal(err)
		}
		dls = append(dls, dl)
	}
	return dls
}

type hit struct {
	header http.Header
	body   []byte
	at     time.Time
}

// receiver is a webhook on 127.0.0.1 that records each request and answers
// with respond (given the 1-based request number).
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	hits []hit
}

func newReceiver(t *testing.T, respond func(n int, w http.ResponseWriter, r *http.Request)) *receiver {
	t.Helper()
	rc := &receiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.hits = append(rc.hits, hit{header: r.Header.Clone(), body: body, at: time.Now()})
		n := len(rc.hits)
		rc.mu.Unlock()
		respond(n, w, r)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) Hits() []hit {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]hit(nil), rc.hits...)
}

func status(code int, body string) func(int, http.ResponseWriter, *http.Request) {
	return func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(code)
		io.WriteString(w, body)
	}
}

func sub(url string) n8n.Subscription {
	return n8n.Subscription{ID: "sub-1", Pattern: "xentri.lead.*", URL: url}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDeliverRetriesThenSucceeds(t *testing.T) {
	t.Parallel()
	d, b := setup(t)
	var tick atomic.Int64 // the signer's clock moves a second per reading
	b.signer.SetClock(func() time.Time { return time.Unix(1_800_000_000+tick.Add(1), 0) })
	rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n <= 2 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	e := testEnvelope()
	if err := d.Deliver(context.Background(), sub(rc.URL+"/webhook/leads"), e); err != nil {
		t.Fatal(err)
	}
	hits := rc.Hits()
	if len(hits) != 3 {
		t.Fatalf("receiver got %d requests, want 3", len(hits))
	}
	want := mustJSON(t, e)
	var lastSig string
	for i, h := range hits {
		if string(h.body) != string(want) {
			t.Errorf("attempt %d body = %s, want %s", i+1, h.body, want)
		}
		sig := h.header.Get(n8n.HeaderSignature)
		if sig == lastSig {
			t.Errorf("attempt %d reuses the signature %q", i+1, sig)
		}
		lastSig = sig
		if err := n8n.VerifySignature(testSecret, sig, h.body, time.Unix(1_800_000_000+int64(i+1), 0), 0); err != nil {
			t.Errorf("attempt %d: signature not fresh or not valid: %v", i+1, err)
		}
	}
	if dls := b.deadLetters(t); len(dls) != 0 {
		t.Errorf("dead letters after a success: %+v", dls)
	}
}

func TestDeliverDeadLettersAfterLastAttempt(t *testing.T) {
	t.Parallel()
	d, b := setup(t)
	answer := strings.Repeat("x", 511) + "é and more" // é straddles byte 512
	rc := newReceiver(t, status(http.StatusInternalServerError, answer))
	e := testEnvelope()
	if err := d.Deliver(context.Background(), sub(rc.URL+"/webhook/leads?token=s3cret"), e); err != nil {
		t.Fatalf("Deliver = %v, want nil once dead-lettered", err)
	}
	if n := len(rc.Hits()); n != 3 {
		t.Errorf("receiver got %d requests, want 3", n)
	}
	dls := b.deadLetters(t)
	if len(dls) != 1 {
		t.Fatalf("%d dead letters, want 1", len(dls))
	}
	dl := dls[0]
	if dl.Status != 500 || dl.Attempts != 3 || dl.EventID != e.ID || dl.EventType != e.Type || dl.OrgID != e.OrgID || dl.SubscriptionID != "sub-1" {
		t.Errorf("dead letter = %+v; want status 500, attempts 3, the event's id, type and org, sub-1", dl)
	}
	if dl.URL != rc.URL+"/webhook/leads" {
		t.Errorf("url = %q, want it without the query", dl.URL)
	}
	if dl.BodyExcerpt != strings.Repeat("x", 511) || !utf8.ValidString(dl.BodyExcerpt) {
		t.Errorf("body_excerpt = %q (%d bytes), want the 511 x before the split rune", dl.BodyExcerpt, len(dl.BodyExcerpt))
	}
	if !strings.Contains(dl.Error, "500") || strings.Contains(dl.Error, "s3cret") {
		t.Errorf("error = %q, want the status and not the query", dl.Error)
	}
	if string(dl.Envelope) != string(mustJSON(t, e)) {
		t.Errorf("envelope = %s, want the body sent", dl.Envelope)
	}
	if time.Since(dl.FailedAt) > time.Minute {
		t.Errorf("failed_at = %s, want now", dl.FailedAt)
	}
}

func TestDeliverGivesUpAtOnceOn4xx(t *testing.T) {
	t.Parallel()
	for _, code := range []int{http.StatusNotFound, http.StatusForbidden, http.StatusFound} {
		d, b := setup(t)
		rc := newReceiver(t, func(_ int, w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Location", "/elsewhere") // a 302 is not followed
			w.WriteHeader(code)
			io.WriteString(w, "The requested webhook is not registered.")
		})
		if err := d.Deliver(context.Background(), sub(rc.URL+"/webhook/nope"), testEnvelope()); err != nil {
			t.Fatal(err)
		}
		if n := len(rc.Hits()); n != 1 {
			t.Errorf("%d: receiver got %d requests, want 1", code, n)
		}
		dls := b.deadLetters(t)
		if len(dls) != 1 || dls[0].Status != code || dls[0].Attempts != 1 || dls[0].BodyExcerpt != "The requested webhook is not registered." {
			t.Errorf("%d: dead letters = %+v, want one with status %d, attempts 1 and the answer", code, dls, code)
		}
	}
}

func TestDeliverRetriesRetryableStatuses(t *testing.T) {
	t.Parallel()
	for _, code := range []int{http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable} {
		d, b := setup(t)
		rc := newReceiver(t, func(n int, w http.ResponseWriter, _ *http.Request) {
			if n == 1 {
				w.WriteHeader(code)
			}
		})
		if err := d.Deliver(context.Background(), sub(rc.URL), testEnvelope()); err != nil {
			t.Fatal(err)
		}
		if n := len(rc.Hits()); n != 2 {
			t.Errorf("%d then 200: %d requests, want 2", code, n)
		}
		if dls := b.deadLetters(t); len(dls) != 0 {
			t.Errorf("%d then 200: dead letters %+v", code, dls)
		}
	}
}

func TestDeliverRetriesNetworkErrors(t *testing.T) {
	t.Parallel()
	d, b := setup(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	if err := d.Deliver(context.Background(), sub("http://"+addr+"/webhook/x?token=s3cret"), testEnvelope()); err != nil {
		t.Fatal(err)
	}
	dls := b.deadLetters(t)
	if len(dls) != 1 || dls[0].Status != 0 || dls[0].Attempts != 3 || dls[0].Error == "" {
		t.Fatalf("dead letters = %+v, want one with status 0, attempts 3 and an error", dls)
	}
	if strings.Contains(dls[0].Error, "s3cret") || strings.Contains(dls[0].URL, "s3cret") {
		t.Errorf("dead letter repeats the query: error %q, url %q", dls[0].Error, dls[0].URL)
	}
}

func TestDeliverHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	d, _ := setup(t)
	rc := newReceiver(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
		}
	})
	if err := d.Deliver(context.Background(), sub(rc.URL), testEnvelope()); err != nil {
		t.Fatal(err)
	}
	hits := rc.Hits()
	if len(hits) != 2 {
		t.Fatalf("%d requests, want 2", len(hits))
	}
	if gap := hits[1].at.Sub(hits[0].at); gap < 950*time.Millisecond {
		t.Errorf("retried after %s, want the 1s Retry-After honoured (backoff is 1ms)", gap)
	}
}

func TestDeliverReturnsErrorWhenDeadLetterFails(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	down := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { down.Close() })
	d, _ := setup(t, func(c *n8n.DelivererConfig) { c.Redis = down })
	rc := newReceiver(t, status(http.StatusNotFound, ""))
	if err := d.Deliver(context.Background(), sub(rc.URL), testEnvelope()); err == nil {
		t.Fatal("Deliver = nil although the event was neither delivered nor dead-lettered")
	}
}

func TestDeliverRefusesSubscriptionOfAnotherOrg(t *testing.T) {
	t.Parallel()
	d, b := setup(t)
	rc := newReceiver(t, status(http.StatusOK, ""))
	s := sub(rc.URL)
	s.OrgID = "0190f2a4-0000-7000-8000-000000000009"
	if err := d.Deliver(context.Background(), s, testEnvelope()); !errors.Is(err, n8n.ErrSubscriptionMismatch) {
		t.Errorf("Deliver = %v, want ErrSubscriptionMismatch", err)
	}
	if n := len(rc.Hits()); n != 0 {
		t.Errorf("another org's receiver got %d requests", n)
	}
	if dls := b.deadLetters(t); len(dls) != 0 {
		t.Errorf("dead letters: %+v", dls)
	}
}

func TestDeliverStopsWithContext(t *testing.T) {
	t.Parallel()
	d, b := setup(t, func(c *n8n.DelivererConfig) { c.Backoff = func(int) time.Duration { return time.Hour } })
	rc := newReceiver(t, status(http.StatusServiceUnavailable, ""))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := d.Deliver(ctx, sub(rc.URL), testEnvelope()); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Deliver = %v, want the context's error (the event is not acked)", err)
	}
	if dls := b.deadLetters(t); len(dls) != 0 {
		t.Errorf("dead-lettered on shutdown: %+v", dls)
	}
}

func TestPublishReachesSubscriber(t *testing.T) {
	t.Parallel()
	channel := "test:n8n:events:" + uuid.NewString()
	d, b := setup(t, func(c *n8n.DelivererConfig) { c.PubSubChannel = channel })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ps := b.rdb.Subscribe(ctx, channel)
	t.Cleanup(func() { ps.Close() })
	if _, err := ps.Receive(ctx); err != nil { // the subscription is in place
		t.Fatal(err)
	}
	e := testEnvelope()
	if err := d.Publish(ctx, e); err != nil {
		t.Fatal(err)
	}
	msg, err := ps.ReceiveMessage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if msg.Channel != channel || msg.Payload != string(mustJSON(t, e)) {
		t.Errorf("got %q on %q, want the envelope JSON on %q", msg.Payload, msg.Channel, channel)
	}
}

func TestRedriveDeliversAndDeletes(t *testing.T) {
	t.Parallel()
	d, b := setup(t)
	var up atomic.Bool
	rc := newReceiver(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		if !up.Load() {
			w.WriteHeader(http.StatusBadGateway)
		}
	})
	ctx := context.Background()
	e := testEnvelope()
	s := sub(rc.URL)
	if err := d.Deliver(ctx, s, e); err != nil {
		t.Fatal(err)
	}
	dls := b.deadLetters(t)
	if len(dls) != 1 {
		t.Fatalf("%d dead letters, want 1", len(dls))
	}
	entry := dls[0].EntryID

	other := s
	other.OrgID = "0190f2a4-0000-7000-8000-000000000009"
	if err := n8n.RedriveDeadLetter(ctx, b.rdb, b.dlq, entry, d, other); !errors.Is(err, n8n.ErrSubscriptionMismatch) {
		t.Errorf("redrive to another org's subscription = %v, want ErrSubscriptionMismatch", err)
	}
	var derr *n8n.DeliveryError
	if err := n8n.RedriveDeadLetter(ctx, b.rdb, b.dlq, entry, d, s); !errors.As(err, &derr) || derr.Attempts != 3 || derr.Status != 502 {
		t.Errorf("redrive while the receiver is down = %v, want a DeliveryError after 3 attempts with status 502", err)
	}
	if dls := b.deadLetters(t); len(dls) != 1 || dls[0].EntryID != entry {
		t.Fatalf("after a failed redrive the dead letters are %+v, want the one entry unchanged", dls)
	}

	up.Store(true)
	before := len(rc.Hits())
	if err := n8n.RedriveDeadLetter(ctx, b.rdb, b.dlq, entry, d, s); err != nil {
		t.Fatalf("redrive: %v", err)
	}
	hits := rc.Hits()
	if len(hits) != before+1 || string(hits[len(hits)-1].body) != string(mustJSON(t, e)) {
		t.Errorf("redrive sent %d requests, last body %s; want 1 with the envelope", len(hits)-before, hits[len(hits)-1].body)
	}
	if dls := b.deadLetters(t); len(dls) != 0 {
		t.Errorf("entry not deleted: %+v", dls)
	}
	if err := n8n.RedriveDeadLetter(ctx, b.rdb, b.dlq, entry, d, s); !errors.Is(err, n8n.ErrDeadLetterNotFound) {
		t.Errorf("second redrive = %v, want ErrDeadLetterNotFound", err)
	}
}

// n8nWebhook answers like n8n's Webhook node with "JWT Auth" (a Passphrase
// credential, algorithm HS256): it takes the second word of Authorization
// and runs jsonwebtoken's verify with the passphrase, which checks the
// signature, the algorithm and exp.
func n8nWebhook(passphrase string) func(int, http.ResponseWriter, *http.Request) {
	return func(_ int, w http.ResponseWriter, r *http.Request) {
		parts := strings.Split(r.Header.Get("Authorization"), " ")
		if len(parts) < 2 || parts[1] == "" {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"message":"No token provided"}`)
			return
		}
		_, err := jwt.Parse(parts[1], func(*jwt.Token) (any, error) { return []byte(passphrase), nil },
			jwt.WithValidMethods([]string{"HS256"}))
		if err != nil {
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `{"message":"Authorization data is wrong!"}`)
			return
		}
		io.WriteString(w, `{"message":"Workflow was started"}`)
	}
}

func TestN8nWebhookJWTAuthAcceptsDelivery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		passphrase string
		clock      time.Duration // how far the signer's clock is behind
		accepted   bool
	}{
		{"shared secret", string(testSecret), 0, true},
		{"other secret", strings.Repeat("k", 32), 0, false},
		{"expired token", string(testSecret), 6 * time.Minute, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, b := setup(t)
			b.signer.SetClock(func() time.Time { return time.Now().Add(-tt.clock) })
			rc := newReceiver(t, n8nWebhook(tt.passphrase))
			if err := d.Deliver(context.Background(), sub(rc.URL+"/webhook/leads"), testEnvelope()); err != nil {
				t.Fatal(err)
			}
			dls := b.deadLetters(t)
			if tt.accepted && len(dls) != 0 {
				t.Errorf("n8n refused the delivery: %+v", dls)
			}
			if !tt.accepted && (len(dls) != 1 || dls[0].Status != http.StatusForbidden || dls[0].Attempts != 1) {
				t.Errorf("dead letters = %+v, want one 403 after 1 attempt", dls)
			}
		})
	}
}
