// Package worker wires Xentri's Temporal worker: the task queue it polls, its
// interceptors, and Register, the one place where every workflow and its
// activities are added.
package worker

import (
	"context"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/xentri/xentri/activities"
	"github.com/xentri/xentri/internal/blob"
	"github.com/xentri/xentri/internal/cache"
	"github.com/xentri/xentri/internal/db"
	"github.com/xentri/xentri/internal/events"
	"github.com/xentri/xentri/services/brand"
	"github.com/xentri/xentri/services/brief"
	"github.com/xentri/xentri/services/brief/extract"
	"github.com/xentri/xentri/services/ops"
	"github.com/xentri/xentri/services/sales"
	"github.com/xentri/xentri/workflows"
)

// Deps are the clients activities use.
type Deps struct {
	DB     *db.DB
	Redis  *redis.Client
	Blob   *blob.Store
	Events *events.Writer
	// FollowUpDay is how long a day of the follow-up cadence lasts
	// (XENTRI_FOLLOWUP_DAY); 24h when zero.
	FollowUpDay time.Duration
	// Engine reads the owner's words for the co-pilot and brief generation
	// (XENTRI_AI_ENGINE: the rules engine, or an OpenAI-compatible one).
	Engine extract.Engine
	// Log is where the brief context reports facts it skipped.
	Log zerolog.Logger
	// Temporal and TaskQueue let activities start workflows: a schedule
	// that comes due queues its site's publish.
	Temporal  client.Client
	TaskQueue string
	// SiteURL is a published site's public address (config.SiteURL);
	// SitesPurgeURL a CDN's purge webhook (optional).
	SiteURL       func(slug string) string
	SitesPurgeURL string
}

// New returns a worker for taskQueue with every workflow and activity
// registered. Tracing comes from the client's interceptor (workers inherit
// it); logging is added here. Start it with Start and stop it with Stop,
// which lets running activities finish within stopTimeout.
func New(c client.Client, taskQueue string, deps Deps, stopTimeout time.Duration) sdkworker.Worker {
	if deps.Temporal == nil {
		deps.Temporal, deps.TaskQueue = c, taskQueue
	}
	w := sdkworker.New(c, taskQueue, sdkworker.Options{
		Interceptors:      Interceptors(),
		WorkerStopTimeout: stopTimeout,
	})
	Register(w, deps)
	return w
}

// Interceptors are the worker interceptors New installs: logging, and the
// dead letter of every workflow that fails for good. Tests that build a
// worker of their own (to inject a failing activity) install the same ones.
func Interceptors() []interceptor.WorkerInterceptor {
	return []interceptor.WorkerInterceptor{newLoggingInterceptor(), &deadLetterInterceptor{}}
}

// Workflows lists every workflow the worker runs. A new workflow is added
// here (and its activities in Register), nowhere else; the replay tests take
// the list from here too.
func Workflows() []any {
	return []any{
		workflows.Diagnostics,
		workflows.LeadFollowUp,
		workflows.CopilotSession,
		workflows.BriefGenerate,
		workflows.SitePublish,
		workflows.SiteSchedule,
	}
}

// Register adds every workflow and its activities to r.
func Register(r sdkworker.Registry, deps Deps) {
	for _, wf := range Workflows() {
		r.RegisterWorkflow(wf)
	}
	r.RegisterActivity(&activities.Diagnostics{Pings: map[string]func(context.Context) error{
		"postgres":       deps.DB.Ping,
		"redis":          func(ctx context.Context) error { return deps.Redis.Ping(ctx).Err() },
		"object_storage": deps.Blob.Ping,
	}})
	r.RegisterActivity(&activities.Sales{FollowUps: &sales.FollowUps{DB: deps.DB, Events: deps.Events, Day: deps.FollowUpDay}})
	briefs := &brief.Service{DB: deps.DB, Events: deps.Events, Cache: cache.NewReadCache(deps.Redis), Log: deps.Log,
		Sales: &sales.Service{DB: deps.DB, Events: deps.Events, Log: deps.Log}}
	copilot := &brief.Copilot{DB: deps.DB, Brief: briefs, Engine: deps.Engine, Log: deps.Log}
	if deps.Redis != nil {
		// Each turn's live events, for the API's clients that follow the
		// session (GET /copilot/sessions/{id}/stream).
		copilot.Stream = cache.NewCopilotStream(deps.Redis)
	}
	r.RegisterActivity(&activities.Brief{Copilot: copilot, Generation: copilot})
	r.RegisterActivity(&activities.Brand{Publisher: Publisher(deps)})
	r.RegisterActivity(&activities.DeadLetters{Store: &ops.Recorder{DB: deps.DB, Events: deps.Events, Redis: deps.Redis}})
}

// Publisher is the brand context's publisher as the worker's activities
// use it: releases in the object store, caches purged through Redis, and
// schedules queued on the site-publish workflow.
func Publisher(deps Deps) *brand.Publisher {
	siteURL := deps.SiteURL
	if siteURL == nil {
		// The default of XENTRI_SITES_DOMAIN, for tests and tools that
		// build a worker without the configuration.
		siteURL = func(slug string) string { return "http://" + slug + ".sites.localhost" }
	}
	p := &brand.Publisher{DB: deps.DB, Events: deps.Events, SiteURL: siteURL, PurgeURL: deps.SitesPurgeURL,
		HTTP: &http.Client{Timeout: 15 * time.Second}}
	if deps.Blob != nil {
		p.Objects = deps.Blob
	}
	if deps.Redis != nil {
		p.Purger = cache.NewSiteCache(deps.Redis, deps.Log)
	}
	publishing := &brand.Publishing{Publisher: p, Temporal: deps.Temporal, TaskQueue: deps.TaskQueue}
	p.Enqueue = publishing.Enqueue
	return p
}
