package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"
	enumspb "go.temporal.io/api/enums/v1"

	itemporal "github.com/xentri/xentri/internal/temporal"
	"github.com/xentri/xentri/internal/testenv"
	"github.com/xentri/xentri/services/automation"
	"github.com/xentri/xentri/services/core"
	"github.com/xentri/xentri/services/notification"
	"github.com/xentri/xentri/services/sales"
	"github.com/xentri/xentri/workflows"
)

// TestALeadGetsItsFollowUps: creating a lead starts lead-followup/{id},
// findable by org and lead; marking the lead won ends it.
func TestALeadGetsItsFollowUps(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole stack")
	}
	env := devEnv(t, t.TempDir())
	env["TEMPORAL_ADDRESS"] = testenv.Temporal(t)
	env["XENTRI_TEMPORAL_UI_URL"] = "http://127.0.0.1:8233"
	run := startDev(t, env)

	token, org := run.signUp(t, "sales@example.test")
	auth := map[string]string{"Authorization": "Bearer " + token, "X-Org-Id": org}

	res := call(t, "POST", run.url("/api/v1/leads"), `{"name":"Grace","email":"grace@example.test"}`, auth)
	if res.status != http.StatusCreated {
		t.Fatalf("create lead: %d %s", res.status, res.raw)
	}
	lead := decodeData[sales.Lead](t, res)
	if lead.ID == uuid.Nil {
		t.Fatalf("the lead has no id: %s", res.raw)
	}
	leadID := lead.ID.String()
	wf := lead.FollowUps
	if wf == nil || wf.ID != "lead-followup/"+leadID || !strings.Contains(wf.URL, "/workflows/lead-followup%2F") {
		t.Fatalf("the answer does not name the follow-up workflow: %s", res.raw)
	}
	id := wf.ID

	c, err := itemporal.Dial(context.Background(), env["TEMPORAL_ADDRESS"], "default", zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	desc, err := c.DescribeWorkflow(context.Background(), id, "")
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := desc.TypedSearchAttributes.GetKeyword(itemporal.OrgID); o != org {
		t.Errorf("XentriOrgId = %q, want %s", o, org)
	}
	if l, _ := desc.TypedSearchAttributes.GetKeyword(itemporal.LeadID); l != leadID {
		t.Errorf("XentriLeadId = %q", l)
	}

	// The follow-ups: none recorded yet, three to come (once the workflow
	// has read the org's cadence, its first activity); a snooze moves the
	// next one.
	leadURL := run.url("/api/v1/leads/" + leadID)
	var view apiResult
	var followUps sales.FollowUpView
	for start := time.Now(); time.Since(start) < 10*time.Second && len(followUps.Upcoming) == 0; time.Sleep(50 * time.Millisecond) {
		view = call(t, "GET", leadURL+"/followups", "", auth)
		followUps, _ = tryData[sales.FollowUpView](view)
	}
	// past is an array, empty: not null, not absent.
	if view.status != 200 || len(followUps.Upcoming) != 3 || followUps.Past == nil || len(followUps.Past) != 0 {
		t.Fatalf("followups: %d %s", view.status, view.raw)
	}
	until := time.Now().Add(50 * time.Hour).UTC().Truncate(time.Second)
	if res := call(t, "POST", leadURL+"/followups/snooze", `{"until":"`+until.Format(time.RFC3339)+`"}`, auth); res.status != http.StatusNoContent {
		t.Fatalf("snooze: %d %s", res.status, res.raw)
	}
	moved := false
	for start := time.Now(); time.Since(start) < 5*time.Second && !moved; time.Sleep(50 * time.Millisecond) {
		view = call(t, "GET", leadURL+"/followups", "", auth)
		if fu, _ := tryData[sales.FollowUpView](view); len(fu.Upcoming) > 0 {
			moved = fu.Upcoming[0].DueAt.Equal(until)
		}
	}
	if !moved {
		t.Fatalf("the snooze did not move the next follow-up: %s", view.raw)
	}
	if res := call(t, "POST", leadURL+"/followups/snooze", `{"until":"2020-01-01T00:00:00Z"}`, auth); res.status != http.StatusBadRequest {
		t.Errorf("a snooze into the past: %d", res.status)
	}

	// n8n asking for the lead's follow-ups finds the running workflow.
	tok := decodeData[core.NewAPIToken](t, call(t, "POST", run.url("/api/v1/orgs/"+org+"/tokens"), `{"name":"n8n","scopes":["workflows:start"]}`, auth)).Secret
	if tok == "" {
		t.Fatal("the API token came without its secret")
	}
	hook := run.url("/api/v1/hooks/n8n/workflows/lead.followup")
	res = call(t, "POST", hook, `{"org_id":"`+org+`","input":{"lead_id":"`+leadID+`"}}`, map[string]string{"Authorization": "Bearer " + tok})
	if r, _ := tryData[automation.Run](res); res.status != http.StatusAccepted || r.WorkflowID != id || r.RunID != desc.WorkflowExecution.RunID {
		t.Fatalf("hook lead.followup: %d %s (want the running %s %s)", res.status, res.raw, id, desc.WorkflowExecution.RunID)
	}
	// A lead id in capitals is the same lead, and finds the same run.
	res = call(t, "POST", hook, `{"org_id":"`+org+`","input":{"lead_id":"`+strings.ToUpper(leadID)+`"}}`, map[string]string{"Authorization": "Bearer " + tok})
	if r, _ := tryData[automation.Run](res); res.status != http.StatusAccepted || r.WorkflowID != id || r.RunID != desc.WorkflowExecution.RunID {
		t.Errorf("hook lead.followup with the lead id in capitals: %d %s (want the running %s %s)", res.status, res.raw, id, desc.WorkflowExecution.RunID)
	}
	if res := call(t, "POST", hook, `{"org_id":"`+org+`","input":{"lead_id":"not-a-uuid"}}`, map[string]string{"Authorization": "Bearer " + tok}); res.status != http.StatusBadRequest {
		t.Errorf("hook with a malformed lead id: %d %s", res.status, res.raw)
	}
	if res := call(t, "POST", hook, `{"org_id":"`+org+`","input":{"lead_id":"`+leadID+`","org_id":"`+org+`"}}`, map[string]string{"Authorization": "Bearer " + tok}); res.status != http.StatusBadRequest {
		t.Errorf("hook input naming an org: %d %s", res.status, res.raw)
	}

	// Won: the committed event reaches the workflow, which ends.
	if res := call(t, "POST", run.url("/api/v1/leads/"+leadID+"/status"), `{"status":"won"}`, auth); res.status != 200 {
		t.Fatalf("won: %d %s", res.status, res.raw)
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		desc, _ = c.DescribeWorkflow(context.Background(), id, "")
		if desc != nil && desc.Status == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
			var st workflows.FUState
			if err := c.GetWorkflow(context.Background(), id, "").Get(context.Background(), &st); err != nil || st.Ended != "won" {
				t.Fatalf("result %+v, %v; want ended won", st, err)
			}
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	raw, _ := json.Marshal(desc)
	t.Fatalf("the workflow did not end after the lead was won: %s", raw)
}

// TestFollowUpsFireOnTheRealStack: with one-second cadence days, an org's
// cadence from its sales settings, a new lead's follow-ups fall due one by
// one through the whole stack: each is in the follow-up view, the timeline
// and the notifications, and the workflow ends when the cadence is done.
func TestFollowUpsFireOnTheRealStack(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole stack")
	}
	env := devEnv(t, t.TempDir())
	env["TEMPORAL_ADDRESS"] = testenv.Temporal(t)
	env["XENTRI_FOLLOWUP_DAY"] = "1s"
	run := startDev(t, env)

	token, org := run.signUp(t, "cadence@example.test")
	auth := map[string]string{"Authorization": "Bearer " + token, "X-Org-Id": org}
	if res := call(t, "PUT", run.url("/api/v1/settings/sales"), `{"followup_cadence_days":[1,2]}`, auth); res.status != http.StatusOK {
		t.Fatalf("settings: %d %s", res.status, res.raw)
	}
	res := call(t, "POST", run.url("/api/v1/leads"), `{"name":"Lin","email":"lin@example.test"}`, auth)
	if res.status != http.StatusCreated {
		t.Fatalf("create lead: %d %s", res.status, res.raw)
	}
	lead := decodeData[sales.Lead](t, res)
	if lead.ID == uuid.Nil || lead.FollowUps == nil || lead.FollowUps.ID == "" {
		t.Fatalf("the answer does not name the lead and its follow-up workflow: %s", res.raw)
	}
	leadURL := run.url("/api/v1/leads/" + lead.ID.String())
	id := lead.FollowUps.ID

	var view apiResult
	var followUps sales.FollowUpView
	for start := time.Now(); time.Since(start) < 30*time.Second; time.Sleep(200 * time.Millisecond) {
		view = call(t, "GET", leadURL+"/followups", "", auth)
		if followUps, _ = tryData[sales.FollowUpView](view); len(followUps.Past) == 2 {
			break
		}
	}
	if past := followUps.Past; len(past) != 2 || past[0].Step != 1 || past[1].Step != 2 {
		t.Fatalf("the follow-ups did not both fall due: %s", view.raw)
	}
	due := 0
	for _, a := range decodeData[[]sales.Activity](t, call(t, "GET", leadURL+"/activities", "", auth)) {
		if a.Kind == "followup_due" {
			due++
		}
	}
	notes := 0
	for _, n := range decodeData[[]notification.Notification](t, call(t, "GET", run.url("/api/v1/notifications"), "", auth)) {
		if n.Kind == "followup_due" {
			notes++
		}
	}
	if due != 2 || notes != 2 {
		t.Errorf("%d followup_due timeline entries and %d notifications, want 2 each", due, notes)
	}

	c, err := itemporal.Dial(context.Background(), env["TEMPORAL_ADDRESS"], "default", zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var st workflows.FUState
	if err := c.GetWorkflow(context.Background(), id, "").Get(context.Background(), &st); err != nil || st.Ended != "cadence_done" || len(st.Done) != 2 {
		t.Fatalf("the workflow ended with %+v, %v; want cadence_done after 2 steps", st, err)
	}
	desc, err := c.DescribeWorkflow(context.Background(), id, "")
	if err != nil {
		t.Fatal(err)
	}
	kind, _ := desc.TypedSearchAttributes.GetKeyword(itemporal.Kind)
	entity, _ := desc.TypedSearchAttributes.GetKeyword(itemporal.EntityID)
	if kind != "lead" || "lead-followup/"+entity != id {
		t.Errorf("XentriKind = %q, XentriEntityId = %q; want lead and the lead's id", kind, entity)
	}
}
