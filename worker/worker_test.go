package worker_test

import (
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/xentri/xentri/activities"
	"github.com/xentri/xentri/api"
	"github.com/xentri/xentri/internal/cache"
	"github.com/xentri/xentri/internal/db/dbsqlc"
	"github.com/xentri/xentri/internal/events"
	"github.com/xentri/xentri/internal/platform/logging"
	itemporal "github.com/xentri/xentri/internal/temporal"
	"github.com/xentri/xentri/internal/testenv"
	"github.com/xentri/xentri/services/brief/extract"
	"github.com/xentri/xentri/services/system"
	"github.com/xentri/xentri/worker"
	"github.com/xentri/xentri/workflows"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var spans = tracetest.NewSpanRecorder()

func init() {
	// Installed before any Temporal client exists: the tracing interceptor
	// takes the global provider when it is built.
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans)))
	otel.SetTextMapPropagator(propagation.TraceContext{})
}

// testBundle is a running worker on its own task queue, with the API in
// front of it.
type testBundle struct {
	temporal  client.Client
	taskQueue string
	api       *httptest.Server
	logs      *testenv.Buffer // what the SDK, workflows and activities logged
	db        *testenv.Database
}

// orgWithLead stores an org with the given follow-up cadence and one lead.
func (b *testBundle) orgWithLead(t *testing.T, cadence []int32) (org, lead uuid.UUID) {
	t.Helper()
	org, lead = uuid.New(), uuid.New()
	email := "lead-" + lead.String()[:8] + "@example.test"
	err := b.db.App.InTenant(context.Background(), org, func(ctx context.Context, tx pgx.Tx) error {
		q := dbsqlc.New(tx)
		if _, err := q.CreateOrg(ctx, dbsqlc.CreateOrgParams{ID: org, Name: "recording"}); err != nil {
			return err
		}
		if _, err := q.PutSalesSettings(ctx, dbsqlc.PutSalesSettingsParams{OrgID: org, FollowupCadenceDays: cadence}); err != nil {
			return err
		}
		_, err := q.CreateLead(ctx, dbsqlc.CreateLeadParams{ID: lead, OrgID: org, Name: "Ada", Email: &email, Source: "manual"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return org, lead
}

// copilotScenario runs a co-pilot session of two turns to its finish.
func copilotScenario(t *testing.T, b *testBundle, local bool) client.WorkflowRun {
	ctx := context.Background()
	org, _ := b.orgWithLead(t, []int32{1})
	session := b.copilotSession(t, org)
	run, err := b.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.CopilotSessionWorkflowID(session.String()), TaskQueue: b.taskQueue,
		TypedSearchAttributes: itemporal.Attributes(org.String(), "copilot_session", session.String())},
		workflows.CopilotSession, workflows.CopilotSessionInput{OrgID: org.String(), SessionID: session.String(), LocalTurns: local})
	if err != nil {
		t.Fatal(err)
	}
	update := func(name, id string, args ...any) {
		h, err := b.temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: run.GetID(), RunID: run.GetRunID(),
			UpdateID: id, UpdateName: name, Args: args, WaitForStage: client.WorkflowUpdateStageCompleted})
		if err == nil {
			err = h.Get(ctx, nil)
		}
		if err != nil {
			t.Fatalf("%s %s: %v", name, id, err)
		}
	}
	second := activities.CopilotMessage{ClientMessageID: "m2", Kind: "voice_transcript",
		Text: "um so we do beginner classes and, uh, prenatal yoga, mostly for office workers"}
	update(workflows.UpdateCopilotMessage, "m1", activities.CopilotMessage{ClientMessageID: "m1", Kind: "text",
		Text: "We are Harbour Yoga, a small yoga studio in Galway, Ireland, since 2018."})
	update(workflows.UpdateCopilotMessage, "m2", second)
	update(workflows.UpdateCopilotMessage, "m2-again", second)
	update(workflows.UpdateCopilotFinish, "finish")
	return run
}

// copilotSession stores an open co-pilot session of org.
func (b *testBundle) copilotSession(t *testing.T, org uuid.UUID) uuid.UUID {
	t.Helper()
	id := uuid.New()
	err := b.db.App.InTenant(context.Background(), org, func(ctx context.Context, tx pgx.Tx) error {
		_, err := dbsqlc.New(tx).CreateCopilotSession(ctx, dbsqlc.CreateCopilotSessionParams{ID: id, OrgID: org})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	d := testenv.DB(t)
	redisClient, err := cache.Connect(testenv.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { redisClient.Close() })
	store := testenv.Store(t)
	logs := &testenv.Buffer{}
	c, err := itemporal.Dial(context.Background(), testenv.Temporal(t), "default", logging.New(logs, "debug", "json"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)

	b := &testBundle{temporal: c, taskQueue: "test-" + uuid.NewString(), logs: logs, db: d}
	w := worker.New(c, b.taskQueue, worker.Deps{DB: d.App, Redis: redisClient, Blob: store, Events: &events.Writer{Log: zerolog.Nop()},
		Engine: extract.NewRules(), Log: zerolog.Nop()}, 5*time.Second)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)

	const token = "operator-token-for-tests-0123456789"
	b.api = httptest.NewServer(api.NewRouter(api.Config{
		Log: zerolog.Nop(), Registry: prometheus.NewRegistry(), MaxBodyBytes: 1 << 20, RequestTimeout: 30 * time.Second,
		Public: []api.Routes{&api.Diagnostics{Runner: &system.Service{Temporal: c, TaskQueue: b.taskQueue}, OperatorToken: token}},
	}))
	t.Cleanup(b.api.Close)
	return b
}

func (b *testBundle) diagnostics(t *testing.T, token string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.api.URL+"/api/v1/system/diagnostics", strings.NewReader(`{"checks":["postgres","redis"]}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		Data struct {
			WorkflowID string `json:"workflow_id"`
		} `json:"data"`
	}
	_ = json.NewDecoder(res.Body).Decode(&body)
	return res, body.Data.WorkflowID
}

// TestOneTraceFromRequestThroughWorkflowIntoActivities: the span of the
// HTTP request is the root of the workflow's and its activity's spans.
func TestOneTraceFromRequestThroughWorkflowIntoActivities(t *testing.T) {
	b := setup(t)
	res, wfID := b.diagnostics(t, "operator-token-for-tests-0123456789")
	if res.StatusCode != http.StatusOK || wfID == "" {
		t.Fatalf("diagnostics = %d", res.StatusCode)
	}
	want := []string{"StartWorkflow:Diagnostics", "RunWorkflow:Diagnostics", "StartActivity:CheckDependencies", "RunActivity:CheckDependencies"}
	deadline := time.Now().Add(10 * time.Second)
	for {
		var httpSpan sdktrace.ReadOnlySpan
		byName := map[string]sdktrace.ReadOnlySpan{}
		for _, s := range spans.Ended() {
			if s.Name() == "POST /api/v1/system/diagnostics" {
				httpSpan = s
			}
			byName[s.Name()] = s
		}
		missing := []string{}
		if httpSpan == nil {
			missing = append(missing, "the HTTP span")
		}
		for _, n := range want {
			if s, ok := byName[n]; !ok || httpSpan == nil || s.SpanContext().TraceID() != httpSpan.SpanContext().TraceID() {
				missing = append(missing, n)
			}
		}
		if len(missing) == 0 {
			// The activity's log lines carry the same trace id.
			traceID := httpSpan.SpanContext().TraceID().String()
			for _, line := range strings.Split(b.logs.String(), "\n") {
				if strings.Contains(line, `"activity completed"`) && strings.Contains(line, `"trace_id":"`+traceID+`"`) {
					return
				}
			}
			t.Fatalf("no activity log line carries trace id %s:\n%s", traceID, b.logs)
		}
		if time.Now().After(deadline) {
			names := []string{}
			for _, s := range spans.Ended() {
				names = append(names, s.Name()+"@"+s.SpanContext().TraceID().String())
			}
			t.Fatalf("spans missing from the request's trace: %v\nrecorded: %v", missing, names)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestOperatorEndpointsNeedTheToken(t *testing.T) {
	b := setup(t)
	res, _ := b.diagnostics(t, "wrong-token-wrong-token-wrong-token")
	if res.StatusCode != http.StatusUnauthorized || res.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("wrong token: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
}

var updateHistories = flag.Bool("update-histories", false, "record fresh workflow histories into "+historiesDir)

// historiesDir holds histories recorded from real runs, at least one per
// workflow type. Files whose scenario is gone from recordHistories (such as
// lead_followup_v0_*, recorded before a GetVersion change) stay as they are
// and keep replaying: they stand for runs still in flight.
const historiesDir = "../workflows/testdata/histories"

// TestReplayRecordedHistories replays every recorded history through the
// current workflow code. A change that is not deterministic with respect to
// histories already in production fails here: version it with
// workflow.GetVersion instead.
func TestReplayRecordedHistories(t *testing.T) {
	if *updateHistories {
		recordHistories(t)
	}
	files, err := filepath.Glob(historiesDir + "/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no recorded histories: run go test ./worker -run TestReplayRecordedHistories -update-histories")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			replayer := sdkworker.NewWorkflowReplayer()
			for _, wf := range worker.Workflows() {
				replayer.RegisterWorkflow(wf)
			}
			if err := replayer.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Fatalf("replay of %s: %v", f, err)
			}
		})
	}
}

// recordHistories runs each workflow scenario on the real dev server and
// saves its history.
func recordHistories(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	start := func(wf any, in any) client.WorkflowRun {
		run, err := b.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: b.taskQueue,
			TypedSearchAttributes: itemporal.Attributes(itemporal.PlatformOrg, "system", "recording")}, wf, in)
		if err != nil {
			t.Fatal(err)
		}
		return run
	}
	signal := func(run client.WorkflowRun, name string, arg any) {
		if err := b.temporal.SignalWorkflow(ctx, run.GetID(), run.GetRunID(), name, arg); err != nil {
			t.Fatal(err)
		}
	}
	scenarios := map[string]func() client.WorkflowRun{
		"diagnostics_all.json": func() client.WorkflowRun { return start(workflows.Diagnostics, workflows.DiagnosticsInput{}) },
		"diagnostics_postgres.json": func() client.WorkflowRun {
			return start(workflows.Diagnostics, workflows.DiagnosticsInput{Checks: []string{"postgres"}})
		},
		// The cadence's timers are days long: signals drive this run.
		"lead_followup_snoozed_contacted_won.json": func() client.WorkflowRun {
			run := start(workflows.LeadFollowUp, workflows.LeadFollowUpInput{OrgID: uuid.NewString(), LeadID: uuid.NewString()})
			signal(run, workflows.SignalSnooze, time.Now().Add(48*time.Hour))
			signal(run, workflows.SignalLeadStatus, workflows.LeadStatusSignal{Status: "contacted"})
			signal(run, workflows.SignalLeadStatus, workflows.LeadStatusSignal{Status: "won"})
			return run
		},
		// A lead of an org whose sales settings say [1, 2], with one-second
		// days: the plan is read, both steps fire and are recorded, the
		// cadence ends.
		"lead_followup_steps_fire.json": func() client.WorkflowRun {
			org, lead := b.orgWithLead(t, []int32{1, 2})
			return start(workflows.LeadFollowUp, workflows.LeadFollowUpInput{OrgID: org.String(), LeadID: lead.String(), Day: time.Second})
		},
		// A co-pilot session whose turns are local activities (the rules
		// engine) and one whose turns are activities (an LLM engine): two
		// messages as Updates (one of them sent twice), then finish, which
		// starts the brief generation as a child.
		"copilot_session_local_turns_finished.json":    func() client.WorkflowRun { return copilotScenario(t, b, true) },
		"copilot_session_activity_turns_finished.json": func() client.WorkflowRun { return copilotScenario(t, b, false) },
		// A brief generation from a text, as POST /brief/generate starts it.
		"brief_generate_from_text.json": func() client.WorkflowRun {
			org, _ := b.orgWithLead(t, []int32{1})
			return start(workflows.BriefGenerate, activities.BriefRequest{OrgID: org.String(), RequestID: "recording", Author: "",
				Text: "Northside Plumbing fixes leaks and boilers in Leeds. Call +44 113 496 0000 or email help@northside.example."})
		},
	}
	// A site published twice in one request list: the first run publishes
	// its first release and continues as new with the second.
	scenarios["site_publish_two_queued.json"] = func() client.WorkflowRun {
		org, site := siteWithPages(t, b.db, &events.Writer{Log: zerolog.Nop()})
		req := func() activities.PublishRequest {
			return activities.PublishRequest{OrgID: org.String(), SiteID: site.String(), ReleaseID: uuid.NewString(), Trigger: activities.TriggerPublish, Author: "system:recording"}
		}
		run, err := b.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.SitePublishWorkflowID(site.String()), TaskQueue: b.taskQueue,
			TypedSearchAttributes: itemporal.Attributes(org.String(), "site", site.String())},
			workflows.SitePublish, workflows.SitePublishInput{OrgID: org.String(), SiteID: site.String(), Requests: []activities.PublishRequest{req(), req()}})
		if err != nil {
			t.Fatal(err)
		}
		return run
	}
	// A publish scheduled a second ahead: the timer fires, the schedule
	// queues its publish.
	scenarios["site_schedule_fired.json"] = func() client.WorkflowRun {
		org, site := siteWithPages(t, b.db, &events.Writer{Log: zerolog.Nop()})
		id := uuid.New()
		if _, err := b.db.Owner.Exec(ctx, `INSERT INTO site_schedules (id, org_id, site_id, publish_at, pins, workflow_id, author)
			VALUES ($1, $2, $3, now() + interval '1 second', '{}', $4, 'system:recording')`, id, org, site, workflows.SiteScheduleWorkflowID(id.String())); err != nil {
			t.Fatal(err)
		}
		return start(workflows.SiteSchedule, workflows.SiteScheduleInput{OrgID: org.String(), SiteID: site.String(), ScheduleID: id.String(),
			PublishAt: time.Now().Add(time.Second)})
	}
	for file, scenario := range scenarios {
		run := scenario()
		// The first run's: Get follows a continue-as-new to the last.
		runID := run.GetRunID()
		if err := run.Get(ctx, nil); err != nil {
			t.Fatal(err)
		}
		var events []*historypb.HistoryEvent
		it := b.temporal.GetWorkflowHistory(ctx, run.GetID(), runID, false, 0)
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				t.Fatal(err)
			}
			events = append(events, ev)
		}
		out, err := protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(&historypb.History{Events: events})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(historiesDir, file), out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
