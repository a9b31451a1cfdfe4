package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	enumspb "go.temporal.io/api/enums/v1"

	itemporal "github.com/xentri/xentri/internal/temporal"
	"github.com/xentri/xentri/internal/testenv"
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

	res := call(t, "POST", run.url("/api/v1/auth/signup"), `{"email":"sales@example.test","password":"correct horse battery"}`, nil)
	d := res.data()
	token := d["session"].(map[string]any)["access_token"].(string)
	org := d["org"].(map[string]any)["id"].(string)
	auth := map[string]string{"Authorization": "Bearer " + token, "X-Org-Id": org}

	res = call(t, "POST", run.url("/api/v1/leads"), `{"name":"Grace","email":"grace@example.test"}`, auth)
	if res.status != http.StatusCreated {
		t.Fatalf("create lead: %d %s", res.status, res.raw)
	}
	lead := res.data()
	wf, _ := lead["followup_workflow"].(map[string]any)
	if wf == nil || wf["id"] != "lead-followup/"+lead["id"].(string) || !strings.Contains(wf["temporal_ui_url"].(string), "/workflows/lead-followup%2F") {
		t.Fatalf("the answer does not name the follow-up workflow: %s", res.raw)
	}
	id := wf["id"].(string)

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
	if l, _ := desc.TypedSearchAttributes.GetKeyword(itemporal.LeadID); l != lead["id"] {
		t.Errorf("XentriLeadId = %q", l)
	}

	// Won: the committed event reaches the workflow, which ends.
	if res := call(t, "POST", run.url("/api/v1/leads/"+lead["id"].(string)+"/status"), `{"status":"won"}`, auth); res.status != 200 {
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
