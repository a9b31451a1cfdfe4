package stream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/xentri/xentri/contracts"
)

// Dedupe is claim-then-confirm on xentri:processed:<group>:<event id>:
//
//   - before handling, SET NX the key to a lease of this Runner that expires
//     after ClaimIdle (renewed while the Runner holds the entry);
//   - after the handler succeeded, overwrite it with "done" for DedupeTTL,
//     then ack; after it failed, delete the lease so that a retry, here or
//     elsewhere, can take it.
//
// A key found "done" means a duplicate: ack it unhandled. A key holding
// another Runner's lease means the same event (another entry of it) is being
// handled by another consumer right now: wait for it. Marking only after
// success would let two consumers that read two copies of one event handle
// it concurrently; the lease makes them take turns, and the second then sees
// "done". A handler thus sees an event twice only if its consumer died (or
// lost Redis for longer than ClaimIdle) after the side effect and before the
// mark, which is written right after the handler returns.
//
// For throughput, the leases of a batch are taken in one pipeline before its
// first entry is handled, and the "done" marks are written by a goroutine
// (pipelining those that queue up) while the next entries are handled; the
// batch's acks wait for its marks.
const leaseDoneValue = "done"

type leaseState int

const (
	leaseAcquired leaseState = iota + 1
	leaseDone
	leaseBusy
)

func (r *Runner) processedKey(eventID string) string {
	return processedPrefix + r.cfg.Group + ":" + eventID
}

// entry is a stream entry being handled.
type entry struct {
	id      string
	fields  map[string]string
	env     contracts.Envelope
	bad     error // malformed: why
	attempt int
	key     string     // dedupe key; "" if malformed
	lease   leaseState // taken ahead for the batch; 0 if not
}

// outcome is what becomes of a handled entry.
type outcome int

const (
	keep         outcome = iota // leave it pending
	ack                         // ack it
	ackAfterMark                // ack it once its dedupe key is marked done
)

// batch is the state of the entries of one read of one stream while they
// are handled.
type batch struct {
	r      *Runner
	stream string
	ids    []string

	mu   sync.Mutex
	held map[string]struct{} // dedupe keys whose lease this Runner holds
	done map[string]bool     // dedupe keys of the events handled in this batch

	marks    chan string     // dedupe keys to mark done
	unmarked map[string]bool // marks that could not be written (after stop)
	marked   chan struct{}   // closed when all marks are written
	stopBeat func()
}

// handleBatch handles msgs, read from stream, in order, then acknowledges
// the ones done with. counts holds their delivery counts when they were
// claimed; nil means a first delivery. Once ctx ends, the entries not
// started are released for other consumers.
func (r *Runner) handleBatch(ctx context.Context, stream string, msgs []redis.XMessage, counts map[string]int64) {
	entries := make([]*entry, len(msgs))
	for i, m := range msgs {
		e := &entry{id: m.ID, fields: stringFields(m.Values), attempt: 1}
		if c := counts[m.ID]; c > 1 {
			e.attempt = int(c)
		}
		e.env, e.bad = decode(e.fields)
		if e.bad == nil {
			e.key = r.processedKey(e.env.ID)
		}
		entries[i] = e
	}
	b := r.startBatch(ctx, stream, entries)
	r.leaseAhead(ctx, b, entries)

	type result struct {
		id, key string
		outcome outcome
	}
	results := make([]result, 0, len(entries))
	for i, e := range entries {
		if ctx.Err() != nil {
			b.abandon(entries[i:])
			break
		}
		if o := r.handle(ctx, b, e); o != keep {
			results = append(results, result{e.id, e.key, o})
		}
	}
	b.finish()

	acks := make([]string, 0, len(results))
	for _, res := range results {
		if res.outcome == ack || !b.unmarked[res.key] {
			acks = append(acks, res.id)
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

func (r *Runner) startBatch(ctx context.Context, stream string, entries []*entry) *batch {
	b := &batch{
		r:        r,
		stream:   stream,
		ids:      make([]string, len(entries)),
		held:     map[string]struct{}{},
		done:     map[string]bool{},
		marks:    make(chan string, len(entries)),
		unmarked: map[string]bool{},
		marked:   make(chan struct{}),
	}
	for i, e := range entries {
		b.ids[i] = e.id
	}
	go b.writeMarks(ctx)
	b.stopBeat = b.keepAlive()
	return b
}

// leaseAhead takes the dedupe leases of the batch's events in one round
// trip. Those it cannot take (Redis errors) are taken one by one later.
func (r *Runner) leaseAhead(ctx context.Context, b *batch, entries []*entry) {
	cmds := map[string]*redis.StatusCmd{}
	_, _ = r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, e := range entries {
			if e.key != "" && cmds[e.key] == nil {
				cmds[e.key] = p.SetArgs(ctx, e.key, r.leaseValue, redis.SetArgs{Mode: "NX", TTL: r.leaseTTL, Get: true})
			}
		}
		return nil
	})
	for _, e := range entries {
		cmd := cmds[e.key]
		if cmd == nil {
			continue
		}
		delete(cmds, e.key) // later copies of the event in the batch wait for the first
		state, err := r.leaseResult(cmd)
		if err == nil {
			e.lease = state
			if state == leaseAcquired {
				b.hold(e.key)
			}
		}
	}
}

// handle takes one entry through dedupe, the handler and its retries, or to
// the dead letter stream. It keeps the entry pending when ctx ended before
// the entry was done with, or another consumer took it over.
func (r *Runner) handle(ctx context.Context, b *batch, e *entry) outcome {
	log := r.log.With().Str("stream", b.stream).Str("entry_id", e.id).
		Str("event_id", e.fields[contracts.FieldID]).Str("event_type", e.fields[contracts.FieldType]).
		Str("org_id", e.fields[contracts.FieldOrgID]).Logger()
	if e.bad != nil {
		log.Error().Err(e.bad).Msg("malformed entry: dead-lettering it")
		return r.deadLetter(ctx, b.stream, e, "malformed entry: "+e.bad.Error(), e.attempt)
	}
	if e.env.TraceID != "" {
		log = log.With().Str("trace_id", e.env.TraceID).Logger()
	}

	busyWait := 50 * time.Millisecond
	for {
		state, ok := b.leaseFor(ctx, e)
		if !ok {
			return keep
		}
		switch state {
		case leaseDone:
			log.Debug().Msg("event already handled: acking the duplicate")
			return ackAfterMark
		case leaseBusy:
			// Another consumer is handling the same event (from another
			// entry): wait for it to finish, or for its lease to expire.
			if !sleep(ctx, busyWait) {
				return keep
			}
			busyWait = min(2*busyWait, time.Second)
			continue
		}
		if e.attempt > r.cfg.MaxAttempts {
			// Claimed from consumers that stopped mid-attempt (a handler that
			// crashes the process, say) until its attempts ran out.
			b.unlease(e.key)
			reason := fmt.Sprintf("delivered %d times (max attempts %d): the consumers holding it stopped before finishing it", e.attempt-1, r.cfg.MaxAttempts)
			log.Error().Int("attempt", e.attempt).Msg("entry ran out of attempts: dead-lettering it")
			return r.deadLetter(ctx, b.stream, e, reason, e.attempt-1)
		}

		res := r.call(ctx, Delivery{Stream: b.stream, EntryID: e.id, Group: r.cfg.Group, Attempt: e.attempt}, e.env)
		herr := res.err
		if herr == nil {
			b.markDone(e.key)
			return ackAfterMark
		}
		if res.stopped {
			// Cut short by the stop, not failed: the entry stays pending, its
			// delivery count counting this attempt, for the group to claim.
			if res.abandoned {
				// It may still be running: its lease expires after ClaimIdle.
				log.Error().Err(herr).Int("attempt", e.attempt).Msg("handler ignored the stop: abandoning it; the entry stays pending")
			} else {
				b.unlease(e.key)
				log.Warn().Err(herr).Int("attempt", e.attempt).Msg("handler cut short by the stop; the entry stays pending")
			}
			return keep
		}
		if res.abandoned {
			log.Error().Err(herr).Int("attempt", e.attempt).Msg("handler ignored its deadline: abandoning it; it may still be running")
		}
		b.unlease(e.key)

		var perm permanentError
		if errors.As(herr, &perm) || e.attempt >= r.cfg.MaxAttempts {
			log.Error().Err(herr).Int("attempt", e.attempt).Msg("handler failed for good: dead-lettering the entry")
			return r.deadLetter(ctx, b.stream, e, herr.Error(), e.attempt)
		}
		wait := r.cfg.Backoff(e.attempt)
		log.Warn().Err(herr).Int("attempt", e.attempt).Dur("retry_in", wait).Msg("handler failed: will retry")
		if !sleep(ctx, wait) {
			return keep
		}
		e.attempt++
		if !r.recordAttempt(ctx, b.stream, e, log) {
			return keep
		}
	}
}

// returnWait is how long a handler whose context ended has to return before
// the Runner abandons it.
const returnWait = 500 * time.Millisecond

// The causes of a handler context that ended.
var (
	errHandlerTimeout = errors.New("stream: handler timeout")
	errStopping       = errors.New("stream: runner stopping")
)

// callResult is how a handler call ended.
type callResult struct {
	err       error // the handler's, or why it was abandoned
	stopped   bool  // its context was cancelled because Run stopped
	abandoned bool  // it did not return: it may still be running
}

// call runs the handler under its deadline, in a goroutine of its own so
// that one that ignores its context cannot hold the Runner: it waits for
// it until the deadline, or ShutdownGrace after ctx ended, then returnWait
// more.
func (r *Runner) call(ctx context.Context, d Delivery, env contracts.Envelope) callResult {
	// Detached from ctx, so that the event in hand can finish when Run stops,
	// but bounded.
	hctx, stop := context.WithCancelCause(context.WithValue(context.WithoutCancel(ctx), deliveryKey{}, d))
	defer stop(nil)
	hctx, cancel := context.WithTimeoutCause(hctx, r.cfg.HandlerTimeout, errHandlerTimeout)
	defer cancel()

	returned := make(chan error, 1) // buffered: an abandoned call sends to no one
	go func() { returned <- r.invoke(hctx, d, env) }()

	select {
	case err := <-returned:
		return r.callEnded(hctx, err)
	case <-hctx.Done():
	case <-ctx.Done():
		grace := time.NewTimer(r.cfg.ShutdownGrace)
		defer grace.Stop()
		select {
		case err := <-returned:
			return r.callEnded(hctx, err)
		case <-hctx.Done():
		case <-grace.C:
			stop(errStopping)
		}
	}

	wait := time.NewTimer(returnWait)
	defer wait.Stop()
	select {
	case err := <-returned:
		return r.callEnded(hctx, err)
	case <-wait.C:
	}
	if errors.Is(context.Cause(hctx), errStopping) {
		return callResult{err: errors.New("handler did not return when the stop cancelled its context: abandoned"), stopped: true, abandoned: true}
	}
	return callResult{err: fmt.Errorf("handler timed out after %s and did not return: abandoned", r.cfg.HandlerTimeout), abandoned: true}
}

// callEnded describes a call that returned err under hctx.
func (r *Runner) callEnded(hctx context.Context, err error) callResult {
	cause := context.Cause(hctx)
	res := callResult{err: err, stopped: errors.Is(cause, errStopping)}
	if err != nil && errors.Is(cause, errHandlerTimeout) {
		res.err = fmt.Errorf("handler timed out after %s: %w", r.cfg.HandlerTimeout, err)
	}
	return res
}

// invoke runs the handler, turning a panic into an error.
func (r *Runner) invoke(ctx context.Context, d Delivery, env contracts.Envelope) (err error) {
	defer func() {
		if p := recover(); p != nil {
			r.log.Error().Str("stack", string(debug.Stack())).Str("entry_id", d.EntryID).Msg("handler panicked")
			err = fmt.Errorf("handler panicked: %v", p)
		}
	}()
	return r.cfg.Handler(ctx, env)
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

// leaseFor returns the dedupe state of e's event: from this batch if it
// handled the event already, else the lease taken ahead, else a lease taken
// now (retrying Redis errors until ctx ends: ok false).
func (b *batch) leaseFor(ctx context.Context, e *entry) (state leaseState, ok bool) {
	b.mu.Lock()
	done := b.done[e.key]
	b.mu.Unlock()
	if done {
		return leaseDone, true
	}
	if e.lease != 0 {
		state, e.lease = e.lease, 0
		return state, true
	}
	r := b.r
	for failures := 1; ; failures++ {
		state, err := r.leaseResult(r.rdb.SetArgs(ctx, e.key, r.leaseValue, redis.SetArgs{Mode: "NX", TTL: r.leaseTTL, Get: true}))
		if err == nil {
			if state == leaseAcquired {
				b.hold(e.key)
			}
			return state, true
		}
		if ctx.Err() != nil {
			return 0, false
		}
		r.redisFailed(ctx, "dedupe lease", err, failures)
	}
}

// leaseResult reads the reply of SET key lease NX GET.
func (r *Runner) leaseResult(cmd *redis.StatusCmd) (leaseState, error) {
	old, err := cmd.Result()
	switch {
	case errors.Is(err, redis.Nil):
		return leaseAcquired, nil
	case err != nil:
		return 0, err
	case old == leaseDoneValue:
		return leaseDone, nil
	case old == r.leaseValue:
		// Left by an attempt of ours whose unlease failed: this Runner
		// handles one entry at a time, and the batch knows the events it
		// handled, so it is free.
		return leaseAcquired, nil
	default:
		return leaseBusy, nil
	}
}

func (b *batch) hold(key string) {
	b.mu.Lock()
	b.held[key] = struct{}{}
	b.mu.Unlock()
}

// markDone records that the event of key was handled: the batch skips its
// other copies, and the mark is written to Redis in the background.
func (b *batch) markDone(key string) {
	b.mu.Lock()
	delete(b.held, key)
	b.done[key] = true
	b.mu.Unlock()
	b.marks <- key // buffered for the whole batch
}

// writeMarks writes the done marks as they come, several in a round trip
// when they queue up, until marks is closed.
func (b *batch) writeMarks(ctx context.Context) {
	defer close(b.marked)
	r := b.r
	keys := make([]string, 0, 64)
	for key := range b.marks {
		keys = append(keys[:0], key)
	more:
		for len(keys) < cap(keys) {
			select {
			case k, ok := <-b.marks:
				if !ok {
					break more
				}
				keys = append(keys, k)
			default:
				break more
			}
		}
		err := r.persist(ctx, "mark processed", func(ctx context.Context) error {
			_, err := r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
				for _, k := range keys {
					p.Set(ctx, k, leaseDoneValue, r.cfg.DedupeTTL)
				}
				return nil
			})
			return err
		})
		if err != nil {
			b.mu.Lock()
			for _, k := range keys {
				b.unmarked[k] = true
			}
			b.mu.Unlock()
		}
	}
}

// Scripts run in a pipeline are sent with EVAL: EVALSHA's fallback on
// NOSCRIPT does not work there.
var (
	renewLease = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`)
	dropLease = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)
)

// unlease drops this Runner's lease on key. At worst (Redis away) the lease
// expires after ClaimIdle.
func (b *batch) unlease(keys ...string) {
	b.mu.Lock()
	for _, k := range keys {
		delete(b.held, k)
	}
	b.mu.Unlock()
	if len(keys) == 0 {
		return
	}
	r := b.r
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range keys {
			dropLease.Eval(ctx, p, []string{k}, r.leaseValue)
		}
		return nil
	})
	if err != nil {
		r.log.Warn().Err(err).Int("leases", len(keys)).Msg("could not drop dedupe leases; they will expire")
	}
}

// The scripts below change entries of the group's pending list only while
// this consumer holds them, so that a consumer that lost an entry to another
// cannot take it back.
var (
	// recordAttemptScript sets the entry's delivery count and resets its
	// idle time: 1 if held, else 0.
	recordAttemptScript = redis.NewScript(`
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)
if #p == 0 or p[1][2] ~= ARGV[3] then return 0 end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[3], 0, ARGV[2], 'RETRYCOUNT', ARGV[4], 'JUSTID')
return 1`)
	// touchEntries resets the idle time of the entries held (ARGV[3]...):
	// they are being worked on.
	touchEntries = redis.NewScript(`
local n = 0
for i = 3, #ARGV do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if #p > 0 and p[1][2] == ARGV[2] then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
    n = n + 1
  end
end
return n`)
	// releaseEntries makes the entries held (ARGV[4]...) claimable at once,
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

// recordAttempt stores e's attempt number as its delivery count before it
// is tried again, so that a consumer taking it over continues the count. It
// reports false if ctx ended or the entry is no longer this consumer's.
func (r *Runner) recordAttempt(ctx context.Context, stream string, e *entry, log zerolog.Logger) bool {
	for failures := 1; ; failures++ {
		n, err := recordAttemptScript.Run(ctx, r.rdb, []string{stream}, r.cfg.Group, e.id, r.cfg.Consumer, e.attempt).Int()
		if err == nil && n == 1 {
			return true
		}
		if err == nil || isNoGroup(err) {
			log.Warn().Msg("entry was taken over by another consumer: leaving it to them")
			return false
		}
		if ctx.Err() != nil {
			return false
		}
		r.redisFailed(ctx, "record attempt", err, failures)
	}
}

// keepAlive keeps the batch's entries, and the dedupe leases this Runner
// holds, from looking abandoned while the batch is handled, however long a
// handler or a backoff takes. The returned func stops it.
func (b *batch) keepAlive() (stop func()) {
	r := b.r
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
			b.mu.Lock()
			keys := make([]string, 0, len(b.held))
			for k := range b.held {
				keys = append(keys, k)
			}
			b.mu.Unlock()
			args := []any{r.cfg.Group, r.cfg.Consumer}
			for _, id := range b.ids {
				args = append(args, id)
			}
			ctx, cancel := context.WithTimeout(context.Background(), r.heartbeat)
			_, err := r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
				touchEntries.Eval(ctx, p, []string{b.stream}, args...)
				for _, k := range keys {
					renewLease.Eval(ctx, p, []string{k}, r.leaseValue, r.leaseTTL.Milliseconds())
				}
				return nil
			})
			cancel()
			if err != nil {
				r.log.Warn().Err(err).Str("stream", b.stream).Msg("could not keep the entries in hand claimed")
			}
		}
	})
	var once sync.Once
	return func() {
		once.Do(func() {
			close(done)
			wg.Wait()
		})
	}
}

// abandon gives up the entries not started when Run stops: their leases are
// dropped, and they become claimable by the group's other consumers at once.
func (b *batch) abandon(entries []*entry) {
	r := b.r
	// The keepalive stops first (and finishes a touch in flight): a touch
	// after the release would make the entries look held again.
	b.stopBeat()
	var keys []string
	args := []any{r.cfg.Group, r.cfg.Consumer, r.cfg.ClaimIdle.Milliseconds()}
	for _, e := range entries {
		if e.lease == leaseAcquired {
			keys = append(keys, e.key)
		}
		args = append(args, e.id)
	}
	b.unlease(keys...)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := releaseEntries.Run(ctx, r.rdb, []string{b.stream}, args...).Err(); err != nil {
		r.log.Warn().Err(err).Str("stream", b.stream).Int("entries", len(entries)).
			Msg("could not release unhandled entries; they are taken over once idle")
	}
}

// finish stops the keepalive (if abandon has not) and waits for the done marks to be written.
func (b *batch) finish() {
	close(b.marks)
	<-b.marked
	b.stopBeat()
}

// deletedEntry records an entry that was pending but is no longer in the
// stream (trimmed before anyone handled it): Redis has dropped it from the
// group, and all that is left to do is say so in the dead letter stream.
func (r *Runner) deletedEntry(ctx context.Context, stream, id string) {
	r.log.Error().Str("stream", stream).Str("entry_id", id).Msg("pending entry was deleted from the stream before it was handled")
	r.deadLetter(ctx, stream, &entry{id: id}, "entry deleted from the stream (trimmed?) before it was handled", 0)
}

// deadLetter writes e to the dead letter stream, retrying Redis errors, and
// then lets it be acked.
func (r *Runner) deadLetter(ctx context.Context, stream string, e *entry, reason string, attempts int) outcome {
	values := map[string]any{
		fieldStream:   stream,
		fieldEntryID:  e.id,
		fieldGroup:    r.cfg.Group,
		fieldReason:   truncate(reason, maxReason),
		fieldAttempts: attempts,
		fieldFailedAt: time.Now().UTC().Format(time.RFC3339),
	}
	for _, f := range originalFields {
		if v, ok := e.fields[f]; ok {
			values[f] = v
		}
	}
	err := r.persist(ctx, "dead-letter", func(ctx context.Context) error {
		return r.rdb.XAdd(ctx, &redis.XAddArgs{Stream: r.cfg.DeadLetter, Values: values}).Err()
	})
	if err != nil {
		return keep
	}
	return ack
}
