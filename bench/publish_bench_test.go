package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"

	"github.com/xentri/xentri/activities"
	"github.com/xentri/xentri/internal/blob"
	"github.com/xentri/xentri/internal/events"
	itemporal "github.com/xentri/xentri/internal/temporal"
	"github.com/xentri/xentri/internal/testenv"
	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/brand"
	"github.com/xentri/xentri/services/brief"
	"github.com/xentri/xentri/worker"
)

// The shape of the publish benchmark (issue 12): a 50-page site whose
// pages show 20 uploaded images between them.
const (
	publishPages  = 50
	publishImages = 20
	publishRuns   = 10
)

// publishStack is the embedded stack of `xentri dev` for publishing: the
// real Postgres, Redis and Temporal dev server, the embedded S3 store, and
// a worker.
type publishStack struct {
	db         *testenv.Database
	store      *blob.Store
	publishing *brand.Publishing
	org, site  uuid.UUID
	owner      access.Membership
}

func newPublishStack(b *testing.B) *publishStack {
	b.Helper()
	d := testenv.DB(b)
	store := testenv.Store(b)
	c, err := itemporal.Dial(context.Background(), testenv.Temporal(b), "default", zerolog.Nop())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.Close)
	queue := "bench-publish-" + uuid.NewString()
	w := events.Writer{Log: zerolog.Nop()}
	deps := worker.Deps{DB: d.App, Redis: testenv.Redis(b), Blob: store, Events: &w, Temporal: c, TaskQueue: queue,
		SiteURL: func(slug string) string { return "http://" + slug + ".sites.localhost" }}
	wk := worker.New(c, queue, deps, 10*time.Second)
	if err := wk.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(wk.Stop)
	s := &publishStack{db: d, store: store, publishing: &brand.Publishing{Publisher: worker.Publisher(deps), Temporal: c, TaskQueue: queue}}
	s.build(b, &w)
	return s
}

// build makes the org, its 20 images (ready, as media completion leaves
// them) and the site of 50 pages, each with eight blocks of every kind.
func (s *publishStack) build(b *testing.B, w *events.Writer) {
	b.Helper()
	ctx := context.Background()
	s.org = uuid.Must(uuid.NewV7())
	user := uuid.Must(uuid.NewV7())
	if _, err := s.db.Owner.Exec(ctx, `INSERT INTO orgs (id, name) VALUES ($1, 'bench publish')`, s.org); err != nil {
		b.Fatal(err)
	}
	if _, err := s.db.Owner.Exec(ctx, `INSERT INTO users (id, email) VALUES ($1, $2)`, user, user.String()+"@example.test"); err != nil {
		b.Fatal(err)
	}
	s.owner = access.Membership{OrgID: s.org, Role: access.RoleOwner, Principal: access.Principal{UserID: user}}
	images := make([]uuid.UUID, publishImages)
	for i := range images {
		images[i] = uuid.Must(uuid.NewV7())
		body := benchPNG(b, 64+i)
		key := brand.MediaKey(s.org, images[i], fmt.Sprintf("photo-%d.png", i))
		if err := s.store.Put(ctx, key, body, "image/png", nil); err != nil {
			b.Fatal(err)
		}
		if _, err := s.db.Owner.Exec(ctx, `INSERT INTO media_assets (id, org_id, object_key, filename, content_type, size, status, completed_at)
			VALUES ($1, $2, $3, $4, 'image/png', $5, 'ready', now())`, images[i], s.org, key, fmt.Sprintf("photo-%d.png", i), len(body)); err != nil {
			b.Fatal(err)
		}
	}
	svc := &brand.Service{Brief: &brief.Service{DB: s.db.App, Events: w, Log: zerolog.Nop()}, Events: w, Log: zerolog.Nop()}
	err := s.db.App.InTenant(ctx, s.org, func(ctx context.Context, tx pgx.Tx) error {
		site, err := svc.CreateSite(ctx, tx, s.owner, brand.SiteInput{Name: "Bench " + uuid.NewString()[:8]})
		if err != nil {
			return err
		}
		s.site = site.ID
		for i := range publishPages {
			path := fmt.Sprintf("/page-%d", i)
			if i == 0 {
				path = "/"
			}
			img := images[i%publishImages]
			gallery := fmt.Sprintf(`{"heading":"Gallery","images":[{"src":"/media/%s","alt":"one"},{"src":"/media/%s","alt":"two"}]}`,
				img, images[(i+1)%publishImages])
			blocks := []brand.Block{
				{Type: brand.BlockHero, Data: json.RawMessage(fmt.Sprintf(`{"headline":"Page %d of the bench","subheadline":"A line under it","image":{"src":"/media/%s","alt":"hero"}}`, i, img))},
				{Type: brand.BlockRichText, Data: json.RawMessage(`{"markdown":"## About\n\nWe bake **bread** every morning. [Contact us](/contact).\n\n- rye\n- spelt\n- sourdough"}`)},
				{Type: brand.BlockFeatures, Data: json.RawMessage(`{"heading":"What we do","items":[{"title":"Bread","description":"Every day"},{"title":"Cakes","description":"To order"},{"title":"Coffee","description":"From 7"}]}`)},
				{Type: brand.BlockTestimonials, Data: json.RawMessage(`{"items":[{"quote":"The best rye in town.","author":"Ana"},{"quote":"Lovely staff.","author":"Tom","role":"Regular"}]}`)},
				{Type: brand.BlockGallery, Data: json.RawMessage(gallery)},
				{Type: brand.BlockPricing, Data: json.RawMessage(`{"plans":[{"label":"Loaf","amount":450,"currency":"EUR"},{"label":"Cake","amount":3200,"currency":"EUR"}]}`)},
				{Type: brand.BlockCTA, Data: json.RawMessage(`{"heading":"Order today","button":{"label":"Call us","href":"tel:+351912345678"}}`)},
				{Type: brand.BlockContactForm, Data: json.RawMessage(`{"heading":"Write to us","fields":["name","email","message"]}`)},
			}
			if _, err := svc.CreatePage(ctx, tx, s.owner, site.ID, brand.PageInput{Path: path, Title: fmt.Sprintf("Page %d", i), Blocks: blocks}); err != nil {
				return fmt.Errorf("page %d: %w", i, err)
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

func benchPNG(b *testing.B, n int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, n, n))
	for x := range n {
		for y := range n {
			img.Set(x, y, color.RGBA{R: uint8(x * 3), G: uint8(y * 5), B: uint8(x ^ y), A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// stepTimes are one publish's durations, whole and per step, from the
// release row's timestamps (snapshot at created_at, then rendered_at,
// uploaded_at, activated_at) and the end of the run (after the purge).
type stepTimes struct{ total, snapshot, render, upload, activate, purge time.Duration }

func (s *publishStack) publishOnce(b *testing.B) stepTimes {
	b.Helper()
	ctx := context.Background()
	release := uuid.Must(uuid.NewV7())
	start := time.Now()
	started, err := s.publishing.Enqueue(ctx, activities.PublishRequest{OrgID: s.org.String(), SiteID: s.site.String(),
		ReleaseID: release.String(), Trigger: activities.TriggerPublish, Author: "system:bench"})
	if err != nil {
		b.Fatal(err)
	}
	// The run ends after the purge: that is the whole workflow.
	if err := s.publishing.Temporal.GetWorkflow(ctx, started.WorkflowID, started.RunID).Get(ctx, nil); err != nil {
		b.Fatal(err)
	}
	done := time.Now()
	var (
		status                        string
		created                       time.Time
		rendered, uploaded, activated *time.Time
	)
	if err := s.db.Owner.QueryRow(ctx, `SELECT status, created_at, rendered_at, uploaded_at, activated_at FROM site_releases WHERE id = $1`, release).
		Scan(&status, &created, &rendered, &uploaded, &activated); err != nil {
		b.Fatal(err)
	}
	if activated == nil {
		b.Fatalf("release %s is %s", release, status)
	}
	return stepTimes{total: done.Sub(start), snapshot: created.Sub(start), render: rendered.Sub(created),
		upload: uploaded.Sub(*rendered), activate: activated.Sub(*uploaded), purge: done.Sub(*activated)}
}

// BenchmarkPublish50Pages publishes a 50-page site with 20 images through
// the site-publish workflow on the embedded stack, publishRuns times in a
// row (after one warm-up), and reports the p50 of the whole publish (from
// the request to the end of the run) and of each step. Snapshot counts
// from the request, so it holds the workflow's start; purge counts from the
// activation's commit to the end of the run.
//
//	go test -run '^$' -bench Publish50Pages -benchtime 1x ./bench/
func BenchmarkPublish50Pages(b *testing.B) {
	s := newPublishStack(b)
	s.publishOnce(b) // warm: templates parsed, connections open
	for b.Loop() {
		var runs []stepTimes
		for range publishRuns {
			runs = append(runs, s.publishOnce(b))
		}
		p50 := func(f func(stepTimes) time.Duration) float64 {
			d := make([]time.Duration, len(runs))
			for i, r := range runs {
				d[i] = f(r)
			}
			slices.Sort(d)
			return float64(d[len(d)/2]) / float64(time.Millisecond)
		}
		b.ReportMetric(p50(func(r stepTimes) time.Duration { return r.total }), "p50-publish-ms")
		b.ReportMetric(p50(func(r stepTimes) time.Duration { return r.snapshot }), "p50-snapshot-ms")
		b.ReportMetric(p50(func(r stepTimes) time.Duration { return r.render }), "p50-render-ms")
		b.ReportMetric(p50(func(r stepTimes) time.Duration { return r.upload }), "p50-upload-ms")
		b.ReportMetric(p50(func(r stepTimes) time.Duration { return r.activate }), "p50-activate-ms")
		b.ReportMetric(p50(func(r stepTimes) time.Duration { return r.purge }), "p50-purge-ms")
	}
	var files int
	_ = s.db.Owner.QueryRow(context.Background(), `SELECT jsonb_array_length(files) FROM site_releases WHERE site_id = $1 ORDER BY number DESC LIMIT 1`, s.site).Scan(&files)
	b.ReportMetric(float64(files), "files/release")
}

// BenchmarkRollback swaps a 50-page site between two releases through
// Publishing.Rollback (the API's transaction, then its purge), and reports
// the p99: nothing is rendered or uploaded, so the size of the site does
// not matter. Target: p99 < 1 s.
//
//	go test -run '^$' -bench Rollback -benchtime 200x ./bench/
func BenchmarkRollback(b *testing.B) {
	s := newPublishStack(b)
	releases := [2]uuid.UUID{}
	for i := range releases {
		s.publishOnce(b)
		_ = s.db.Owner.QueryRow(context.Background(), `SELECT live_release_id FROM sites WHERE id = $1`, s.site).Scan(&releases[i])
	}
	var took []time.Duration
	i := 0
	for b.Loop() {
		target := releases[i%2]
		i++
		start := time.Now()
		var purge func(context.Context) error
		if err := s.db.App.InTenant(context.Background(), s.org, func(ctx context.Context, tx pgx.Tx) (err error) {
			_, purge, err = s.publishing.Rollback(ctx, tx, s.owner, s.site, target)
			return err
		}); err != nil {
			b.Fatal(err)
		}
		if err := purge(context.Background()); err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)*99/100])/float64(time.Millisecond), "p99-ms")
	b.ReportMetric(float64(took[len(took)/2])/float64(time.Millisecond), "p50-ms")
}
