//go:build e2e

package n8ne2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/xentri/xentri/contracts"
	xn8n "github.com/xentri/xentri/internal/n8n"
)

// What the test runs on: Redis DB 13 (flushed before and after), and the
// names in deploy/n8n's templates.
const (
	redisURL        = "redis://127.0.0.1:6379/13"
	eventsTemplate  = "deploy/n8n/xentri-events.json"
	startTemplate   = "deploy/n8n/start-xentri-workflow.json"
	eventsPath      = "xentri-events"
	startPath       = "xentri-start-diagnostics"
	jwtCredential   = "Xentri events JWT"
	tokenCredential = "Xentri API token"
	ownerEmail      = "owner@xentri-e2e.test"
	ownerPassword   = "Xentri-e2e-0wner"
)

// TestXentriWithN8N runs a real n8n and `xentri dev` against each other:
// the templates in deploy/n8n import and activate; the events template
// verifies Xentri's bearer JWT and routes leads by value; a sign-up's events
// reach it through XENTRI_N8N_SUBSCRIPTIONS; and the start template calls
// Xentri's hook endpoint with an org API token and the run completes.
func TestXentriWithN8N(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 28*time.Minute)
	defer cancel()

	requireNode(t)
	repo := repoRoot(t)
	admin := adminURL()
	suffix := randSuffix()
	n8nDB, xentriDB := "n8n_e2e_"+suffix, "xentri_e2e_"+suffix
	createDatabase(t, ctx, admin, n8nDB) // fails fast when Postgres is missing, before the install
	rdb := redisDB(t, ctx, redisURL)
	n8nBin := installN8N(t, ctx, repo)

	secret := "xentri-e2e-n8n-" + randSuffix() + randSuffix() + randSuffix()
	xentriURL := fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	n := startN8N(t, ctx, n8nBin, admin, n8nDB, xentriURL)
	xentriBin := buildXentri(t, ctx, repo)
	waitHTTP(t, ctx, n.proc, n.url+"/healthz/readiness", 3*time.Minute)
	// Ready means migrated; the REST API is mounted a moment later.
	waitHTTP(t, ctx, n.proc, n.url+"/rest/settings", time.Minute)

	n.setUpOwner(t, ctx)
	jwtCred := n.createCredential(t, ctx, jwtCredential, "jwtAuth", map[string]any{
		"keyType": "passphrase", "secret": secret, "algorithm": "HS256",
	})
	eventsWF := n.importWorkflow(t, ctx, filepath.Join(repo, eventsTemplate), jwtCred)

	t.Run("EventsTemplateVerifiesAndRoutes", func(t *testing.T) {
		testEventsTemplate(t, ctx, n, eventsWF, secret)
	})

	createDatabase(t, ctx, admin, xentriDB) // dropped after xentri dev stops
	x := startXentri(t, ctx, repo, xentriBin, xentriURL, withDatabase(t, admin, xentriDB), map[string]string{
		"XENTRI_N8N_SECRET":        secret,
		"XENTRI_N8N_SUBSCRIPTIONS": "xentri.*=" + n.url + "/webhook/" + eventsPath,
	})

	api := newJSONClient(x.url+"/api/v1", nil)
	var signup struct {
		Data struct {
			Session struct {
				AccessToken string `json:"access_token"`
			} `json:"session"`
			Org struct {
				ID string `json:"id"`
			} `json:"org"`
		} `json:"data"`
	}
	api.must(t, ctx, http.StatusCreated, http.MethodPost, "/auth/signup", nil,
		map[string]string{"email": "ada-" + suffix + "@xentri-e2e.test", "password": "correct horse battery staple"}, &signup)
	session, org := signup.Data.Session.AccessToken, signup.Data.Org.ID
	if session == "" || org == "" {
		t.Fatalf("sign-up answered no session or org: %+v", signup)
	}

	t.Run("SignupEventsReachN8N", func(t *testing.T) {
		events := streamEvents(t, ctx, rdb, org, []string{"xentri.user.signup.v1", "xentri.org.created.v1"})
		for typ, branch := range map[string]string{"xentri.user.signup.v1": "New sign-up", "xentri.org.created.v1": "Other events"} {
			e := events[typ]
			ex := n.waitExecution(t, ctx, eventsWF, 90*time.Second, func(ex execution) bool { return str(dig(ex.trigger, "body", "id")) == e.ID })
			if ex.status != "success" {
				t.Errorf("%s %s: n8n execution %s is %s", typ, e.ID, ex.id, ex.status)
			}
			if got := str(dig(ex.trigger, "body", "type")); got != typ {
				t.Errorf("execution %s: body.type %q, want %q", ex.id, got, typ)
			}
			if got := str(dig(ex.trigger, "headers", "x-xentri-event-id")); got != e.ID {
				t.Errorf("execution %s: X-Xentri-Event-Id %q, want %q", ex.id, got, e.ID)
			}
			// What n8n's JWT Auth verified.
			if jti, sub, iss := str(dig(ex.trigger, "jwtPayload", "jti")), str(dig(ex.trigger, "jwtPayload", "sub")), str(dig(ex.trigger, "jwtPayload", "iss")); jti != e.ID || sub != org || iss != "xentri" {
				t.Errorf("execution %s: verified JWT jti=%q sub=%q iss=%q, want %q %q xentri", ex.id, jti, sub, iss, e.ID, org)
			}
			if !ex.ran(branch) {
				t.Errorf("execution %s of %s ran %v, want the %q branch", ex.id, typ, ex.nodes(), branch)
			}
			t.Logf("%s %s reached n8n: execution %s ran %v", typ, e.ID, ex.id, ex.nodes())
		}
	})

	t.Run("N8NStartsXentriWorkflow", func(t *testing.T) {
		var tok struct {
			Data struct {
				Token string `json:"token"`
			} `json:"data"`
		}
		user := map[string]string{"Authorization": "Bearer " + session, "x-org-id": org}
		api.must(t, ctx, http.StatusCreated, http.MethodPost, "/orgs/"+org+"/tokens", user,
			map[string]any{"name": "n8n e2e", "scopes": []string{"workflows:start"}}, &tok)
		if !strings.HasPrefix(tok.Data.Token, "xnt_") {
			t.Fatalf("token %q is not an xnt_ API token", tok.Data.Token)
		}
		headerCred := n.createCredential(t, ctx, tokenCredential, "httpHeaderAuth", map[string]any{
			"name": "Authorization", "value": "Bearer " + tok.Data.Token,
		})
		startWF := n.importWorkflow(t, ctx, filepath.Join(repo, startTemplate), headerCred)

		hook := newJSONClient(n.url, nil)
		var started struct {
			Data struct {
				WorkflowID string `json:"workflow_id"`
				RunID      string `json:"run_id"`
				StatusURL  string `json:"status_url"`
			} `json:"data"`
		}
		status, body, err := hook.do(ctx, http.MethodPost, "/webhook/"+startPath, nil, map[string]any{
			"org_id": org,
			"input":  map[string]any{"checks": []string{"postgres", "redis", "object_storage"}},
		}, &started)
		if err != nil || status != http.StatusOK || started.Data.WorkflowID == "" {
			t.Fatalf("POST n8n /webhook/%s: %d %v %s\nn8n's last execution of the start workflow: %s",
				startPath, status, err, tail(string(body), 2000), n.lastExecutionSummary(t, ctx, startWF))
		}
		t.Logf("n8n started Xentri workflow %s (run %s)", started.Data.WorkflowID, started.Data.RunID)
		// The Idempotency-Key the template sends is n8n-{workflow id}-{execution id}.
		if !strings.Contains(started.Data.WorkflowID, "n8n-"+startWF+"-") {
			t.Errorf("workflow id %q does not carry the template's Idempotency-Key n8n-%s-<execution id>", started.Data.WorkflowID, startWF)
		}

		// One execution, one call: n8n's Retry On Fail re-runs a node whose
		// first item has an "error" key, and Xentri answers "error": null.
		if calls := strings.Count(x.proc.tail(1<<30), `"path":"/api/v1/hooks/n8n/workflows/diagnostics"`); calls > 1 {
			t.Errorf("Xentri logged %d hook calls for one n8n execution, want 1", calls)
		}

		statusPath := strings.TrimPrefix(started.Data.StatusURL, "/api/v1")
		if statusPath == "" || !strings.HasPrefix(statusPath, "/workflows/") {
			statusPath = "/workflows/" + started.Data.WorkflowID
		}
		token := map[string]string{"Authorization": "Bearer " + tok.Data.Token, "x-org-id": org}
		deadline := time.Now().Add(2 * time.Minute)
		for {
			var st struct {
				Data struct {
					Status  string          `json:"status"`
					Result  json.RawMessage `json:"result"`
					Failure string          `json:"failure"`
				} `json:"data"`
			}
			api.must(t, ctx, http.StatusOK, http.MethodGet, statusPath, token, nil, &st)
			switch strings.ToUpper(st.Data.Status) {
			case "COMPLETED":
				t.Logf("Xentri workflow %s completed: %s", started.Data.WorkflowID, tail(string(st.Data.Result), 600))
				return
			case "RUNNING", "":
			default:
				t.Fatalf("Xentri workflow %s is %s: %s", started.Data.WorkflowID, st.Data.Status, st.Data.Failure)
			}
			if time.Now().After(deadline) {
				t.Fatalf("Xentri workflow %s still %s after 2 minutes", started.Data.WorkflowID, st.Data.Status)
			}
			time.Sleep(500 * time.Millisecond)
		}
	})
}

// testEventsTemplate posts envelopes signed as Xentri's bridge signs them
// (internal/n8n.Signer) straight to the events webhook: a bad token is
// refused before anything runs, a lead worth at least 1000.00 reaches
// "Notify: high-value lead", a smaller one "Ordinary lead".
func testEventsTemplate(t *testing.T, ctx context.Context, n *n8nInstance, workflowID, secret string) {
	signer, err := xn8n.NewSigner([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	forger, _ := xn8n.NewSigner([]byte("not-the-secret-not-the-secret-not-the-secret"))
	org := uuid.NewString()
	lead := func(amount int) contracts.Envelope {
		payload, _ := json.Marshal(map[string]any{
			"lead_id": uuid.NewString(), "source": "website", "status": "new",
			"value": map[string]any{"amount": amount, "currency": "EUR"},
		})
		return contracts.Envelope{
			ID: uuid.Must(uuid.NewV7()).String(), Type: "xentri.lead.created.v1", OccurredAt: time.Now().UTC(), OrgID: org,
			Actor: contracts.Actor{Type: "system", ID: "e2e"}, EnvelopeVersion: contracts.EnvelopeVersion,
			PayloadSchema: "lead.created@1", Payload: payload, Meta: contracts.Meta{Source: "e2e", Environment: "local"},
		}
	}
	post := func(e contracts.Envelope, s *xn8n.Signer) int {
		body, _ := json.Marshal(e)
		h := http.Header{"Content-Type": {"application/json"}}
		if s != nil {
			if h, err = s.Headers(e, body); err != nil {
				t.Fatal(err)
			}
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, n.url+"/webhook/"+eventsPath, strings.NewReader(string(body)))
		req.Header = h
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("POST the events webhook: %v", err)
		}
		res.Body.Close()
		return res.StatusCode
	}

	high, low, forged, unsigned := lead(150000), lead(2500), lead(990000), lead(990000)
	if got := post(forged, forger); got != http.StatusForbidden {
		t.Errorf("a delivery signed with another secret got %d, want 403", got)
	}
	if got := post(unsigned, nil); got != http.StatusUnauthorized {
		t.Errorf("a delivery without a bearer token got %d, want 401", got)
	}
	for _, e := range []contracts.Envelope{high, low} {
		if got := post(e, signer); got != http.StatusOK {
			t.Fatalf("a signed delivery got %d, want 200", got)
		}
	}

	ex := n.waitExecution(t, ctx, workflowID, time.Minute, func(ex execution) bool { return str(dig(ex.trigger, "body", "id")) == high.ID })
	if ex.status != "success" || !ex.ran("Notify: high-value lead") || ex.ran("Ordinary lead") {
		t.Errorf("high-value lead: execution %s is %s and ran %v, want Notify: high-value lead", ex.id, ex.status, ex.nodes())
	}
	var payload struct {
		LeadID string `json:"lead_id"`
	}
	_ = json.Unmarshal(high.Payload, &payload)
	want := "High-value lead " + payload.LeadID + " from website: 1500.00 EUR"
	if got := str(dig(ex.output("Notify: high-value lead"), "message")); got != want {
		t.Errorf("Notify: high-value lead says %q, want %q", got, want)
	}
	ex = n.waitExecution(t, ctx, workflowID, time.Minute, func(ex execution) bool { return str(dig(ex.trigger, "body", "id")) == low.ID })
	if ex.status != "success" || !ex.ran("Ordinary lead") || ex.ran("Notify: high-value lead") {
		t.Errorf("ordinary lead: execution %s is %s and ran %v, want Ordinary lead", ex.id, ex.status, ex.nodes())
	}
	for _, ex := range n.executions(t, ctx, workflowID) {
		if id := str(dig(ex.trigger, "body", "id")); id == forged.ID || id == unsigned.ID {
			t.Errorf("execution %s ran for a delivery n8n should have refused", ex.id)
		}
	}
}

// streamEvents waits for the org's events of the given types on
// xentri:events and returns them by type.
func streamEvents(t *testing.T, ctx context.Context, rdb *redis.Client, org string, types []string) map[string]contracts.Envelope {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := map[string]contracts.Envelope{}
		msgs, err := rdb.XRange(ctx, "xentri:events", "-", "+").Result()
		if err != nil && err != redis.Nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			raw, _ := m.Values[contracts.FieldEnvelope].(string)
			var e contracts.Envelope
			if json.Unmarshal([]byte(raw), &e) == nil && e.OrgID == org && slices.Contains(types, e.Type) {
				got[e.Type] = e
			}
		}
		if len(got) == len(types) {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 30s xentri:events holds %d entries, of the org's %v only %v", len(msgs), types, keys(got))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// n8nInstance is a running n8n and a logged-in REST client.
type n8nInstance struct {
	proc *process
	url  string
	rest *jsonClient
	seen map[string]execution // finished executions, by id
}

func startN8N(t *testing.T, ctx context.Context, bin, admin, database, xentriURL string) *n8nInstance {
	t.Helper()
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	pgPort := u.Port()
	if pgPort == "" {
		pgPort = "5432"
	}
	pgPassword, _ := u.User.Password()
	port := freePort(t)
	home := t.TempDir()
	env := map[string]string{
		"DB_TYPE":                               "postgresdb",
		"DB_POSTGRESDB_HOST":                    u.Hostname(),
		"DB_POSTGRESDB_PORT":                    pgPort,
		"DB_POSTGRESDB_USER":                    u.User.Username(),
		"DB_POSTGRESDB_PASSWORD":                pgPassword,
		"DB_POSTGRESDB_DATABASE":                database,
		"N8N_USER_FOLDER":                       home,
		"HOME":                                  home,
		"N8N_PORT":                              fmt.Sprint(port),
		"N8N_LISTEN_ADDRESS":                    "127.0.0.1",
		"N8N_HOST":                              "127.0.0.1",
		"N8N_PROTOCOL":                          "http",
		"N8N_SECURE_COOKIE":                     "false",
		"N8N_DIAGNOSTICS_ENABLED":               "false",
		"N8N_PERSONALIZATION_ENABLED":           "false",
		"N8N_VERSION_NOTIFICATIONS_ENABLED":     "false",
		"N8N_TEMPLATES_ENABLED":                 "false",
		"N8N_HIRING_BANNER_ENABLED":             "false",
		"N8N_LICENSE_AUTO_RENEW_ENABLED":        "false",
		"N8N_RUNNERS_ENABLED":                   "false",
		"N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS": "false",
		"N8N_GRACEFUL_SHUTDOWN_TIMEOUT":         "5",
		"N8N_BLOCK_ENV_ACCESS_IN_NODE":          "false", // the start template reads $env.XENTRI_URL
		"XENTRI_URL":                            xentriURL,
		"EXECUTIONS_DATA_SAVE_ON_SUCCESS":       "all",
		"EXECUTIONS_DATA_SAVE_ON_ERROR":         "all",
		"N8N_LOG_LEVEL":                         "info",
	}
	cmd := exec.Command("node", bin, "start")
	cmd.Dir = home
	cmd.Env = envList(env)
	p := start(t, "n8n", cmd, filepath.Join(t.TempDir(), "n8n.log"), syscall.SIGTERM, 20*time.Second)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	return &n8nInstance{
		proc: p, url: base, seen: map[string]execution{},
		// The session cookie is bound to the browser-id it was issued with.
		rest: newJSONClient(base+"/rest", map[string]string{"browser-id": "xentri-e2e"}),
	}
}

// setUpOwner claims the instance (POST /rest/owner/setup) and logs in.
func (n *n8nInstance) setUpOwner(t *testing.T, ctx context.Context) {
	t.Helper()
	n.rest.must(t, ctx, http.StatusOK, http.MethodPost, "/owner/setup", nil, map[string]string{
		"email": ownerEmail, "firstName": "Xentri", "lastName": "E2E", "password": ownerPassword,
	}, nil)
	n.rest.must(t, ctx, http.StatusOK, http.MethodPost, "/login", nil, map[string]string{
		"emailOrLdapLoginId": ownerEmail, "password": ownerPassword,
	}, nil)
}

type credentialRef struct {
	ID, Name, Type string
}

func (n *n8nInstance) createCredential(t *testing.T, ctx context.Context, name, typ string, data map[string]any) credentialRef {
	t.Helper()
	var res struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	n.rest.must(t, ctx, http.StatusOK, http.MethodPost, "/credentials", nil,
		map[string]any{"name": name, "type": typ, "data": data}, &res)
	if res.Data.ID == "" {
		t.Fatalf("credential %q: no id", name)
	}
	return credentialRef{ID: res.Data.ID, Name: name, Type: typ}
}

// importWorkflow creates the template at path with POST /rest/workflows,
// pointing its nodes at creds, then activates it with POST
// /rest/workflows/{id}/activate {versionId}, and returns its id.
func (n *n8nInstance) importWorkflow(t *testing.T, ctx context.Context, path string, creds ...credentialRef) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var wf map[string]any
	if err := json.Unmarshal(b, &wf); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	delete(wf, "id")
	delete(wf, "versionId")
	wf["active"] = false
	nodes, _ := wf["nodes"].([]any)
	for _, node := range nodes {
		nc, _ := dig(node, "credentials").(map[string]any)
		for typ, ref := range nc {
			i := slices.IndexFunc(creds, func(c credentialRef) bool { return c.Type == typ })
			if i < 0 {
				t.Fatalf("%s: node %q needs a %s credential the test did not create", path, str(dig(node, "name")), typ)
			}
			if name := str(dig(ref, "name")); name != creds[i].Name {
				t.Errorf("%s: node %q names credential %q, the README says %q", path, str(dig(node, "name")), name, creds[i].Name)
			}
			nc[typ] = map[string]any{"id": creds[i].ID, "name": creds[i].Name}
		}
	}
	var created struct {
		Data struct {
			ID        string `json:"id"`
			VersionID string `json:"versionId"`
		} `json:"data"`
	}
	n.rest.must(t, ctx, http.StatusOK, http.MethodPost, "/workflows", nil, wf, &created)
	var activated struct {
		Data struct {
			Active bool `json:"active"`
		} `json:"data"`
	}
	n.rest.must(t, ctx, http.StatusOK, http.MethodPost, "/workflows/"+created.Data.ID+"/activate", nil,
		map[string]string{"versionId": created.Data.VersionID}, &activated)
	if !activated.Data.Active {
		t.Fatalf("%s: workflow %s is not active after activation", path, created.Data.ID)
	}
	t.Logf("imported and activated %s as workflow %s", filepath.Base(path), created.Data.ID)
	return created.Data.ID
}

// execution is a finished n8n execution, decoded.
type execution struct {
	id, status string
	runData    map[string]any
	trigger    any // the first item the first node emitted
	errMessage string
	errDetail  string // resultData.error as JSON
}

func (e execution) ran(node string) bool { _, ok := e.runData[node]; return ok }

func (e execution) nodes() []string {
	var out []string
	for k := range e.runData {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// output is the json of the first item node emitted.
func (e execution) output(node string) any {
	return dig(e.runData, node, 0, "data", "main", 0, 0, "json")
}

// executions lists the workflow's finished executions (GET
// /rest/executions?filter={"workflowId":...}) and decodes each once (GET
// /rest/executions/{id}, whose data is flatted).
func (n *n8nInstance) executions(t *testing.T, ctx context.Context, workflowID string) []execution {
	t.Helper()
	filter, _ := json.Marshal(map[string]any{"workflowId": workflowID})
	var list struct {
		Data struct {
			Results []struct {
				ID     string `json:"id"`
				Status string `json:"status"`
			} `json:"results"`
		} `json:"data"`
	}
	n.rest.must(t, ctx, http.StatusOK, http.MethodGet, "/executions?limit=100&filter="+url.QueryEscape(string(filter)), nil, nil, &list)
	var out []execution
	for _, r := range list.Data.Results {
		if ex, ok := n.seen[r.ID]; ok {
			out = append(out, ex)
			continue
		}
		if r.Status == "new" || r.Status == "running" || r.Status == "waiting" {
			continue
		}
		var one struct {
			Data struct {
				ID     string `json:"id"`
				Status string `json:"status"`
				Data   string `json:"data"`
			} `json:"data"`
		}
		n.rest.must(t, ctx, http.StatusOK, http.MethodGet, "/executions/"+r.ID, nil, nil, &one)
		root, err := unflatten(one.Data.Data)
		if err != nil {
			t.Fatalf("execution %s: %v", r.ID, err)
		}
		ex := execution{id: r.ID, status: one.Data.Status}
		ex.runData, _ = dig(root, "resultData", "runData").(map[string]any)
		ex.errMessage = str(dig(root, "resultData", "error", "message"))
		if e := dig(root, "resultData", "error"); e != nil {
			b, _ := json.Marshal(e)
			ex.errDetail = string(b)
		}
		for _, runs := range ex.runData {
			if dig(runs, 0, "source", 0) == nil { // the trigger is the node without a source
				ex.trigger = dig(runs, 0, "data", "main", 0, 0, "json")
			}
		}
		n.seen[r.ID] = ex
		out = append(out, ex)
	}
	return out
}

// waitExecution polls until one of the workflow's finished executions
// matches.
func (n *n8nInstance) waitExecution(t *testing.T, ctx context.Context, workflowID string, timeout time.Duration, match func(execution) bool) execution {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		exs := n.executions(t, ctx, workflowID)
		for _, ex := range exs {
			if match(ex) {
				return ex
			}
		}
		if time.Now().After(deadline) {
			var seen []string
			for _, ex := range exs {
				seen = append(seen, fmt.Sprintf("%s %s %s %v", ex.id, ex.status, str(dig(ex.trigger, "body", "type")), ex.nodes()))
			}
			t.Fatalf("no matching n8n execution of workflow %s within %s; it has %d: %v", workflowID, timeout, len(exs), seen)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// lastExecutionSummary says how the workflow's latest execution went, for
// failure messages.
func (n *n8nInstance) lastExecutionSummary(t *testing.T, ctx context.Context, workflowID string) string {
	t.Helper()
	exs := n.executions(t, ctx, workflowID)
	if len(exs) == 0 {
		return "none"
	}
	ex := exs[0] // newest first
	return fmt.Sprintf("%s %s, ran %v, error %q: %s", ex.id, ex.status, ex.nodes(), ex.errMessage, tail(ex.errDetail, 3000))
}

// xentri is a running `xentri dev`.
type xentri struct {
	proc *process
	url  string
}

// buildXentri builds cmd/xentri into a temporary dir.
func buildXentri(t *testing.T, ctx context.Context, repo string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "xentri")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/xentri")
	cmd.Dir = repo
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/xentri: %v\n%s", err, out)
	}
	return bin
}

// startXentri runs `xentri dev` on free ports, a temporary data dir, the
// given owner database and Redis DB 13, and waits for /readyz.
func startXentri(t *testing.T, ctx context.Context, repo, bin, baseURL, databaseURL string, extra map[string]string) *xentri {
	t.Helper()
	temporal := filepath.Join(repo, "bin", "temporal")
	if _, err := os.Stat(temporal); err != nil {
		t.Fatalf("%s is missing: run `make bin/temporal` (about 5 minutes, once)", temporal)
	}
	dataDir := t.TempDir()
	// The app and relay roles are cluster-wide and `xentri dev` sets their
	// passwords from the data dir: reuse the repo's, so a `make dev` running
	// against the same Postgres keeps working.
	for _, f := range []string{"app-db-password", "relay-db-password"} {
		if b, err := os.ReadFile(filepath.Join(repo, ".xentri", f)); err == nil {
			if err := os.WriteFile(filepath.Join(dataDir, f), b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	env := map[string]string{
		"XENTRI_ENV":              "local",
		"XENTRI_DATA_DIR":         dataDir,
		"XENTRI_HTTP_ADDR":        strings.TrimPrefix(baseURL, "http://"),
		"XENTRI_S3_ADDR":          fmt.Sprintf("127.0.0.1:%d", freePort(t)),
		"XENTRI_TEMPORAL_PORT":    fmt.Sprint(freePort(t)),
		"XENTRI_TEMPORAL_UI_PORT": fmt.Sprint(freePort(t)),
		"XENTRI_TEMPORAL_BIN":     temporal,
		"XENTRI_LOG_LEVEL":        "debug",
		"DATABASE_URL":            databaseURL,
		"REDIS_URL":               redisURL,
	}
	for k, v := range extra {
		env[k] = v
	}
	cmd := exec.Command(bin, "dev")
	cmd.Dir = repo
	cmd.Env = envList(env)
	p := start(t, "xentri dev", cmd, filepath.Join(t.TempDir(), "xentri.log"), syscall.SIGINT, 30*time.Second)
	waitHTTP(t, ctx, p, baseURL+"/readyz", 3*time.Minute)
	return &xentri{proc: p, url: baseURL}
}
