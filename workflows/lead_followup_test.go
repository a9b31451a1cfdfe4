package workflows_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/xentri/xentri/activities"
	"github.com/xentri/xentri/workflows"
)

// recorder captures the steps the workflow records.
type recorder struct {
	mu    sync.Mutex
	steps []activities.FollowUpDue
	fail  error
	// during, when set, runs while a step is being recorded: what it
	// signals reaches the workflow while it waits on the activity.
	during func(activities.FollowUpDue)
}

func (r *recorder) RecordDue(_ context.Context, f activities.FollowUpDue) error {
	if r.during != nil {
		r.during(f)
	}
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

func (p *planner) Plan(_ context.Context, _ uuid.UUID) (activities.FollowUpPlan, error) {
	p.calls++
	if p.cadence == nil {
		return activities.FollowUpPlan{Cadence: workflows.DefaultCadence()}, nil
	}
	return activities.FollowUpPlan{Cadence: p.cadence}, nil
}

// salesFake is the sales engine for the workflow: a recorder and a planner.
type salesFake struct {
	*recorder
	*planner
}

// testOrg is the org of the tests' leads (the plan activity wants a UUID).
const testOrg = "0192f6d4-0000-7000-8000-000000000001"

func run(t *testing.T, setup func(env *testsuite.TestWorkflowEnvironment)) (workflows.FUState, []activities.FollowUpDue, time.Time) {
	t.Helper()
	return runWith(t, &planner{}, workflows.LeadFollowUpInput{OrgID: testOrg, LeadID: "lead-1"}, setup)
}

func runWith(t *testing.T, plan *planner, in workflows.LeadFollowUpInput, setup func(env *testsuite.TestWorkflowEnvironment)) (workflows.FUState, []activities.FollowUpDue, time.Time) {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	rec := &recorder{}
	env.RegisterActivity(&activities.Sales{FollowUps: salesFake{rec, plan}})
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
	env.RegisterActivity(&activities.Sales{FollowUps: salesFake{&recorder{fail: temporal.NewNonRetryableApplicationError("gone", activities.ErrLeadGone, nil)}, &planner{}}})
	env.ExecuteWorkflow(workflows.LeadFollowUp, workflows.LeadFollowUpInput{OrgID: testOrg, LeadID: "l"})
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
	env.RegisterActivity(&activities.Sales{FollowUps: salesFake{&recorder{}, &planner{}}})
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
	env.ExecuteWorkflow(workflows.LeadFollowUp, workflows.LeadFollowUpInput{OrgID: testOrg, LeadID: "l"})
}

// TestTheOrgsCadenceComesFromItsSettings: without a cadence of its own, a
// lead follows its org's sales settings; with one (the hook's input), the
// settings are not asked.
func TestTheOrgsCadenceComesFromItsSettings(t *testing.T) {
	t.Parallel()
	plan := &planner{cadence: []int{2, 5}}
	st, steps, start := runWith(t, plan, workflows.LeadFollowUpInput{OrgID: testOrg, LeadID: "lead-1"}, nil)
	if got := days(start, steps); !equal(got, []float64{2, 5}) || st.Ended != "cadence_done" || plan.calls != 1 {
		t.Fatalf("steps at days %v, ended %q, plan asked %d times; want [2 5], cadence_done, once", got, st.Ended, plan.calls)
	}
	plan = &planner{cadence: []int{2, 5}}
	_, steps, start = runWith(t, plan, workflows.LeadFollowUpInput{OrgID: testOrg, LeadID: "lead-1", Cadence: []int{4}}, nil)
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
	env.RegisterActivity(&activities.Sales{FollowUps: salesFake{rec, &planner{}}})
	start := env.Now()
	env.ExecuteWorkflow(workflows.LeadFollowUp, workflows.LeadFollowUpInput{OrgID: testOrg, LeadID: "l", Since: start.Add(-12 * time.Hour)})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if got := days(start, rec.steps); !equal(got, []float64{0.5, 2.5, 6.5}) {
		t.Fatalf("steps at days %v after the start, want [0.5 2.5 6.5] (the lead arrived half a day earlier)", got)
	}
}

// continuedAs is the input a run that continued as new hands to the next.
func continuedAs(t *testing.T, env *testsuite.TestWorkflowEnvironment) workflows.LeadFollowUpInput {
	t.Helper()
	err := env.GetWorkflowError()
	var can *workflow.ContinueAsNewError
	if !errors.As(err, &can) {
		t.Fatalf("the run ended with %v, want it to continue as new", err)
	}
	var in workflows.LeadFollowUpInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &in); err != nil {
		t.Fatalf("decode the next run's input: %v", err)
	}
	if in.State == nil {
		t.Fatal("the run continued as new without its state")
	}
	return in
}

// TestSignalsAtTheContinueAsNewReachTheNextRun: signals delivered while the
// last step of a run is recorded are still in their channels when the run
// continues as new; they must reach the next run (or end this one), not be
// lost with it.
func TestSignalsAtTheContinueAsNewReachTheNextRun(t *testing.T) {
	t.Parallel()
	// More steps than one run takes, a day apart.
	cadence := make([]int, workflows.MaxStepsPerRun+2)
	for i := range cadence {
		cadence[i] = i + 1
	}
	last := workflows.MaxStepsPerRun
	for _, tc := range []struct {
		name    string
		signals []any // a LeadStatusSignal or a snooze time, in order
		check   func(t *testing.T, env *testsuite.TestWorkflowEnvironment, start, snooze time.Time)
	}{{
		name:    "a snooze",
		signals: []any{"snooze"},
		check: func(t *testing.T, env *testsuite.TestWorkflowEnvironment, start, snooze time.Time) {
			st := continuedAs(t, env).State
			if st.Snoozed == nil || !st.Snoozed.Equal(snooze) || st.NextStep != last || len(st.Done) != last {
				t.Fatalf("carried next_step %d (%d done), snoozed %v; want next_step %d (%d done) snoozed until %s", st.NextStep, len(st.Done), st.Snoozed, last, last, snooze)
			}
		},
	}, {
		name:    "contacted, then a snooze",
		signals: []any{workflows.LeadStatusSignal{Status: "contacted"}, "snooze"},
		check: func(t *testing.T, env *testsuite.TestWorkflowEnvironment, start, snooze time.Time) {
			st := continuedAs(t, env).State
			contact := start.Add(time.Duration(last) * 24 * time.Hour)
			if st.Round != 1 || st.NextStep != 0 || !st.Anchor.Equal(contact) || st.Snoozed == nil || !st.Snoozed.Equal(snooze) {
				t.Fatalf("carried round %d, step %d, anchor %s, snoozed %v; want round 1 from step 0, anchored at the contact (%s), snoozed until %s",
					st.Round, st.NextStep, st.Anchor, st.Snoozed, contact, snooze)
			}
		},
	}, {
		// Won needs no next run: this one ends with it.
		name:    "won, and a snooze",
		signals: []any{workflows.LeadStatusSignal{Status: "won"}, "snooze"},
		check: func(t *testing.T, env *testsuite.TestWorkflowEnvironment, start, snooze time.Time) {
			if err := env.GetWorkflowError(); err != nil {
				t.Fatalf("the run ended with %v, want it to end won", err)
			}
			var st workflows.FUState
			if err := env.GetWorkflowResult(&st); err != nil {
				t.Fatal(err)
			}
			if st.Ended != "won" || len(st.Done) != last {
				t.Fatalf("ended %q after %d steps, want won after %d", st.Ended, len(st.Done), last)
			}
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var s testsuite.WorkflowTestSuite
			env := s.NewTestWorkflowEnvironment()
			start := env.Now()
			snooze := start.Add(time.Duration(last+5) * 24 * time.Hour)
			rec := &recorder{during: func(f activities.FollowUpDue) {
				if f.Step != last {
					return
				}
				for _, sig := range tc.signals {
					if sig == "snooze" {
						env.SignalWorkflow(workflows.SignalSnooze, snooze)
					} else {
						env.SignalWorkflow(workflows.SignalLeadStatus, sig)
					}
				}
			}}
			env.RegisterActivity(&activities.Sales{FollowUps: salesFake{rec, &planner{}}})
			env.ExecuteWorkflow(workflows.LeadFollowUp, workflows.LeadFollowUpInput{OrgID: testOrg, LeadID: "l", Cadence: cadence})
			if !env.IsWorkflowCompleted() {
				t.Fatal("workflow did not complete")
			}
			tc.check(t, env, start, snooze)
		})
	}
}

// TestContinueAsNewWhenTemporalSuggestsIt: once Temporal suggests it (the
// history grows large), the run continues as new at the top of its loop
// with its state, and the next run fires only the steps left.
func TestContinueAsNewWhenTemporalSuggestsIt(t *testing.T) {
	t.Parallel()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	first := &recorder{}
	env.RegisterActivity(&activities.Sales{FollowUps: salesFake{first, &planner{}}})
	start := env.Now()
	env.RegisterDelayedCallback(func() { env.SetContinueAsNewSuggested(true) }, 2*24*time.Hour)
	env.ExecuteWorkflow(workflows.LeadFollowUp, workflows.LeadFollowUpInput{OrgID: testOrg, LeadID: "l"})
	next := continuedAs(t, env)
	if got := days(start, first.steps); !equal(got, []float64{1, 3}) || next.State.NextStep != 2 || len(next.State.Done) != 2 {
		t.Fatalf("first run: steps at days %v, carried %+v; want days 1 and 3, then the run continued at step 3", got, next.State)
	}

	// The next run, from where the first one left off.
	env2 := s.NewTestWorkflowEnvironment()
	env2.SetStartTime(env.Now())
	second := &recorder{}
	env2.RegisterActivity(&activities.Sales{FollowUps: salesFake{second, &planner{}}})
	env2.ExecuteWorkflow(workflows.LeadFollowUp, next)
	if err := env2.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var st workflows.FUState
	if err := env2.GetWorkflowResult(&st); err != nil {
		t.Fatal(err)
	}
	if got := days(start, second.steps); !equal(got, []float64{7}) || second.steps[0].Step != 3 || st.Ended != "cadence_done" || len(st.Done) != 3 {
		t.Fatalf("next run: steps at days %v (%+v), ended %q with %d done; want only step 3 on day 7, then cadence_done with 3 done",
			got, second.steps, st.Ended, len(st.Done))
	}
}

// TestSignalsAloneBoundTheRun: every signal restarts the timer without a
// step, so a lead signalled often continues as new after
// MaxIterationsPerRun timers even though no step fell due.
func TestSignalsAloneBoundTheRun(t *testing.T) {
	t.Parallel()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	rec := &recorder{}
	env.RegisterActivity(&activities.Sales{FollowUps: salesFake{rec, &planner{}}})
	start := env.Now()
	// One snooze a minute, each a minute later than the one before; all
	// of them fall before the first step is due (day 1).
	snoozeAt := func(i int) time.Time { return start.Add(2*24*time.Hour + time.Duration(i)*time.Minute) }
	for i := 1; i <= workflows.MaxIterationsPerRun; i++ {
		env.RegisterDelayedCallback(func() { env.SignalWorkflow(workflows.SignalSnooze, snoozeAt(i)) }, time.Duration(i)*time.Minute)
	}
	env.ExecuteWorkflow(workflows.LeadFollowUp, workflows.LeadFollowUpInput{OrgID: testOrg, LeadID: "l"})
	st := continuedAs(t, env).State
	want := snoozeAt(workflows.MaxIterationsPerRun)
	if len(rec.steps) != 0 || st.NextStep != 0 || st.Snoozed == nil || !st.Snoozed.Equal(want) {
		t.Fatalf("%d steps, carried next_step %d snoozed %v; want no step and the last snooze (%s) carried", len(rec.steps), st.NextStep, st.Snoozed, want)
	}
}

// TestContactedDuringTheLastStepStartsANewRound: a lead contacted while its
// last follow-up is being recorded gets a new round of follow-ups, as it
// would a step earlier, instead of the run ending with the signal unread;
// won at that moment ends the run won.
func TestContactedDuringTheLastStepStartsANewRound(t *testing.T) {
	t.Parallel()
	cadence := []int{1, 2}
	for _, tc := range []struct {
		status    string
		wantEnded string
		wantSteps int
		wantRound int
	}{
		{"contacted", "cadence_done", 4, 1},
		{"won", "won", 2, 0},
	} {
		t.Run(tc.status, func(t *testing.T) {
			t.Parallel()
			var s testsuite.WorkflowTestSuite
			env := s.NewTestWorkflowEnvironment()
			signalled := false
			rec := &recorder{during: func(f activities.FollowUpDue) {
				if f.Step == len(cadence) && !signalled {
					signalled = true
					env.SignalWorkflow(workflows.SignalLeadStatus, workflows.LeadStatusSignal{Status: tc.status})
				}
			}}
			env.RegisterActivity(&activities.Sales{FollowUps: salesFake{rec, &planner{}}})
			env.ExecuteWorkflow(workflows.LeadFollowUp, workflows.LeadFollowUpInput{OrgID: testOrg, LeadID: "l", Cadence: cadence})
			if err := env.GetWorkflowError(); err != nil {
				t.Fatal(err)
			}
			var st workflows.FUState
			if err := env.GetWorkflowResult(&st); err != nil {
				t.Fatal(err)
			}
			if st.Ended != tc.wantEnded || len(rec.steps) != tc.wantSteps || st.Round != tc.wantRound {
				t.Fatalf("ended %q after %d steps in round %d, want %q after %d in round %d",
					st.Ended, len(rec.steps), st.Round, tc.wantEnded, tc.wantSteps, tc.wantRound)
			}
		})
	}
}
