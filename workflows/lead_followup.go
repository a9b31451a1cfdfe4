package workflows

import (
	"errors"
	"strconv"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/xentri/xentri/activities"
)

// Signals and queries of the lead follow-up workflow.
const (
	// SignalLeadStatus carries a lead's new status: contacted restarts the
	// cadence from now; won and lost end the workflow.
	SignalLeadStatus = "lead-status"
	// SignalSnooze carries a time: the next step waits until then.
	SignalSnooze = "snooze"
	// QueryFollowUps answers the steps done and to come.
	QueryFollowUps = "followups"
)

// DefaultCadence is when follow-ups fall due, in days after the lead
// arrives (or is contacted), when the org has no sales settings. A fresh
// slice each call: workflow code reads it, and a caller's change to a
// shared one would change every run's cadence.
func DefaultCadence() []int {
	return []int{1, 3, 7}
}

// Bounds on one run's history: past either, the workflow continues as new
// with its state. Each signal restarts the timer without a step, so steps
// alone do not bound a run that is signalled often.
const (
	maxStepsPerRun      = 50  // follow-ups recorded
	maxIterationsPerRun = 500 // timers started, one per step or signal
)

// LeadFollowUpInput starts a lead's follow-ups; State carries a run's
// progress into the next one (continue-as-new).
type LeadFollowUpInput struct {
	OrgID   string `json:"org_id"`
	LeadID  string `json:"lead_id"`
	Cadence []int  `json:"cadence,omitempty"` // days; DefaultCadence() when empty
	// Since is when the lead arrived, which the cadence counts from; when
	// zero, from the workflow's start. It keeps the schedule true when the
	// worker runs the workflow late (a backlog, an outage).
	Since time.Time `json:"since,omitzero"`
	// Day is how long a cadence day lasts: 24h (when zero) everywhere but in
	// development and tests, which shorten it to see follow-ups fire.
	Day   time.Duration `json:"day,omitempty"`
	State *FUState      `json:"state,omitempty"`
}

// FUState is where a lead's cadence stands.
type FUState struct {
	Cadence  []int         `json:"cadence"`           // days after the anchor
	Day      time.Duration `json:"day,omitempty"`     // a day's length; 24h when zero
	Anchor   time.Time     `json:"anchor"`            // the cadence counts from here
	NextStep int           `json:"next_step"`         // index into the cadence
	Round    int           `json:"round,omitempty"`   // times the cadence restarted (contacted)
	Snoozed  *time.Time    `json:"snoozed,omitempty"` // the next step waits until then
	Done     []FUStep      `json:"done"`              // steps recorded so far
	Ended    string        `json:"ended,omitempty"`   // won | lost | cadence_done
}

// FUStep is one follow-up, done or to come.
type FUStep struct {
	Step  int       `json:"step"` // 1-based
	DueAt time.Time `json:"due_at"`
}

// LeadStatusSignal is the payload of SignalLeadStatus.
type LeadStatusSignal struct {
	Status string `json:"status"`
}

// LeadFollowUp keeps a lead from going cold: it waits on a durable timer for
// each step of the cadence, then records the follow-up as due (a row, a
// timeline entry, a notification) and emits xentri.followup.scheduled.v1 for
// the next one, which n8n turns into an e-mail or a Slack message. Its id is
// lead-followup/{lead_id}.
func LeadFollowUp(ctx workflow.Context, in LeadFollowUpInput) (FUState, error) {
	ctx = workflow.WithActivityOptions(ctx, activities.DatabaseOptions())
	var a *activities.Sales
	st := FUState{Anchor: workflow.Now(ctx)}
	if !in.Since.IsZero() && in.Since.Before(st.Anchor) {
		st.Anchor = in.Since
	}
	if in.State != nil {
		st = *in.State
	}
	// Registered first: the lead's page queries the workflow as soon as the
	// lead exists.
	if err := workflow.SetQueryHandler(ctx, QueryFollowUps, func() (FUState, error) { return st, nil }); err != nil {
		return st, err
	}
	// A first run without a cadence of its own asks for the org's (its
	// sales settings). Runs recorded before this existed used the default
	// at once: GetVersion keeps them replaying (see doc.go).
	if in.State == nil && len(in.Cadence) == 0 &&
		workflow.GetVersion(ctx, "cadence-from-settings", workflow.DefaultVersion, 1) == 1 {
		var plan activities.FollowUpPlan
		if err := workflow.ExecuteActivity(ctx, a.PlanFollowUps, in.OrgID).Get(ctx, &plan); err != nil {
			return st, err
		}
		in.Cadence = plan.Cadence
		if in.Day == 0 {
			in.Day = plan.Day
		}
	}
	if len(in.Cadence) == 0 {
		in.Cadence = DefaultCadence()
	}
	st.Cadence, st.Day = in.Cadence, in.Day
	statusCh := workflow.GetSignalChannel(ctx, SignalLeadStatus)
	snoozeCh := workflow.GetSignalChannel(ctx, SignalSnooze)
	stepsThisRun, iterations := 0, 0
	for st.Ended == "" {
		if st.NextStep >= len(st.Cadence) {
			if st.signalledAtTheEnd(ctx, statusCh, snoozeCh) {
				continue // contacted while the last step was recorded: a new round
			}
			if st.Ended == "" {
				st.Ended = "cadence_done"
			}
			break
		}
		if stepsThisRun >= maxStepsPerRun || historyLong(ctx, iterations) {
			// A signal delivered since the last select waits in its
			// channel; the next run would never see it.
			st.drainSignals(ctx, statusCh, snoozeCh)
			if st.Ended != "" {
				return st, nil // won or lost meanwhile: nothing left to carry
			}
			in.State = &st
			return st, workflow.NewContinueAsNewError(ctx, LeadFollowUp, in)
		}
		iterations++
		due := st.dueAt(st.NextStep)
		// A step a snooze pushed past is due at once, not in the past.
		if now := workflow.Now(ctx); due.Before(now) {
			due = now
		}
		timerCtx, cancelTimer := workflow.WithCancel(ctx)
		timer := workflow.NewTimer(timerCtx, max(due.Sub(workflow.Now(ctx)), 0))
		fired := false
		sel := workflow.NewSelector(ctx)
		sel.AddFuture(timer, func(workflow.Future) { fired = true })
		sel.AddReceive(statusCh, func(c workflow.ReceiveChannel, _ bool) {
			var s LeadStatusSignal
			c.Receive(ctx, &s)
			st.applyStatus(ctx, s)
		})
		sel.AddReceive(snoozeCh, func(c workflow.ReceiveChannel, _ bool) {
			var until time.Time
			c.Receive(ctx, &until)
			st.applySnooze(until)
		})
		sel.Select(ctx)
		cancelTimer()
		if !fired {
			continue // a signal changed the plan: wait again
		}
		step := FUStep{Step: st.NextStep + 1, DueAt: due}
		var next *time.Time
		if st.NextStep+1 < len(st.Cadence) {
			n := st.dueAt(st.NextStep + 1)
			next = &n
		}
		err := workflow.ExecuteActivity(ctx, a.RecordFollowUpDue, activities.FollowUpDue{
			OrgID: in.OrgID, LeadID: in.LeadID, Step: step.Step, DueAt: due, NextDueAt: next,
			// The step's own idempotency key: a retried activity records it
			// once, and so does a run re-driven from a dead letter, which
			// starts the cadence over from the same input. Only a restart by
			// "contacted" (a new round) makes the steps new.
			Key: workflow.GetInfo(ctx).WorkflowExecution.ID + "/round/" + strconv.Itoa(st.Round) + "/step/" + strconv.Itoa(step.Step),
		}).Get(ctx, nil)
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) && appErr.Type() == activities.ErrLeadGone {
			st.Ended = "lead_gone"
			break
		}
		if err != nil {
			return st, err
		}
		st.Done = append(st.Done, step)
		st.NextStep++
		st.Snoozed = nil
		stepsThisRun++
	}
	return st, nil
}

// historyLong reports whether the run should continue as new before
// maxStepsPerRun: Temporal suggests it (the history grows large), or signals
// restarted the timer maxIterationsPerRun times. Runs in flight when this
// check came keep going without it (see doc.go); GetVersion is asked only
// once the check would end the run, so other runs record no marker.
// testdata/histories/lead_followup_v0_continue_as_new_suggested.json is such
// a run, of the code before, recorded on a dev server that suggests
// continuing as new past 30 events (start-dev --dynamic-config-value
// limit.historyCount.suggestContinueAsNew=30): it replays only through the
// guard.
func historyLong(ctx workflow.Context, iterations int) bool {
	if iterations < maxIterationsPerRun && !workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
		return false
	}
	return workflow.GetVersion(ctx, "continue-as-new-when-long", workflow.DefaultVersion, 1) == 1
}

// signalledAtTheEnd applies the signals that arrived while the last step
// was being recorded, which the run would otherwise end without reading: a
// "contacted" there restarts the cadence as it would have a step earlier,
// and "won" or "lost" is how the run ends. It reports whether the cadence
// goes on. Runs that ended before this existed ignored such signals, and a
// run replayed from then must still end there: GetVersion is asked only
// when a signal is waiting, so other runs record no marker.
func (st *FUState) signalledAtTheEnd(ctx workflow.Context, statusCh, snoozeCh workflow.ReceiveChannel) bool {
	if statusCh.Len() == 0 && snoozeCh.Len() == 0 {
		return false
	}
	if workflow.GetVersion(ctx, "signals-at-cadence-end", workflow.DefaultVersion, 1) != 1 {
		return false
	}
	st.drainSignals(ctx, statusCh, snoozeCh)
	return st.Ended == "" && st.NextStep < len(st.Cadence)
}

// applyStatus applies a SignalLeadStatus: won and lost end the follow-ups,
// contacted restarts the cadence from now.
func (st *FUState) applyStatus(ctx workflow.Context, s LeadStatusSignal) {
	switch s.Status {
	case "won", "lost":
		st.Ended = s.Status
	case "contacted":
		st.Anchor, st.NextStep, st.Snoozed = workflow.Now(ctx), 0, nil
		st.Round++
	}
}

// applySnooze applies a SignalSnooze: the next step waits until then.
func (st *FUState) applySnooze(until time.Time) {
	st.Snoozed = &until
}

// drainSignals applies the signals still waiting in their channels, in the
// order the loop's selector takes them (a status before a snooze), until
// none is left or one ends the follow-ups, as the loop would.
func (st *FUState) drainSignals(ctx workflow.Context, statusCh, snoozeCh workflow.ReceiveChannel) {
	for st.Ended == "" {
		var s LeadStatusSignal
		if statusCh.ReceiveAsync(&s) {
			st.applyStatus(ctx, s)
			continue
		}
		var until time.Time
		if !snoozeCh.ReceiveAsync(&until) {
			return
		}
		st.applySnooze(until)
	}
}

// Upcoming lists the steps still to fall due, as the state stands.
func (st FUState) Upcoming() []FUStep {
	if st.Ended != "" {
		return nil
	}
	var out []FUStep
	for i := st.NextStep; i < len(st.Cadence); i++ {
		due := st.dueAt(i)
		out = append(out, FUStep{Step: i + 1, DueAt: due})
	}
	return out
}

// dueAt is when step i (0-based) of the cadence falls due: its day in the
// cadence, or, for the next step, later if a snooze moved it past that.
func (st FUState) dueAt(i int) time.Time {
	day := st.Day
	if day <= 0 {
		day = 24 * time.Hour
	}
	due := st.Anchor.Add(time.Duration(st.Cadence[i]) * day)
	if i == st.NextStep && st.Snoozed != nil && st.Snoozed.After(due) {
		due = *st.Snoozed
	}
	return due
}
