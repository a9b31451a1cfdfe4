package events

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/xentri/xentri/internal/db/dbsqlc"
)

// StreamBase is the events stream; with partitions it is StreamBase:{n}.
const StreamBase = "xentri:events"

// relayLockKey is the advisory lock whose holder is the one publishing relay.
const relayLockKey = 0x78656e747269 // "xentri"

// RelayConfig configures a Relay.
type RelayConfig struct {
	// DB is a pool of the xentri_relay role, which reads every org's events.
	DB    *pgxpool.Pool
	Redis *redis.Client
	// Stream is the stream name (default StreamBase).
	Stream string
	// Partitions splits the stream by org for Redis Cluster: an org always
	// lands on StreamBase:{hash(org) % Partitions}. 1 (the default) is
	// StreamBase itself.
	Partitions int
	// Trimming: approximately MaxLen entries per stream (default 1,000,000),
	// or, when MaxAge is set, entries younger than MaxAge.
	MaxLen int64
	MaxAge time.Duration
	// Batch is how many events one round publishes (default 1000).
	Batch int
	// PollInterval bounds how long the relay waits when no notification
	// arrives (default 1s); LeaseRetry how often a standby asks for the
	// lease (default 2s).
	PollInterval time.Duration
	LeaseRetry   time.Duration
	Log          zerolog.Logger
	Registry     prometheus.Registerer // optional
}

// Relay moves committed events from system_events to Redis Streams, at least
// once, in insertion order (commit order within an org). Several replicas
// may run: the one holding a session advisory lock publishes, the others
// stand by and take over within LeaseRetry when its session ends.
type Relay struct {
	cfg       RelayConfig
	published prometheus.Counter
	lag       prometheus.Histogram
}

// NewRelay validates cfg and fills its defaults.
func NewRelay(cfg RelayConfig) (*Relay, error) {
	if cfg.DB == nil || cfg.Redis == nil {
		return nil, errors.New("relay: DB and Redis are required")
	}
	cfg.Partitions = max(cfg.Partitions, 1)
	if cfg.Stream == "" {
		cfg.Stream = StreamBase
	}
	if cfg.MaxLen <= 0 {
		cfg.MaxLen = 1_000_000
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 1000
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.LeaseRetry <= 0 {
		cfg.LeaseRetry = 2 * time.Second
	}
	r := &Relay{
		cfg: cfg,
		published: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "xentri", Subsystem: "relay", Name: "events_published_total",
			Help: "Events the relay put on Redis Streams.",
		}),
		lag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "xentri", Subsystem: "relay", Name: "lag_seconds",
			Help:    "Time from an event's transaction start to its XADD.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}),
	}
	if cfg.Registry != nil {
		cfg.Registry.MustRegister(r.published, r.lag)
	}
	return r, nil
}

// StreamFor is the stream of base an org's events go to.
func StreamFor(base, orgID string, partitions int) string {
	if partitions <= 1 {
		return base
	}
	h := fnv.New32a()
	h.Write([]byte(orgID))
	return base + ":" + strconv.Itoa(int(h.Sum32()%uint32(partitions)))
}

// Streams lists every stream of base for the partition count.
func Streams(base string, partitions int) []string {
	if partitions <= 1 {
		return []string{base}
	}
	out := make([]string, partitions)
	for i := range out {
		out[i] = base + ":" + strconv.Itoa(i)
	}
	return out
}

// Run publishes until ctx ends, as the leader or as a standby.
func (r *Relay) Run(ctx context.Context) error {
	for {
		err := r.lead(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			r.cfg.Log.Warn().Err(err).Msg("relay: lost or could not take the lease")
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(r.cfg.LeaseRetry):
		}
	}
}

// lead takes the lease if it is free and publishes while it holds it.
func (r *Relay) lead(ctx context.Context) error {
	pooled, err := r.cfg.DB.Acquire(ctx)
	if err != nil {
		return err
	}
	// The lease lives and dies with this session: the connection leaves the
	// pool, so it is never handed back with the lock on it.
	conn := pooled.Hijack()
	defer conn.Close(context.WithoutCancel(ctx))
	var got bool
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", relayLockKey).Scan(&got); err != nil {
		return err
	}
	if !got {
		return nil // another replica publishes; stand by
	}
	if _, err := conn.Exec(ctx, "LISTEN "+NotifyChannel); err != nil {
		return err
	}
	r.cfg.Log.Info().Msg("relay: publishing (holding the lease)")
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		n, err := r.PublishBatch(ctx)
		if err != nil {
			// Redis or Postgres is down: the events wait in Postgres.
			r.cfg.Log.Warn().Err(err).Dur("retry_in", backoff).Msg("relay: publish failed")
			select {
			case <-ctx.Done():
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, 5*time.Second)
			if err := conn.Ping(ctx); err != nil && ctx.Err() == nil {
				return fmt.Errorf("lease session: %w", err)
			}
			continue
		}
		backoff = 100 * time.Millisecond
		if n == r.cfg.Batch {
			continue // more waiting
		}
		wctx, cancel := context.WithTimeout(ctx, r.cfg.PollInterval)
		_, err = conn.WaitForNotification(wctx)
		cancel()
		if err != nil && ctx.Err() == nil && !errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("lease session: %w", err)
		}
	}
	return nil
}

// batchGrace bounds how long a batch already read may take to publish and
// mark after the relay is told to stop.
const batchGrace = 10 * time.Second

// PublishBatch publishes up to Batch unpublished events with one pipelined
// round of XADDs and marks them published. Nothing is marked unless Redis
// took every entry.
func (r *Relay) PublishBatch(ctx context.Context) (int, error) {
	rows, err := dbsqlc.New(r.cfg.DB).UnpublishedEvents(ctx, int32(r.cfg.Batch))
	if err != nil {
		return 0, fmt.Errorf("read events: %w", err)
	}
	if len(rows) == 0 {
		return 0, nil
	}
	// A batch once read is published and marked to the end, even when ctx
	// ends meanwhile (a leader stopping, a replica handing over): cut
	// between the XADDs and the mark, its events would go out again from
	// the next leader. Bounded, so a dead Redis cannot hold a stop.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), batchGrace)
	defer cancel()
	pipe := r.cfg.Redis.Pipeline()
	ids := make([]uuid.UUID, len(rows))
	for i, e := range rows {
		ids[i] = e.ID
		org := e.OrgID.String()
		args := &redis.XAddArgs{
			Stream: StreamFor(r.cfg.Stream, org, r.cfg.Partitions),
			Approx: true,
			Values: StreamValues(e.ID.String(), e.Type, org, e.Envelope),
		}
		if r.cfg.MaxAge > 0 {
			args.MinID = strconv.FormatInt(time.Now().Add(-r.cfg.MaxAge).UnixMilli(), 10)
		} else {
			args.MaxLen = r.cfg.MaxLen
		}
		pipe.XAdd(ctx, args)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, fmt.Errorf("xadd: %w", err)
	}
	if _, err := dbsqlc.New(r.cfg.DB).MarkEventsPublished(ctx, ids); err != nil {
		// They are on the stream and will be published again: at least once.
		return 0, fmt.Errorf("mark published: %w", err)
	}
	now := time.Now()
	for _, e := range rows {
		r.lag.Observe(now.Sub(e.CreatedAt).Seconds())
	}
	r.published.Add(float64(len(rows)))
	return len(rows), nil
}
