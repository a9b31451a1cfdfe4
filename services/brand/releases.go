package brand

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"go.temporal.io/sdk/client"

	"github.com/xentri/xentri/activities"
	"github.com/xentri/xentri/internal/db"
	"github.com/xentri/xentri/internal/db/dbsqlc"
	itemporal "github.com/xentri/xentri/internal/temporal"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/paging"
	"github.com/xentri/xentri/workflows"
)

// Release is a build of a site: the page versions it pins, what changed
// against the release live when it was made, its files, and where it
// stands (snapshot, rendered, uploaded, live, retired, failed).
type Release struct {
	ID          uuid.UUID      `json:"id"`
	SiteID      uuid.UUID      `json:"site_id"`
	Number      int            `json:"number"`
	Status      string         `json:"status"`
	Live        bool           `json:"live"`
	Trigger     string         `json:"trigger"`
	Author      string         `json:"author"`
	Pages       []PinnedPage   `json:"pages"`
	Changes     []PageChange   `json:"changes"`
	Media       []ReleaseMedia `json:"media"`
	Files       int            `json:"files"`
	Bytes       int64          `json:"bytes"`
	BaseRelease *uuid.UUID     `json:"base_release_id"`
	WorkflowID  *string        `json:"workflow_id"`
	RunID       *string        `json:"run_id"`
	Failure     *string        `json:"failure"`
	Attempts    int            `json:"attempts"`
	CreatedAt   time.Time      `json:"created_at"`
	RenderedAt  *time.Time     `json:"rendered_at"`
	UploadedAt  *time.Time     `json:"uploaded_at"`
	ActivatedAt *time.Time     `json:"activated_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
}

func releaseOf(r dbsqlc.SiteRelease, live *uuid.UUID) (Release, error) {
	out := Release{ID: r.ID, SiteID: r.SiteID, Number: int(r.Number), Status: r.Status, Live: live != nil && *live == r.ID,
		Trigger: r.Trigger, Author: r.Author, BaseRelease: r.BaseReleaseID, WorkflowID: r.WorkflowID, RunID: r.RunID,
		Failure: r.Failure, Attempts: int(r.Attempts), CreatedAt: r.CreatedAt, RenderedAt: r.RenderedAt,
		UploadedAt: r.UploadedAt, ActivatedAt: r.ActivatedAt, UpdatedAt: r.UpdatedAt}
	var files []File
	if err := errors.Join(json.Unmarshal(r.Pages, &out.Pages), json.Unmarshal(r.Changes, &out.Changes),
		json.Unmarshal(r.Media, &out.Media), json.Unmarshal(r.Files, &files)); err != nil {
		return Release{}, fmt.Errorf("release %s: %w", r.ID, err)
	}
	out.Files = len(files)
	for _, f := range files {
		out.Bytes += f.Size
	}
	return out, nil
}

// Publishing is what an org does with its sites' releases: publish (through
// the site-publish/{site_id} workflow), list releases, roll back, schedule
// publishes, preview drafts.
type Publishing struct {
	// Publisher swaps and purges for rollback.
	Publisher    *Publisher
	Temporal     client.Client
	TaskQueue    string
	WorkflowLink func(workflowID string) string
	// PreviewKey signs draft preview links; PreviewTTL is how long one
	// works (DefaultPreviewTTL when zero).
	PreviewKey []byte
	PreviewTTL time.Duration
	Now        func() time.Time
}

func (s *Publishing) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

var errNoWorkflows = services.Errorf(services.Unavailable, "Workflows are not running here.")

// Started is the answer to a publish: the workflow that runs it (and,
// with Queued, the release it waits behind), and where to follow it.
type Started struct {
	WorkflowID    string `json:"workflow_id"`
	RunID         string `json:"run_id"`
	ReleaseID     string `json:"release_id"`
	Queued        bool   `json:"queued"`
	QueuedBehind  string `json:"queued_behind,omitempty"`
	StatusURL     string `json:"status_url"`
	TemporalUIURL string `json:"temporal_ui_url,omitempty"`
}

// Publish queues a publish of the site's pages as they are now (their
// snapshot is taken when the publish's turn comes). It answers without
// waiting: the release's status (GET .../releases/{id}) and the workflow
// tell how it goes.
func (s *Publishing) Publish(ctx context.Context, tx pgx.Tx, m access.Membership, siteID uuid.UUID) (Started, error) {
	if err := m.Need(access.ScopeSiteWrite); err != nil {
		return Started{}, err
	}
	return s.publish(ctx, tx, m.OrgID, siteID, activities.TriggerPublish, author(m))
}

// PublishFromHook is Publish for the site.publish hook (n8n), which acts
// for the org with no member behind it.
func (s *Publishing) PublishFromHook(ctx context.Context, orgID, siteID uuid.UUID) (Started, error) {
	var out Started
	err := s.Publisher.DB.InTenant(ctx, orgID, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = s.publish(ctx, tx, orgID, siteID, activities.TriggerHook, "system:n8n")
		return err
	})
	return out, err
}

func (s *Publishing) publish(ctx context.Context, tx pgx.Tx, orgID, siteID uuid.UUID, trigger, who string) (Started, error) {
	q := dbsqlc.New(tx)
	if _, err := storeIn(tx).site(ctx, orgID, siteID, false); err != nil {
		return Started{}, fmt.Errorf("publish: %w", err)
	}
	pages, err := q.SitePagesAtCurrent(ctx, dbsqlc.SitePagesAtCurrentParams{OrgID: orgID, SiteID: siteID})
	if err != nil {
		return Started{}, db.Interpret("publish: pages", err, nil)
	}
	if len(pages) == 0 {
		return Started{}, services.Errorf(services.Unprocessable, "The site has no pages to publish: add a page first.")
	}
	// A release still being made is the one this request waits behind.
	behind := ""
	recent, err := q.ListReleases(ctx, dbsqlc.ListReleasesParams{OrgID: orgID, SiteID: siteID, Lim: 5})
	if err != nil {
		return Started{}, db.Interpret("publish: releases", err, nil)
	}
	for _, r := range recent {
		if r.Status == "snapshot" || r.Status == "rendered" || r.Status == "uploaded" {
			behind = r.ID.String()
			break
		}
	}
	r := activities.PublishRequest{OrgID: orgID.String(), SiteID: siteID.String(), ReleaseID: uuid.Must(uuid.NewV7()).String(),
		Trigger: trigger, Author: who}
	out, err := s.Enqueue(ctx, r)
	if err != nil {
		return Started{}, err
	}
	out.Queued, out.QueuedBehind = behind != "", behind
	return out, nil
}

// Enqueue hands a publish request to the site's workflow: it starts the
// workflow with it, or queues it behind the publish that runs
// (SignalWithStart does both in one call).
func (s *Publishing) Enqueue(ctx context.Context, r activities.PublishRequest) (Started, error) {
	if s.Temporal == nil {
		return Started{}, errNoWorkflows
	}
	id := workflows.SitePublishWorkflowID(r.SiteID)
	run, err := s.Temporal.SignalWithStartWorkflow(ctx, id, workflows.SignalPublish, r, client.StartWorkflowOptions{
		ID: id, TaskQueue: s.TaskQueue,
		TypedSearchAttributes: itemporal.Attributes(r.OrgID, "site", r.SiteID, itemporal.SiteID.ValueSet(r.SiteID)),
	}, workflows.SitePublish, workflows.SitePublishInput{OrgID: r.OrgID, SiteID: r.SiteID, Requests: []activities.PublishRequest{r}})
	if err != nil {
		return Started{}, &services.Error{Code: services.Unavailable, Message: "Temporal did not accept the publish; try again.", Err: err}
	}
	out := Started{WorkflowID: id, RunID: run.GetRunID(), ReleaseID: r.ReleaseID,
		StatusURL: "/api/v1/sites/" + r.SiteID + "/releases/" + r.ReleaseID}
	if s.WorkflowLink != nil {
		out.TemporalUIURL = s.WorkflowLink(id) + "/" + run.GetRunID()
	}
	return out, nil
}

// Releases pages through a site's releases, newest first.
func (s *Publishing) Releases(ctx context.Context, tx pgx.Tx, m access.Membership, siteID uuid.UUID, page paging.Page) ([]Release, string, error) {
	if err := m.Need(access.ScopeSiteRead); err != nil {
		return nil, "", err
	}
	site, err := storeIn(tx).site(ctx, m.OrgID, siteID, false)
	if err != nil {
		return nil, "", fmt.Errorf("releases: %w", err)
	}
	rows, err := dbsqlc.New(tx).ListReleases(ctx, dbsqlc.ListReleasesParams{OrgID: m.OrgID, SiteID: siteID, After: page.After, Lim: page.Fetch()})
	if err != nil {
		return nil, "", db.Interpret("list releases", err, nil)
	}
	var bad error
	out, next := paging.Paginate(rows, page.Limit, func(r dbsqlc.SiteRelease) uuid.UUID { return r.ID }, func(r dbsqlc.SiteRelease) Release {
		rel, err := releaseOf(r, site.LiveReleaseID)
		if err != nil {
			bad = err
		}
		return rel
	})
	return out, next, bad
}

// Release returns one release of a site.
func (s *Publishing) Release(ctx context.Context, tx pgx.Tx, m access.Membership, siteID, releaseID uuid.UUID) (Release, error) {
	if err := m.Need(access.ScopeSiteRead); err != nil {
		return Release{}, err
	}
	site, err := storeIn(tx).site(ctx, m.OrgID, siteID, false)
	if err != nil {
		return Release{}, fmt.Errorf("release: %w", err)
	}
	row, err := dbsqlc.New(tx).GetRelease(ctx, dbsqlc.GetReleaseParams{OrgID: m.OrgID, ID: releaseID})
	if err != nil || row.SiteID != siteID {
		return Release{}, db.Interpret("get release", orNoRows(err), ErrNoRelease)
	}
	return releaseOf(row, site.LiveReleaseID)
}

func orNoRows(err error) error {
	if err == nil {
		return pgx.ErrNoRows
	}
	return err
}

// Rollback makes an earlier release of the site live again: the same
// compare-and-swap as a publish's activation, from the release live now,
// with the same events; nothing is rendered or uploaded, so it takes the
// time of one transaction however large the site. Call purge (returned)
// once the transaction has committed, so that no reader caches the old
// release again after the purge.
func (s *Publishing) Rollback(ctx context.Context, tx pgx.Tx, m access.Membership, siteID, releaseID uuid.UUID) (Release, func(context.Context) error, error) {
	if err := m.Need(access.ScopeSiteWrite); err != nil {
		return Release{}, nil, err
	}
	q := dbsqlc.New(tx)
	site, err := q.LockSite(ctx, dbsqlc.LockSiteParams{OrgID: m.OrgID, ID: siteID})
	if err != nil {
		return Release{}, nil, db.Interpret("rollback", err, ErrNoSite)
	}
	target, err := q.LockRelease(ctx, dbsqlc.LockReleaseParams{OrgID: m.OrgID, ID: releaseID})
	if err != nil || target.SiteID != siteID {
		return Release{}, nil, db.Interpret("rollback", orNoRows(err), ErrNoRelease)
	}
	switch {
	case site.LiveReleaseID != nil && *site.LiveReleaseID == releaseID:
		return Release{}, nil, services.Errorf(services.Conflict, "Release %d is live already.", target.Number)
	case target.ActivatedAt == nil:
		return Release{}, nil, services.Errorf(services.Conflict,
			"Release %d never went live (it is %s): only a release that was live can be rolled back to.", target.Number, target.Status)
	}
	var from, to []PinnedPage
	if err := json.Unmarshal(target.Pages, &to); err != nil {
		return Release{}, nil, err
	}
	if site.LiveReleaseID != nil {
		live, err := q.GetRelease(ctx, dbsqlc.GetReleaseParams{OrgID: m.OrgID, ID: *site.LiveReleaseID})
		if err != nil {
			return Release{}, nil, db.Interpret("rollback: live release", err, nil)
		}
		if err := json.Unmarshal(live.Pages, &from); err != nil {
			return Release{}, nil, err
		}
	}
	if err := s.Publisher.swap(ctx, tx, target, site.LiveReleaseID, m.Principal.Actor(), changesBetween(from, to)); err != nil {
		return Release{}, nil, fmt.Errorf("rollback: %w", err)
	}
	target.Status = "live"
	out, err := releaseOf(target, &releaseID)
	if err != nil {
		return Release{}, nil, err
	}
	purge := func(ctx context.Context) error { return s.Publisher.Purge(ctx, m.OrgID, siteID, releaseID) }
	return out, purge, nil
}

// Schedule is a publish set for a time, with the page versions of the
// moment it was made.
type Schedule struct {
	ID         uuid.UUID      `json:"id"`
	SiteID     uuid.UUID      `json:"site_id"`
	PublishAt  time.Time      `json:"publish_at"`
	Pins       map[string]int `json:"pins"`
	Status     string         `json:"status"` // scheduled | fired | cancelled
	WorkflowID string         `json:"workflow_id"`
	ReleaseID  *uuid.UUID     `json:"release_id"`
	Author     string         `json:"author"`
	CreatedAt  time.Time      `json:"created_at"`
	UpdatedAt  time.Time      `json:"updated_at"`
}

func scheduleOf(r dbsqlc.SiteSchedule) (Schedule, error) {
	out := Schedule{ID: r.ID, SiteID: r.SiteID, PublishAt: r.PublishAt.UTC(), Status: r.Status, WorkflowID: r.WorkflowID,
		ReleaseID: r.ReleaseID, Author: r.Author, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if err := json.Unmarshal(r.Pins, &out.Pins); err != nil {
		return Schedule{}, fmt.Errorf("schedule %s: %w", r.ID, err)
	}
	return out, nil
}

// ScheduleInput sets a publish for a time.
type ScheduleInput struct {
	PublishAt *time.Time `json:"publish_at"`
}

// maxScheduleAhead bounds how far ahead a publish may be set.
const maxScheduleAhead = 366 * 24 * time.Hour

// CreateSchedule sets a publish of the site's pages as they are now for
// publishAt, through a site-schedule/{id} workflow. A time that has passed
// is refused.
func (s *Publishing) CreateSchedule(ctx context.Context, tx pgx.Tx, m access.Membership, siteID uuid.UUID, in ScheduleInput) (Schedule, error) {
	if err := m.Need(access.ScopeSiteWrite); err != nil {
		return Schedule{}, err
	}
	now := s.now()
	switch {
	case in.PublishAt == nil:
		return Schedule{}, &services.Error{Code: services.Invalid, Message: "Send publish_at, the time to publish (ISO 8601).",
			Fields: map[string]string{"publish_at": "is required"}}
	case !in.PublishAt.After(now):
		return Schedule{}, &services.Error{Code: services.Invalid,
			Message: fmt.Sprintf("publish_at %s has passed (it is %s now): choose a later time, or publish now.", in.PublishAt.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339)),
			Fields:  map[string]string{"publish_at": "must be in the future"}}
	case in.PublishAt.Sub(now) > maxScheduleAhead:
		return Schedule{}, &services.Error{Code: services.Invalid, Message: "publish_at is more than a year ahead.",
			Fields: map[string]string{"publish_at": "must be within a year"}}
	}
	if _, err := storeIn(tx).site(ctx, m.OrgID, siteID, false); err != nil {
		return Schedule{}, fmt.Errorf("schedule: %w", err)
	}
	q := dbsqlc.New(tx)
	pages, err := q.SitePagesAtCurrent(ctx, dbsqlc.SitePagesAtCurrentParams{OrgID: m.OrgID, SiteID: siteID})
	if err != nil {
		return Schedule{}, db.Interpret("schedule: pages", err, nil)
	}
	if len(pages) == 0 {
		return Schedule{}, services.Errorf(services.Unprocessable, "The site has no pages to publish: add a page first.")
	}
	pins := map[string]int{}
	for _, p := range pages {
		pins[p.PageID.String()] = int(p.Number)
	}
	raw, err := json.Marshal(pins)
	if err != nil {
		return Schedule{}, err
	}
	if s.Temporal == nil {
		return Schedule{}, errNoWorkflows
	}
	id := uuid.Must(uuid.NewV7())
	wfID := workflows.SiteScheduleWorkflowID(id.String())
	row, err := q.InsertSchedule(ctx, dbsqlc.InsertScheduleParams{ID: id, OrgID: m.OrgID, SiteID: siteID, PublishAt: in.PublishAt.UTC(),
		Pins: raw, WorkflowID: wfID, Author: author(m)})
	if err != nil {
		return Schedule{}, db.Interpret("insert schedule", err, nil)
	}
	// Started before the row commits: a workflow whose row never commits
	// finds no schedule when it fires and does nothing.
	_, err = s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: wfID, TaskQueue: s.TaskQueue,
		TypedSearchAttributes: itemporal.Attributes(m.OrgID.String(), "site", siteID.String(), itemporal.SiteID.ValueSet(siteID.String())),
	}, workflows.SiteSchedule, workflows.SiteScheduleInput{OrgID: m.OrgID.String(), SiteID: siteID.String(), ScheduleID: id.String(), PublishAt: in.PublishAt.UTC()})
	if err != nil {
		return Schedule{}, &services.Error{Code: services.Unavailable, Message: "Temporal did not accept the schedule; try again.", Err: err}
	}
	return scheduleOf(row)
}

// Schedules pages through a site's schedules, in the order they were made.
func (s *Publishing) Schedules(ctx context.Context, tx pgx.Tx, m access.Membership, siteID uuid.UUID, page paging.Page) ([]Schedule, string, error) {
	if err := m.Need(access.ScopeSiteRead); err != nil {
		return nil, "", err
	}
	if _, err := storeIn(tx).site(ctx, m.OrgID, siteID, false); err != nil {
		return nil, "", fmt.Errorf("schedules: %w", err)
	}
	rows, err := dbsqlc.New(tx).ListSchedules(ctx, dbsqlc.ListSchedulesParams{OrgID: m.OrgID, SiteID: siteID, After: page.After, Lim: page.Fetch()})
	if err != nil {
		return nil, "", db.Interpret("list schedules", err, nil)
	}
	var bad error
	out, next := paging.Paginate(rows, page.Limit, func(r dbsqlc.SiteSchedule) uuid.UUID { return r.ID }, func(r dbsqlc.SiteSchedule) Schedule {
		sc, err := scheduleOf(r)
		if err != nil {
			bad = err
		}
		return sc
	})
	return out, next, bad
}

// ErrNoSchedule answers for a schedule that is not the site's.
var ErrNoSchedule = services.Errorf(services.NotFound, "No such schedule.")

// CancelSchedule cancels a schedule that has not fired (a fired one is a
// Conflict: its publish is queued or done). Its workflow is cancelled too.
func (s *Publishing) CancelSchedule(ctx context.Context, tx pgx.Tx, m access.Membership, siteID, scheduleID uuid.UUID) (Schedule, error) {
	if err := m.Need(access.ScopeSiteWrite); err != nil {
		return Schedule{}, err
	}
	q := dbsqlc.New(tx)
	cur, err := q.GetSchedule(ctx, dbsqlc.GetScheduleParams{OrgID: m.OrgID, ID: scheduleID})
	if err != nil || cur.SiteID != siteID {
		return Schedule{}, db.Interpret("cancel schedule", orNoRows(err), ErrNoSchedule)
	}
	row, err := q.SettleSchedule(ctx, dbsqlc.SettleScheduleParams{OrgID: m.OrgID, ID: scheduleID, Status: "cancelled"})
	if err != nil {
		return Schedule{}, db.Interpret("cancel schedule", err,
			services.Errorf(services.Conflict, "The schedule is %s already: it can no longer be cancelled.", cur.Status))
	}
	if s.Temporal != nil {
		// The row is what counts (a firing that comes later finds it
		// cancelled); the workflow's cancel just ends its timer early.
		_ = s.Temporal.CancelWorkflow(ctx, cur.WorkflowID, "")
	}
	return scheduleOf(row)
}

// FireSchedule marks a schedule that came due fired and queues its
// publish, with the page versions it pinned; the release id is the
// schedule's, so a retry queues the same release. ok is false when the
// schedule was cancelled first (or never committed).
func (p *Publisher) FireSchedule(ctx context.Context, orgID, scheduleID uuid.UUID) (bool, error) {
	var sched dbsqlc.SiteSchedule
	err := p.DB.InTenant(ctx, orgID, func(ctx context.Context, tx pgx.Tx) error {
		q := dbsqlc.New(tx)
		var err error
		if sched, err = q.GetSchedule(ctx, dbsqlc.GetScheduleParams{OrgID: orgID, ID: scheduleID}); err != nil {
			return db.Interpret("get schedule", err, ErrNoSchedule)
		}
		if sched.Status != "scheduled" {
			return nil
		}
		sched, err = q.SettleSchedule(ctx, dbsqlc.SettleScheduleParams{OrgID: orgID, ID: scheduleID, Status: "fired", ReleaseID: &scheduleID})
		return db.Interpret("fire schedule", err, nil)
	})
	switch {
	case errors.Is(err, ErrNoSchedule):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("fire schedule: %w", err)
	case sched.Status == "cancelled":
		return false, nil
	}
	var pins map[string]int
	if err := json.Unmarshal(sched.Pins, &pins); err != nil {
		return false, err
	}
	if p.Enqueue == nil {
		return false, errNoWorkflows
	}
	_, err = p.Enqueue(ctx, activities.PublishRequest{OrgID: orgID.String(), SiteID: sched.SiteID.String(), ReleaseID: scheduleID.String(),
		Trigger: activities.TriggerSchedule, Author: sched.Author, Pins: pins})
	return err == nil, err
}

// CancelSchedule records that a schedule's workflow was cancelled (the API
// cancels the row first; an operator may cancel the workflow in Temporal
// UI instead).
func (p *Publisher) CancelSchedule(ctx context.Context, orgID, scheduleID uuid.UUID) error {
	return p.DB.InTenant(ctx, orgID, func(ctx context.Context, tx pgx.Tx) error {
		_, err := dbsqlc.New(tx).SettleSchedule(ctx, dbsqlc.SettleScheduleParams{OrgID: orgID, ID: scheduleID, Status: "cancelled"})
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // cancelled or fired already
		}
		return db.Interpret("cancel schedule", err, nil)
	})
}
