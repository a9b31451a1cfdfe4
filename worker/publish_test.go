package worker_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"

	"github.com/xentri/xentri/activities"
	"github.com/xentri/xentri/internal/blob"
	"github.com/xentri/xentri/internal/events"
	"github.com/xentri/xentri/internal/testenv"
	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/brand"
	"github.com/xentri/xentri/services/brief"
	"github.com/xentri/xentri/services/ops"
	"github.com/xentri/xentri/worker"
)

// publishEnv is a real worker on the dev server with the embedded store,
// and an org with a two-page site.
type publishEnv struct {
	*faultEnv
	store      *blob.Store
	publishing *brand.Publishing
	org, site  uuid.UUID
}

func newPublishEnv(t *testing.T) *publishEnv {
	t.Helper()
	e := newFaultEnv(t)
	store := testenv.Store(t)
	deps := worker.Deps{DB: e.db.App, Redis: e.redis, Blob: store, Events: e.events,
		SiteURL: func(slug string) string { return "http://" + slug + ".sites.localhost" }}
	w := worker.New(e.temporal, e.taskQueue, deps, 10*time.Second)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	deps.Temporal, deps.TaskQueue = e.temporal, e.taskQueue
	p := &publishEnv{faultEnv: e, store: store}
	p.publishing = &brand.Publishing{Publisher: worker.Publisher(deps), Temporal: e.temporal, TaskQueue: e.taskQueue}

	p.org, p.site = siteWithPages(t, e.db, e.events)
	return p
}

// siteWithPages makes an org with a site of two pages, as the API makes
// them.
func siteWithPages(t *testing.T, d *testenv.Database, w *events.Writer) (org, siteID uuid.UUID) {
	t.Helper()
	org = uuid.Must(uuid.NewV7())
	user := uuid.Must(uuid.NewV7())
	ctx := context.Background()
	if _, err := d.Owner.Exec(ctx, `INSERT INTO orgs (id, name) VALUES ($1, 'publishing org')`, org); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Owner.Exec(ctx, `INSERT INTO users (id, email) VALUES ($1, $2)`, user, user.String()+"@example.test"); err != nil {
		t.Fatal(err)
	}
	owner := access.Membership{OrgID: org, Role: access.RoleOwner, Principal: access.Principal{UserID: user}}
	svc := &brand.Service{Brief: &brief.Service{DB: d.App, Events: w, Log: zerolog.Nop()}, Events: w, Log: zerolog.Nop()}
	err := d.App.InTenant(ctx, org, func(ctx context.Context, tx pgx.Tx) error {
		site, err := svc.CreateSite(ctx, tx, owner, brand.SiteInput{Name: "Worker " + uuid.NewString()[:8]})
		if err != nil {
			return err
		}
		siteID = site.ID
		for _, page := range []struct{ path, title string }{{"/", "Home"}, {"/about", "About"}} {
			if _, err := svc.CreatePage(ctx, tx, owner, site.ID, brand.PageInput{Path: page.path, Title: page.title,
				Blocks: []brand.Block{{Type: brand.BlockHero, Data: json.RawMessage(`{"headline":"` + page.title + ` of the test"}`)}}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return org, siteID
}

// release reads a release's row as the owner sees it (status, times).
func (p *publishEnv) release(t *testing.T, id string) (status string, created time.Time, activated *time.Time) {
	t.Helper()
	err := p.db.Owner.QueryRow(context.Background(), "SELECT status, created_at, activated_at FROM site_releases WHERE id = $1", id).
		Scan(&status, &created, &activated)
	if err == pgx.ErrNoRows {
		return "", time.Time{}, nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return status, created, activated
}

// waitFor polls until the release reaches one of the statuses.
func (p *publishEnv) waitFor(t *testing.T, id string, statuses ...string) string {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		status, _, _ := p.release(t, id)
		for _, s := range statuses {
			if status == s {
				return status
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	status, _, _ := p.release(t, id)
	t.Fatalf("release %s is %q after 90 s, want one of %v", id, status, statuses)
	return ""
}

// TestPublishesOfASiteRunOneAtATime: a second publish while the first
// runs is queued on the site's workflow, and its snapshot is taken only
// once the first went live.
func TestPublishesOfASiteRunOneAtATime(t *testing.T) {
	p := newPublishEnv(t)
	ctx := context.Background()
	first, err := p.publishing.PublishFromHook(ctx, p.org, p.site)
	if err != nil {
		t.Fatal(err)
	}
	second, err := p.publishing.PublishFromHook(ctx, p.org, p.site)
	if err != nil {
		t.Fatal(err)
	}
	if first.WorkflowID != "site-publish/"+p.site.String() || second.WorkflowID != first.WorkflowID {
		t.Fatalf("workflow ids %s and %s, want both site-publish/{site}", first.WorkflowID, second.WorkflowID)
	}
	p.waitFor(t, second.ReleaseID, "live")
	if status, _, _ := p.release(t, first.ReleaseID); status != "retired" {
		t.Fatalf("the first release is %q, want retired", status)
	}
	_, _, firstLive := p.release(t, first.ReleaseID)
	_, secondMade, _ := p.release(t, second.ReleaseID)
	if firstLive == nil || secondMade.Before(*firstLive) {
		t.Fatalf("the second snapshot (%s) was taken before the first went live (%v): they ran side by side", secondMade, firstLive)
	}
}

// TestAFailedPublishLeavesADeadLetterThatRedriveCompletes: an upload that
// fails for good (the release's key holds other bytes) is compensated (the
// prefix deleted, the release failed, the live site untouched) and leaves
// a dead letter; re-driving it publishes the same release.
func TestAFailedPublishLeavesADeadLetterThatRedriveCompletes(t *testing.T) {
	p := newPublishEnv(t)
	ctx := context.Background()
	release := uuid.Must(uuid.NewV7())
	prefix := brand.ReleasePrefix(p.site, release)
	if err := p.store.Put(ctx, prefix+"about/index.html", []byte("not ours"), "text/html", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := p.publishing.Enqueue(ctx, activities.PublishRequest{OrgID: p.org.String(), SiteID: p.site.String(), ReleaseID: release.String(),
		Trigger: activities.TriggerHook, Author: "system:test"}); err != nil {
		t.Fatal(err)
	}
	p.waitFor(t, release.String(), "failed")
	var letter uuid.UUID
	deadline := time.Now().Add(30 * time.Second)
	for letter == uuid.Nil && time.Now().Before(deadline) {
		_ = p.db.Owner.QueryRow(ctx, "SELECT id FROM dead_letters WHERE org_id = $1 AND workflow_id = $2 AND failure_type = $3",
			p.org, "site-publish/"+p.site.String(), activities.ErrReleaseCorrupt).Scan(&letter)
		time.Sleep(50 * time.Millisecond)
	}
	if letter == uuid.Nil {
		t.Fatal("no dead letter for the failed publish")
	}
	if n := p.count(t, "SELECT count(*) FROM system_events WHERE org_id = $1 AND type = 'xentri.website.published.v1'", p.org); n != 0 {
		t.Fatalf("%d website.published events for a publish that failed", n)
	}
	if _, _, err := p.store.Get(ctx, prefix+"about/index.html"); err == nil {
		t.Fatal("the compensation left the release's prefix in the store")
	}

	svc := &ops.Service{Temporal: p.temporal}
	if err := p.db.App.AsOperator(ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := svc.OperatorRedrive(ctx, tx, letter, nil)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	p.waitFor(t, release.String(), "live")
	var live uuid.UUID
	if err := p.db.Owner.QueryRow(ctx, "SELECT live_release_id FROM sites WHERE id = $1", p.site).Scan(&live); err != nil || live != release {
		t.Fatalf("live release %s (%v), want the re-driven %s", live, err, release)
	}
}

// TestAScheduleFiresOnTheDevServer: a publish set a second ahead fires its
// timer, and its release (the schedule's id) goes live; a cancelled one
// never fires.
func TestAScheduleFiresOnTheDevServer(t *testing.T) {
	p := newPublishEnv(t)
	ctx := context.Background()
	// The schedule's author: only its id is recorded.
	owner := access.Membership{OrgID: p.org, Role: access.RoleOwner, Principal: access.Principal{UserID: uuid.New()}}
	schedule := func(at time.Time) brand.Schedule {
		t.Helper()
		var s brand.Schedule
		if err := p.db.App.InTenant(ctx, p.org, func(ctx context.Context, tx pgx.Tx) (err error) {
			s, err = p.publishing.CreateSchedule(ctx, tx, owner, p.site, brand.ScheduleInput{PublishAt: &at})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return s
	}
	fires := schedule(time.Now().Add(time.Second))
	cancelled := schedule(time.Now().Add(2 * time.Second))
	if err := p.db.App.InTenant(ctx, p.org, func(ctx context.Context, tx pgx.Tx) error {
		_, err := p.publishing.CancelSchedule(ctx, tx, owner, p.site, cancelled.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	p.waitFor(t, fires.ID.String(), "live")
	time.Sleep(2 * time.Second)
	if status, _, _ := p.release(t, cancelled.ID.String()); status != "" {
		t.Fatalf("the cancelled schedule made a release (%s)", status)
	}
	var status string
	if err := p.db.Owner.QueryRow(ctx, "SELECT status FROM site_schedules WHERE id = $1", fires.ID).Scan(&status); err != nil || status != "fired" {
		t.Fatalf("the schedule is %q (%v), want fired", status, err)
	}
}
