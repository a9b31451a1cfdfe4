package main

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/xentri/xentri/activities"
	itemporal "github.com/xentri/xentri/internal/temporal"
	"github.com/xentri/xentri/internal/testenv"
	"github.com/xentri/xentri/services/automation"
	"github.com/xentri/xentri/services/brief"
	"github.com/xentri/xentri/services/sales"
	"github.com/xentri/xentri/workflows"
)

// TestACopilotSessionMakesTheBriefOnTheWholeStack is the owner's first
// hour, on `xentri dev` with the rules engine: four messy messages, finish,
// a Brief whose every value quotes their words, the follow-up cadence the
// Brief describes, a value changed by hand that a regeneration keeps (and
// proposes instead), the proposal accepted.
func TestACopilotSessionMakesTheBriefOnTheWholeStack(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole stack")
	}
	env := devEnv(t, t.TempDir())
	env["TEMPORAL_ADDRESS"] = testenv.Temporal(t)
	env["XENTRI_TEMPORAL_UI_URL"] = "http://127.0.0.1:8233"
	run := startDev(t, env)
	token, org := run.signUp(t, "owner@bakery.example")
	auth := map[string]string{"Authorization": "Bearer " + token, "X-Org-Id": org}
	post := func(path, body string, want int) apiResult {
		t.Helper()
		res := call(t, "POST", run.url("/api/v1"+path), body, auth)
		if res.status != want {
			t.Fatalf("POST %s: %d %s", path, res.status, res.raw)
		}
		return res
	}

	opened := decodeData[brief.Opened](t, post("/copilot/sessions", "", http.StatusCreated))
	if opened.Opening == "" || opened.WorkflowID != "copilot-session/"+opened.ID.String() || !strings.Contains(opened.TemporalUIURL, "/workflows/copilot-session%2F") {
		t.Fatalf("opened %+v", opened)
	}
	session := "/copilot/sessions/" + opened.ID.String()
	said := []activities.CopilotMessage{
		{ClientMessageID: "1", Kind: "text", Text: "hi! im Rosa, I run Rosa's Bakery in Lisbon, Portugal. we opened in 2012, there are 5 of us"},
		{ClientMessageID: "2", Kind: "voice_transcript", Text: "um so basically we sell sourdough bread, pastel de nata and birthday cakes, uh, mostly to families and local cafés. we don't do weddings"},
		{ClientMessageID: "3", Kind: "text", Text: "Actually we opened in 2014, not 2012. Email hello@rosasbakery.pt or call +351 912 345 678."},
		{ClientMessageID: "4", Kind: "text", Text: "We call back within a day, then after a week. Our goal is to open a second shop."},
	}
	var last activities.CopilotReply
	for i, m := range said {
		body, _ := json.Marshal(m)
		last = decodeData[activities.CopilotReply](t, post(session+"/messages", string(body), http.StatusOK))
		if last.Turn != i+1 || last.Text == "" {
			t.Fatalf("turn %d: %+v", i+1, last)
		}
	}
	if res := post(session+"/messages", `{"text":"  ","client_message_id":"5"}`, http.StatusBadRequest); !strings.Contains(res.raw, "empty") {
		t.Fatalf("an empty message: %s", res.raw)
	}

	// The session is findable in Temporal UI by org and kind.
	c, err := itemporal.Dial(context.Background(), env["TEMPORAL_ADDRESS"], "default", zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	desc, err := c.DescribeWorkflow(context.Background(), opened.WorkflowID, "")
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := desc.TypedSearchAttributes.GetKeyword(itemporal.OrgID); o != org {
		t.Errorf("XentriOrgId = %q, want %s", o, org)
	}
	if k, _ := desc.TypedSearchAttributes.GetKeyword(itemporal.Kind); k != "copilot_session" {
		t.Errorf("XentriKind = %q", k)
	}

	done := decodeData[workflows.CopilotFinished](t, post(session+"/finish", "", http.StatusOK))
	if done.Status != "finished" || done.Turns != 4 || done.GenerationID == "" {
		t.Fatalf("finish: %+v", done)
	}
	waitCompleted(t, run, auth, done.GenerationID)

	// Version 1: every extracted value quotes the owner's words.
	transcript := decodeData[brief.Transcript](t, call(t, "GET", run.url("/api/v1"+session), "", auth))
	texts := map[string]string{}
	for _, m := range transcript.Messages {
		texts[m.ID.String()] = m.Text
	}
	b := getBrief(t, run, auth)
	if b.Version != 1 {
		t.Fatalf("brief version %d, want 1", b.Version)
	}
	fields := 0
	for sid, s := range b.Data.Sections {
		for name, f := range s.Fields {
			fields++
			for _, src := range f.Sources {
				runes := []rune(texts[src.MessageID])
				if src.End > len(runes) || src.Start >= src.End || string(runes[src.Start:src.End]) != src.Quote {
					t.Errorf("%s.%s quotes %q, not the owner's words at %d..%d", sid, name, src.Quote, src.Start, src.End)
				}
			}
		}
	}
	if fields < 8 {
		t.Fatalf("the Brief holds only %d fields: %+v", fields, b.Data.Sections)
	}
	if got := string(b.Data.Sections["identity"].Fields["founded_year"].Value); got != "2014" {
		t.Fatalf("founded_year = %s, want the corrected 2014", got)
	}
	if products := string(b.Data.Sections["offerings"].Fields["products"].Value); strings.Contains(products, "wedding") {
		t.Fatalf("a negation became a product: %s", products)
	}

	// The Brief's sales pipeline set the follow-up cadence.
	set := decodeData[sales.Settings](t, call(t, "GET", run.url("/api/v1/settings/sales"), "", auth))
	if set.Source != "brief" || !slices.Equal(set.FollowUpCadenceDays, []int{1, 7}) {
		t.Fatalf("sales settings %+v, want [1 7] from the Brief", set)
	}

	// The owner renames the business by hand (v2); a regeneration from the
	// same session keeps the owner's name and proposes the extracted one.
	edit := map[string]string{"If-Match": `"v1"`}
	for k, v := range auth {
		edit[k] = v
	}
	res := call(t, "PUT", run.url("/api/v1/brief/sections/identity"), `{"fields":{"business_name":"Rosa Bakery & Co."}}`, edit)
	if res.status != http.StatusOK {
		t.Fatalf("edit: %d %s", res.status, res.raw)
	}
	gen := decodeData[brief.Generation](t, post("/brief/generate", `{"session_id":"`+opened.ID.String()+`"}`, http.StatusAccepted))
	waitCompleted(t, run, auth, gen.WorkflowID)
	b = getBrief(t, run, auth)
	if got := text(b, "identity", "business_name"); b.Version != 2 || got != "Rosa Bakery & Co." {
		t.Fatalf("after regenerating: v%d, business_name %s; want v2 with the owner's name", b.Version, got)
	}
	proposals := decodeData[[]brief.Proposal](t, call(t, "GET", run.url("/api/v1/brief/proposals?status=pending"), "", auth))
	if len(proposals) != 1 || proposals[0].Section != "identity" {
		t.Fatalf("proposals %+v, want one for identity", proposals)
	}
	post("/brief/proposals/"+proposals[0].ID.String()+"/accept", "", http.StatusOK)
	b = getBrief(t, run, auth)
	if got := text(b, "identity", "business_name"); b.Version != 3 || got != "Rosa's Bakery" ||
		b.Data.Sections["identity"].Fields["business_name"].Origin != brief.OriginProposal {
		t.Fatalf("after accepting: v%d, business_name %s", b.Version, got)
	}
}

// text is a string field's value.
func text(b brief.Brief, section, field string) string {
	var s string
	_ = json.Unmarshal(b.Data.Sections[section].Fields[field].Value, &s)
	return s
}

func getBrief(t *testing.T, run *devRun, auth map[string]string) brief.Brief {
	t.Helper()
	res := call(t, "GET", run.url("/api/v1/brief"), "", auth)
	if res.status != http.StatusOK {
		t.Fatalf("GET /brief: %d %s", res.status, res.raw)
	}
	return decodeData[brief.Brief](t, res)
}

// waitCompleted polls the workflow status route until the run completes.
func waitCompleted(t *testing.T, run *devRun, auth map[string]string, id string) {
	t.Helper()
	var st automation.Status
	for start := time.Now(); time.Since(start) < 60*time.Second; time.Sleep(100 * time.Millisecond) {
		res := call(t, "GET", run.url("/api/v1/workflows/"+id), "", auth)
		var ok bool
		if st, ok = tryData[automation.Status](res); ok && st.Status != "RUNNING" {
			break
		}
	}
	if st.Status != "COMPLETED" {
		t.Fatalf("%s: %+v", id, st)
	}
}

// TestCopilotMessagesDoNotStarveTheWorker: in `xentri dev` the API and the
// worker share one connection pool. A message's Update waits for the worker,
// whose turn needs connections of its own, so the API must not hold its
// transaction across the Update: with two connections, four owners writing
// at once all get their replies.
func TestCopilotMessagesDoNotStarveTheWorker(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole stack")
	}
	env := devEnv(t, t.TempDir())
	env["TEMPORAL_ADDRESS"] = testenv.Temporal(t)
	env["DATABASE_MAX_CONNS"] = "2"
	env["XENTRI_HTTP_REQUEST_TIMEOUT"] = "20s"
	run := startDev(t, env)
	token, org := run.signUp(t, "busy@example.test")
	auth := map[string]string{"Authorization": "Bearer " + token, "X-Org-Id": org}
	var sessions []string
	for range 4 {
		res := call(t, "POST", run.url("/api/v1/copilot/sessions"), "", auth)
		if res.status != http.StatusCreated {
			t.Fatalf("start: %d %s", res.status, res.raw)
		}
		sessions = append(sessions, decodeData[brief.Opened](t, res).ID.String())
	}
	results := make([]apiResult, len(sessions))
	var wg sync.WaitGroup
	for i, s := range sessions {
		wg.Go(func() {
			results[i] = call(t, "POST", run.url("/api/v1/copilot/sessions/"+s+"/messages"),
				`{"client_message_id":"1","text":"We are Busy Bees Cleaning in Leeds, since 2015."}`, auth)
		})
	}
	wg.Wait()
	for i, res := range results {
		if res.status != http.StatusOK {
			t.Errorf("owner %d: %d %s", i, res.status, res.raw)
		}
	}
}
