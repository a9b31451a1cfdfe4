package stream

import (
	"cmp"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
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
// The Runner calls it from one goroutine, one event at a time. Its context
// carries the Delivery, and is not cancelled when Run's is: the Runner lets
// the event in hand finish before it stops.
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
	heartbeat  time.Duration // how often an entry in hand is kept claimed
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

// Run consumes until ctx ends, then lets the entry in hand finish and
// returns nil. It does not return on Redis errors: it logs them and retries
// with backoff until Redis answers again.
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

// deletedEntry records an entry that was pending but is no longer in the
// stream (trimmed before anyone handled it): Redis has dropped it from the
// group, and all that is left to do is say so in the dead letter stream.
func (r *Runner) deletedEntry(ctx context.Context, stream, id string) {
	r.log.Error().Str("stream", stream).Str("entry_id", id).Msg("pending entry was deleted from the stream before it was handled")
	r.deadLetter(ctx, stream, id, nil, "entry deleted from the stream (trimmed?) before it was handled", 0)
}

// handleBatch handles msgs, read from stream, in order, then acknowledges
// the ones done with. counts holds their delivery counts when they were
// claimed; nil means a first delivery. Once ctx ends, the entries not
// started are released for other consumers.
func (r *Runner) handleBatch(ctx context.Context, stream string, msgs []redis.XMessage, counts map[string]int64) {
	// Acks are batched: an entry done with but not yet acked is, if
	// redelivered, skipped by dedupe (or dead-lettered once more).
	acks := make([]string, 0, len(msgs))
	for i, m := range msgs {
		if ctx.Err() != nil {
			r.release(stream, msgs[i:])
			break
		}
		attempt := 1
		if c := counts[m.ID]; c > 1 {
			attempt = int(c)
		}
		if r.handle(ctx, stream, m, attempt) {
			acks = append(acks, m.ID)
		}
	}
	if len(acks) == 0 {
		return
	}
	_ = r.persist(ctx, "ack", func(ctx context.Context) error {
		err := r.rdb.XAck(ctx, stream, r.cfg.Group, acks...).Err()
		if isNoGroup(err) {
			return nil // the group is gone, and its pending entries with it
		}
		return err
	})
}

// handle takes one entry through dedupe, the handler and its retries, or to
// the dead letter stream. It reports whether the entry may be acknowledged;
// if not, it stays pending: ctx ended, or another consumer took it over.
func (r *Runner) handle(ctx context.Context, stream string, m redis.XMessage, attempt int) bool {
	fields := stringFields(m.Values)
	log := r.log.With().Str("stream", stream).Str("entry_id", m.ID).
		Str("event_id", fields[contracts.FieldID]).Str("event_type", fields[contracts.FieldType]).
		Str("org_id", fields[contracts.FieldOrgID]).Logger()

	env, err := decode(fields)
	if err != nil {
		log.Error().Err(err).Msg("malformed entry: dead-lettering it")
		return r.deadLetter(ctx, stream, m.ID, fields, "malformed entry: "+err.Error(), attempt)
	}
	if env.TraceID != "" {
		log = log.With().Str("trace_id", env.TraceID).Logger()
	}
	key := r.processedKey(env.ID)
	stop := r.keepAlive(stream, m.ID, key)
	defer stop()
	busyWait := 50 * time.Millisecond
	for {
		state, ok := r.lease(ctx, key)
		if !ok {
			return false
		}
		switch state {
		case leaseDone:
			log.Debug().Msg("event already handled: acking the duplicate")
			return true
		case leaseBusy:
			// Another consumer is handling the same event (from another
			// entry): wait for it to finish, or for its lease to expire.
			if !sleep(ctx, busyWait) {
				return false
			}
			busyWait = min(2*busyWait, time.Second)
			continue
		}
		if attempt > r.cfg.MaxAttempts {
			// Claimed from consumers that stopped mid-attempt (a handler that
			// crashes the process, say) until its attempts ran out.
			r.unlease(key)
			reason := fmt.Sprintf("delivered %d times (max attempts %d): the consumers holding it stopped before finishing it", attempt-1, r.cfg.MaxAttempts)
			log.Error().Int("attempt", attempt).Msg("entry ran out of attempts: dead-lettering it")
			return r.deadLetter(ctx, stream, m.ID, fields, reason, attempt-1)
		}

		herr := r.call(ctx, Delivery{Stream: stream, EntryID: m.ID, Group: r.cfg.Group, Attempt: attempt}, env)
		if herr == nil {
			err := r.persist(ctx, "mark processed", func(ctx context.Context) error {
				return r.rdb.Set(ctx, key, leaseDoneValue, r.cfg.DedupeTTL).Err()
			})
			return err == nil
		}
		r.unlease(key)

		var perm permanentError
		if errors.As(herr, &perm) || attempt >= r.cfg.MaxAttempts {
			log.Error().Err(herr).Int("attempt", attempt).Msg("handler failed for good: dead-lettering the entry")
			return r.deadLetter(ctx, stream, m.ID, fields, herr.Error(), attempt)
		}
		wait := r.cfg.Backoff(attempt)
		log.Warn().Err(herr).Int("attempt", attempt).Dur("retry_in", wait).Msg("handler failed: will retry")
		if !sleep(ctx, wait) {
			return false
		}
		attempt++
		owned, ok := r.touch(ctx, stream, m.ID, attempt)
		if !ok {
			return false
		}
		if !owned {
			log.Warn().Msg("entry was taken over by another consumer: leaving it to them")
			return false
		}
	}
}

// call runs the handler, turning a panic into an error.
func (r *Runner) call(ctx context.Context, d Delivery, env contracts.Envelope) (err error) {
	defer func() {
		if p := recover(); p != nil {
			r.log.Error().Str("stack", string(debug.Stack())).Str("entry_id", d.EntryID).Msg("handler panicked")
			err = fmt.Errorf("handler panicked: %v", p)
		}
	}()
	hctx := context.WithValue(context.WithoutCancel(ctx), deliveryKey{}, d)
	return r.cfg.Handler(hctx, env)
}

func decode(fields map[string]string) (contracts.Envelope, error) {
	var env contracts.Envelope
	raw, ok := fields[contracts.FieldEnvelope]
	if !ok {
		return env, errors.New("no " + contracts.FieldEnvelope + " field")
	}
	if err := json.Unmarshal([]byte(raw), &env); err != nil {
		return env, fmt.Errorf("envelope: %w", err)
	}
	if env.ID == "" {
		return env, errors.New("envelope has no id")
	}
	return env, nil
}

func stringFields(values map[string]any) map[string]string {
	out := make(map[string]string, len(values))
	for k, v := range values {
		switch v := v.(type) {
		case string:
			out[k] = v
		case nil:
		default:
			out[k] = fmt.Sprint(v)
		}
	}
	return out
}

// Dedupe is claim-then-confirm on xentri:processed:<group>:<event id>:
//
//   - before handling, SET NX the key to a lease of this Runner that expires
//     after ClaimIdle (renewed while the handler runs, like the entry);
//   - after the handler succeeded, overwrite it with "done" for DedupeTTL,
//     then ack; after it failed, delete the lease so that a retry, here or
//     elsewhere, can take it.
//
// A key found "done" means a duplicate: ack it unhandled. A key holding
// another lease means the same event (another entry of it) is being handled
// by another consumer right now: wait. Marking only after success would let
// two consumers that read two copies of one event handle it concurrently;
// the lease makes them take turns, and the second then sees "done". A
// handler thus sees an event twice only if its consumer died (or lost Redis
// for longer than ClaimIdle) after the side effect and before the mark.
const leaseDoneValue = "done"

type leaseState int

const (
	leaseAcquired leaseState = iota
	leaseDone
	leaseBusy
)

func (r *Runner) processedKey(eventID string) string {
	return processedPrefix + r.cfg.Group + ":" + eventID
}

// lease takes the dedupe lease on key, retrying Redis errors until ctx ends
// (ok false).
func (r *Runner) lease(ctx context.Context, key string) (state leaseState, ok bool) {
	for failures := 1; ; failures++ {
		old, err := r.rdb.SetArgs(ctx, key, r.leaseValue, redis.SetArgs{Mode: "NX", TTL: r.leaseTTL, Get: true}).Result()
		switch {
		case errors.Is(err, redis.Nil):
			return leaseAcquired, true
		case err == nil && old == leaseDoneValue:
			return leaseDone, true
		case err == nil && old == r.leaseValue:
			// Left by an attempt of ours whose unlease failed: this Runner
			// handles one entry at a time, so it is free.
			return leaseAcquired, true
		case err == nil:
			return leaseBusy, true
		}
		if ctx.Err() != nil {
			return 0, false
		}
		r.redisFailed(ctx, "dedupe lease", err, failures)
	}
}

var (
	renewLease = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`)
	dropLease = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)
)

// unlease drops this Runner's lease on key, if it still has it. At worst
// (Redis away) the lease expires after ClaimIdle.
func (r *Runner) unlease(key string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := dropLease.Run(ctx, r.rdb, []string{key}, r.leaseValue).Err(); err != nil {
		r.log.Warn().Err(err).Str("key", key).Msg("could not drop the dedupe lease; it will expire")
	}
}

// The scripts below change an entry of the group's pending list only while
// this consumer still holds it, so that a consumer that lost an entry to
// another cannot take it back.
var (
	// touchEntry resets the entry's idle time (it is being worked on) and,
	// if ARGV[4] is not empty, sets its delivery count: 1 if held, else 0.
	touchEntry = redis.NewScript(`
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)
if #p == 0 or p[1][2] ~= ARGV[3] then return 0 end
if ARGV[4] ~= '' then
  redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[3], 0, ARGV[2], 'RETRYCOUNT', ARGV[4], 'JUSTID')
else
  redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[3], 0, ARGV[2], 'JUSTID')
end
return 1`)
	// releaseEntries makes entries held but never tried claimable at once,
	// with the delivery count they had before this consumer got them.
	releaseEntries = redis.NewScript(`
local n = 0
for i = 4, #ARGV do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if #p > 0 and p[1][2] == ARGV[2] then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'IDLE', ARGV[3], 'RETRYCOUNT', math.max(p[1][4] - 1, 0), 'JUSTID')
    n = n + 1
  end
end
return n`)
	// deleteConsumer removes a consumer that holds nothing.
	deleteConsumer = redis.NewScript(`
local p = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2])
if #p > 0 then return -1 end
return redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])`)
)

// touch records attempt as the entry's delivery count before it is tried
// again, retrying Redis errors until ctx ends (ok false). owned is false if
// the entry is no longer this consumer's.
func (r *Runner) touch(ctx context.Context, stream, id string, attempt int) (owned, ok bool) {
	for failures := 1; ; failures++ {
		n, err := touchEntry.Run(ctx, r.rdb, []string{stream}, r.cfg.Group, id, r.cfg.Consumer, attempt).Int()
		if err == nil {
			return n == 1, true
		}
		if isNoGroup(err) {
			return false, true
		}
		if ctx.Err() != nil {
			return false, false
		}
		r.redisFailed(ctx, "record attempt", err, failures)
	}
}

// keepAlive keeps the entry in hand, and the dedupe lease if this Runner
// holds it, from looking abandoned while the handler runs or waits to retry,
// however long that takes. The returned func stops it.
func (r *Runner) keepAlive(stream, id, key string) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(r.heartbeat)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			ctx, cancel := context.WithTimeout(context.Background(), r.heartbeat)
			err := touchEntry.Run(ctx, r.rdb, []string{stream}, r.cfg.Group, id, r.cfg.Consumer, "").Err()
			err = errors.Join(err, renewLease.Run(ctx, r.rdb, []string{key}, r.leaseValue, r.leaseTTL.Milliseconds()).Err())
			cancel()
			if err != nil {
				r.log.Warn().Err(err).Str("stream", stream).Str("entry_id", id).Msg("could not keep the entry in hand claimed")
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}

// release hands back entries read but not started when Run stops: they
// become claimable by the group's other consumers right away.
func (r *Runner) release(stream string, msgs []redis.XMessage) {
	args := []any{r.cfg.Group, r.cfg.Consumer, r.cfg.ClaimIdle.Milliseconds()}
	for _, m := range msgs {
		args = append(args, m.ID)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := releaseEntries.Run(ctx, r.rdb, []string{stream}, args...).Err(); err != nil {
		r.log.Warn().Err(err).Str("stream", stream).Int("entries", len(msgs)).
			Msg("could not release unhandled entries; they are taken over once idle")
	}
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

// deadLetter writes the entry to the dead letter stream, retrying Redis
// errors; it reports whether it did, i.e. whether the entry may be acked.
func (r *Runner) deadLetter(ctx context.Context, stream, id string, fields map[string]string, reason string, attempts int) bool {
	values := map[string]any{
		fieldStream:   stream,
		fieldEntryID:  id,
		fieldGroup:    r.cfg.Group,
		fieldReason:   truncate(reason, maxReason),
		fieldAttempts: attempts,
		fieldFailedAt: time.Now().UTC().Format(time.RFC3339),
	}
	for _, f := range originalFields {
		if v, ok := fields[f]; ok {
			values[f] = v
		}
	}
	err := r.persist(ctx, "dead-letter", func(ctx context.Context) error {
		return r.rdb.XAdd(ctx, &redis.XAddArgs{Stream: r.cfg.DeadLetter, Values: values}).Err()
	})
	return err == nil
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
	return err != nil && strings.HasPrefix(err.Error(), "NOGROUP")
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
