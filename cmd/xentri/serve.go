package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/xentri/xentri/api"
	"github.com/xentri/xentri/internal/cache"
	"github.com/xentri/xentri/internal/events"
	"github.com/xentri/xentri/internal/events/stream"
	"github.com/xentri/xentri/internal/n8n"
	"github.com/xentri/xentri/internal/platform/config"
	"github.com/xentri/xentri/internal/platform/telemetry"
	itemporal "github.com/xentri/xentri/internal/temporal"
	"github.com/xentri/xentri/services/brand"
	"github.com/xentri/xentri/services/integrations"
	"github.com/xentri/xentri/services/sales"
	"github.com/xentri/xentri/worker"
)

// roles says what a process runs.
type roles struct {
	api    bool // the API and web shell (else only probes and metrics)
	worker bool // the Temporal worker
	relay  bool // the event relay
}

func newAPICmd(getenv func(string) string, stderr io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "api",
		Short: "Serve the HTTP API and the web shell (one Deployment in production)",
		Long: `Serve the HTTP API under /api/v1, the web shell at /, and /healthz, /readyz
and /metrics, on XENTRI_HTTP_ADDR. DATABASE_URL must name the app role
xentri_app; a superuser or table owner is refused.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runStandalone(cmd.Context(), getenv, stderr, roles{api: true})
		},
	}
}

func newRelayCmd(getenv func(string) string, stderr io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "relay",
		Short: "Move committed events from Postgres to Redis Streams (one Deployment in production)",
		Long: `Publish the events in system_events to the Redis stream xentri:events (or its
partitions), at least once, in commit order within each org. DATABASE_URL
must name the xentri_relay role. Several replicas may run: one publishes, the
others take over within seconds when it stops. Serves /healthz, /readyz and
/metrics on XENTRI_HTTP_ADDR.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runStandalone(cmd.Context(), getenv, stderr, roles{relay: true})
		},
	}
}

func newWorkerCmd(getenv func(string) string, stderr io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "worker",
		Short: "Run the Temporal worker on TEMPORAL_TASK_QUEUE (one Deployment in production)",
		Long: `Run the Temporal worker that executes Xentri's workflows and activities, and
serve /healthz, /readyz and /metrics on XENTRI_HTTP_ADDR for probes.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runStandalone(cmd.Context(), getenv, stderr, roles{worker: true})
		},
	}
}

// runStandalone runs one production role against configured dependencies.
func runStandalone(ctx context.Context, getenv func(string) string, stderr io.Writer, r roles) error {
	cfg, log, err := loadConfig(getenv, stderr)
	if err != nil {
		return err
	}
	ctx, stop := withSignals(ctx)
	defer stop()
	shutdownTracing, err := startTracing(ctx, cfg)
	if err != nil {
		return err
	}
	defer shutdownTracing(context.WithoutCancel(ctx))
	d, err := openDeps(ctx, cfg, endpointsFrom(cfg), log, r)
	if err != nil {
		return err
	}
	defer d.close()
	ln, err := listen(cfg.HTTPAddr)
	if err != nil {
		return err
	}
	return runRoles(ctx, cfg, log, d, ln, r, nil)
}

// Deadlines of the consumer groups' handlers. The n8n bridge delivers an
// event to every matching subscription in turn, each with up to three
// attempts of ten seconds and their backoff, so it gets minutes; the others
// are quick database or Temporal calls.
const (
	handlerTimeout       = 30 * time.Second
	bridgeHandlerTimeout = 5 * time.Minute
)

// subscribers are the consumer groups on the event streams that the worker
// runs: cache invalidation, lead status changes to their follow-up
// workflows, and the n8n bridge when XENTRI_N8N_SECRET is set.
func subscribers(cfg config.Config, d *deps, log zerolog.Logger) ([]*stream.Runner, error) {
	streams := events.Streams(events.StreamBase, cfg.StreamPartitions)
	readCache := cache.NewReadCache(d.redis)
	// In-flight handlers get the shutdown budget to finish, and never more
	// than their own deadline.
	grace := min(cfg.ShutdownTimeout, handlerTimeout)
	cacheRunner, err := stream.NewRunner(stream.Config{
		Redis: d.redis, Streams: streams, Group: "cache", Handler: readCache.Invalidate, Log: log, StartID: "0",
		HandlerTimeout: handlerTimeout, ShutdownGrace: grace,
	})
	if err != nil {
		return nil, err
	}
	followUps, err := stream.NewRunner(stream.Config{
		Redis: d.redis, Streams: streams, Group: "lead-followups", Handler: (&sales.Signaller{Temporal: d.temporal}).Handle, Log: log, StartID: "$",
		HandlerTimeout: handlerTimeout, ShutdownGrace: grace,
	})
	if err != nil {
		return nil, err
	}
	runners := []*stream.Runner{cacheRunner, followUps}
	if cfg.N8NSecret == "" {
		log.Warn().Msg("XENTRI_N8N_SECRET is not set: the n8n bridge is off")
		return runners, nil
	}
	static, err := n8n.ParseSubscriptions(cfg.N8NSubscriptions)
	if err != nil {
		return nil, fmt.Errorf("XENTRI_N8N_SUBSCRIPTIONS: %w", err)
	}
	signer, err := n8n.NewSigner([]byte(cfg.N8NSecret))
	if err != nil {
		return nil, fmt.Errorf("XENTRI_N8N_SECRET: %w", err)
	}
	bridge := &integrations.Bridge{
		DB:        d.db,
		Deliverer: n8n.NewDeliverer(n8n.DelivererConfig{Signer: signer, Redis: d.redis, Log: log, Allow: cfg.OutboundAllowed()}),
		Static:    static,
		Log:       log,
	}
	bridgeRunner, err := stream.NewRunner(stream.Config{
		Redis: d.redis, Streams: streams, Group: "n8n-bridge", Handler: bridge.Handle, Log: log, StartID: "$",
		HandlerTimeout: bridgeHandlerTimeout, ShutdownGrace: grace,
	})
	if err != nil {
		return nil, err
	}
	return append(runners, bridgeRunner), nil
}

// runRoles serves until ctx ends, then shuts down in order: the HTTP server
// lets in-flight requests finish, then the worker stops polling and lets
// running activities finish, each within XENTRI_SHUTDOWN_TIMEOUT. ready, if
// set, is called once everything is serving.
func runRoles(ctx context.Context, cfg config.Config, log zerolog.Logger, d *deps, ln net.Listener, r roles, ready func()) error {
	var w sdkworker.Worker
	var subscribersDone sync.WaitGroup
	subscribersCtx, stopSubscribers := context.WithCancel(context.WithoutCancel(ctx))
	defer stopSubscribers()
	if r.worker {
		// Workflows set the custom search attributes, so a worker makes sure
		// they exist. On a cluster where only operators may add them this
		// fails harmlessly: they must then be added out of band.
		sactx, cancel := context.WithTimeout(ctx, 10*time.Second)
		if err := itemporal.EnsureSearchAttributes(sactx, d.temporal, cfg.TemporalNamespace); err != nil {
			log.Warn().Err(err).Msg("could not register the search attributes; add them with `temporal operator search-attribute create`")
		}
		cancel()
		engine, err := engineFrom(cfg)
		if err != nil {
			ln.Close()
			return err
		}
		w = worker.New(d.temporal, cfg.TemporalTaskQueue, worker.Deps{DB: d.db, Redis: d.redis, Blob: d.blob, Events: d.events,
			FollowUpDay: cfg.FollowUpDay, Engine: engine, Log: log, SiteURL: cfg.SiteURL, SitesPurgeURL: cfg.SitesPurgeURL}, cfg.ShutdownTimeout)
		if err := w.Start(); err != nil {
			ln.Close()
			return fmt.Errorf("start worker: %w", err)
		}
		log.Info().Str("task_queue", cfg.TemporalTaskQueue).Msg("worker polling")
		subs, err := subscribers(cfg, d, log)
		if err != nil {
			w.Stop()
			ln.Close()
			return err
		}
		for _, s := range subs {
			subscribersDone.Add(1)
			go func() {
				defer subscribersDone.Done()
				if err := s.Run(subscribersCtx); err != nil {
					log.Error().Err(err).Msg("event subscriber stopped")
				}
			}()
		}
	}
	reg := telemetry.NewRegistry()
	relayDone := make(chan struct{})
	relayCtx, stopRelay := context.WithCancel(context.WithoutCancel(ctx))
	defer stopRelay()
	if r.relay {
		relay, err := events.NewRelay(events.RelayConfig{
			DB: d.relayDB.Pool, Redis: d.redis, Partitions: cfg.StreamPartitions, MaxLen: cfg.StreamMaxLen,
			MaxAge: cfg.StreamMaxAge, Log: log, Registry: reg,
		})
		if err != nil {
			ln.Close()
			return err
		}
		go func() {
			defer close(relayDone)
			_ = relay.Run(relayCtx)
		}()
	} else {
		close(relayDone)
	}
	routes := probeConfig(cfg, d, log, reg)
	if r.api {
		var err error
		if routes, err = apiConfig(cfg, d, log, reg); err != nil {
			ln.Close()
			return err
		}
	}
	if sites, ok := routes.Sites.(*brand.SiteServer); ok {
		// Every publish's and rollback's purge reaches this process.
		go func() { _ = sites.Run(ctx) }()
	}
	h := api.NewRouter(routes)
	srv := httpServer(h, cfg)
	srv.RegisterOnShutdown(d.drain) // event streams never go idle by themselves
	errc := serve(srv, ln)
	log.Info().Str("addr", ln.Addr().String()).Bool("api", r.api).Bool("worker", r.worker).Msg("serving")
	if ready != nil {
		ready()
	}

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	log.Info().Msg("shutting down")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	start := time.Now()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn().Err(err).Msg("in-flight requests did not finish in time")
	}
	if w != nil {
		w.Stop()
	}
	stopRelay()
	stopSubscribers()
	<-relayDone
	subscribersDone.Wait()
	log.Info().Dur("took", time.Since(start)).Msg("stopped")
	return serveErr
}
