package workflows_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/xentri/xentri/activities"
	"github.com/xentri/xentri/workflows"
)

// recorder captures the steps the workflow records.
type recorder struct {
	mu    sync.Mutex
	steps []activities.FollowUpDue
	fail  error
}

func (r *recorder) RecordFollowUpDue(_ context.Context, f activities.FollowUpDue) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.steps = append(r.steps, f)
	return nil
}

// planner answers with an org's cadence, as the sales settings would.
type planner struct {
	cadence []int
	calls   int
}

func (p *planner) FollowUpPlan(_ context.Context, org string) (activities.FollowUpPlan, error) {
	p.calls++
	if p.cadence == nil {
		return activities.FollowUpPlan{Cadence: workflows.DefaultCadence()}, nil
	}
	return activities.FollowUpPlan{Cadence: p.cadence}, nil
}

func run(t *testing.T, setup func(env *testsuite.TestWorkflowEnvironment)) (workflows.FUState, []activities.FollowUpDue, time.Time) {
	t.Helper()
	return runWith(t, &planner{}, workflows.LeadFollowUpInput{OrgID: "org-1", LeadID: "lead-1"}, setup)
}

func runWith(t *testing.T, plan *planner, in workflows.LeadFollowUpInput, setup func(env *testsuite.TestWorkflowEnvironment)) (workflows.FUState, []activities.FollowUpDue, time.Time) {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	rec := &recorder{}
	env.RegisterActivity(&activities.Sales{FollowUps: rec, Planner: plan})
	start := env.Now()
	if setup != nil {
		setup(env)
	}
	env.ExecuteWorkflow(workflows.LeadFollowUp, in)
	if !env.IsWorkflowCompleted() {
		t.Fatal("workflow did not complete")
	}
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var st workflows.FUState
	if err := env.GetWorkflowResult(&st); err != nil {
		t.Fatal(err)
	}
	return st, rec.steps, start
}

func days(start time.Time, steps []activities.FollowUpDue) []float64 {
	var out []float64
	for _, s := range steps {
		out = append(out, s.DueAt.Sub(start).Hours()/24)
	}
	return out
}

func equal(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestDefaultCadenceIsFreshEachCall: a caller's change to the default it got
// (the sales settings hand it out) must not reach the runs that read it.
func TestDefaultCadenceIsFreshEachCall(t *testing.T) {
	t.Parallel()
	want := slices.Clone(workflows.DefaultCadence())
	got := workflows.DefaultCadence()
	got[0] = 99
	if again := workflows.DefaultCadence(); !slices.Equal(again, want) {
		t.Fatalf("after a change to one call's cadence, the next returns %v, want %v", again, want)
	}
}

func TestFollowUpsFireByCadence(t *testing.T) {
	t.Parallel()
	st, steps, start := run(t, nil)
	if got := days(start, steps); !equal(got, []float64{1, 3, 7}) || st.Ended != "cadence_done" {
		t.Fatalf("steps due at days %v, ended %q; want 1, 3, 7 then cadence_done", got, st.Ended)
	}
	if steps[0].NextDueAt == nil || steps[2].NextDueAt != nil || steps[0].Key == steps[1].Key {
		t.Errorf("steps = %+v", steps)
	}
}

func TestWonEndsTheFollowUps(t *testing.T) {
	t.Parallel()
	st, steps, start := run(t, func(env *testsuite.TestWorkflowEnvironment) {
		env.RegisterDelayedCallback(func() {
			env.SignalWorkflow(workflows.SignalLeadStatus, workflows.LeadStatusSignal{Status: "won"})
		}, 2*24*time.Hour)
	})
	if got := days(start, steps); !equal(got, []float64{1}) || st.Ended != "won" {
		t.Fatalf("steps %v, ended %q; want only day 1, then won", got, st.Ended)
	}
}

func TestContactedRestartsTheCadence(t *testing.T) {
	t.Parallel()
	_, steps, start := run(t, func(env *testsuite.TestWorkflowEnvironment) {
		env.RegisterDelayedCallback(func() {
			env.SignalWorkflow(workflows.SignalLeadStatus, workflows.LeadStatusSignal{Status: "contacted"})
		}, 2*24*time.Hour)
	})
	if got := days(start, steps); !equal(got, []float64{1, 3, 5, 9}) {
		t.Fatalf("steps due at days %v; want 1, then 1, 3, 7 days after the contact on day 2", got)
	}
}

func TestSnoozeMovesTheNextStep(t *testing.T) {
	t.Parallel()
	_, steps, start := run(t, func(env *testsuite.TestWorkflowEnvironment) {
		env.RegisterDelayedCallback(func() {
			env.SignalWorkflow(workflows.SignalSnooze, env.Now().Add(4*24*time.Hour+12*time.Hour))
		}, 12*time.Hour)
	})
	if got := days(start, steps); !equal(got, []float64{5, 5, 7}) {
		t.Fatalf("steps due at days %v; want the first moved to day 5, the rest kept", got)
	}
}

func TestAGoneLeadEndsQuietly(t *testing.T) {
	t.Parallel()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterActivity(&activities.Sales{FollowUps: &recorder{fail: temporal.NewNonRetryableApplicationError("gone", activities.ErrLeadGone, nil)}, Planner: &planner{}})
	env.ExecuteWorkflow(workflows.LeadFollowUp, workflows.LeadFollowUpInput{OrgID: "o", LeadID: "l"})
	var st workflows.FUState
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	_ = env.GetWorkflowResult(&st)
	if st.Ended != "lead_gone" {
		t.Fatalf("ended %q, want lead_gone", st.Ended)
	}
}

func TestQueryShowsTheSteps(t *testing.T) {
	t.Parallel()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterActivity(&activities.Sales{FollowUps: &recorder{}, Planner: &planner{}})
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(workflows.QueryFollowUps)
		if err != nil {
			t.Error(err)
			return
		}
		var st workflows.FUState
		_ = v.Get(&st)
		if len(st.Done) != 1 || st.NextStep != 1 {
			t.Errorf("query on day 2 = %+v, want one step done", st)
		}
	}, 2*24*time.Hour)
	env.ExecuteWorkflow(workflows.LeadFollowUp, workflows.LeadFollowUpInput{OrgID: "o", LeadID: "l"})
}

// TestTheOrgsCadenceComesFromItsSettings: without a cadence of its own, a
// lead follows its org's sales settings; with one (the hook's input), the
// settings are not asked.
func TestTheOrgsCadenceComesFromItsSettings(t *testing.T) {
	t.Parallel()
	plan := &planner{cadence: []int{2, 5}}
	st, steps, start := runWith(t, plan, workflows.LeadFollowUpInput{OrgID: "org-1", LeadID: "lead-1"}, nil)
	if got := days(start, steps); !equal(got, []float64{2, 5}) || st.Ended != "cadence_done" || plan.calls != 1 {
		t.Fatalf("steps at days %v, ended %q, plan asked %d times; want [2 5], cadence_done, once", got, st.Ended, plan.calls)
	}
	plan = &planner{cadence: []int{2, 5}}
	_, steps, start = runWith(t, plan, workflows.LeadFollowUpInput{OrgID: "org-1", LeadID: "lead-1", Cadence: []int{4}}, nil)
	if got := days(start, steps); !equal(got, []float64{4}) || plan.calls != 0 {
		t.Fatalf("with its own cadence: steps at days %v, plan asked %d times; want [4], never", got, plan.calls)
	}
}

// TestTheCadenceCountsFromTheLeadsArrival: a workflow that starts late (a
// backlog, an outage) keeps the lead's schedule: the steps fall due counted
// from when the lead arrived, not from the start.
func TestTheCadenceCountsFromTheLeadsArrival(t *testing.T) {
	t.Parallel()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	rec := &recorder{}
	env.RegisterActivity(&activities.Sales{FollowUps: rec, Planner: &planner{}})
	start := env.Now()
	env.ExecuteWorkflow(workflows.LeadFollowUp, workflows.LeadFollowUpInput{OrgID: "o", LeadID: "l", Since: start.Add(-12 * time.Hour)})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if got := days(start, rec.steps); !equal(got, []float64{0.5, 2.5, 6.5}) {
		t.Fatalf("steps at days %v after the start, want [0.5 2.5 6.5] (the lead arrived half a day earlier)", got)
	}
}
