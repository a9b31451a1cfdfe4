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

	"github.com/xentri/xentri/internal/testenv"
)

type apiResult struct {
	status int
	body   map[string]any
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
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return apiResult{status: res.StatusCode, body: m, raw: string(raw)}
}

func (r apiResult) data() map[string]any { d, _ := r.body["data"].(map[string]any); return d }

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
		return res.data()["token"].(string)
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
	again := call(t, "POST", hook, body, map[string]string{"Authorization": "Bearer " + adaToken, "Idempotency-Key": "n8n-exec-1"})
	if again.status != http.StatusAccepted || again.data()["run_id"] != first.data()["run_id"] {
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
		if res.status != c.status || res.body["trace_id"] == nil {
			t.Errorf("%s: %d %s, want a %d problem", name, res.status, res.raw, c.status)
		}
	}
	// The shared signature works too.
	signed := call(t, "POST", hook, body, map[string]string{"X-Xentri-Signature": sign(secret, body, time.Now())})
	if signed.status != http.StatusAccepted {
		t.Fatalf("signed start: %d %s", signed.status, signed.raw)
	}

	// Status: completed with the worker's report, for ada's org only.
	if link, _ := first.data()["temporal_ui_url"].(string); !strings.HasPrefix(link, "http://127.0.0.1:8233/namespaces/default/workflows/hook%2Fdiagnostics%2F") {
		t.Errorf("the hook's answer links %q, not the run in Temporal UI", link)
	}
	status := run.url(first.data()["status_url"].(string))
	deadline := time.Now().Add(20 * time.Second)
	var st apiResult
	for time.Now().Before(deadline) {
		st = call(t, "GET", status, "", map[string]string{"Authorization": "Bearer " + adaToken, "X-Org-Id": adaOrg})
		if st.status == 200 && st.data()["status"] == "COMPLETED" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	result, _ := st.data()["result"].(map[string]any)
	checks, _ := result["checks"].(map[string]any)
	if st.data()["status"] != "COMPLETED" || checks["postgres"] != "ok" || checks["redis"] != "ok" {
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
	d := res.data()
	return d["session"].(map[string]any)["access_token"].(string), d["org"].(map[string]any)["id"].(string)
}
