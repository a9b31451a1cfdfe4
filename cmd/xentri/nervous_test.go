package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/xentri/xentri/contracts"
	"github.com/xentri/xentri/internal/cache"
	"github.com/xentri/xentri/internal/n8n"
	"github.com/xentri/xentri/internal/testenv"
)

// receiver stands in for an n8n webhook: it records what arrives.
type receiver struct {
	mu       sync.Mutex
	bodies   [][]byte
	headers  []http.Header
	status   int
	attempts int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.attempts++
	rc.bodies = append(rc.bodies, body)
	rc.headers = append(rc.headers, r.Header.Clone())
	w.WriteHeader(rc.status)
}

func (rc *receiver) snapshot() ([][]byte, []http.Header, int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([][]byte{}, rc.bodies...), append([]http.Header{}, rc.headers...), rc.attempts
}

// TestEventsReachTheStreamAndN8N is the nervous system's acceptance: a
// sign-up's events land as valid envelopes on xentri:events; a subscribed
// receiver gets them signed twice (HMAC header, bearer JWT); a receiver that
// keeps failing puts its event in n8n:dlq after 3 attempts.
func TestEventsReachTheStreamAndN8N(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole stack")
	}
	const secret = "n8n-shared-secret-for-tests-0123456789"
	ok := &receiver{status: http.StatusOK}
	failing := &receiver{status: http.StatusInternalServerError}
	okSrv, failSrv := httptest.NewServer(ok), httptest.NewServer(failing)
	defer okSrv.Close()
	defer failSrv.Close()

	env := devEnv(t, t.TempDir())
	env["TEMPORAL_ADDRESS"] = testenv.Temporal(t)
	env["XENTRI_N8N_SECRET"] = secret
	env["XENTRI_N8N_SUBSCRIPTIONS"] = "xentri.user.*=" + okSrv.URL + "/webhook/users,xentri.org.created.v1=" + failSrv.URL + "/webhook/orgs"
	run := startDev(t, env)

	res, err := http.Post(run.url("/api/v1/auth/signup"), "application/json",
		strings.NewReader(`{"email":"nervous@example.test","password":"correct horse battery"}`))
	if err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("signup: %v %v", res, err)
	}
	res.Body.Close()

	rdb, _ := cache.Connect(env["REDIS_URL"])
	defer rdb.Close()
	deadline := time.Now().Add(30 * time.Second)
	var onStream []string
	for time.Now().Before(deadline) {
		msgs, _ := rdb.XRange(context.Background(), "xentri:events", "-", "+").Result()
		onStream = onStream[:0]
		for _, m := range msgs {
			raw := m.Values[contracts.FieldEnvelope].(string)
			if err := contracts.ValidateEnvelope([]byte(raw)); err != nil {
				t.Fatalf("invalid envelope on the stream: %v", err)
			}
			onStream = append(onStream, m.Values[contracts.FieldType].(string))
		}
		_, _, okN := ok.snapshot()
		dlq, _ := rdb.XLen(context.Background(), "n8n:dlq").Result()
		if len(onStream) >= 2 && okN >= 1 && dlq >= 1 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if strings.Join(onStream, ",") != "xentri.org.created.v1,xentri.user.signup.v1" {
		t.Fatalf("stream holds %v", onStream)
	}

	bodies, headers, _ := ok.snapshot()
	if len(bodies) != 1 {
		t.Fatalf("the subscribed receiver got %d deliveries, want the sign-up", len(bodies))
	}
	h, body := headers[0], bodies[0]
	if h.Get(n8n.HeaderEventType) != "xentri.user.signup.v1" || h.Get(n8n.HeaderEventID) == "" {
		t.Errorf("delivery headers: %v", h)
	}
	if err := n8n.VerifySignature([]byte(secret), h.Get(n8n.HeaderSignature), body, time.Now(), 5*time.Minute); err != nil {
		t.Errorf("HMAC signature does not verify: %v", err)
	}
	// What n8n's Webhook node does with JWT auth: HS256 with the secret.
	tok, err := jwt.Parse(strings.TrimPrefix(h.Get("Authorization"), "Bearer "), func(*jwt.Token) (any, error) { return []byte(secret), nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired())
	if err != nil {
		t.Fatalf("bearer JWT: %v", err)
	}
	var e contracts.Envelope
	_ = json.Unmarshal(body, &e)
	claims := tok.Claims.(jwt.MapClaims)
	if claims["sub"] != e.OrgID || claims["jti"] != e.ID {
		t.Errorf("JWT claims %v do not name the event's org and id", claims)
	}

	_, _, failedAttempts := failing.snapshot()
	letters, err := rdb.XRange(context.Background(), "n8n:dlq", "-", "+").Result()
	if err != nil || len(letters) != 1 {
		t.Fatalf("n8n:dlq holds %d entries (%v), want the org.created delivery", len(letters), err)
	}
	d, err := n8n.ParseDeadLetter(letters[0])
	if err != nil {
		t.Fatal(err)
	}
	if failedAttempts != 3 || d.Attempts != 3 || d.Status != 500 || d.EventType != "xentri.org.created.v1" {
		t.Errorf("dead letter %+v after %d attempts; want 3 attempts at status 500", d, failedAttempts)
	}
}
