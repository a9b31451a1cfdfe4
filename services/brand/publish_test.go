package brand_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/minio/minio-go/v7"

	"github.com/xentri/xentri/activities"
	"github.com/xentri/xentri/internal/blob"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/brand"
	"github.com/xentri/xentri/services/paging"
)

// publishBundle is a publishing test's world: the real Postgres, the
// embedded S3 store, an org with a site of two pages (one showing an
// uploaded image), and the publisher over them.
type publishBundle struct {
	*testBundle
	svc       *brand.Service
	store     *blob.Store
	objects   *flakyObjects
	publisher *brand.Publisher
	purged    *purgeCounter
	site      brand.Site
	home      brand.Page
	image     uuid.UUID
	enqueued  []activities.PublishRequest
}

// flakyObjects is the store with a fault to inject: every Put after
// failAfter successful ones fails.
type flakyObjects struct {
	*blob.Store
	puts      atomic.Int64
	failAfter int64 // 0: never fails
}

func (f *flakyObjects) Put(ctx context.Context, key string, body []byte, contentType string, meta map[string]string) error {
	if n := f.puts.Add(1); f.failAfter > 0 && n > f.failAfter {
		return errors.New("injected: the store went away")
	}
	return f.Store.Put(ctx, key, body, contentType, meta)
}

type purgeCounter struct{ n atomic.Int64 }

func (p *purgeCounter) Purge(context.Context, uuid.UUID, uuid.UUID) error {
	p.n.Add(1)
	return nil
}

func publishSetup(t *testing.T) *publishBundle {
	t.Helper()
	svc, b := setup(t)
	store := newStore(t)
	pb := &publishBundle{testBundle: b, svc: svc, store: store, objects: &flakyObjects{Store: store}, purged: &purgeCounter{}}
	pb.publisher = &brand.Publisher{DB: b.db.App, Objects: pb.objects, Events: svc.Events, Purger: pb.purged,
		SiteURL: func(slug string) string { return "http://" + slug + ".sites.localhost:8080" },
		Enqueue: func(_ context.Context, r activities.PublishRequest) (brand.Started, error) {
			pb.enqueued = append(pb.enqueued, r)
			return brand.Started{ReleaseID: r.ReleaseID}, nil
		}}
	// An uploaded image, as media completion leaves it.
	pb.image = uuid.Must(uuid.NewV7())
	key := brand.MediaKey(b.org, pb.image, "shop.png")
	if err := store.Put(context.Background(), key, pngOf(t, 8), "image/png", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := b.db.Owner.Exec(context.Background(), `INSERT INTO media_assets (id, org_id, object_key, filename, content_type, size, status, completed_at)
		VALUES ($1, $2, $3, 'shop.png', 'image/png', 100, 'ready', now())`, pb.image, b.org, key); err != nil {
		t.Fatal(err)
	}
	pb.site = b.createSite(t, svc, brand.SiteInput{Name: "Publish " + uuid.NewString()[:8]})
	pb.home = pb.createPage(t, "/", "Welcome", `{"headline":"Fresh bread daily","image":{"src":"/media/`+pb.image.String()+`","alt":"The shop"}}`)
	pb.createPage(t, "/about", "About us", `{"headline":"About the bakery"}`)
	return pb
}

func (b *publishBundle) createPage(t *testing.T, path, title, hero string) brand.Page {
	t.Helper()
	var p brand.Page
	if err := b.in(func(ctx context.Context, tx pgx.Tx) (err error) {
		p, err = b.svc.CreatePage(ctx, tx, b.owner, b.site.ID, brand.PageInput{Path: path, Title: title,
			Blocks: []brand.Block{{Type: brand.BlockHero, Data: json.RawMessage(hero)}}})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return p
}

func (b *publishBundle) editHome(t *testing.T, headline string) {
	t.Helper()
	if err := b.in(func(ctx context.Context, tx pgx.Tx) error {
		cur, err := b.svc.Page(ctx, tx, b.owner, b.home.ID)
		if err != nil {
			return err
		}
		_, err = b.svc.UpdatePage(ctx, tx, b.owner, b.home.ID, brand.PageInput{Path: "/", Title: cur.Title,
			Blocks: []brand.Block{{Type: brand.BlockHero, Data: json.RawMessage(fmt.Sprintf(`{"headline":%q}`, headline))}}}, cur.Version)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func (b *publishBundle) request() activities.PublishRequest {
	return activities.PublishRequest{OrgID: b.org.String(), SiteID: b.site.ID.String(), ReleaseID: uuid.Must(uuid.NewV7()).String(),
		Trigger: activities.TriggerPublish, Author: "user:" + b.owner.Principal.UserID.String()}
}

// stage runs the steps before the commit point.
func (b *publishBundle) stage(t *testing.T, r activities.PublishRequest) uuid.UUID {
	t.Helper()
	ctx := context.Background()
	if _, err := b.publisher.Snapshot(ctx, r); err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	id := uuid.MustParse(r.ReleaseID)
	if _, err := b.publisher.Render(ctx, b.org, id); err != nil {
		t.Fatalf("render: %v", err)
	}
	if err := b.publisher.Upload(ctx, b.org, id, 0, nil); err != nil {
		t.Fatalf("upload: %v", err)
	}
	return id
}

func (b *publishBundle) publish(t *testing.T) uuid.UUID {
	t.Helper()
	id := b.stage(t, b.request())
	if _, err := b.publisher.Activate(context.Background(), b.org, id); err != nil {
		t.Fatalf("activate: %v", err)
	}
	return id
}

func (b *publishBundle) release(t *testing.T, id uuid.UUID) brand.Release {
	t.Helper()
	pub := &brand.Publishing{Publisher: b.publisher}
	var out brand.Release
	if err := b.in(func(ctx context.Context, tx pgx.Tx) (err error) {
		out, err = pub.Release(ctx, tx, b.owner, b.site.ID, id)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func (b *publishBundle) live(t *testing.T) *uuid.UUID {
	t.Helper()
	var live *uuid.UUID
	if err := b.db.Owner.QueryRow(context.Background(), "SELECT live_release_id FROM sites WHERE id = $1", b.site.ID).Scan(&live); err != nil {
		t.Fatal(err)
	}
	return live
}

func (b *publishBundle) objectsUnder(t *testing.T, id uuid.UUID) []string {
	t.Helper()
	var keys []string
	for o := range b.store.Client().ListObjects(context.Background(), b.store.Bucket(), listUnder(brand.ReleasePrefix(b.site.ID, id))) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		keys = append(keys, strings.TrimPrefix(o.Key, brand.ReleasePrefix(b.site.ID, id)))
	}
	return keys
}

// TestAPublishGoesLiveWithItsFilesAndEvents: snapshot -> render -> upload
// -> activate leaves every file (and the image) under the release's
// prefix, the site pointing at it, and the events of the commit point.
func TestAPublishGoesLiveWithItsFilesAndEvents(t *testing.T) {
	t.Parallel()
	b := publishSetup(t)
	id := b.publish(t)
	if live := b.live(t); live == nil || *live != id {
		t.Fatalf("live release %v, want %s", live, id)
	}
	rel := b.release(t, id)
	if rel.Status != "live" || !rel.Live || rel.Number != 1 || len(rel.Pages) != 2 || len(rel.Changes) != 2 || rel.ActivatedAt == nil {
		t.Fatalf("release %+v", rel)
	}
	keys := b.objectsUnder(t, id)
	want := []string{"index.html", "about/index.html", "404.html", "sitemap.xml", "robots.txt",
		"_r/" + id.String() + "/site.css", brand.MediaPath(id.String(), b.image, "shop.png")}
	for _, k := range want {
		if !containsString(keys, k) {
			t.Errorf("the release lacks %s (has %v)", k, keys)
		}
	}
	if rel.Files != len(keys) {
		t.Errorf("the release lists %d files, the store holds %d", rel.Files, len(keys))
	}
	home, _, err := b.store.Get(context.Background(), brand.ReleasePrefix(b.site.ID, id)+"index.html")
	if err != nil || !strings.Contains(string(home), "Fresh bread daily") || !strings.Contains(string(home), brand.MediaPath(id.String(), b.image, "shop.png")) {
		t.Fatalf("index.html: %v\n%s", err, home)
	}
	if n := b.eventCount(t, "xentri.website.published.v1"); n != 1 {
		t.Errorf("%d website.published events, want 1", n)
	}
	if n := b.eventCount(t, "xentri.content.published.v1"); n != 2 {
		t.Errorf("%d content.published events, want 2 (both pages are new)", n)
	}
	var staged int
	_ = b.db.Owner.QueryRow(context.Background(), "SELECT count(*) FROM release_files WHERE release_id = $1", id).Scan(&staged)
	if staged != 0 {
		t.Errorf("%d staged files left after the upload", staged)
	}

	// Every step again changes nothing: the workflow's retries are safe.
	ctx := context.Background()
	r := b.request()
	r.ReleaseID = id.String()
	if s, err := b.publisher.Snapshot(ctx, r); err != nil || !s.Activated || s.Number != 1 {
		t.Fatalf("snapshot again: %+v, %v", s, err)
	}
	if _, err := b.publisher.Render(ctx, b.org, id); err != nil {
		t.Fatal(err)
	}
	if err := b.publisher.Upload(ctx, b.org, id, 0, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := b.publisher.Activate(ctx, b.org, id); err != nil {
		t.Fatal(err)
	}
	if n := b.eventCount(t, "xentri.website.published.v1"); n != 1 {
		t.Errorf("activating twice emitted %d website.published events, want 1", n)
	}
	// A second publish changes only the page that changed.
	b.editHome(t, "Sourdough on Sundays")
	second := b.publish(t)
	if rel := b.release(t, second); rel.Number != 2 || len(rel.Changes) != 1 || rel.Changes[0].Path != "/" || rel.Changes[0].Change != "changed" {
		t.Fatalf("second release %+v", rel)
	}
	if rel := b.release(t, id); rel.Status != "retired" || rel.Live {
		t.Fatalf("first release after the second went live: %s live=%v", rel.Status, rel.Live)
	}
	if n := b.eventCount(t, "xentri.content.published.v1"); n != 3 {
		t.Errorf("%d content.published events, want 3", n)
	}
}

// TestAnUploadThatFailsHalfWayIsDiscarded: the compensation deletes what
// was uploaded and marks the release failed; the live release, its files
// and the events are untouched; a re-drive of the same request publishes.
func TestAnUploadThatFailsHalfWayIsDiscarded(t *testing.T) {
	t.Parallel()
	b := publishSetup(t)
	first := b.publish(t)
	events := b.eventCount(t, "xentri.website.published.v1")
	b.editHome(t, "A new hero")

	r := b.request()
	id := uuid.MustParse(r.ReleaseID)
	ctx := context.Background()
	if _, err := b.publisher.Snapshot(ctx, r); err != nil {
		t.Fatal(err)
	}
	if _, err := b.publisher.Render(ctx, b.org, id); err != nil {
		t.Fatal(err)
	}
	b.objects.puts.Store(0)
	b.objects.failAfter = 2
	done := 0
	err := b.publisher.Upload(ctx, b.org, id, 0, func(n int) { done = n })
	if err == nil || done != 2 || len(b.objectsUnder(t, id)) != 2 {
		t.Fatalf("upload: %v after %d files (%d in the store); want a failure after 2", err, done, len(b.objectsUnder(t, id)))
	}
	if err := b.publisher.Discard(ctx, b.org, id, "upload: "+err.Error()); err != nil {
		t.Fatal(err)
	}
	if keys := b.objectsUnder(t, id); len(keys) != 0 {
		t.Fatalf("after the compensation the store still holds %v", keys)
	}
	if rel := b.release(t, id); rel.Status != "failed" || rel.Failure == nil || !strings.Contains(*rel.Failure, "injected") {
		t.Fatalf("discarded release %+v", rel)
	}
	if live := b.live(t); live == nil || *live != first || len(b.objectsUnder(t, first)) == 0 {
		t.Fatalf("the live release moved or lost its files: %v", live)
	}
	if n := b.eventCount(t, "xentri.website.published.v1"); n != events {
		t.Fatalf("a discarded release emitted: %d events, want %d", n, events)
	}
	// Activating what was discarded is refused; discarding a live release
	// does nothing.
	if _, err := b.publisher.Activate(ctx, b.org, id); err == nil {
		t.Fatal("a failed release went live")
	}
	if err := b.publisher.Discard(ctx, b.org, first, "wrongly"); err != nil || len(b.objectsUnder(t, first)) == 0 || b.release(t, first).Status != "live" {
		t.Fatalf("discarding the live release touched it: %v", err)
	}

	// The re-drive: the store is back, the same request runs again.
	b.objects.failAfter = 0
	b.stage(t, r)
	if _, err := b.publisher.Activate(ctx, b.org, id); err != nil {
		t.Fatal(err)
	}
	if rel := b.release(t, id); rel.Status != "live" || rel.Attempts != 2 {
		t.Fatalf("re-driven release %+v", rel)
	}
}

// TestTwoActivationsOnTheSameLiveReleaseOneWins: two releases made while
// the same release was live race to activate; exactly one goes live, the
// other is a Conflict and can be discarded.
func TestTwoActivationsOnTheSameLiveReleaseOneWins(t *testing.T) {
	t.Parallel()
	b := publishSetup(t)
	b.publish(t)
	a, c := b.stage(t, b.request()), b.stage(t, b.request())
	var (
		wg   sync.WaitGroup
		errs [2]error
	)
	for i, id := range []uuid.UUID{a, c} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = b.publisher.Activate(context.Background(), b.org, id)
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case codeOf(err) != services.Conflict:
			t.Fatalf("the loser failed with %v, want a Conflict", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d activations won (%v), want exactly 1", won, errs)
	}
}

// TestAReleaseIsNeverOverwritten: an object at a release's key with other
// bytes stops the upload.
func TestAReleaseIsNeverOverwritten(t *testing.T) {
	t.Parallel()
	b := publishSetup(t)
	r := b.request()
	id := uuid.MustParse(r.ReleaseID)
	ctx := context.Background()
	if _, err := b.publisher.Snapshot(ctx, r); err != nil {
		t.Fatal(err)
	}
	if _, err := b.publisher.Render(ctx, b.org, id); err != nil {
		t.Fatal(err)
	}
	if err := b.store.Put(ctx, brand.ReleasePrefix(b.site.ID, id)+"about/index.html", []byte("someone else's"), "text/html", nil); err != nil {
		t.Fatal(err)
	}
	if err := b.publisher.Upload(ctx, b.org, id, 0, nil); codeOf(err) != services.Conflict {
		t.Fatalf("upload over other bytes: %v, want a Conflict", err)
	}
}

// TestRollbackSwapsBackAtOnce: rollback makes an earlier release live with
// its events, refuses a release that never went live, and purges.
func TestRollbackSwapsBackAtOnce(t *testing.T) {
	t.Parallel()
	b := publishSetup(t)
	first := b.publish(t)
	b.editHome(t, "Changed hero")
	second := b.publish(t)
	pub := &brand.Publishing{Publisher: b.publisher}
	rollback := func(id uuid.UUID) (brand.Release, func(context.Context) error, error) {
		var (
			rel   brand.Release
			purge func(context.Context) error
		)
		err := b.in(func(ctx context.Context, tx pgx.Tx) (err error) {
			rel, purge, err = pub.Rollback(ctx, tx, b.owner, b.site.ID, id)
			return err
		})
		return rel, purge, err
	}
	purges := b.purged.n.Load()
	start := time.Now()
	rel, purge, err := rollback(first)
	if err != nil {
		t.Fatal(err)
	}
	if err := purge(context.Background()); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	if live := b.live(t); live == nil || *live != first || !rel.Live {
		t.Fatalf("after rollback the live release is %v", live)
	}
	if b.purged.n.Load() != purges+1 {
		t.Error("the rollback did not purge")
	}
	if b.release(t, second).Status != "retired" {
		t.Error("the release rolled back from is not retired")
	}
	t.Logf("rollback took %s", took)
	if _, _, err := rollback(first); codeOf(err) != services.Conflict {
		t.Fatalf("rollback to the live release: %v, want a Conflict", err)
	}
	failed := b.request()
	if _, err := b.publisher.Snapshot(context.Background(), failed); err != nil {
		t.Fatal(err)
	}
	if _, _, err := rollback(uuid.MustParse(failed.ReleaseID)); codeOf(err) != services.Conflict {
		t.Fatalf("rollback to a release that never went live: %v, want a Conflict", err)
	}
	if _, _, err := rollback(uuid.Must(uuid.NewV7())); codeOf(err) != services.NotFound {
		t.Fatalf("rollback to no release: %v, want NotFound", err)
	}
	// The list shows who, what and where each stands.
	var list []brand.Release
	if err := b.in(func(ctx context.Context, tx pgx.Tx) (err error) {
		list, _, err = pub.Releases(ctx, tx, b.owner, b.site.ID, paging.Page{Limit: 10})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 || list[0].ID.String() != failed.ReleaseID || list[1].ID != second || !list[2].Live || list[2].Author == "" {
		t.Fatalf("releases %+v", list)
	}
}

// TestASchedulePublishesWhatItPinned: the versions of the moment the
// schedule was made, not the edits after it.
func TestASchedulePublishesWhatItPinned(t *testing.T) {
	t.Parallel()
	b := publishSetup(t)
	pins := map[string]int{b.home.ID.String(): 1}
	// The schedule's row, as CreateSchedule leaves it (without Temporal).
	id := uuid.Must(uuid.NewV7())
	var about uuid.UUID
	if err := b.db.Owner.QueryRow(context.Background(), "SELECT id FROM pages WHERE site_id = $1 AND path = '/about'", b.site.ID).Scan(&about); err != nil {
		t.Fatal(err)
	}
	pins[about.String()] = 1
	raw, _ := json.Marshal(pins)
	if _, err := b.db.Owner.Exec(context.Background(), `INSERT INTO site_schedules (id, org_id, site_id, publish_at, pins, workflow_id, author)
		VALUES ($1, $2, $3, now(), $4, 'site-schedule/x', 'user:x')`, id, b.org, b.site.ID, raw); err != nil {
		t.Fatal(err)
	}
	b.editHome(t, "Edited after scheduling")
	ok, err := b.publisher.FireSchedule(context.Background(), b.org, id)
	if err != nil || !ok || len(b.enqueued) != 1 {
		t.Fatalf("fire: %v, %v, %d enqueued", ok, err, len(b.enqueued))
	}
	r := b.enqueued[0]
	if r.ReleaseID != id.String() || r.Trigger != activities.TriggerSchedule || r.Pins[b.home.ID.String()] != 1 {
		t.Fatalf("enqueued %+v", r)
	}
	b.stage(t, r)
	home, _, err := b.store.Get(context.Background(), brand.ReleasePrefix(b.site.ID, id)+"index.html")
	if err != nil || !strings.Contains(string(home), "Fresh bread daily") || strings.Contains(string(home), "Edited after scheduling") {
		t.Fatalf("the scheduled release did not publish the pinned version: %v\n%s", err, home)
	}
	// Firing again queues the same release; a cancelled schedule fires nothing.
	if ok, err := b.publisher.FireSchedule(context.Background(), b.org, id); err != nil || !ok || b.enqueued[1].ReleaseID != id.String() {
		t.Fatalf("fire again: %v %v", ok, err)
	}
	other := uuid.Must(uuid.NewV7())
	if _, err := b.db.Owner.Exec(context.Background(), `INSERT INTO site_schedules (id, org_id, site_id, publish_at, pins, workflow_id, author, status)
		VALUES ($1, $2, $3, now(), '{}', 'site-schedule/y', 'user:x', 'cancelled')`, other, b.org, b.site.ID); err != nil {
		t.Fatal(err)
	}
	if ok, err := b.publisher.FireSchedule(context.Background(), b.org, other); err != nil || ok {
		t.Fatalf("a cancelled schedule fired: %v %v", ok, err)
	}
}

// TestAPublishNeedsPagesAndItsImages: a site without pages, or using an
// image that is not a ready asset of the org, is refused for good.
func TestAPublishNeedsPagesAndItsImages(t *testing.T) {
	t.Parallel()
	b := publishSetup(t)
	empty := b.createSite(t, b.svc, brand.SiteInput{Name: "Empty " + uuid.NewString()[:8]})
	r := b.request()
	r.SiteID = empty.ID.String()
	if _, err := b.publisher.Snapshot(context.Background(), r); codeOf(err) != services.Unprocessable {
		t.Fatalf("a site without pages: %v, want Unprocessable", err)
	}
	stranger := uuid.Must(uuid.NewV7())
	b.createPage(t, "/gallery", "Gallery", `{"headline":"Ours","image":{"src":"/media/`+stranger.String()+`","alt":"?"}}`)
	if _, err := b.publisher.Snapshot(context.Background(), b.request()); codeOf(err) != services.Unprocessable || !strings.Contains(err.Error(), stranger.String()) {
		t.Fatalf("an image that is not the org's: %v, want Unprocessable naming it", err)
	}
}

func listUnder(prefix string) minio.ListObjectsOptions {
	return minio.ListObjectsOptions{Prefix: prefix, Recursive: true}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestThePurgeCallsTheCDNsWebhook: the purge drops Xentri's caches, then
// posts the site's path to the purge webhook; a webhook that is down is an
// error to retry, one that refuses is final.
func TestThePurgeCallsTheCDNsWebhook(t *testing.T) {
	t.Parallel()
	b := publishSetup(t)
	var (
		mu     sync.Mutex
		bodies []map[string]any
		status = http.StatusOK
	)
	cdn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		mu.Lock()
		defer mu.Unlock()
		bodies = append(bodies, body)
		w.WriteHeader(status)
	}))
	defer cdn.Close()
	b.publisher.PurgeURL = cdn.URL
	release := uuid.Must(uuid.NewV7())
	purge := func() error { return b.publisher.Purge(context.Background(), b.org, b.site.ID, release) }

	if err := purge(); err != nil {
		t.Fatal(err)
	}
	if len(bodies) != 1 || fmt.Sprint(bodies[0]["paths"]) != "[/sites/"+b.site.ID.String()+"]" || bodies[0]["release_id"] != release.String() {
		t.Fatalf("the webhook got %v", bodies)
	}
	if b.purged.n.Load() != 1 {
		t.Fatal("Xentri's own caches were not purged")
	}
	status = http.StatusBadGateway
	if err := purge(); err == nil || codeOf(err) != "" {
		t.Fatalf("a CDN that is down: %v, want an error to retry", err)
	}
	status = http.StatusUnauthorized
	if err := purge(); codeOf(err) != services.Invalid {
		t.Fatalf("a CDN that refuses: %v, want a final (Invalid) error", err)
	}
}
