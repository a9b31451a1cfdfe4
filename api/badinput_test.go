package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/xentri/xentri/contracts"
	"github.com/xentri/xentri/internal/testenv"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/brand"
)

// TestBadInputOnEveryOperation walks every operation of
// contracts/openapi.yaml (and fails if the router serves one the contract
// does not describe, so a new route cannot dodge it) and sends each
// malformed requests: broken and wrong-typed JSON, NUL bytes and very long
// strings, wrong content types, bodies over the limit, path ids that are not
// UUIDs or are the nil UUID, odd limit and cursor values, and oversized
// headers. Each goes as a member of the org it acts in, as a stranger (a
// member of another org naming the victim's) and anonymously, and as the
// operator where the contract says so. Every answer must be below 500 (but
// for the 503 of a route that needs Temporal, which this bundle lacks), and
// every error a problem with a trace_id; no stranger or anonymous caller
// may succeed on a tenant or operator route, nor see the victim's data; and
// the victim's org is byte-identical afterwards.
func TestBadInputOnEveryOperation(t *testing.T) {
	t.Parallel()
	logs := &testenv.Buffer{}
	b := setupCore(t, func(c *Config) {
		// Errors only, to name the cause of a 5xx in the failure message.
		c.Log = zerolog.New(logs).Level(zerolog.ErrorLevel)
		// Fixtures sign up from addresses of their own (X-Forwarded-For
		// from loopback), so the per-address sign-up limit the malformed
		// requests run into never stops them.
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	})
	doc, err := openapi3.NewLoader().LoadFromData(contracts.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	ops := badOperations(t, doc)
	badServedRoutesAreDescribed(t, b, ops)

	f := newBadFixtures(t, b)
	before := b.snapshot(t, f.victim.orgID)
	start := time.Now()

	var stats struct{ ops, requests, bodies, failures int }
	answers := map[string]int{} // by persona and status
	fail := func(format string, args ...any) {
		stats.failures++
		if stats.failures <= 60 {
			t.Errorf(format, args...)
		} else if stats.failures == 61 {
			t.Error("more failures follow; fix these first")
		}
	}
	for _, op := range ops {
		stats.ops++
		for _, who := range f.personas(op) {
			for _, v := range badVariants(op, who) {
				res, err := b.sendBad(op.method, v)
				stats.requests++
				answers[who.name+" "+strconv.Itoa(res.status)]++
				if v.body != nil {
					stats.bodies++
				}
				if err != nil {
					fail("%s %s as %s, %s: the request failed: %v", op.method, op.path, who.name, v.name, err)
					continue
				}
				if complaint := badAnswerComplaint(res, who, op); complaint != "" {
					fail("%s %s as %s, %s (%s %s): %s\n  answer %d %s: %.300s%s", op.method, op.path, who.name, v.name,
						op.method, shorten(v.path+"?"+v.query), complaint, res.status, res.header.Get("Content-Type"), res.body,
						serverErrorsOf(logs, res.header.Get("X-Request-Id")))
				}
				if who.outsider {
					for _, s := range f.secrets {
						if bytes.Contains(res.body, []byte(s)) {
							fail("%s %s as %s, %s: the answer shows the victim's %q", op.method, op.path, who.name, v.name, s)
						}
					}
				}
				// A malformed request that still did what its route does may
				// have ended the caller's session or account (DELETE
				// /account, POST /auth/logout): sign in someone new.
				if res.status < 300 && op.method != http.MethodGet && who.name == "member" && !op.tenant {
					f.keepCallerAlive(t)
				}
			}
		}
	}
	t.Logf("%d operations, %d requests (%d with a body) in %s; answers by persona and status: %v",
		stats.ops, stats.requests, stats.bodies, time.Since(start).Round(time.Millisecond), answers)
	if stats.ops < 40 || stats.bodies == 0 || stats.requests < 40*len(badHeaderVariants()) {
		t.Fatalf("exercised %d operations, %d requests, %d bodies: the walk of the contract is broken", stats.ops, stats.requests, stats.bodies)
	}
	// The member's requests must get past the gate, or they test nothing
	// but it: some succeed, and many are refused as malformed.
	if answers["member 200"]+answers["member 201"]+answers["member 204"] == 0 || answers["member 400"] < 100 || answers["operator 400"] == 0 {
		t.Fatalf("the member's or operator's requests never reached a handler: %v", answers)
	}
	if after := b.snapshot(t, f.victim.orgID); after != before {
		t.Fatalf("the victim's org changed under malformed requests:\nbefore %s\nafter  %s", before, after)
	}
}

// badOp is one operation of the contract.
type badOp struct {
	method, path string // path as in the contract, {params} and all
	params       []*openapi3.Parameter
	body         *openapi3.Schema // nil: the operation takes no body
	// tenant operations act in the org of x-org-id; operator ones need the
	// operator token; public ones need nobody.
	tenant, operator, public bool
	// website operations are the published sites and previews, which
	// browsers read: their answers are pages and redirects, not problems,
	// and their one body is a form.
	website bool
}

func badOperations(t *testing.T, doc *openapi3.T) []badOp {
	t.Helper()
	var ops []badOp
	for path, item := range doc.Paths.Map() {
		for method, o := range item.Operations() {
			op := badOp{method: method, path: path}
			for _, p := range append(slices.Clone(item.Parameters), o.Parameters...) {
				if p.Value == nil {
					t.Fatalf("%s %s: unresolved parameter %s", method, path, p.Ref)
				}
				op.params = append(op.params, p.Value)
				if p.Value.In == openapi3.ParameterInHeader && strings.EqualFold(p.Value.Name, OrgHeader) {
					op.tenant = true
				}
			}
			security := o.Security
			if security == nil {
				security = &doc.Security
			}
			op.public = len(*security) == 0
			for _, req := range *security {
				if _, ok := req["operatorToken"]; ok {
					op.operator = true
				}
			}
			op.website = slices.Contains(o.Tags, "published-sites")
			if o.RequestBody != nil && o.RequestBody.Value != nil {
				if mt := o.RequestBody.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
					op.body = mt.Schema.Value
				}
				if op.body == nil && !op.website {
					t.Fatalf("%s %s: a request body without a JSON schema", method, path)
				}
			}
			ops = append(ops, op)
		}
	}
	slices.SortFunc(ops, func(a, b badOp) int { return strings.Compare(a.path+" "+a.method, b.path+" "+b.method) })
	return ops
}

// badServedRoutesAreDescribed fails for a route the router serves that the
// contract lacks: it would escape this test.
func badServedRoutesAreDescribed(t *testing.T, b *coreBundle, ops []badOp) {
	t.Helper()
	described := map[string]bool{}
	for _, op := range ops {
		described[op.method+" "+badCanonical(op.path)] = true
	}
	served := 0
	err := chi.Walk(b.mux, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		route = strings.TrimSuffix(strings.ReplaceAll(route, "/*/", "/"), "/")
		if route == "" || route == "/*" || method == http.MethodHead {
			return nil // the web shell, not the API
		}
		served++
		if key := method + " " + badCanonical(route); !described[key] {
			t.Errorf("%s %s is served but not in contracts/openapi.yaml, so no malformed request reaches it: describe it", method, route)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if served < 40 {
		t.Fatalf("walked only %d served routes: the walk is broken", served)
	}
}

// badCanonical names every path parameter alike, chi's {id} and * (the rest
// of the path) and OpenAPI's {id}, as cmd/xentri's contract test does.
func badCanonical(path string) string {
	path = badParamPattern.ReplaceAllString(path, "{}")
	if strings.HasSuffix(path, "/*") {
		path = strings.TrimSuffix(path, "*") + "{}"
	}
	return path
}

var badParamPattern = regexp.MustCompile(`\{[^}]+\}`)

// badPersona is who sends a request, and the ids its paths name.
type badPersona struct {
	name  string
	token func() string     // "" sends none
	org   string            // x-org-id
	ids   map[string]string // path parameter values by name
	// outsider: a stranger or nobody, who must never succeed on a tenant
	// or operator route, nor see the victim's data.
	outsider bool
}

type badFixtures struct {
	b                       *coreBundle
	victim, owner, stranger account
	caller                  account // acts on the caller's own routes; replaced when they end it
	victimIDs, homeIDs      map[string]string
	secrets                 []string
	signUps                 int
}

// newBadFixtures makes two orgs with one of everything: the victim's, which
// only strangers and anonymous callers aim at, and the owner's home org,
// where the member's malformed requests act (and may change things).
func newBadFixtures(t *testing.T, b *coreBundle) *badFixtures {
	t.Helper()
	f := &badFixtures{b: b}
	f.victim, f.owner, f.stranger, f.caller = f.signUp(t, "victim"), f.signUp(t, "owner"), f.signUp(t, "stranger"), f.signUp(t, "caller")
	f.victimIDs = f.populate(t, f.victim, f.signUp(t, "victim-colleague"), "Victim Customer")
	f.homeIDs = f.populate(t, f.owner, f.signUp(t, "home-colleague"), "Home Customer")
	f.secrets = []string{f.victim.email, "Victim Customer", "victim-customer@victim.example", "victim-token-name"}
	return f
}

func (f *badFixtures) signUp(t *testing.T, name string) account {
	t.Helper()
	f.signUps++
	a := account{email: name + "-" + uuid.NewString()[:8] + "@example.test", password: "correct horse battery " + name}
	res := f.b.do(t, req{method: "POST", path: "/api/v1/auth/signup", body: map[string]string{"email": a.email, "password": a.password},
		header: map[string]string{"X-Forwarded-For": fmt.Sprintf("198.51.100.%d", f.signUps)}})
	if res.status != http.StatusCreated {
		t.Fatalf("signup %s: %d %s", a.email, res.status, res.body)
	}
	var env struct {
		Data struct {
			User    struct{ ID uuid.UUID }
			Org     struct{ ID uuid.UUID }
			Session struct {
				AccessToken string `json:"access_token"`
			}
		}
	}
	if err := json.Unmarshal(res.body, &env); err != nil {
		t.Fatal(err)
	}
	a.userID, a.orgID, a.token = env.Data.User.ID, env.Data.Org.ID, env.Data.Session.AccessToken
	return a
}

// populate gives an's org a colleague, an API token, a lead, a subscription,
// a dead letter and a notification, and returns their ids by the path
// parameter that names them.
func (f *badFixtures) populate(t *testing.T, a, colleague account, leadName string) map[string]string {
	t.Helper()
	org := a.orgID.String()
	slug := strings.ToLower(strings.Fields(leadName)[0])
	created := func(path string, body any) string {
		t.Helper()
		res := f.b.do(t, req{method: "POST", path: path, token: a.token, org: org, body: body})
		if res.status != http.StatusCreated {
			t.Fatalf("POST %s: %d %s", path, res.status, res.body)
		}
		var env struct{ Data struct{ ID string } }
		_ = json.Unmarshal(res.body, &env)
		return env.Data.ID
	}
	created("/api/v1/orgs/"+org+"/members", map[string]string{"email": colleague.email, "role": "admin"})
	ids := map[string]string{
		"orgID":          org,
		"userID":         colleague.userID.String(),
		"tokenID":        created("/api/v1/orgs/"+org+"/tokens", map[string]any{"name": slug + "-token-name", "scopes": []string{"leads:read"}}),
		"leadID":         created("/api/v1/leads", map[string]any{"name": leadName, "email": slug + "-customer@" + slug + ".example", "value": map[string]any{"amount": 990000, "currency": "EUR"}}),
		"subscriptionID": created("/api/v1/integrations/n8n/subscriptions", map[string]string{"pattern": "xentri.lead.*", "url": "https://n8n.example.test/" + slug}),
		"deadLetterID":   uuid.NewString(),
		"notificationID": uuid.NewString(),
		"name":           "diagnostics",
	}
	ids["workflowID"] = "hook/diagnostics/" + org + "/k1"
	// A Brief, with a pending proposal.
	f.b.composeBrief(t, a.orgID, map[string]any{"identity.business_name": leadName + " Bakery", "sales.follow_up_days": []int{1, 3}})
	ids["proposalID"] = created("/api/v1/brief/sections/goals/proposals", map[string]any{"fields": map[string]any{"goals": []string{leadName + " goals"}}})
	ids["n"], ids["sectionId"], ids["category"] = "1", "identity", "website"
	// A site with a page.
	ids["siteID"] = created("/api/v1/sites", map[string]any{"name": leadName + " Site"})
	ids["pageID"] = created("/api/v1/sites/"+ids["siteID"]+"/pages", map[string]any{"path": "/", "title": leadName + " Home"})
	// A media asset, pending (its upload is never made).
	res := f.b.do(t, req{method: "POST", path: "/api/v1/media/presign", token: a.token, org: org,
		body: map[string]any{"filename": leadName + " logo.png", "content_type": "image/png", "size": 1234}})
	if res.status != http.StatusCreated {
		t.Fatalf("POST /api/v1/media/presign: %d %s", res.status, res.body)
	}
	ids["mediaID"] = decodeData[brand.Presigned](t, res).Asset.ID.String()
	ids["releaseID"], ids["scheduleID"] = victimRelease(t, f.b.d, a.orgID, ids["siteID"])
	ctx := context.Background()
	if _, err := f.b.d.Owner.Exec(ctx, `INSERT INTO dead_letters
		(id, org_id, workflow_type, workflow_id, run_id, task_queue, input, failure_type, failure_message)
		VALUES ($1, $2, 'LeadFollowUp', 'lead-followup/' || $3, 'run-1', 'xentri', '[]', 'T', 'it broke')`,
		ids["deadLetterID"], a.orgID, ids["leadID"]); err != nil {
		t.Fatal(err)
	}
	if _, err := f.b.d.Owner.Exec(ctx, `INSERT INTO notifications (id, org_id, kind, title, subject_id)
		VALUES ($1, $2, 'high_value_lead', 'A lead worth a lot', $3)`, ids["notificationID"], a.orgID, ids["leadID"]); err != nil {
		t.Fatal(err)
	}
	return ids
}

// personas are who sends op's requests: the member acts in the home org
// (on routes outside an org, as a caller of their own); the stranger and
// nobody aim at the victim's org; the operator at the home org. Public
// routes take anyone, so nobody aims them at the home org: the victim's
// org is not for changing, even by a contact form.
func (f *badFixtures) personas(op badOp) []badPersona {
	member := badPersona{name: "member", token: func() string { return f.caller.token }, ids: f.homeIDs}
	if op.tenant {
		member.token, member.org = func() string { return f.owner.token }, f.homeIDs["orgID"]
	}
	stranger := badPersona{name: "stranger", token: func() string { return f.stranger.token }, org: f.victimIDs["orgID"], ids: f.victimIDs, outsider: true}
	nobody := badPersona{name: "anonymous", token: func() string { return "" }, org: f.victimIDs["orgID"], ids: f.victimIDs, outsider: true}
	switch {
	case op.public:
		nobody.ids, nobody.outsider = f.homeIDs, false
		return []badPersona{nobody}
	case op.operator:
		return []badPersona{{name: "operator", token: func() string { return testOperatorToken }, ids: f.homeIDs}, stranger, nobody}
	case op.tenant:
		return []badPersona{member, stranger, nobody}
	}
	return []badPersona{member, nobody}
}

// keepCallerAlive signs up a new caller when the last request ended the
// caller's session or account.
func (f *badFixtures) keepCallerAlive(t *testing.T) {
	t.Helper()
	if res := f.b.do(t, req{method: "GET", path: "/api/v1/me", token: f.caller.token}); res.status == http.StatusOK {
		return
	}
	f.caller = f.signUp(t, "caller")
}

// badVariant is one malformed request.
type badVariant struct {
	name        string
	path, query string // as they go on the wire, escaped or not
	body        []byte
	contentType string // "" sends none
	chunked     bool   // no Content-Length
	header      func(http.Header)
}

// badVariants are the malformed requests of op, sent by who.
func badVariants(op badOp, who badPersona) []badVariant {
	pathParams := map[string]string{}
	for _, p := range op.params {
		if p.In == openapi3.ParameterInPath {
			v, ok := who.ids[p.Name]
			if !ok {
				v = uuid.NewString() // a parameter that is new here: a well-formed id
			}
			pathParams[p.Name] = v
		}
	}
	pathWith := func(params map[string]string) string {
		path := op.path
		for name, v := range params {
			path = strings.ReplaceAll(path, "{"+name+"}", v)
		}
		return path
	}
	base := pathWith(pathParams)
	auth := func(h http.Header) {
		if token := who.token(); token != "" {
			h.Set("Authorization", "Bearer "+token)
		}
		if who.org != "" {
			h.Set(OrgHeader, who.org)
		}
	}
	var out []badVariant
	add := func(v badVariant) {
		if v.path == "" {
			v.path = base
		}
		extra := v.header
		v.header = func(h http.Header) {
			auth(h)
			if extra != nil {
				extra(h)
			}
		}
		out = append(out, v)
	}

	// Path parameters, one at a time.
	for _, name := range slices.Sorted(maps.Keys(pathParams)) {
		for _, bad := range []struct{ name, value string }{
			{"not a UUID", "not-a-uuid"},
			{"the nil UUID", uuid.Nil.String()},
			{"a UUID of nothing", uuid.NewString()},
			{"an escaped NUL", "%00"},
			{"an escaped slash", "..%2F..%2Fx"},
			{"5000 characters", strings.Repeat("a", 5000)},
			{"invalid UTF-8", "%FF%FE"},
		} {
			params := maps.Clone(pathParams)
			params[name] = bad.value
			add(badVariant{name: name + " is " + bad.name, path: pathWith(params)})
		}
	}

	// Query parameters the operation takes, with values it cannot use.
	for _, p := range op.params {
		if p.In != openapi3.ParameterInQuery {
			continue
		}
		values := []string{"%00", "x%00y", strings.Repeat("z", 5000), "%FF", "a&" + p.Name + "=b"}
		switch p.Name {
		case "limit":
			values = append(values, "-1", "0", "1000000", "abc", "1.5", "99999999999999999999999", "")
		case "cursor":
			values = append(values, "garbage", "!!!", base64.RawURLEncoding.EncodeToString([]byte{1, 2, 3}),
				base64.StdEncoding.EncodeToString([]byte("\xfb\xff\xfe 16 bytes long!")), base64.RawURLEncoding.EncodeToString(make([]byte, 16)),
				base64.RawURLEncoding.EncodeToString([]byte(uuid.NewString())))
		default:
			values = append(values, "not-a-valid-value", "-1", uuid.Nil.String())
		}
		for _, v := range values {
			add(badVariant{name: "?" + p.Name + "=" + shorten(v), query: p.Name + "=" + v})
		}
	}

	// Oversized and odd headers.
	for _, h := range badHeaderVariants() {
		add(badVariant{name: h.name, header: h.set})
	}

	if op.body != nil {
		for _, v := range badBodies(op.body) {
			if v.contentType == "-" {
				v.contentType = ""
			} else if v.contentType == "" {
				v.contentType = "application/json"
			}
			add(v)
		}
	}
	return out
}

type badHeader struct {
	name string
	set  func(http.Header)
}

func badHeaderVariants() []badHeader {
	long := func(n int) string { return strings.Repeat("A", n) }
	return []badHeader{
		{"a 10 KB x-org-id", func(h http.Header) { h.Set(OrgHeader, long(10<<10)) }},
		{"x-org-id the nil UUID", func(h http.Header) { h.Set(OrgHeader, uuid.Nil.String()) }},
		{"x-org-id not a UUID", func(h http.Header) { h.Set(OrgHeader, "org-1") }},
		{"two x-org-id headers", func(h http.Header) { h.Add(OrgHeader, uuid.NewString()) }},
		{"a 16 KB Authorization", func(h http.Header) { h.Set("Authorization", "Bearer "+long(16<<10)) }},
		{"a 16 KB API token", func(h http.Header) { h.Set("Authorization", "Bearer xnt_"+long(16<<10)) }},
		{"an API token that is not base64", func(h http.Header) { h.Set("Authorization", "Bearer xnt_!!!!") }},
		{"a Basic Authorization", func(h http.Header) { h.Set("Authorization", "Basic dXNlcjpwYXNz") }},
		{"a bare Bearer", func(h http.Header) { h.Set("Authorization", "Bearer") }},
		{"a 16 KB session cookie", func(h http.Header) { h.Set("Cookie", accessCookie+"="+long(16<<10)) }},
		{"a 10 KB Idempotency-Key", func(h http.Header) { h.Set("Idempotency-Key", long(10<<10)) }},
		{"a 10 KB X-Request-Id", func(h http.Header) { h.Set("X-Request-Id", long(10<<10)) }},
		{"a 10 KB X-Forwarded-For", func(h http.Header) { h.Set("X-Forwarded-For", strings.Repeat("1.2.3.4, x, ", 1000)) }},
		{"a 10 KB If-None-Match", func(h http.Header) { h.Set("If-None-Match", `"`+long(10<<10)+`"`) }},
		{"a 10 KB Origin", func(h http.Header) { h.Set("Origin", "https://"+long(10<<10)) }},
		// A NUL, CR or LF in a header value cannot be sent: Go's client
		// refuses it, and net/http's server answers such a request with
		// its own 400 before any handler runs.
	}
}

// badBodies are malformed bodies for schema: broken JSON, JSON of the wrong
// shape, each property of the wrong type, NUL bytes and long strings,
// bodies over the limit and wrong content types. contentType "" means JSON,
// "-" none.
func badBodies(schema *openapi3.Schema) []badVariant {
	props, _ := badProperties(schema)
	valid := map[string]any{}
	for name, s := range props {
		valid[name] = badValidValue(name, s)
	}
	withProp := func(name string, v any) []byte {
		m := maps.Clone(valid)
		m[name] = v
		raw, _ := json.Marshal(m)
		return raw
	}
	validRaw, _ := json.Marshal(valid)
	out := []badVariant{
		{name: "body {", body: []byte(`{`)},
		{name: "body {\"", body: []byte(`{"`)},
		{name: "body []", body: []byte(`[]`)},
		{name: `body "x"`, body: []byte(`"x"`)},
		{name: "body null", body: []byte(`null`)},
		{name: "body 0", body: []byte(`0`)},
		{name: "body {}", body: []byte(`{}`)},
		{name: "body {}{}", body: []byte(`{}{}`)},
		{name: "body with trailing garbage", body: append(slices.Clone(validRaw), " garbage"...)},
		{name: "body with an unknown field", body: []byte(`{"no_such_field":1}`)},
		{name: "body of NUL bytes", body: []byte("\x00\x00\x00\x00")},
		{name: "body with a raw NUL in a string", body: []byte("{\"a\x00b\":\"c\x00d\"}")},
		{name: "body of invalid UTF-8", body: []byte("{\"\xff\xfe\":\"\xc3\x28\"}")},
		{name: "body nested 100000 deep", body: []byte(strings.Repeat("[", 100000))},
		{name: "body with a huge number", body: []byte(`{"n":1e999999}`)},
		{name: "body with every string NUL'd", body: badJSON(badMapStrings(valid, func(s string) string { return s + "\x00" }))},
		{name: "a valid body as text/plain", body: validRaw, contentType: "text/plain"},
		{name: "a valid body as a form", body: validRaw, contentType: "application/x-www-form-urlencoded"},
		{name: "a valid body with a malformed Content-Type", body: validRaw, contentType: "application/json; charset"},
		{name: "a valid body as multipart", body: validRaw, contentType: "multipart/form-data; boundary=x"},
		{name: "a valid body without Content-Type", body: validRaw, contentType: "-"},
		{name: "a valid body, chunked", body: validRaw, chunked: true},
	}
	var stringProps []string
	for _, name := range slices.Sorted(maps.Keys(props)) {
		s := props[name]
		for _, w := range badWrongValues(s) {
			out = append(out, badVariant{name: fmt.Sprintf("%s is %s", name, badJSON(w)), body: withProp(name, w)})
		}
		if _, ok := valid[name].(string); ok {
			stringProps = append(stringProps, name)
			out = append(out,
				badVariant{name: name + " holds a NUL", body: withProp(name, "a\x00b")},
				badVariant{name: name + " is 64 KB", body: withProp(name, strings.Repeat("x", 64<<10))})
		}
	}
	// Strings that fill the body to just under the limit, and one past it,
	// with and without a Content-Length.
	pad := "pad"
	if len(stringProps) > 0 {
		pad = stringProps[0]
	}
	limit := 1 << 20
	if len(stringProps) > 0 {
		each := (limit - 8<<10) / len(stringProps)
		m := maps.Clone(valid)
		for _, name := range stringProps {
			m[name] = strings.Repeat("y", each)
		}
		out = append(out, badVariant{name: "every string long, the body just under 1 MiB", body: badJSON(m)})
	}
	over := withProp(pad, strings.Repeat("o", limit+1))
	out = append(out,
		badVariant{name: "a body over 1 MiB", body: over},
		badVariant{name: "a body over 1 MiB, chunked", body: over, chunked: true})
	return out
}

// badProperties are schema's properties (allOf merged) and its type.
func badProperties(s *openapi3.Schema) (map[string]*openapi3.Schema, string) {
	props := map[string]*openapi3.Schema{}
	typ := badType(s)
	for name, p := range s.Properties {
		if p.Value != nil {
			props[name] = p.Value
		}
	}
	for _, sub := range s.AllOf {
		if sub.Value == nil {
			continue
		}
		more, t := badProperties(sub.Value)
		maps.Copy(props, more)
		if typ == "" {
			typ = t
		}
	}
	return props, typ
}

func badType(s *openapi3.Schema) string {
	if s.Type != nil && len(s.Type.Slice()) > 0 {
		return s.Type.Slice()[0]
	}
	for _, sub := range s.AllOf {
		if sub.Value != nil {
			if t := badType(sub.Value); t != "" {
				return t
			}
		}
	}
	if len(s.Properties) > 0 {
		return openapi3.TypeObject
	}
	return ""
}

// badValidValue is a value schema accepts, or near enough.
func badValidValue(name string, s *openapi3.Schema) any {
	if len(s.Enum) > 0 {
		return s.Enum[0]
	}
	switch badType(s) {
	case openapi3.TypeString:
		switch {
		case s.Format == "email":
			return "bad-input-" + uuid.NewString()[:8] + "@example.test"
		case s.Format == "uuid":
			return uuid.NewString()
		case s.Format == "date-time":
			return time.Now().Add(72 * time.Hour).UTC().Format(time.RFC3339)
		case s.Format == "uri":
			return "https://n8n.example.test/bad-input"
		case s.Pattern != "":
			return "EUR"
		case name == "pattern":
			return "xentri.lead.*"
		}
		return "bad input " + name
	case openapi3.TypeInteger, openapi3.TypeNumber:
		if s.Min != nil {
			return int64(*s.Min)
		}
		return 1
	case openapi3.TypeBoolean:
		return true
	case openapi3.TypeArray:
		if s.Items != nil && s.Items.Value != nil {
			return []any{badValidValue(name, s.Items.Value)}
		}
		return []any{}
	case openapi3.TypeObject:
		props, _ := badProperties(s)
		m := map[string]any{}
		for n, p := range props {
			m[n] = badValidValue(n, p)
		}
		return m
	}
	return "anything"
}

// badWrongValues are values of the wrong JSON type (or out of range) for s.
func badWrongValues(s *openapi3.Schema) []any {
	switch badType(s) {
	case openapi3.TypeString:
		return []any{12345, []any{"x"}}
	case openapi3.TypeInteger:
		return []any{"1", 1.5, json.Number("1e40"), json.Number("-9223372036854775809"), true}
	case openapi3.TypeNumber:
		return []any{"1", json.Number("1e400")}
	case openapi3.TypeBoolean:
		return []any{"true", 1}
	case openapi3.TypeArray:
		out := []any{map[string]any{"0": 1}, "x"}
		if s.Items != nil && s.Items.Value != nil {
			for _, w := range badWrongValues(s.Items.Value) {
				out = append(out, []any{w})
			}
		}
		return out
	case openapi3.TypeObject:
		out := []any{[]any{"x"}, "x", 1}
		props, _ := badProperties(s)
		for _, name := range slices.Sorted(maps.Keys(props)) {
			m := map[string]any{}
			for n, p := range props {
				m[n] = badValidValue(n, p)
			}
			if w := badWrongValues(props[name]); len(w) > 0 {
				m[name] = w[0]
				out = append(out, m)
			}
		}
		return out
	}
	return nil // any value goes
}

// badMapStrings applies f to every string in v.
func badMapStrings(v any, f func(string) string) any {
	switch v := v.(type) {
	case string:
		return f(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = badMapStrings(e, f)
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, e := range v {
			out[k] = badMapStrings(e, f)
		}
		return out
	}
	return v
}

func badJSON(v any) []byte {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return raw
}

var badClient = &http.Client{Timeout: 30 * time.Second}

// sendBad sends v as it is: its path and query go on the wire unescaped
// (url.URL.Opaque), its body with or without a Content-Length.
func (b *coreBundle) sendBad(method string, v badVariant) (result, error) {
	var body io.Reader
	if v.body != nil {
		body = bytes.NewReader(v.body)
		if v.chunked {
			body = io.MultiReader(body) // of unknown length: sent chunked
		}
	}
	r, err := http.NewRequest(method, b.srv.URL, body)
	if err != nil {
		return result{}, err
	}
	r.URL.Opaque, r.URL.RawQuery = v.path, v.query
	if v.contentType != "" {
		r.Header.Set("Content-Type", v.contentType)
	}
	v.header(r.Header)
	res, err := badClient.Do(r)
	if err != nil {
		return result{}, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	return result{status: res.StatusCode, header: res.Header, body: raw}, err
}

// badAnswerComplaint says what is wrong with res, or "".
func badAnswerComplaint(res result, who badPersona, op badOp) string {
	if op.website {
		// A visitor's browser reads these: any page or redirect, but never
		// a server error.
		if res.status >= 500 {
			return "a server error"
		}
		return ""
	}
	if res.status >= 200 && res.status < 300 {
		if who.outsider && (op.tenant || op.operator) {
			return "an outsider's request succeeded"
		}
		return ""
	}
	if res.status < 400 {
		return "neither a success nor an error"
	}
	if ct := res.header.Get("Content-Type"); ct != "application/problem+json" {
		return "an error that is not application/problem+json"
	}
	var p Problem
	if err := json.Unmarshal(res.body, &p); err != nil {
		return "a problem that is not JSON: " + err.Error()
	}
	switch {
	case p.TraceID == "":
		return "a problem without a trace_id"
	case p.Status != res.status:
		return fmt.Sprintf("a problem whose status %d is not the answer's", p.Status)
	case res.status < 500:
		return ""
	// The one 5xx allowed: this bundle runs without Temporal, and the
	// services say so (503, "... are not running here.") when a route
	// needs it. Matched on the services' own words, not on a route list.
	case res.status == http.StatusServiceUnavailable && p.Type == problemTypeBase+string(services.Unavailable) &&
		strings.HasSuffix(p.Detail, "are not running here."):
		return ""
	}
	return "a server error"
}

// serverErrorsOf is what the server logged as an error for the request.
func serverErrorsOf(logs *testenv.Buffer, requestID string) string {
	if requestID == "" {
		return ""
	}
	var out strings.Builder
	for line := range strings.Lines(logs.String()) {
		if strings.Contains(line, requestID) {
			out.WriteString("\n  server log: " + shorten(strings.TrimSpace(line)))
		}
	}
	return out.String()
}

func shorten(s string) string {
	if len(s) > 200 {
		return fmt.Sprintf("%s...(%d bytes)", s[:200], len(s))
	}
	return s
}
