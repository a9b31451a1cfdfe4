package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/xentri/xentri/api"
	"github.com/xentri/xentri/internal/testenv"
	"github.com/xentri/xentri/services/automation"
	"github.com/xentri/xentri/services/core"
	"github.com/xentri/xentri/workflows"
)

type apiResult struct {
	status int
	raw    string
}

func call(t *testing.T, method, url, body string, headers map[string]string) apiResult {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return apiResult{status: res.StatusCode, raw: string(raw)}
}

// envelope is a success body whose data is a T (api/respond.go).
type envelope[T any] struct {
	Data T        `json:"data"`
	Meta api.Meta `json:"meta"`
}

// tryData decodes the envelope's data into T. ok is false, and T its zero
// value, when the body is not JSON, holds no data (a problem, say), or its
// data does not decode into T: what a poll that tries again wants.
func tryData[T any](r apiResult) (_ T, ok bool) {
	var raw struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal([]byte(r.raw), &raw); err != nil || len(raw.Data) == 0 || string(raw.Data) == "null" {
		var zero T
		return zero, false
	}
	var env envelope[T]
	if err := json.Unmarshal([]byte(r.raw), &env); err != nil {
		var zero T
		return zero, false
	}
	return env.Data, true
}

// decodeData is tryData that fails the test, showing the status and body,
// when the data does not decode into T.
func decodeData[T any](t *testing.T, r apiResult) T {
	t.Helper()
	d, ok := tryData[T](r)
	if !ok {
		var zero T
		t.Fatalf("no data of type %T in the body (%d): %s", zero, r.status, r.raw)
	}
	return d
}

// problemOf decodes the body as a problem (api/problem.go); ok is false when
// it is not JSON.
func problemOf(r apiResult) (_ api.Problem, ok bool) {
	var p api.Problem
	if err := json.Unmarshal([]byte(r.raw), &p); err != nil {
		return api.Problem{}, false
	}
	return p, true
}

func sign(secret, body string, at time.Time) string {
	ts := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "." + body))
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// TestN8NStartsAWorkflow: n8n starts a registered workflow with an org API
// token or the shared signature; a repeated Idempotency-Key finds the same
// run; the run's status is the org's alone.
func TestN8NStartsAWorkflow(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole stack")
	}
	const secret = "n8n-shared-secret-for-tests-0123456789"
	env := devEnv(t, t.TempDir())
	env["TEMPORAL_ADDRESS"] = testenv.Temporal(t)
	env["XENTRI_TEMPORAL_UI_URL"] = "http://127.0.0.1:8233"
	env["XENTRI_N8N_SECRET"] = secret
	run := startDev(t, env)

	apiToken := func(userToken, org string) string {
		res := call(t, "POST", run.url("/api/v1/orgs/"+org+"/tokens"), `{"name":"n8n","scopes":["workflows:start"]}`,
			map[string]string{"Authorization": "Bearer " + userToken, "X-Org-Id": org})
		if res.status != http.StatusCreated {
			t.Fatalf("token: %d %s", res.status, res.raw)
		}
		tok := decodeData[core.NewAPIToken](t, res)
		if tok.Secret == "" {
			t.Fatalf("token without its secret: %s", res.raw)
		}
		return tok.Secret
	}
	adaUser, adaOrg := run.signUp(t, "hook-ada@example.test")
	bobUser, bobOrg := run.signUp(t, "hook-bob@example.test")
	adaToken, bobToken := apiToken(adaUser, adaOrg), apiToken(bobUser, bobOrg)

	hook := run.url("/api/v1/hooks/n8n/workflows/diagnostics")
	body := `{"org_id":"` + adaOrg + `","input":{"checks":["postgres","redis"]}}`
	first := call(t, "POST", hook, body, map[string]string{"Authorization": "Bearer " + adaToken, "Idempotency-Key": "n8n-exec-1"})
	if first.status != http.StatusAccepted {
		t.Fatalf("start: %d %s", first.status, first.raw)
	}
	firstRun := decodeData[automation.Run](t, first)
	if firstRun.RunID == "" || firstRun.StatusURL == "" {
		t.Fatalf("start names no run or status URL: %s", first.raw)
	}
	again := call(t, "POST", hook, body, map[string]string{"Authorization": "Bearer " + adaToken, "Idempotency-Key": "n8n-exec-1"})
	if againRun, _ := tryData[automation.Run](again); again.status != http.StatusAccepted || againRun.RunID != firstRun.RunID {
		t.Fatalf("a retried call started another run: %s vs %s", again.raw, first.raw)
	}

	// Refusals.
	for name, c := range map[string]struct {
		body    string
		headers map[string]string
		status  int
	}{
		"no credentials":        {body, nil, http.StatusUnauthorized},
		"another org's token":   {body, map[string]string{"Authorization": "Bearer " + bobToken}, http.StatusForbidden},
		"a user session":        {body, map[string]string{"Authorization": "Bearer " + adaUser}, http.StatusForbidden},
		"input off the schema":  {`{"org_id":"` + adaOrg + `","input":{"checks":["mainframe"]}}`, map[string]string{"Authorization": "Bearer " + adaToken}, http.StatusBadRequest},
		"unknown workflow":      {body, map[string]string{"Authorization": "Bearer " + adaToken}, http.StatusNotFound},
		"stale signature":       {body, map[string]string{"X-Xentri-Signature": sign(secret, body, time.Now().Add(-10*time.Minute))}, http.StatusUnauthorized},
		"signature, other body": {body, map[string]string{"X-Xentri-Signature": sign(secret, body+" ", time.Now())}, http.StatusUnauthorized},
	} {
		url := hook
		if name == "unknown workflow" {
			url = run.url("/api/v1/hooks/n8n/workflows/launch-missiles")
		}
		res := call(t, "POST", url, c.body, c.headers)
		if p, ok := problemOf(res); res.status != c.status || !ok || p.TraceID == "" {
			t.Errorf("%s: %d %s, want a %d problem", name, res.status, res.raw, c.status)
		}
	}
	// The shared signature works too.
	signed := call(t, "POST", hook, body, map[string]string{"X-Xentri-Signature": sign(secret, body, time.Now())})
	if signed.status != http.StatusAccepted {
		t.Fatalf("signed start: %d %s", signed.status, signed.raw)
	}

	// Status: completed with the worker's report, for ada's org only.
	if link := firstRun.TemporalUIURL; !strings.HasPrefix(link, "http://127.0.0.1:8233/namespaces/default/workflows/hook%2Fdiagnostics%2F") {
		t.Errorf("the hook's answer links %q, not the run in Temporal UI", link)
	}
	status := run.url(firstRun.StatusURL)
	deadline := time.Now().Add(20 * time.Second)
	var st apiResult
	var state automation.Status
	for time.Now().Before(deadline) {
		st = call(t, "GET", status, "", map[string]string{"Authorization": "Bearer " + adaToken, "X-Org-Id": adaOrg})
		if state, _ = tryData[automation.Status](st); st.status == 200 && state.Status == "COMPLETED" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	var result workflows.DiagnosticsResult
	_ = json.Unmarshal(state.Result, &result)
	if state.Status != "COMPLETED" || result.Checks["postgres"] != "ok" || result.Checks["redis"] != "ok" {
		t.Fatalf("status: %d %s", st.status, st.raw)
	}
	if res := call(t, "GET", status, "", map[string]string{"Authorization": "Bearer " + bobToken, "X-Org-Id": bobOrg}); res.status != http.StatusNotFound {
		t.Errorf("another org read the run: %d %s", res.status, res.raw)
	}
}

// signUp makes an account on the running stack and returns its access
// token and its first org.
func (r *devRun) signUp(t *testing.T, email string) (token, org string) {
	t.Helper()
	res := call(t, "POST", r.url("/api/v1/auth/signup"), `{"email":"`+email+`","password":"correct horse battery"}`, nil)
	if res.status != http.StatusCreated {
		t.Fatalf("signup: %d %s", res.status, res.raw)
	}
	in := decodeData[api.SignedIn](t, res)
	if in.Session == nil || in.Session.AccessToken == "" || in.Org == nil || in.Org.ID == uuid.Nil {
		t.Fatalf("signup names no session or org: %s", res.raw)
	}
	return in.Session.AccessToken, in.Org.ID.String()
}
