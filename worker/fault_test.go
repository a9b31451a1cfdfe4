package worker_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/xentri/xentri/activities"
	"github.com/xentri/xentri/contracts"
	"github.com/xentri/xentri/internal/db/dbsqlc"
	"github.com/xentri/xentri/internal/events"
	itemporal "github.com/xentri/xentri/internal/temporal"
	"github.com/xentri/xentri/internal/testenv"
	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/ops"
	"github.com/xentri/xentri/services/sales"
	"github.com/xentri/xentri/worker"
	"github.com/xentri/xentri/workflows"
)

// faultEnv is what the fault tests share: the package's database, Redis and
// dev server, a Temporal client, and a task queue of the test's own (so no
// other test's worker picks up its tasks).
type faultEnv struct {
	db        *testenv.Database
	redis     *redis.Client
	events    *events.Writer
	temporal  client.Client
	taskQueue string
}

func newFaultEnv(t *testing.T) *faultEnv {
	t.Helper()
	if testing.Short() {
		t.Skip("runs workflows on the Temporal dev server against Postgres")
	}
	d := testenv.DB(t)
	rdb := testenv.Redis(t)
	c, err := itemporal.Dial(context.Background(), testenv.Temporal(t), "default", zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return &faultEnv{db: d, redis: rdb, events: &events.Writer{Log: zerolog.Nop()}, temporal: c, taskQueue: "test-" + uuid.NewString()}
}

// newOrgWithLeads creates an org and n leads in it, as the API would leave
// them, and returns the leads' ids.
func (e *faultEnv) newOrgWithLeads(t *testing.T, n int) (uuid.UUID, []uuid.UUID) {
	t.Helper()
	org := uuid.Must(uuid.NewV7())
	leads := make([]uuid.UUID, n)
	err := e.db.App.InTenant(context.Background(), org, func(ctx context.Context, tx pgx.Tx) error {
		q := dbsqlc.New(tx)
		if _, err := q.CreateOrg(ctx, dbsqlc.CreateOrgParams{ID: org, Name: "Fault Ltd"}); err != nil {
			return err
		}
		for i := range leads {
			leads[i] = uuid.Must(uuid.NewV7())
			email := fmt.Sprintf("lead%d@example.test", i)
			if _, err := q.CreateLead(ctx, dbsqlc.CreateLeadParams{ID: leads[i], OrgID: org, Name: fmt.Sprintf("Lead %d", i), Email: &email, Source: "manual"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return org, leads
}

// startFollowUp starts a lead's follow-up workflow the way the sales service
// does: its id and search attributes.
func (e *faultEnv) startFollowUp(ctx context.Context, org, lead uuid.UUID, cadence []int, day time.Duration) (client.WorkflowRun, error) {
	return e.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: sales.FollowUpWorkflowID(lead), TaskQueue: e.taskQueue,
		TypedSearchAttributes: itemporal.Attributes(org.String(), "lead", lead.String(), itemporal.LeadID.ValueSet(lead.String())),
	}, workflows.LeadFollowUp, workflows.LeadFollowUpInput{OrgID: org.String(), LeadID: lead.String(), Cadence: cadence, Day: day})
}

// count runs a count(*) query as the owner, which row-level security does
// not hide any org's rows from.
func (e *faultEnv) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := e.db.Owner.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// customWorker is the production worker (workflows, interceptors, dead
// letters) with the sales engine's follow-ups replaced, so a test can make
// the activity fail as it likes.
func (e *faultEnv) customWorker(t *testing.T, followUps activities.FollowUps) {
	t.Helper()
	w := sdkworker.New(e.temporal, e.taskQueue, sdkworker.Options{Interceptors: worker.Interceptors(), WorkerStopTimeout: 10 * time.Second})
	for _, wf := range worker.Workflows() {
		w.RegisterWorkflow(wf)
	}
	w.RegisterActivity(&activities.Sales{FollowUps: followUps})
	w.RegisterActivity(&activities.DeadLetters{Store: &ops.Recorder{DB: e.db.App, Events: e.events, Redis: e.redis}})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
}

// TestFollowUpsSurviveAWorkerRestart: 200 follow-up workflows are running
// when their worker stops; timers fire while no worker runs; a new worker
// finishes every one of them, and no step is recorded twice.
func TestFollowUpsSurviveAWorkerRestart(t *testing.T) {
	e := newFaultEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// Two orgs: each org's event writes are serialized (an advisory lock),
	// so two let the steps record in parallel, as in production.
	orgA, leadsA := e.newOrgWithLeads(t, 100)
	orgB, leadsB := e.newOrgWithLeads(t, 100)
	type flow struct{ org, lead uuid.UUID }
	var flows []flow
	for _, l := range leadsA {
		flows = append(flows, flow{orgA, l})
	}
	for _, l := range leadsB {
		flows = append(flows, flow{orgB, l})
	}
	cadence := []int{1, 2, 3}
	total := len(flows) * len(cadence)
	deps := worker.Deps{DB: e.db.App, Redis: e.redis, Events: e.events}
	// A long enough stop timeout that the activities in flight finish and
	// report; what this test looks at is the work that has not started.
	const stopTimeout = 20 * time.Second

	wA := worker.New(e.temporal, e.taskQueue, deps, stopTimeout)
	if err := wA.Start(); err != nil {
		t.Fatal(err)
	}
	var stopA sync.Once
	t.Cleanup(func() { stopA.Do(wA.Stop) })

	// Started a few at a time, so the cadences overlap but not in lockstep.
	sem := make(chan struct{}, 16)
	errs := make(chan error, len(flows))
	var wg sync.WaitGroup
	for _, f := range flows {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if _, err := e.startFollowUp(ctx, f.org, f.lead, cadence, time.Second); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("start: %v", err)
	}

	recorded := func() int {
		return e.count(t, "SELECT count(*) FROM lead_followups WHERE org_id IN ($1, $2)", orgA, orgB)
	}
	// Stop worker A a quarter of the way through.
	for n := recorded(); n < total/4; n = recorded() {
		if ctx.Err() != nil {
			t.Fatalf("only %d of %d steps recorded before the restart", n, total)
		}
		time.Sleep(20 * time.Millisecond)
	}
	stopA.Do(wA.Stop)
	atStop := recorded()
	if atStop >= total {
		t.Fatalf("all %d steps were recorded before worker A stopped: the restart tested nothing", atStop)
	}
	// Timers fire while no worker polls the queue; nothing is recorded.
	time.Sleep(2 * time.Second)
	if n := recorded(); n != atStop {
		t.Fatalf("%d steps recorded while no worker ran (%d when worker A stopped)", n, atStop)
	}
	t.Logf("worker A stopped with %d of %d steps recorded", atStop, total)

	wB := worker.New(e.temporal, e.taskQueue, deps, stopTimeout)
	if err := wB.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(wB.Stop)

	for _, f := range flows {
		var st workflows.FUState
		if err := e.temporal.GetWorkflow(ctx, sales.FollowUpWorkflowID(f.lead), "").Get(ctx, &st); err != nil {
			t.Fatalf("workflow of lead %s: %v", f.lead, err)
		}
		if st.Ended != "cadence_done" || len(st.Done) != len(cadence) {
			t.Fatalf("workflow of lead %s ended %q with %d steps done, want cadence_done with %d", f.lead, st.Ended, len(st.Done), len(cadence))
		}
		for i, s := range st.Done {
			if s.Step != i+1 {
				t.Fatalf("workflow of lead %s: steps done %+v", f.lead, st.Done)
			}
		}
	}

	// Each (lead, step) once in every table the recorder writes.
	orgs := []any{orgA, orgB}
	checks := []struct {
		what  string
		query string
	}{
		{"follow-ups", "SELECT count(*) FROM lead_followups WHERE org_id IN ($1, $2)"},
		{"distinct (lead, step) follow-ups", "SELECT count(DISTINCT (lead_id, step)) FROM lead_followups WHERE org_id IN ($1, $2)"},
		{"followup_due timeline entries", "SELECT count(*) FROM lead_activities WHERE org_id IN ($1, $2) AND kind = 'followup_due'"},
		{"distinct (lead, step) timeline entries", "SELECT count(DISTINCT (lead_id, detail->>'step')) FROM lead_activities WHERE org_id IN ($1, $2) AND kind = 'followup_due'"},
		{"followup_due notifications", "SELECT count(*) FROM notifications WHERE org_id IN ($1, $2) AND kind = 'followup_due'"},
		{contracts.EventFollowupScheduled + " events", "SELECT count(*) FROM system_events WHERE org_id IN ($1, $2) AND type = '" + contracts.EventFollowupScheduled + "'"},
		{"distinct (lead, step) events", "SELECT count(DISTINCT (envelope->'payload'->>'lead_id', envelope->'payload'->>'step')) FROM system_events WHERE org_id IN ($1, $2) AND type = '" + contracts.EventFollowupScheduled + "'"},
	}
	for _, c := range checks {
		if n := e.count(t, c.query, orgs...); n != total {
			t.Errorf("%d %s, want %d", n, c.what, total)
		}
	}
	if n := e.count(t, "SELECT count(*) FROM dead_letters WHERE org_id IN ($1, $2)", orgs...); n != 0 {
		t.Errorf("%d dead letters, want none", n)
	}
}

// flakyRecorder is the real follow-ups behind a switch: the first
// failFirst records fail with a retryable error, and while broken is set
// every record fails for good.
type flakyRecorder struct {
	real      activities.FollowUps
	failFirst int32
	broken    atomic.Bool
	fromStep  int // while broken, steps before this one still succeed
	calls     atomic.Int32
}

func (f *flakyRecorder) Plan(ctx context.Context, orgID uuid.UUID) (activities.FollowUpPlan, error) {
	return f.real.Plan(ctx, orgID)
}

func (f *flakyRecorder) RecordDue(ctx context.Context, in activities.FollowUpDue) error {
	call := f.calls.Add(1)
	switch {
	case f.broken.Load() && in.Step >= f.fromStep:
		return temporal.NewNonRetryableApplicationError("the recorder is broken", "RecorderBroken", nil)
	case call == 1 && f.failFirst >= 1:
		// The step is stored, then the attempt fails anyway (as when the
		// worker dies before it reports): the retry must not store it again.
		if err := f.real.RecordDue(ctx, in); err != nil {
			return err
		}
		return temporal.NewApplicationError("lost after the write", "Transient")
	case call <= f.failFirst:
		return temporal.NewApplicationError("Postgres is away", "Transient")
	}
	return f.real.RecordDue(ctx, in)
}

// TestAFollowUpStepSurvivesTwoFailures: the step's activity fails twice,
// once after its write committed, then succeeds: the step completes, and
// is recorded once.
func TestAFollowUpStepSurvivesTwoFailures(t *testing.T) {
	e := newFaultEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	org, leads := e.newOrgWithLeads(t, 1)
	flaky := &flakyRecorder{real: &sales.FollowUps{DB: e.db.App, Events: e.events}, failFirst: 2}
	e.customWorker(t, flaky)

	run, err := e.startFollowUp(ctx, org, leads[0], []int{1}, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var st workflows.FUState
	if err := run.Get(ctx, &st); err != nil {
		t.Fatalf("the workflow failed: %v", err)
	}
	if st.Ended != "cadence_done" || len(st.Done) != 1 || st.Done[0].Step != 1 {
		t.Fatalf("the workflow ended %q with steps %+v, want cadence_done with step 1", st.Ended, st.Done)
	}
	if n := flaky.calls.Load(); n != 3 {
		t.Errorf("the recorder ran %d times, want 3", n)
	}
	// The history agrees: one activity, started on its third attempt.
	var attempts []int32
	it := e.temporal.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		if a := ev.GetActivityTaskStartedEventAttributes(); a != nil {
			attempts = append(attempts, a.GetAttempt())
		}
	}
	if len(attempts) != 1 || attempts[0] != 3 {
		t.Errorf("activity started events with attempts %v, want [3]", attempts)
	}
	for table, q := range map[string]string{
		"lead_followups":  "SELECT count(*) FROM lead_followups WHERE org_id = $1",
		"lead_activities": "SELECT count(*) FROM lead_activities WHERE org_id = $1 AND kind = 'followup_due'",
		"notifications":   "SELECT count(*) FROM notifications WHERE org_id = $1",
		"system_events":   "SELECT count(*) FROM system_events WHERE org_id = $1 AND type = '" + contracts.EventFollowupScheduled + "'",
	} {
		if n := e.count(t, q, org); n != 1 {
			t.Errorf("%s: %d rows, want 1", table, n)
		}
	}
	if n := e.count(t, "SELECT count(*) FROM dead_letters WHERE org_id = $1", org); n != 0 {
		t.Errorf("%d dead letters, want none", n)
	}
}

// TestAFollowUpThatAlwaysFailsLeavesOneDeadLetter: a step whose activity
// fails for good fails the workflow and leaves exactly one dead letter (row,
// event, xentri:dlq entry); once the cause is fixed, its re-drive runs the
// workflow again under the same id: the failed step is recorded, and the
// step the failed run had already recorded is not recorded (or sent) twice.
func TestAFollowUpThatAlwaysFailsLeavesOneDeadLetter(t *testing.T) {
	e := newFaultEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	org, leads := e.newOrgWithLeads(t, 1)
	id := sales.FollowUpWorkflowID(leads[0])
	rec := &flakyRecorder{real: &sales.FollowUps{DB: e.db.App, Events: e.events}}
	rec.broken.Store(true)
	rec.fromStep = 2
	e.customWorker(t, rec)

	run, err := e.startFollowUp(ctx, org, leads[0], []int{1, 2}, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var appErr *temporal.ApplicationError
	if err := run.Get(ctx, nil); !errors.As(err, &appErr) || appErr.Type() != "RecorderBroken" {
		t.Fatalf("the workflow ended with %v, want it failed by RecorderBroken", err)
	}
	if n := rec.calls.Load(); n != 2 {
		t.Errorf("the recorder ran %d times, want 2 (step 1, then step 2 once: the error is final)", n)
	}

	// The letter is recorded before the workflow reports its failure.
	var (
		letterID                 uuid.UUID
		wfType, runID, queue     string
		failureType, status      string
		input                    []byte
		attempts, total, nEvents int
	)
	err = e.db.Owner.QueryRow(ctx, `
		SELECT id, workflow_type, run_id, task_queue, input, failure_type, status, attempts,
		       count(*) OVER (),
		       (SELECT count(*) FROM system_events WHERE org_id = $1 AND type = $3)
		  FROM dead_letters WHERE org_id = $1 AND workflow_id = $2`, org, id, contracts.EventWorkflowFailed).
		Scan(&letterID, &wfType, &runID, &queue, &input, &failureType, &status, &attempts, &total, &nEvents)
	if err != nil {
		t.Fatalf("no dead letter: %v", err)
	}
	if total != 1 || nEvents != 1 {
		t.Fatalf("%d dead letters and %d %s events, want one each", total, nEvents, contracts.EventWorkflowFailed)
	}
	if wfType != "LeadFollowUp" || runID != run.GetRunID() || queue != e.taskQueue || failureType != "RecorderBroken" || status != "open" || attempts != 1 {
		t.Errorf("dead letter = %s %s %s %s %s attempts %d", wfType, runID, queue, failureType, status, attempts)
	}
	var args []workflows.LeadFollowUpInput
	if err := json.Unmarshal(input, &args); err != nil || len(args) != 1 || args[0].LeadID != leads[0].String() || args[0].Day != time.Second {
		t.Errorf("dead letter input %s (%v)", input, err)
	}
	if n := e.countDLQ(t, id); n != 1 {
		t.Errorf("%d entries for %s on %s, want 1", n, id, ops.DeadLetterStream)
	}
	if n := e.count(t, "SELECT count(*) FROM lead_followups WHERE org_id = $1", org); n != 1 {
		t.Fatalf("%d follow-ups recorded by the failing run, want step 1's", n)
	}

	// Fix the cause, then re-drive as an owner would.
	rec.broken.Store(false)
	owner := access.Membership{OrgID: org, Role: access.RoleOwner, Principal: access.Principal{UserID: uuid.New()}}
	var redriven ops.DeadLetter
	err = e.db.App.InTenant(ctx, org, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		redriven, err = (&ops.Service{Temporal: e.temporal}).Redrive(ctx, tx, owner, letterID, nil)
		return err
	})
	if err != nil {
		t.Fatalf("redrive: %v", err)
	}
	if redriven.Status != "redriven" || redriven.RedriveRunID == nil || *redriven.RedriveRunID == run.GetRunID() {
		t.Fatalf("redrive answered %+v", redriven)
	}
	var st workflows.FUState
	if err := e.temporal.GetWorkflow(ctx, id, *redriven.RedriveRunID).Get(ctx, &st); err != nil {
		t.Fatalf("the re-driven run: %v", err)
	}
	if st.Ended != "cadence_done" || len(st.Done) != 2 {
		t.Fatalf("the re-driven run ended %q with %d steps done, want cadence_done with 2", st.Ended, len(st.Done))
	}
	if n := rec.calls.Load(); n != 4 {
		t.Errorf("the recorder ran %d times in all, want 4", n)
	}
	for step := 1; step <= 2; step++ {
		if n := e.count(t, "SELECT count(*) FROM lead_followups WHERE org_id = $1 AND lead_id = $2 AND step = $3", org, leads[0], step); n != 1 {
			t.Errorf("step %d recorded %d times, want once", step, n)
		}
	}
	if n := e.count(t, "SELECT count(*) FROM system_events WHERE org_id = $1 AND type = $2", org, contracts.EventFollowupScheduled); n != 2 {
		t.Errorf("%d %s events, want 2 (one per step)", n, contracts.EventFollowupScheduled)
	}
	// Still the one letter, now settled with the run that re-drove it.
	var settled string
	var redriveRun *string
	if err := e.db.Owner.QueryRow(ctx, "SELECT status, redrive_run_id FROM dead_letters WHERE id = $1", letterID).Scan(&settled, &redriveRun); err != nil {
		t.Fatal(err)
	}
	if settled != "redriven" || redriveRun == nil || *redriveRun != *redriven.RedriveRunID {
		t.Errorf("the letter after the redrive: %s %v", settled, redriveRun)
	}
	if n := e.count(t, "SELECT count(*) FROM dead_letters WHERE org_id = $1", org); n != 1 {
		t.Errorf("%d dead letters after the redrive, want 1", n)
	}
}

// countDLQ counts the entries on xentri:dlq for workflowID; the stream is
// shared with the package's other tests, hence the filter.
func (e *faultEnv) countDLQ(t *testing.T, workflowID string) int {
	t.Helper()
	entries, err := e.redis.XRange(context.Background(), ops.DeadLetterStream, "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, en := range entries {
		raw, _ := en.Values[contracts.FieldEnvelope].(string)
		var env struct {
			Payload contracts.WorkflowFailed `json:"payload"`
		}
		if json.Unmarshal([]byte(raw), &env) == nil && env.Payload.WorkflowID == workflowID {
			n++
		}
	}
	return n
}
