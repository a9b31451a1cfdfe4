package activities

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/xentri/xentri/services"
)

// Application error types of the brand context's activities.
const (
	// ErrReleaseConflict: the site's live release moved (a rollback, or
	// another activation) after the snapshot was taken; publish again.
	ErrReleaseConflict = "ReleaseConflict"
	// ErrReleaseCorrupt: an object of the release's prefix holds other
	// bytes than the release's file; nothing is ever overwritten.
	ErrReleaseCorrupt = "ReleaseCorrupt"
)

// Publish triggers.
const (
	TriggerPublish  = "publish"  // POST /api/v1/sites/{id}/publish
	TriggerSchedule = "schedule" // a scheduled publish came due
	TriggerHook     = "hook"     // the site.publish hook (n8n)
)

// PublishRequest asks for one publish of a site. ReleaseID is chosen by the
// caller, so the answer can name the release before it exists, and a
// request delivered twice is one release.
type PublishRequest struct {
	OrgID     string `json:"org_id"`
	SiteID    string `json:"site_id"`
	ReleaseID string `json:"release_id"`
	Trigger   string `json:"trigger"`
	Author    string `json:"author"`
	// Pins are the page versions to publish ({page_id: version}), as a
	// schedule pinned them; empty, every live page at its current version.
	Pins map[string]int `json:"pins,omitempty"`
	// WorkflowID and RunID are filled in by the workflow.
	WorkflowID string `json:"workflow_id,omitempty"`
	RunID      string `json:"run_id,omitempty"`
}

// Snapshot is what the snapshot step took.
type Snapshot struct {
	ReleaseID string `json:"release_id"`
	Number    int    `json:"number"`
	Pages     int    `json:"pages"`
	// Activated is true when the release went live already (a re-driven
	// run whose activation committed): only the purge is left to do.
	Activated bool `json:"activated"`
}

// Rendered is what the render step staged.
type Rendered struct {
	Files int   `json:"files"`
	Bytes int64 `json:"bytes"`
}

// Activation is what the commit point changed.
type Activation struct {
	ReleaseID string `json:"release_id"`
	Previous  string `json:"previous,omitempty"` // the release that was live
	Changed   int    `json:"changed"`            // pages added or changed
}

// Publisher is what the brand context does for the site-publish workflow
// (services/brand.Publisher). Every step is idempotent.
type Publisher interface {
	// Snapshot pins the page versions (or r.Pins) in a release row.
	Snapshot(ctx context.Context, r PublishRequest) (Snapshot, error)
	// Render renders the release into its staged files.
	Render(ctx context.Context, orgID, releaseID uuid.UUID) (Rendered, error)
	// Upload puts the staged files (and the media the pages use) under
	// releases/{site}/{release}/, from file `from` on; progress is told
	// after each file.
	Upload(ctx context.Context, orgID, releaseID uuid.UUID, from int, progress func(done int)) error
	// Activate swaps the site's live release to this one (the commit
	// point), with the events, in one transaction.
	Activate(ctx context.Context, orgID, releaseID uuid.UUID) (Activation, error)
	// Discard is the compensation before the commit point: it deletes the
	// release's prefix and marks it failed; it never touches a release
	// that went live.
	Discard(ctx context.Context, orgID, releaseID uuid.UUID, failure string) error
	// Purge drops the cached copies of the site (Xentri's, and the CDN's
	// through its purge webhook).
	Purge(ctx context.Context, orgID, siteID, releaseID uuid.UUID) error
	// FireSchedule marks a schedule fired and enqueues its publish; ok is
	// false when it was cancelled first.
	FireSchedule(ctx context.Context, orgID, scheduleID uuid.UUID) (ok bool, err error)
	// CancelSchedule marks a schedule cancelled (its workflow was).
	CancelSchedule(ctx context.Context, orgID, scheduleID uuid.UUID) error
}

// Brand holds the brand context's activities.
type Brand struct {
	Publisher Publisher
}

// ids parses an org id and another id of an activity's input.
func ids(org, other string) (uuid.UUID, uuid.UUID, error) {
	o, err1 := uuid.Parse(org)
	x, err2 := uuid.Parse(other)
	if err := errors.Join(err1, err2); err != nil {
		return uuid.Nil, uuid.Nil, temporal.NewNonRetryableApplicationError("ids are not UUIDs", ErrInvalidInput, err)
	}
	return o, x, nil
}

// finalConflict is Final, with a Conflict made final as kind: no retry
// changes what the release or the site holds.
func finalConflict(err error, kind string) error {
	if services.ErrorCode(err) == services.Conflict {
		return temporal.NewNonRetryableApplicationError(err.Error(), kind, err)
	}
	return Final(err)
}

// SnapshotRelease is the snapshot step.
func (b *Brand) SnapshotRelease(ctx context.Context, r PublishRequest) (Snapshot, error) {
	if _, _, err := ids(r.OrgID, r.SiteID); err != nil {
		return Snapshot{}, err
	}
	if _, err := uuid.Parse(r.ReleaseID); err != nil {
		return Snapshot{}, temporal.NewNonRetryableApplicationError("release id is not a UUID", ErrInvalidInput, err)
	}
	s, err := b.Publisher.Snapshot(ctx, r)
	return s, Final(err)
}

// RenderRelease is the render step.
func (b *Brand) RenderRelease(ctx context.Context, orgID, releaseID string) (Rendered, error) {
	org, rel, err := ids(orgID, releaseID)
	if err != nil {
		return Rendered{}, err
	}
	stop := KeepAlive(ctx, 5*time.Second)
	defer stop()
	out, err := b.Publisher.Render(ctx, org, rel)
	return out, Final(err)
}

// UploadRelease is the upload step. It heartbeats the number of files done,
// so a retry (on this worker or another) carries on from there instead of
// starting over.
func (b *Brand) UploadRelease(ctx context.Context, orgID, releaseID string) error {
	org, rel, err := ids(orgID, releaseID)
	if err != nil {
		return err
	}
	from := 0
	if activity.HasHeartbeatDetails(ctx) {
		_ = activity.GetHeartbeatDetails(ctx, &from)
	}
	stop := KeepAlive(ctx, 5*time.Second) // a slow single file still beats
	defer stop()
	return finalConflict(b.Publisher.Upload(ctx, org, rel, from, func(done int) { activity.RecordHeartbeat(ctx, done) }), ErrReleaseCorrupt)
}

// ActivateRelease is the commit point.
func (b *Brand) ActivateRelease(ctx context.Context, orgID, releaseID string) (Activation, error) {
	org, rel, err := ids(orgID, releaseID)
	if err != nil {
		return Activation{}, err
	}
	out, err := b.Publisher.Activate(ctx, org, rel)
	return out, finalConflict(err, ErrReleaseConflict)
}

// DiscardRelease compensates a publish that failed before its commit point.
func (b *Brand) DiscardRelease(ctx context.Context, orgID, releaseID, failure string) error {
	org, rel, err := ids(orgID, releaseID)
	if err != nil {
		return err
	}
	return Final(b.Publisher.Discard(ctx, org, rel, failure))
}

// PurgeSite drops the site's cached copies after a release went live.
func (b *Brand) PurgeSite(ctx context.Context, orgID, siteID, releaseID string) error {
	org, site, err := ids(orgID, siteID)
	if err != nil {
		return err
	}
	rel, err := uuid.Parse(releaseID)
	if err != nil {
		return temporal.NewNonRetryableApplicationError("release id is not a UUID", ErrInvalidInput, err)
	}
	return Final(b.Publisher.Purge(ctx, org, site, rel))
}

// FireSchedule enqueues a scheduled publish that came due.
func (b *Brand) FireSchedule(ctx context.Context, orgID, scheduleID string) (bool, error) {
	org, id, err := ids(orgID, scheduleID)
	if err != nil {
		return false, err
	}
	ok, err := b.Publisher.FireSchedule(ctx, org, id)
	return ok, Final(err)
}

// CancelSchedule records that a schedule's workflow was cancelled.
func (b *Brand) CancelSchedule(ctx context.Context, orgID, scheduleID string) error {
	org, id, err := ids(orgID, scheduleID)
	if err != nil {
		return err
	}
	return Final(b.Publisher.CancelSchedule(ctx, org, id))
}
