package stream

import (
	"cmp"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/xentri/xentri/contracts"
)

// DefaultDeadLetter is the dead letter stream of the event subscribers.
const DefaultDeadLetter = "xentri:dlq"

// processedPrefix starts the dedupe keys: xentri:processed:<group>:<event id>.
const processedPrefix = "xentri:processed:"

// Handler handles one event. A nil error means the event is done with and its
// entry is acknowledged; an error means it is retried, up to MaxAttempts, and
// then dead-lettered (at once if the error is Permanent).
//
// The Runner calls it one event at a time. Its context carries the Delivery
// and a deadline HandlerTimeout away; passing the deadline is a failed
// attempt. The context is not cancelled when Run's is, so that the event in
// hand can finish, but ShutdownGrace later. A handler that has not returned
// shortly after its context ended is abandoned: the Runner goes on (retrying
// the event, or stopping) while that call may still be running, so a
// handler that ignores its context can run alongside its own retry.
type Handler func(ctx context.Context, e contracts.Envelope) error

// Config configures a Runner. Zero values take the defaults documented on
// each field.
type Config struct {
	Redis    *redis.Client
	Streams  []string // e.g. ["xentri:events"] or the partitions xentri:events:{n}
	Group    string   // consumer group, one per subscriber ("cache", "n8n-bridge")
	Consumer string   // this process's name in the group; default hostname-pid
	Handler  Handler

	Batch       int                             // XREADGROUP COUNT; default 100
	Block       time.Duration                   // XREADGROUP BLOCK; default 2s; Run takes up to this long to notice a cancel
	MaxAttempts int                             // default 5; then the entry goes to the DeadLetter stream
	Backoff     func(attempt int) time.Duration // wait after failed attempt n; default DefaultBackoff
	ClaimIdle   time.Duration                   // take over entries pending this long (their consumer died); default 30s
	DeadLetter  string                          // DLQ stream; default DefaultDeadLetter
	DedupeTTL   time.Duration                   // how long a handled event id is remembered; default 24h
	Log         zerolog.Logger
	StartID     string // where a new group starts: "$" (default: only new events) or "0"

	// HandlerTimeout is the deadline of each handler call; default 30s.
	HandlerTimeout time.Duration
	// ShutdownGrace is how long, once Run's ctx ends, the handler call in
	// hand may go on before its context is cancelled; default 5s or
	// HandlerTimeout if shorter, and no longer than HandlerTimeout. Run
	// returns about half a second after that at most, Redis answering.
	ShutdownGrace time.Duration
}

// Delivery says which stream entry a handler call is for.
type Delivery struct {
	Stream  string
	EntryID string
	Group   string
	// Attempt is 1 on the first try and counts the tries of every consumer
	// that held the entry, not only this one's.
	Attempt int
}

type deliveryKey struct{}

// DeliveryFromContext returns the Delivery of the handler call ctx was
// given to.
func DeliveryFromContext(ctx context.Context) (Delivery, bool) {
	d, ok := ctx.Value(deliveryKey{}).(Delivery)
	return d, ok
}

// permanentError marks a handler error that retrying cannot fix.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent wraps a handler error that no retry can fix (an event the
// subscriber can never process): the entry goes to the dead letter stream
// without further attempts.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// DefaultBackoff waits 200ms·2^(attempt-1), at most 30s, less up to a fifth
// at random so that consumers failing together do not retry together.
func DefaultBackoff(attempt int) time.Duration {
	return jitter(exponential(200*time.Millisecond, 30*time.Second, attempt))
}

func exponential(base, limit time.Duration, attempt int) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	if attempt > 30 {
		return limit
	}
	return min(base<<(attempt-1), limit)
}

func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return d
	}
	return d - rand.N(d/5+1)
}

// Runner consumes streams as one consumer of a group. Build it with
// NewRunner.
type Runner struct {
	cfg        Config
	rdb        *redis.Client
	log        zerolog.Logger
	leaseValue string        // this Runner's dedupe lease, unique per Runner
	leaseTTL   time.Duration // a lease not renewed this long is a dead holder's
	heartbeat  time.Duration // how often the entries in hand are kept claimed
	claimEvery time.Duration // how often idle pending entries are claimed
	gcIdle     time.Duration // consumers idle this long, with nothing pending, are removed
	running    atomic.Bool
	lastGC     time.Time
}

// NewRunner fills cfg's defaults and checks it.
func NewRunner(cfg Config) (*Runner, error) {
	cfg.Consumer = cmp.Or(cfg.Consumer, defaultConsumer())
	cfg.Batch = cmp.Or(cfg.Batch, 100)
	cfg.Block = cmp.Or(cfg.Block, 2*time.Second)
	cfg.MaxAttempts = cmp.Or(cfg.MaxAttempts, 5)
	if cfg.Backoff == nil {
		cfg.Backoff = DefaultBackoff
	}
	cfg.ClaimIdle = cmp.Or(cfg.ClaimIdle, 30*time.Second)
	cfg.DeadLetter = cmp.Or(cfg.DeadLetter, DefaultDeadLetter)
	cfg.DedupeTTL = cmp.Or(cfg.DedupeTTL, 24*time.Hour)
	cfg.StartID = cmp.Or(cfg.StartID, "$")
	cfg.HandlerTimeout = cmp.Or(cfg.HandlerTimeout, 30*time.Second)
	cfg.ShutdownGrace = cmp.Or(cfg.ShutdownGrace, min(5*time.Second, cfg.HandlerTimeout))

	var errs []error
	check := func(bad bool, msg string) {
		if bad {
			errs = append(errs, errors.New(msg))
		}
	}
	check(cfg.Redis == nil, "Redis is required")
	check(len(cfg.Streams) == 0, "Streams is required")
	seen := map[string]bool{}
	for _, s := range cfg.Streams {
		check(s == "", "Streams has an empty name")
		check(seen[s], "Streams names "+s+" twice")
		check(s == cfg.DeadLetter, "Streams includes the DeadLetter stream "+s)
		seen[s] = true
	}
	check(cfg.Group == "", "Group is required")
	check(cfg.Handler == nil, "Handler is required")
	check(cfg.Batch < 1, "Batch must be positive")
	check(cfg.Block < time.Millisecond, "Block must be at least 1ms")
	check(cfg.MaxAttempts < 1, "MaxAttempts must be positive")
	check(cfg.ClaimIdle < 10*time.Millisecond, "ClaimIdle must be at least 10ms")
	check(cfg.DedupeTTL < time.Millisecond, "DedupeTTL must be at least 1ms")
	check(cfg.HandlerTimeout < time.Millisecond, "HandlerTimeout must be at least 1ms")
	check(cfg.ShutdownGrace < time.Millisecond, "ShutdownGrace must be at least 1ms")
	check(cfg.ShutdownGrace > cfg.HandlerTimeout, "ShutdownGrace must not exceed HandlerTimeout")
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("stream: new runner: %w", err)
	}

	token := make([]byte, 8)
	_, _ = crand.Read(token)
	return &Runner{
		cfg:        cfg,
		rdb:        cfg.Redis,
		log:        cfg.Log.With().Str("group", cfg.Group).Str("consumer", cfg.Consumer).Logger(),
		leaseValue: "lease:" + cfg.Consumer + ":" + hex.EncodeToString(token),
		leaseTTL:   cfg.ClaimIdle,
		heartbeat:  cfg.ClaimIdle / 3,
		claimEvery: min(max(cfg.ClaimIdle/2, 50*time.Millisecond), 15*time.Second),
		gcIdle:     max(time.Hour, 10*cfg.ClaimIdle, 10*cfg.Block),
	}, nil
}

func defaultConsumer() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "xentri"
	}
	return host + "-" + strconv.Itoa(os.Getpid())
}

// Run consumes until ctx ends, then lets the handler call in hand finish,
// for ShutdownGrace at most, and returns nil. A call still running then has
// its context cancelled, and is abandoned if it does not return within half
// a second; its entry stays pending for the group to claim. Run does not
// return on Redis errors: it logs them and retries with backoff until Redis
// answers again.
func (r *Runner) Run(ctx context.Context) error {
	if !r.running.CompareAndSwap(false, true) {
		return errors.New("stream: run: already running")
	}
	defer r.running.Store(false)

	if !r.untilOK(ctx, "create groups", r.createGroups) {
		return nil
	}
	r.log.Info().Strs("streams", r.cfg.Streams).Msg("consumer started")
	defer r.stopped()

	var lastClaim time.Time
	failures := 0
	for ctx.Err() == nil {
		if time.Since(lastClaim) >= r.claimEvery {
			if err := r.claim(ctx); err != nil {
				failures++
				r.redisFailed(ctx, "claim idle entries", err, failures)
				continue
			}
			lastClaim = time.Now()
		}
		res, err := r.read(ctx)
		if err != nil {
			failures++
			r.redisFailed(ctx, "read", err, failures)
			continue
		}
		failures = 0
		for _, s := range res {
			r.handleBatch(ctx, s.Stream, s.Messages, nil)
		}
	}
	return nil
}

func (r *Runner) createGroups(ctx context.Context) error {
	for _, s := range r.cfg.Streams {
		err := r.rdb.XGroupCreateMkStream(ctx, s, r.cfg.Group, r.cfg.StartID).Err()
		if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
			return fmt.Errorf("create group on %s: %w", s, err)
		}
	}
	return nil
}

func (r *Runner) read(ctx context.Context) ([]redis.XStream, error) {
	ids := make([]string, 0, 2*len(r.cfg.Streams))
	ids = append(ids, r.cfg.Streams...)
	for range r.cfg.Streams {
		ids = append(ids, ">")
	}
	res, err := r.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
		Group:    r.cfg.Group,
		Consumer: r.cfg.Consumer,
		Streams:  ids,
		Count:    int64(r.cfg.Batch),
		Block:    r.cfg.Block,
	}).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("xreadgroup: %w", err)
	}
	return res, nil
}

// maxClaimPages bounds one claim round, so that a large backlog of orphaned
// entries does not hold back new ones for long.
const maxClaimPages = 10

// claim takes over the entries of this group pending longer than ClaimIdle,
// whoever holds them, and handles them. XAUTOCLAIM raises their delivery
// count, which is their attempt number.
func (r *Runner) claim(ctx context.Context) error {
	for _, s := range r.cfg.Streams {
		start := "0-0"
		for range maxClaimPages {
			msgs, next, deleted, err := r.rdb.XAutoClaimWithDeleted(ctx, &redis.XAutoClaimArgs{
				Stream:   s,
				Group:    r.cfg.Group,
				Consumer: r.cfg.Consumer,
				MinIdle:  r.cfg.ClaimIdle,
				Start:    start,
				Count:    int64(r.cfg.Batch),
			}).Result()
			if err != nil {
				return fmt.Errorf("xautoclaim %s: %w", s, err)
			}
			for _, id := range deleted {
				r.deletedEntry(ctx, s, id)
			}
			if len(msgs) > 0 {
				counts, err := r.deliveryCounts(ctx, s, msgs)
				if err != nil {
					// They are ours now but unhandled: they are claimed
					// again once idle.
					return err
				}
				r.log.Info().Str("stream", s).Int("entries", len(msgs)).Msg("took over idle pending entries")
				r.handleBatch(ctx, s, msgs, counts)
				if ctx.Err() != nil {
					return nil
				}
			}
			if next == "" || next == "0-0" {
				break
			}
			start = next
		}
	}
	if time.Since(r.lastGC) > r.gcIdle/4 {
		r.lastGC = time.Now()
		r.removeDeadConsumers(ctx)
	}
	return nil
}

// deliveryCounts returns the delivery count of each of msgs.
func (r *Runner) deliveryCounts(ctx context.Context, stream string, msgs []redis.XMessage) (map[string]int64, error) {
	cmds := make([]*redis.XPendingExtCmd, len(msgs))
	_, err := r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, m := range msgs {
			cmds[i] = p.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: stream, Group: r.cfg.Group, Start: m.ID, End: m.ID, Count: 1})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("xpending %s: %w", stream, err)
	}
	counts := make(map[string]int64, len(msgs))
	for _, c := range cmds {
		for _, p := range c.Val() {
			counts[p.ID] = p.RetryCount
		}
	}
	return counts, nil
}

// stopped removes this consumer from the groups it holds nothing in, so
// that hostname-pid names do not pile up.
func (r *Runner) stopped() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, s := range r.cfg.Streams {
		if err := deleteConsumer.Run(ctx, r.rdb, []string{s}, r.cfg.Group, r.cfg.Consumer).Err(); err != nil && !isNoGroup(err) {
			r.log.Debug().Err(err).Str("stream", s).Msg("could not remove the consumer from the group")
		}
	}
	r.log.Info().Msg("consumer stopped")
}

// removeDeadConsumers removes the group's consumers that hold nothing and
// have not been seen for gcIdle: processes that are gone. A live consumer
// is seen at every read, so it is not removed; if it were, it would hold
// nothing and its next read would bring it back.
func (r *Runner) removeDeadConsumers(ctx context.Context) {
	for _, s := range r.cfg.Streams {
		consumers, err := r.rdb.XInfoConsumers(ctx, s, r.cfg.Group).Result()
		if err != nil {
			r.log.Debug().Err(err).Str("stream", s).Msg("could not list consumers")
			continue
		}
		for _, c := range consumers {
			if c.Name == r.cfg.Consumer || c.Pending > 0 || c.Idle < r.gcIdle {
				continue
			}
			if n, err := deleteConsumer.Run(ctx, r.rdb, []string{s}, r.cfg.Group, c.Name).Int(); err == nil && n >= 0 {
				r.log.Info().Str("stream", s).Str("dead_consumer", c.Name).Msg("removed a consumer gone for long")
			}
		}
	}
}

// stopGrace is how long, after Run's ctx ended, the Runner keeps trying to
// record the outcome of the entry in hand before it gives up (the entry then
// stays pending and is redelivered).
const stopGrace = 5 * time.Second

// persist runs fn until it succeeds. It is for the steps after a handler
// ran, so it goes on for stopGrace after ctx ends.
func (r *Runner) persist(ctx context.Context, op string, fn func(context.Context) error) error {
	bg := context.WithoutCancel(ctx)
	var stoppedAt time.Time
	for failures := 1; ; failures++ {
		err := fn(bg)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			if stoppedAt.IsZero() {
				stoppedAt = time.Now()
			}
			if time.Since(stoppedAt) > stopGrace {
				r.log.Error().Err(err).Str("op", op).Msg("giving up after stop; the entry stays pending")
				return fmt.Errorf("%s: %w", op, err)
			}
		}
		r.log.Warn().Err(err).Str("op", op).Int("failures", failures).Msg("redis failed; retrying")
		time.Sleep(redisBackoff(failures))
	}
}

// untilOK runs fn until it succeeds or ctx ends (false).
func (r *Runner) untilOK(ctx context.Context, op string, fn func(context.Context) error) bool {
	for failures := 1; ctx.Err() == nil; failures++ {
		err := fn(ctx)
		if err == nil {
			return true
		}
		r.redisFailed(ctx, op, err, failures)
	}
	return false
}

// redisFailed logs a failed Redis step and waits before it is retried. A
// missing group (Redis restarted empty) is created again.
func (r *Runner) redisFailed(ctx context.Context, op string, err error, failures int) {
	if ctx.Err() != nil {
		return
	}
	if isNoGroup(err) {
		r.log.Warn().Err(err).Msg("consumer group missing: creating it again")
		if err := r.createGroups(ctx); err == nil {
			return
		}
	}
	r.log.Warn().Err(err).Str("op", op).Int("failures", failures).Msg("redis failed; retrying")
	sleep(ctx, redisBackoff(failures))
}

func redisBackoff(failures int) time.Duration {
	return jitter(exponential(100*time.Millisecond, 5*time.Second, failures))
}

func isNoGroup(err error) bool {
	return err != nil && strings.Contains(err.Error(), "NOGROUP")
}

// sleep waits d or until ctx ends (false).
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

const maxReason = 1000

// truncate cuts s to at most n bytes, on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
