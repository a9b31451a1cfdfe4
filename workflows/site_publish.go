package workflows

import (
	"errors"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/xentri/xentri/activities"
)

// Signals and queries of the site publish workflow.
const (
	// SignalPublish queues an activities.PublishRequest behind the publish
	// that runs (SignalWithStart: or starts the workflow with it).
	SignalPublish = "publish"
	// QueryPublish answers a PublishState.
	QueryPublish = "state"
)

// Publish steps, as the state query names them.
const (
	StepSnapshot = "snapshot"
	StepRender   = "render"
	StepUpload   = "upload"
	StepActivate = "activate"
	StepPurge    = "purge"
	StepDiscard  = "discard"
	StepDone     = "done"
)

// SitePublishWorkflowID names a site's publish workflow: one per site, so
// two publishes of a site never run at once.
func SitePublishWorkflowID(siteID string) string { return "site-publish/" + siteID }

// SitePublishInput starts a site's publish workflow: the requests to work
// through, in order. A run publishes the first and continues as new with
// the rest, so each publish is its own run (its own history, dead letter
// and re-drive), and the queue survives from run to run.
type SitePublishInput struct {
	OrgID    string                      `json:"org_id"`
	SiteID   string                      `json:"site_id"`
	Requests []activities.PublishRequest `json:"requests"`
}

// PublishState is what the state query answers.
type PublishState struct {
	ReleaseID string   `json:"release_id"`
	Step      string   `json:"step"`
	Queued    []string `json:"queued"` // release ids waiting behind it
}

// PublishResult is a publish's outcome, the run's result.
type PublishResult struct {
	ReleaseID string `json:"release_id"`
	Number    int    `json:"number"`
	Pages     int    `json:"pages"`
	Files     int    `json:"files"`
	Changed   int    `json:"changed"`
	Previous  string `json:"previous,omitempty"`
}

// SitePublish publishes a site: snapshot (pin every page version in a
// release) -> render -> upload under releases/{site}/{release}/ -> activate
// (the compare-and-swap of the live release in Postgres with its events: the
// commit point) -> purge caches. A failure before the commit point is
// compensated (the staged prefix deleted, the release marked failed; the
// live site and the event stream untouched); after it only forward steps
// run.
//
// One publish per site at a time: a request that arrives while one runs is
// queued (SignalPublish) and published after it, from a snapshot taken when
// its turn comes, so it carries the edits made meanwhile. Requests are not
// merged: each is a release the owner asked for, listed and available to
// roll back to.
func SitePublish(ctx workflow.Context, in SitePublishInput) (PublishResult, error) {
	queue := []activities.PublishRequest{}
	seen := map[string]bool{}
	enqueue := func(r activities.PublishRequest) {
		if r.ReleaseID == "" || seen[r.ReleaseID] {
			return // SignalWithStart delivers the starting request twice
		}
		seen[r.ReleaseID] = true
		queue = append(queue, r)
	}
	for _, r := range in.Requests {
		enqueue(r)
	}
	signals := workflow.GetSignalChannel(ctx, SignalPublish)
	drain := func() {
		for {
			var r activities.PublishRequest
			if !signals.ReceiveAsync(&r) {
				return
			}
			enqueue(r)
		}
	}
	drain()

	state := PublishState{Step: StepSnapshot}
	if err := workflow.SetQueryHandler(ctx, QueryPublish, func() (PublishState, error) {
		out := state
		out.Queued = []string{}
		for _, r := range queue[min(1, len(queue)):] {
			out.Queued = append(out.Queued, r.ReleaseID)
		}
		return out, nil
	}); err != nil {
		return PublishResult{}, err
	}
	if len(queue) == 0 {
		return PublishResult{}, nil
	}

	current := queue[0]
	info := workflow.GetInfo(ctx)
	current.OrgID, current.SiteID = in.OrgID, in.SiteID // a request publishes this site only
	current.WorkflowID, current.RunID = info.WorkflowExecution.ID, info.WorkflowExecution.RunID
	state.ReleaseID = current.ReleaseID
	res, err := publish(ctx, current, &state)

	drain()
	rest := queue[1:]
	if len(rest) == 0 {
		// A failure here is the run's failure: the worker's interceptor
		// leaves its dead letter, whose input re-drives this request.
		return res, err
	}
	if err != nil {
		// The queue goes on, so the failure cannot end the run: it gets
		// its dead letter here, with an input that re-drives it alone.
		RecordDeadLetter(ctx, []any{SitePublishInput{OrgID: in.OrgID, SiteID: in.SiteID,
			Requests: []activities.PublishRequest{queue[0]}}}, err)
	}
	// Every signal received is in rest: continuing as new loses none.
	return res, workflow.NewContinueAsNewError(ctx, SitePublish, SitePublishInput{OrgID: in.OrgID, SiteID: in.SiteID, Requests: rest})
}

// publish runs one request's steps.
func publish(ctx workflow.Context, r activities.PublishRequest, state *PublishState) (PublishResult, error) {
	var a *activities.Brand
	dbCtx := workflow.WithActivityOptions(ctx, activities.DatabaseOptions())
	res := PublishResult{ReleaseID: r.ReleaseID}

	var snap activities.Snapshot
	if err := workflow.ExecuteActivity(dbCtx, a.SnapshotRelease, r).Get(ctx, &snap); err != nil {
		return res, err // nothing staged yet
	}
	res.Number, res.Pages = snap.Number, snap.Pages
	if !snap.Activated {
		// Before the commit point: a failure undoes what was staged.
		state.Step = StepRender
		renderCtx := workflow.WithActivityOptions(ctx, renderOptions())
		var rendered activities.Rendered
		err := workflow.ExecuteActivity(renderCtx, a.RenderRelease, r.OrgID, r.ReleaseID).Get(ctx, &rendered)
		if err == nil {
			res.Files = rendered.Files
			state.Step = StepUpload
			storeCtx := workflow.WithActivityOptions(ctx, activities.ObjectStorageOptions())
			err = workflow.ExecuteActivity(storeCtx, a.UploadRelease, r.OrgID, r.ReleaseID).Get(ctx, nil)
		}
		var act activities.Activation
		if err == nil {
			state.Step = StepActivate
			err = workflow.ExecuteActivity(dbCtx, a.ActivateRelease, r.OrgID, r.ReleaseID).Get(ctx, &act)
		}
		if err != nil {
			state.Step = StepDiscard
			discard(ctx, r, err)
			return res, err
		}
		res.Changed, res.Previous = act.Changed, act.Previous
	}
	// After the commit point: forward only. The purge is retried; if it
	// fails for good the dead letter's re-drive finds the release live and
	// purges again.
	state.Step = StepPurge
	purgeCtx := workflow.WithActivityOptions(ctx, activities.HTTPOptions())
	if err := workflow.ExecuteActivity(purgeCtx, a.PurgeSite, r.OrgID, r.SiteID, r.ReleaseID).Get(ctx, nil); err != nil {
		return res, err
	}
	state.Step = StepDone
	return res, nil
}

// renderOptions: rendering reads Postgres and works in memory; a large
// site takes longer than a query, so it heartbeats.
func renderOptions() workflow.ActivityOptions {
	o := activities.DatabaseOptions()
	o.StartToCloseTimeout = 2 * time.Minute
	o.HeartbeatTimeout = 30 * time.Second
	return o
}

// discard compensates a publish that failed before its commit point. It
// runs even when the run is cancelled (a disconnected context), and its
// own failure is logged: the release stays as it was, never served, and
// the operator sees the run's failure.
func discard(ctx workflow.Context, r activities.PublishRequest, cause error) {
	dctx, cancel := workflow.NewDisconnectedContext(ctx)
	defer cancel()
	dctx = workflow.WithActivityOptions(dctx, activities.ObjectStorageOptions())
	var a *activities.Brand
	if err := workflow.ExecuteActivity(dctx, a.DiscardRelease, r.OrgID, r.ReleaseID, failureText(cause)).Get(dctx, nil); err != nil {
		workflow.GetLogger(ctx).Error("could not discard the failed release", "release_id", r.ReleaseID, "error", err)
	}
}

// failureText is what the release list shows of why a publish failed: the
// innermost application error's message (the activity's own words, not the
// SDK's wrapping).
func failureText(err error) string {
	msg := err.Error()
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		msg = appErr.Error()
	}
	if len(msg) > 2000 {
		msg = strings.ToValidUTF8(msg[:2000], "")
	}
	return msg
}
