package workflows_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/xentri/xentri/activities"
	itemporal "github.com/xentri/xentri/internal/temporal"
	"github.com/xentri/xentri/workflows"
)

// fakePublisher records the steps the workflow runs and fails the step it
// is told to.
type fakePublisher struct {
	mu        sync.Mutex
	steps     []string // "step:release"
	failAt    string   // the step that fails, for good
	activated map[string]bool
	during    func(step, release string)
	fired     int
	cancelled int
}

func (f *fakePublisher) step(name, release string) error {
	if f.during != nil {
		f.during(name, release)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.steps = append(f.steps, name+":"+release)
	if f.failAt == name {
		return temporal.NewNonRetryableApplicationError(name+" failed", "Injected", nil)
	}
	return nil
}

func (f *fakePublisher) Snapshot(_ context.Context, r activities.PublishRequest) (activities.Snapshot, error) {
	return activities.Snapshot{ReleaseID: r.ReleaseID, Number: 1, Pages: 3, Activated: f.activated[r.ReleaseID]}, f.step("snapshot", r.ReleaseID)
}
func (f *fakePublisher) Render(_ context.Context, _, rel uuid.UUID) (activities.Rendered, error) {
	return activities.Rendered{Files: 7}, f.step("render", rel.String())
}
func (f *fakePublisher) Upload(_ context.Context, _, rel uuid.UUID, _ int, _ func(int)) error {
	return f.step("upload", rel.String())
}
func (f *fakePublisher) Activate(_ context.Context, _, rel uuid.UUID) (activities.Activation, error) {
	return activities.Activation{ReleaseID: rel.String(), Changed: 2}, f.step("activate", rel.String())
}
func (f *fakePublisher) Discard(_ context.Context, _, rel uuid.UUID, failure string) error {
	return f.step("discard", rel.String())
}
func (f *fakePublisher) Purge(_ context.Context, _, _, rel uuid.UUID) error {
	return f.step("purge", rel.String())
}
func (f *fakePublisher) FireSchedule(context.Context, uuid.UUID, uuid.UUID) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fired++
	return true, nil
}
func (f *fakePublisher) CancelSchedule(context.Context, uuid.UUID, uuid.UUID) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cancelled++
	return nil
}

// deadLetterSink records the dead letters a workflow leaves itself.
type deadLetterSink struct{ letters []activities.DeadLetter }

func (d *deadLetterSink) RecordDeadLetter(_ context.Context, l activities.DeadLetter) error {
	d.letters = append(d.letters, l)
	return nil
}

var (
	testSite = uuid.NewString()
	release1 = uuid.NewString()
	release2 = uuid.NewString()
)

func publishEnv(t *testing.T, f *fakePublisher) (*testsuite.TestWorkflowEnvironment, *deadLetterSink) {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterActivity(&activities.Brand{Publisher: f})
	sink := &deadLetterSink{}
	env.RegisterActivity(&activities.DeadLetters{Store: sink})
	return env, sink
}

func request(release string) activities.PublishRequest {
	return activities.PublishRequest{OrgID: testOrg, SiteID: testSite, ReleaseID: release, Trigger: activities.TriggerPublish, Author: "user:x"}
}

func publishInput(releases ...string) workflows.SitePublishInput {
	in := workflows.SitePublishInput{OrgID: testOrg, SiteID: testSite}
	for _, r := range releases {
		in.Requests = append(in.Requests, request(r))
	}
	return in
}

func TestPublishRunsTheStepsInOrder(t *testing.T) {
	f := &fakePublisher{}
	env, _ := publishEnv(t, f)
	env.ExecuteWorkflow(workflows.SitePublish, publishInput(release1))
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var res workflows.PublishResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	want := []string{"snapshot", "render", "upload", "activate", "purge"}
	if got := stepNames(f.steps); !slices.Equal(got, want) {
		t.Fatalf("steps %v, want %v", got, want)
	}
	if res.ReleaseID != release1 || res.Files != 7 || res.Changed != 2 || res.Pages != 3 {
		t.Errorf("result %+v", res)
	}
}

// TestAFailureBeforeTheCommitPointIsCompensated: render, upload or
// activation failing for good discards the release and purges nothing; the
// run fails (its dead letter comes from the worker's interceptor).
func TestAFailureBeforeTheCommitPointIsCompensated(t *testing.T) {
	for _, step := range []string{"render", "upload", "activate"} {
		t.Run(step, func(t *testing.T) {
			f := &fakePublisher{failAt: step}
			env, _ := publishEnv(t, f)
			env.ExecuteWorkflow(workflows.SitePublish, publishInput(release1))
			err := env.GetWorkflowError()
			var appErr *temporal.ApplicationError
			if !errors.As(err, &appErr) || appErr.Type() != "Injected" {
				t.Fatalf("workflow error %v, want the injected failure", err)
			}
			got := stepNames(f.steps)
			if got[len(got)-1] != "discard" || slices.Contains(got, "purge") {
				t.Fatalf("steps %v: want the release discarded and nothing purged", got)
			}
		})
	}
}

// TestAFailedPurgeIsNotCompensated: after the commit point only forward
// steps run; the failure is the run's, and a re-drive finds the release
// live (Snapshot says Activated) and only purges.
func TestAFailedPurgeIsNotCompensated(t *testing.T) {
	f := &fakePublisher{failAt: "purge"}
	env, _ := publishEnv(t, f)
	env.ExecuteWorkflow(workflows.SitePublish, publishInput(release1))
	if env.GetWorkflowError() == nil {
		t.Fatal("a purge that failed for good did not fail the run")
	}
	if slices.Contains(stepNames(f.steps), "discard") {
		t.Fatalf("steps %v: a live release was discarded", f.steps)
	}

	redrive := &fakePublisher{activated: map[string]bool{release1: true}}
	env, _ = publishEnv(t, redrive)
	env.ExecuteWorkflow(workflows.SitePublish, publishInput(release1))
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if got, want := stepNames(redrive.steps), []string{"snapshot", "purge"}; !slices.Equal(got, want) {
		t.Fatalf("re-drive steps %v, want %v", got, want)
	}
}

// TestASecondPublishIsQueuedBehindTheFirst: a request signalled while a
// publish runs is not run beside it; the run finishes its release, then
// continues as new with the queued one.
func TestASecondPublishIsQueuedBehindTheFirst(t *testing.T) {
	f := &fakePublisher{}
	env, _ := publishEnv(t, f)
	f.during = func(step, release string) {
		if step == "render" && release == release1 {
			env.SignalWorkflow(workflows.SignalPublish, request(release2))
			env.SignalWorkflow(workflows.SignalPublish, request(release1)) // a duplicate: ignored
		}
	}
	env.ExecuteWorkflow(workflows.SitePublish, publishInput(release1))
	err := env.GetWorkflowError()
	var next *workflow.ContinueAsNewError
	if !errors.As(err, &next) {
		t.Fatalf("workflow error %v, want continue-as-new with the queue", err)
	}
	for _, s := range f.steps {
		if s == "snapshot:"+release2 {
			t.Fatalf("steps %v: the queued release started beside the first", f.steps)
		}
	}
	var in workflows.SitePublishInput
	if err := converter.GetDefaultDataConverter().FromPayloads(next.Input, &in); err != nil {
		t.Fatal(err)
	}
	if len(in.Requests) != 1 || in.Requests[0].ReleaseID != release2 {
		t.Fatalf("next run's requests %+v, want only release 2", in.Requests)
	}
}

// TestAFailureWithAQueueLeavesItsOwnDeadLetter: the queue goes on, and the
// failed request's dead letter re-drives it alone.
func TestAFailureWithAQueueLeavesItsOwnDeadLetter(t *testing.T) {
	f := &fakePublisher{failAt: "upload"}
	env, sink := publishEnv(t, f)
	if err := env.SetTypedSearchAttributesOnStart(temporal.NewSearchAttributes(itemporal.OrgID.ValueSet(testOrg))); err != nil {
		t.Fatal(err)
	}
	env.ExecuteWorkflow(workflows.SitePublish, publishInput(release1, release2))
	var next *workflow.ContinueAsNewError
	if err := env.GetWorkflowError(); !errors.As(err, &next) {
		t.Fatalf("workflow error %v, want continue-as-new", err)
	}
	if len(sink.letters) != 1 {
		t.Fatalf("%d dead letters, want 1", len(sink.letters))
	}
	l := sink.letters[0]
	if l.FailureType != "Injected" || !strings.Contains(string(l.Input), release1) || strings.Contains(string(l.Input), release2) {
		t.Fatalf("dead letter %+v: want the upload failure with release 1 alone as input", l)
	}
}

func TestAScheduleFiresAtItsTime(t *testing.T) {
	f := &fakePublisher{}
	env, _ := publishEnv(t, f)
	at := env.Now().Add(90 * time.Minute)
	env.ExecuteWorkflow(workflows.SiteSchedule, workflows.SiteScheduleInput{OrgID: testOrg, SiteID: testSite, ScheduleID: uuid.NewString(), PublishAt: at})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if f.fired != 1 || env.Now().Before(at) {
		t.Fatalf("fired %d times at %s, want once at %s", f.fired, env.Now(), at)
	}
}

func TestACancelledScheduleNeverFires(t *testing.T) {
	f := &fakePublisher{}
	env, _ := publishEnv(t, f)
	env.RegisterDelayedCallback(env.CancelWorkflow, 10*time.Minute)
	env.ExecuteWorkflow(workflows.SiteSchedule, workflows.SiteScheduleInput{OrgID: testOrg, SiteID: testSite, ScheduleID: uuid.NewString(),
		PublishAt: env.Now().Add(time.Hour)})
	if err := env.GetWorkflowError(); !temporal.IsCanceledError(err) {
		t.Fatalf("workflow error %v, want cancelled", err)
	}
	if f.fired != 0 || f.cancelled != 1 {
		t.Fatalf("fired %d, cancelled %d: want 0 and 1", f.fired, f.cancelled)
	}
}

func stepNames(steps []string) []string {
	out := make([]string, len(steps))
	for i, s := range steps {
		out[i] = s[:strings.IndexByte(s, ':')]
	}
	return out
}
