package stream_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/xentri/xentri/contracts"
	"github.com/xentri/xentri/internal/events/stream"
	"github.com/xentri/xentri/internal/testenv"
)

// testBundle is one test's Redis names: a stream, a group and a dead letter
// stream no other test uses.
type testBundle struct {
	rdb    *redis.Client
	stream string
	group  string
	dlq    string
}

func setup(tb testing.TB) testBundle {
	tb.Helper()
	rdb := testenv.Redis(tb)
	id := uuid.NewString()
	b := testBundle{
		rdb:    rdb,
		stream: "test:stream:" + id + ":events",
		group:  "g-" + id,
		dlq:    "test:stream:" + id + ":dlq",
	}
	tb.Cleanup(func() {
		ctx := context.Background()
		keys := []string{b.stream, b.dlq}
		iter := rdb.Scan(ctx, 0, "xentri:processed:"+b.group+":*", 1000).Iterator()
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		for k := range slices.Chunk(keys, 1000) {
			rdb.Del(ctx, k...)
		}
	})
	return b
}

// config returns a Config for b with short timings; the test sets Handler.
func (b testBundle) config(tb testing.TB, consumer string) stream.Config {
	return stream.Config{
		Redis:      b.rdb,
		Streams:    []string{b.stream},
		Group:      b.group,
		Consumer:   consumer,
		Block:      100 * time.Millisecond,
		Backoff:    func(int) time.Duration { return 10 * time.Millisecond },
		ClaimIdle:  time.Second,
		DeadLetter: b.dlq,
		DedupeTTL:  time.Hour,
		StartID:    "0",
		Log:        testenv.Logger(tb),
	}
}

func newEnvelope() contracts.Envelope {
	return contracts.Envelope{
		ID:              uuid.Must(uuid.NewV7()).String(),
		Type:            "xentri.sales.lead_created.v1",
		OccurredAt:      time.Now().UTC().Truncate(time.Millisecond),
		OrgID:           uuid.NewString(),
		Actor:           contracts.Actor{Type: "user", ID: uuid.NewString()},
		EnvelopeVersion: contracts.EnvelopeVersion,
		PayloadSchema:   "lead.created@1",
		Payload:         json.RawMessage(`{"lead_id":"l1"}`),
		Meta:            contracts.Meta{Source: "test"},
	}
}

// publish adds e to the stream as the relay does and returns the entry id.
func (b testBundle) publish(tb testing.TB, e contracts.Envelope) string {
	tb.Helper()
	raw, err := json.Marshal(e)
	if err != nil {
		tb.Fatal(err)
	}
	return b.add(tb, map[string]any{
		contracts.FieldEnvelope: string(raw),
		contracts.FieldID:       e.ID,
		contracts.FieldType:     e.Type,
		contracts.FieldOrgID:    e.OrgID,
	})
}

func (b testBundle) add(tb testing.TB, values map[string]any) string {
	tb.Helper()
	id, err := b.rdb.XAdd(context.Background(), &redis.XAddArgs{Stream: b.stream, Values: values}).Result()
	if err != nil {
		tb.Fatalf("xadd: %v", err)
	}
	return id
}

func (b testBundle) pending(tb testing.TB) int64 {
	tb.Helper()
	p, err := b.rdb.XPending(context.Background(), b.stream, b.group).Result()
	if err != nil {
		tb.Fatalf("xpending: %v", err)
	}
	return p.Count
}

// run starts a Runner for cfg and returns a stop func that cancels it and
// returns Run's result; the test's cleanup stops it too.
func run(tb testing.TB, cfg stream.Config) (stop func() error) {
	tb.Helper()
	r, err := stream.NewRunner(cfg)
	if err != nil {
		tb.Fatalf("new runner: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	var once sync.Once
	var runErr error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(10 * time.Second):
				runErr = errors.New("Run did not return within 10s of cancel")
			}
		})
		return runErr
	}
	tb.Cleanup(func() { _ = stop() })
	return stop
}

func eventually(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// recorder is a handler that records what it was called with.
type recorder struct {
	mu       sync.Mutex
	ids      []string
	attempts []int
	fn       func(ctx context.Context, e contracts.Envelope, call int) error
}

func (r *recorder) handle(ctx context.Context, e contracts.Envelope) error {
	d, ok := stream.DeliveryFromContext(ctx)
	if !ok {
		return errors.New("no delivery in the context")
	}
	r.mu.Lock()
	r.ids = append(r.ids, e.ID)
	r.attempts = append(r.attempts, d.Attempt)
	call := len(r.ids)
	r.mu.Unlock()
	if r.fn != nil {
		return r.fn(ctx, e, call)
	}
	return nil
}

func (r *recorder) calls() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.ids)
}

func (r *recorder) snapshot() (ids []string, attempts []int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.ids), slices.Clone(r.attempts)
}

func TestRunnerHandlesEntriesInOrderAndAcksThem(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var want []string
	for range 50 {
		e := newEnvelope()
		b.publish(t, e)
		want = append(want, e.ID)
	}
	rec := &recorder{}
	cfg := b.config(t, "c1")
	cfg.Handler = rec.handle
	cfg.Batch = 7 // several reads
	run(t, cfg)

	eventually(t, "all 50 handled", func() bool { return rec.calls() >= 50 })
	eventually(t, "nothing pending", func() bool { return b.pending(t) == 0 })
	ids, attempts := rec.snapshot()
	if !slices.Equal(ids, want) {
		t.Fatalf("handled %v\nwant in stream order %v", ids, want)
	}
	for i, a := range attempts {
		if a != 1 {
			t.Fatalf("event %d handled at attempt %d, want 1", i, a)
		}
	}
}

func TestRunnerHandlesADuplicateEventOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	dup, other, last := newEnvelope(), newEnvelope(), newEnvelope()
	b.publish(t, dup)
	b.publish(t, other)
	b.publish(t, dup) // the relay published it again: in the same read
	rec := &recorder{}
	cfg := b.config(t, "c1")
	cfg.Handler = rec.handle
	run(t, cfg)
	eventually(t, "the first read handled", func() bool { return rec.calls() >= 2 && b.pending(t) == 0 })

	b.publish(t, dup) // and again, in a later read
	b.publish(t, last)
	eventually(t, "the last event handled", func() bool {
		ids, _ := rec.snapshot()
		return slices.Contains(ids, last.ID)
	})
	eventually(t, "nothing pending", func() bool { return b.pending(t) == 0 })
	ids, _ := rec.snapshot()
	if want := []string{dup.ID, other.ID, last.ID}; !slices.Equal(ids, want) {
		t.Fatalf("handled %v, want %v (the duplicate once)", ids, want)
	}
}

func TestRunnerTakesTurnsOnAnEventTwoConsumersReadAtOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	dup := newEnvelope()
	b.publish(t, dup)
	b.publish(t, dup)
	var calls atomic.Int32
	for _, name := range []string{"c1", "c2"} {
		cfg := b.config(t, name)
		cfg.Batch = 1 // each consumer reads one of the two copies
		cfg.Handler = func(ctx context.Context, e contracts.Envelope) error {
			calls.Add(1)
			time.Sleep(300 * time.Millisecond) // while the other copy waits
			return nil
		}
		run(t, cfg)
	}
	eventually(t, "both copies acked", func() bool {
		n, _ := b.rdb.XLen(context.Background(), b.stream).Result()
		info, err := b.rdb.XInfoGroups(context.Background(), b.stream).Result()
		return n == 2 && err == nil && len(info) == 1 && info[0].EntriesRead == 2 && b.pending(t) == 0
	})
	if n := calls.Load(); n != 1 {
		t.Fatalf("handler called %d times for one event read by two consumers, want 1", n)
	}
}

func TestRunnerRetriesAFailingHandlerUntilItSucceeds(t *testing.T) {
	t.Parallel()
	b := setup(t)
	e := newEnvelope()
	entryID := b.publish(t, e)
	var countAtThirdTry int64
	rec := &recorder{fn: func(ctx context.Context, _ contracts.Envelope, call int) error {
		if call < 3 {
			return fmt.Errorf("transient failure %d", call)
		}
		// The attempt is recorded in the entry's delivery count, so that
		// another consumer taking it over would count it.
		p, err := b.rdb.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: b.stream, Group: b.group, Start: entryID, End: entryID, Count: 1}).Result()
		if err == nil && len(p) == 1 {
			atomic.StoreInt64(&countAtThirdTry, p[0].RetryCount)
		}
		return nil
	}}
	var backoffs []int
	var mu sync.Mutex
	cfg := b.config(t, "c1")
	cfg.Handler = rec.handle
	cfg.Backoff = func(attempt int) time.Duration {
		mu.Lock()
		defer mu.Unlock()
		backoffs = append(backoffs, attempt)
		return 20 * time.Millisecond
	}
	run(t, cfg)

	eventually(t, "nothing pending", func() bool { return rec.calls() >= 3 && b.pending(t) == 0 })
	ids, attempts := rec.snapshot()
	if !slices.Equal(attempts, []int{1, 2, 3}) || len(slices.Compact(ids)) != 1 {
		t.Fatalf("calls for %v at attempts %v, want one event at attempts 1, 2, 3", ids, attempts)
	}
	mu.Lock()
	if !slices.Equal(backoffs, []int{1, 2}) {
		t.Errorf("Backoff called with %v, want [1 2]", backoffs)
	}
	mu.Unlock()
	if n := atomic.LoadInt64(&countAtThirdTry); n != 3 {
		t.Errorf("delivery count during the third attempt = %d, want 3", n)
	}
	if n, _ := b.rdb.XLen(context.Background(), b.dlq).Result(); n != 0 {
		t.Errorf("%d dead letters, want none", n)
	}
}

func TestRunnerDeadLettersAnEntryThatKeepsFailing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	e := newEnvelope()
	entryID := b.publish(t, e)
	long := strings.Repeat("x", 3000)
	rec := &recorder{fn: func(_ context.Context, _ contracts.Envelope, call int) error {
		return fmt.Errorf("boom %d %s", call, long)
	}}
	cfg := b.config(t, "c1")
	cfg.Handler = rec.handle
	cfg.MaxAttempts = 3
	run(t, cfg)
	before := time.Now().Add(-time.Second)

	eventually(t, "a dead letter", func() bool {
		n, _ := b.rdb.XLen(context.Background(), b.dlq).Result()
		return n == 1
	})
	eventually(t, "nothing pending", func() bool { return b.pending(t) == 0 })
	if n := rec.calls(); n != 3 {
		t.Fatalf("handler called %d times, want MaxAttempts = 3", n)
	}

	dls, err := stream.ListDeadLetters(context.Background(), b.rdb, b.dlq, 10)
	if err != nil || len(dls) != 1 {
		t.Fatalf("ListDeadLetters = %v, %v; want one", dls, err)
	}
	dl := dls[0]
	raw, _ := json.Marshal(e)
	if dl.Stream != b.stream || dl.EntryID != entryID || dl.Group != b.group || dl.Attempts != 3 ||
		dl.EventID != e.ID || dl.EventType != e.Type || dl.OrgID != e.OrgID || dl.Envelope != string(raw) {
		t.Errorf("dead letter = %+v", dl)
	}
	if !strings.HasPrefix(dl.Reason, "boom 3 xxx") || len(dl.Reason) != 1000 {
		t.Errorf("reason = %.20q… (%d bytes), want the last error cut to 1000 bytes", dl.Reason, len(dl.Reason))
	}
	if dl.FailedAt.Before(before.Truncate(time.Second)) || dl.FailedAt.After(time.Now()) {
		t.Errorf("failed_at = %s, want about now", dl.FailedAt)
	}
	// The raw entry has exactly the documented fields.
	msgs, _ := b.rdb.XRange(context.Background(), b.dlq, "-", "+").Result()
	var fields []string
	for k := range msgs[0].Values {
		fields = append(fields, k)
	}
	slices.Sort(fields)
	want := []string{"attempts", "entry_id", "envelope", "failed_at", "group", "id", "org_id", "reason", "stream", "type"}
	if !slices.Equal(fields, want) {
		t.Errorf("dead letter fields %v, want %v", fields, want)
	}
}

func TestRunnerDeadLettersAPermanentFailureAtOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.publish(t, newEnvelope())
	rec := &recorder{fn: func(context.Context, contracts.Envelope, int) error {
		return stream.Permanent(errors.New("unknown org"))
	}}
	cfg := b.config(t, "c1")
	cfg.Handler = rec.handle
	run(t, cfg)

	eventually(t, "a dead letter, nothing pending", func() bool {
		n, _ := b.rdb.XLen(context.Background(), b.dlq).Result()
		return n == 1 && b.pending(t) == 0
	})
	dls, _ := stream.ListDeadLetters(context.Background(), b.rdb, b.dlq, 0)
	if rec.calls() != 1 || len(dls) != 1 || dls[0].Attempts != 1 || dls[0].Reason != "unknown org" {
		t.Fatalf("calls %d, dead letters %+v; want one call and one dead letter", rec.calls(), dls)
	}
}

func TestRunnerDeadLettersMalformedEntries(t *testing.T) {
	t.Parallel()
	b := setup(t)
	noID := newEnvelope()
	noID.ID = ""
	rawNoID, _ := json.Marshal(noID)
	cases := []struct {
		values map[string]any
		reason string
	}{
		{map[string]any{contracts.FieldID: "e1", contracts.FieldType: "t"}, "no envelope field"},
		{map[string]any{contracts.FieldEnvelope: "{not json", contracts.FieldID: "e2"}, "envelope: "},
		{map[string]any{contracts.FieldEnvelope: string(rawNoID)}, "envelope has no id"},
	}
	var entries []string
	for _, c := range cases {
		entries = append(entries, b.add(t, c.values))
	}
	good := newEnvelope()
	b.publish(t, good)
	rec := &recorder{}
	cfg := b.config(t, "c1")
	cfg.Handler = rec.handle
	run(t, cfg)

	eventually(t, "the good event handled, nothing pending", func() bool { return rec.calls() == 1 && b.pending(t) == 0 })
	dls, err := stream.ListDeadLetters(context.Background(), b.rdb, b.dlq, 0)
	if err != nil || len(dls) != len(cases) {
		t.Fatalf("ListDeadLetters = %+v, %v; want %d", dls, err, len(cases))
	}
	for i, c := range cases {
		if dls[i].EntryID != entries[i] || !strings.Contains(dls[i].Reason, c.reason) || dls[i].Attempts != 1 {
			t.Errorf("dead letter %d = %+v, want entry %s with a reason containing %q", i, dls[i], entries[i], c.reason)
		}
	}
	if dls[0].EventID != "e1" || dls[0].Envelope != "" {
		t.Errorf("dead letter keeps the fields the entry had: %+v", dls[0])
	}
	if ids, _ := rec.snapshot(); ids[0] != good.ID {
		t.Errorf("handled %v, want only %s", ids, good.ID)
	}
}

func TestRunnerTakesOverEntriesADeadConsumerLeftPending(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	if err := b.rdb.XGroupCreateMkStream(ctx, b.stream, b.group, "0").Err(); err != nil {
		t.Fatal(err)
	}
	var want []string
	for range 3 {
		e := newEnvelope()
		b.publish(t, e)
		want = append(want, e.ID)
	}
	// A consumer reads them and dies without acking.
	res, err := b.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: b.group, Consumer: "dead", Streams: []string{b.stream, ">"}, Count: 10, Block: -1}).Result()
	if err != nil || len(res[0].Messages) != 3 {
		t.Fatalf("dead consumer read %v, %v", res, err)
	}

	rec := &recorder{}
	cfg := b.config(t, "alive")
	cfg.Handler = rec.handle
	cfg.ClaimIdle = 200 * time.Millisecond
	run(t, cfg)

	eventually(t, "all handled, nothing pending", func() bool { return rec.calls() >= 3 && b.pending(t) == 0 })
	ids, attempts := rec.snapshot()
	if !slices.Equal(ids, want) || !slices.Equal(attempts, []int{2, 2, 2}) {
		t.Fatalf("handled %v at attempts %v; want %v at attempt 2 (the dead consumer's delivery counts)", ids, attempts, want)
	}
}

func TestRunnerDeadLettersAnEntryWhoseAttemptsRanOutElsewhere(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	if err := b.rdb.XGroupCreateMkStream(ctx, b.stream, b.group, "0").Err(); err != nil {
		t.Fatal(err)
	}
	id := b.publish(t, newEnvelope())
	// Consumers crashed handling it, MaxAttempts times in all.
	b.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: b.group, Consumer: "dead", Streams: []string{b.stream, ">"}, Block: -1})
	if err := b.rdb.Do(ctx, "XCLAIM", b.stream, b.group, "dead", 0, id, "RETRYCOUNT", 3, "JUSTID").Err(); err != nil {
		t.Fatal(err)
	}

	rec := &recorder{}
	cfg := b.config(t, "alive")
	cfg.Handler = rec.handle
	cfg.MaxAttempts = 3
	cfg.ClaimIdle = 100 * time.Millisecond
	run(t, cfg)

	eventually(t, "a dead letter, nothing pending", func() bool {
		n, _ := b.rdb.XLen(ctx, b.dlq).Result()
		return n == 1 && b.pending(t) == 0
	})
	dls, _ := stream.ListDeadLetters(ctx, b.rdb, b.dlq, 1)
	if rec.calls() != 0 || dls[0].Attempts != 3 || !strings.Contains(dls[0].Reason, "delivered 3 times") {
		t.Fatalf("handler called %d times, dead letter %+v; want no call and 3 attempts", rec.calls(), dls[0])
	}
}

func TestRunnerKeepsASlowEntryFromBeingTakenOver(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.publish(t, newEnvelope())
	var mu sync.Mutex
	var calls []string
	started := make(chan struct{})
	slow := func(consumer string) stream.Handler {
		return func(ctx context.Context, _ contracts.Envelope) error {
			mu.Lock()
			calls = append(calls, consumer)
			n := len(calls)
			mu.Unlock()
			if n == 1 {
				close(started)
				time.Sleep(time.Second) // ten times ClaimIdle
				return errors.New("fails once, then waits a long backoff")
			}
			return nil
		}
	}
	cfg := b.config(t, "c1")
	cfg.Handler = slow("c1")
	cfg.ClaimIdle = 100 * time.Millisecond
	cfg.Backoff = func(int) time.Duration { return 500 * time.Millisecond }
	run(t, cfg)
	<-started
	cfg2 := b.config(t, "c2")
	cfg2.ClaimIdle = 100 * time.Millisecond
	cfg2.Handler = slow("c2")
	run(t, cfg2)

	eventually(t, "handled, nothing pending", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(calls) >= 2 && b.pending(t) == 0
	})
	time.Sleep(200 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(calls, []string{"c1", "c1"}) {
		t.Fatalf("handler calls by %v, want c1 twice (a failure and its retry), c2 never", calls)
	}
}

func TestRunnersInOneGroupSplitTheWork(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const n = 200
	for range n {
		b.publish(t, newEnvelope())
	}
	var mu sync.Mutex
	seen := map[string]int{}
	per := map[string]int{}
	for _, name := range []string{"c1", "c2"} {
		cfg := b.config(t, name)
		cfg.Batch = 10
		cfg.Handler = func(_ context.Context, e contracts.Envelope) error {
			mu.Lock()
			seen[e.ID]++
			per[name]++
			mu.Unlock()
			time.Sleep(time.Millisecond)
			return nil
		}
		run(t, cfg)
	}
	eventually(t, "all handled, nothing pending", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(seen) == n && b.pending(t) == 0
	})
	mu.Lock()
	defer mu.Unlock()
	for id, c := range seen {
		if c != 1 {
			t.Errorf("event %s handled %d times", id, c)
		}
	}
	if per["c1"] == 0 || per["c2"] == 0 || per["c1"]+per["c2"] != n {
		t.Errorf("split %v, want both consumers to handle some, %d in all", per, n)
	}
}

func TestRedriveRequeuesADeadLetter(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	e := newEnvelope()
	b.publish(t, e)
	var healthy atomic.Bool
	rec := &recorder{fn: func(context.Context, contracts.Envelope, int) error {
		if !healthy.Load() {
			return errors.New("downstream is down")
		}
		return nil
	}}
	cfg := b.config(t, "c1")
	cfg.Handler = rec.handle
	cfg.MaxAttempts = 2
	run(t, cfg)

	var dls []stream.DeadLetter
	eventually(t, "a dead letter", func() bool {
		dls, _ = stream.ListDeadLetters(ctx, b.rdb, b.dlq, 10)
		return len(dls) == 1
	})
	healthy.Store(true)
	if err := stream.Redrive(ctx, b.rdb, b.dlq, dls[0].ID); err != nil {
		t.Fatalf("Redrive: %v", err)
	}
	eventually(t, "handled after the redrive", func() bool { return rec.calls() == 3 && b.pending(t) == 0 })
	if n, _ := b.rdb.XLen(ctx, b.dlq).Result(); n != 0 {
		t.Errorf("%d dead letters left, want 0", n)
	}
	if ids, _ := rec.snapshot(); ids[2] != e.ID {
		t.Errorf("handled %v, want %s last", ids, e.ID)
	}
	if err := stream.Redrive(ctx, b.rdb, b.dlq, dls[0].ID); !errors.Is(err, stream.ErrNotFound) {
		t.Errorf("Redrive of a gone dead letter = %v, want ErrNotFound", err)
	}
}

func TestRunnerRecreatesAMissingGroup(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	first, second := newEnvelope(), newEnvelope()
	b.publish(t, first)
	rec := &recorder{}
	cfg := b.config(t, "c1")
	cfg.Handler = rec.handle
	run(t, cfg)
	eventually(t, "the first event handled", func() bool { return rec.calls() == 1 && b.pending(t) == 0 })

	// Redis lost the group (a restart without persistence, an operator).
	if err := b.rdb.XGroupDestroy(ctx, b.stream, b.group).Err(); err != nil {
		t.Fatal(err)
	}
	b.publish(t, second)
	eventually(t, "the second event handled", func() bool { return rec.calls() >= 2 && b.pending(t) == 0 })
	// The group starts again at StartID "0": the first event comes again,
	// and dedupe skips it.
	time.Sleep(100 * time.Millisecond)
	if ids, _ := rec.snapshot(); !slices.Equal(ids, []string{first.ID, second.ID}) {
		t.Fatalf("handled %v, want each event once", ids)
	}
}

func TestRunStopsPromptlyWhenCancelled(t *testing.T) {
	t.Parallel()
	b := setup(t)
	rec := &recorder{}
	cfg := b.config(t, "c1")
	cfg.Handler = rec.handle
	cfg.Block = 200 * time.Millisecond
	stop := run(t, cfg)
	b.publish(t, newEnvelope())
	eventually(t, "running", func() bool { return rec.calls() == 1 })
	time.Sleep(50 * time.Millisecond) // blocked in XREADGROUP

	start := time.Now()
	if err := stop(); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("Run returned %s after cancel, want < 1s", d)
	}
}

func TestRunFinishesTheEntryInHandWhenCancelled(t *testing.T) {
	t.Parallel()
	b := setup(t)
	first, second := newEnvelope(), newEnvelope()
	b.publish(t, first)
	b.publish(t, second)
	started := make(chan struct{})
	var handled []string
	var ctxErr error
	cfg := b.config(t, "c1")
	cfg.Handler = func(ctx context.Context, e contracts.Envelope) error {
		if len(handled) == 0 {
			close(started)
		}
		time.Sleep(300 * time.Millisecond)
		ctxErr = ctx.Err()
		handled = append(handled, e.ID)
		return nil
	}
	stop := run(t, cfg)
	<-started
	if err := stop(); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if !slices.Equal(handled, []string{first.ID}) || ctxErr != nil {
		t.Fatalf("handled %v (ctx err %v), want the first event only, its ctx not cancelled", handled, ctxErr)
	}
	// The first is acked; the second, never started, is released to the
	// group: pending, but claimable at once.
	p, err := b.rdb.XPendingExt(context.Background(), &redis.XPendingExtArgs{Stream: b.stream, Group: b.group, Start: "-", End: "+", Count: 10}).Result()
	if err != nil || len(p) != 1 || p[0].Idle < cfg.ClaimIdle || p[0].RetryCount != 0 {
		t.Fatalf("pending %+v, %v; want the second entry only, idle ≥ ClaimIdle, count 0", p, err)
	}
}

func TestRunReturnsWithinTheShutdownGraceFromAHandlerThatDoesNotFinish(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		block func(ctx context.Context, release <-chan struct{}) error
	}{
		{"ignoring its context", func(_ context.Context, release <-chan struct{}) error {
			<-release // never, while Run runs
			return nil
		}},
		{"until its context ends", func(ctx context.Context, _ <-chan struct{}) error {
			<-ctx.Done()
			return ctx.Err()
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			e := newEnvelope()
			entryID := b.publish(t, e)
			release := make(chan struct{})
			t.Cleanup(func() { close(release) })
			started := make(chan struct{})
			var ctxErr atomic.Value
			logs := &lockedBuffer{}
			cfg := b.config(t, "c1")
			cfg.Log = zerolog.New(zerolog.MultiLevelWriter(zerolog.NewTestWriter(t), logs))
			cfg.MaxAttempts = 1 // a stop counted as a failure would dead-letter the entry
			cfg.HandlerTimeout = time.Minute
			cfg.ShutdownGrace = 200 * time.Millisecond
			cfg.Handler = func(ctx context.Context, _ contracts.Envelope) error {
				close(started)
				err := c.block(ctx, release)
				ctxErr.Store(fmt.Sprint(ctx.Err()))
				return err
			}
			stop := run(t, cfg)
			select {
			case <-started:
			case <-time.After(10 * time.Second):
				t.Fatal("handler not called within 10s")
			}

			begin := time.Now()
			err := stop() // fails after 10s if Run does not return
			took := time.Since(begin)
			if err != nil || took > 5*time.Second {
				t.Fatalf("Run = %v, %s after cancel; want nil within 5s (grace 200ms)", err, took)
			}
			if took < cfg.ShutdownGrace {
				t.Errorf("Run returned %s after cancel, want the handler given its grace (200ms) first", took)
			}
			if c.name == "until its context ends" && ctxErr.Load() != context.Canceled.Error() {
				t.Errorf("handler context ended with %v, want it cancelled", ctxErr.Load())
			}

			// Neither done nor failed: pending, the attempt counted, for
			// another consumer to claim.
			ctx := context.Background()
			p, err := b.rdb.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: b.stream, Group: b.group, Start: "-", End: "+", Count: 10}).Result()
			if err != nil || len(p) != 1 || p[0].ID != entryID || p[0].Consumer != "c1" || p[0].RetryCount != 1 {
				t.Errorf("pending %+v, %v; want %s held by c1, delivered once", p, err, entryID)
			}
			if n, _ := b.rdb.XLen(ctx, b.dlq).Result(); n != 0 {
				t.Errorf("%d dead letters, want none", n)
			}
			if v, _ := b.rdb.Get(ctx, "xentri:processed:"+b.group+":"+e.ID).Result(); v == "done" {
				t.Errorf("event marked done")
			}
			if c.name == "ignoring its context" && !logs.has(zerolog.ErrorLevel, entryID, "abandon") {
				t.Errorf("no error logged about abandoning the handler of %s; logs:\n%s", entryID, logs)
			}
		})
	}
}

func TestRunnerCountsAHandlerPastItsDeadlineAsAFailedAttempt(t *testing.T) {
	t.Parallel()
	b := setup(t)
	entryID := b.publish(t, newEnvelope())
	const timeout = 200 * time.Millisecond
	type call struct {
		deadline    time.Duration // from the call's start
		hasDeadline bool
		took        time.Duration
	}
	var mu sync.Mutex
	var calls []call
	rec := &recorder{fn: func(ctx context.Context, _ contracts.Envelope, _ int) error {
		start := time.Now()
		deadline, ok := ctx.Deadline()
		<-ctx.Done()
		mu.Lock()
		calls = append(calls, call{deadline.Sub(start), ok, time.Since(start)})
		mu.Unlock()
		return ctx.Err()
	}}
	cfg := b.config(t, "c1")
	cfg.Handler = rec.handle
	cfg.MaxAttempts = 2
	cfg.HandlerTimeout = timeout
	run(t, cfg)

	eventually(t, "a dead letter, nothing pending", func() bool {
		n, _ := b.rdb.XLen(context.Background(), b.dlq).Result()
		return n == 1 && b.pending(t) == 0
	})
	if _, attempts := rec.snapshot(); !slices.Equal(attempts, []int{1, 2}) {
		t.Fatalf("handler called at attempts %v, want 1 and 2", attempts)
	}
	mu.Lock()
	defer mu.Unlock()
	for i, c := range calls {
		if !c.hasDeadline || c.deadline <= 0 || c.deadline > timeout || c.took < timeout-10*time.Millisecond {
			t.Errorf("call %d: deadline %s after its start (set: %t), ended after %s; want a deadline about HandlerTimeout (%s) away",
				i+1, c.deadline, c.hasDeadline, c.took, timeout)
		}
	}
	dls, _ := stream.ListDeadLetters(context.Background(), b.rdb, b.dlq, 1)
	if dls[0].EntryID != entryID || dls[0].Attempts != 2 || !strings.Contains(dls[0].Reason, "timed out after 200ms") ||
		!strings.Contains(dls[0].Reason, context.DeadlineExceeded.Error()) {
		t.Errorf("dead letter %+v, want %s after 2 attempts that timed out", dls[0], entryID)
	}
}

func TestRunnerRetriesAnEventWhoseHandlerIgnoredItsDeadline(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.publish(t, newEnvelope())
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	rec := &recorder{fn: func(_ context.Context, _ contracts.Envelope, call int) error {
		if call == 1 {
			<-release // never, while the test runs
		}
		return nil
	}}
	cfg := b.config(t, "c1")
	cfg.Handler = rec.handle
	cfg.HandlerTimeout = 200 * time.Millisecond
	run(t, cfg)

	// The hung first call does not hold the Runner: the event is tried again
	// and acked.
	eventually(t, "retried, nothing pending", func() bool { return rec.calls() == 2 && b.pending(t) == 0 })
	if _, attempts := rec.snapshot(); !slices.Equal(attempts, []int{1, 2}) {
		t.Fatalf("handler called at attempts %v, want 1 and 2", attempts)
	}
	if n, _ := b.rdb.XLen(context.Background(), b.dlq).Result(); n != 0 {
		t.Errorf("%d dead letters, want none", n)
	}
}

// lockedBuffer collects JSON log lines written from several goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// has reports whether a line at level about entryID has a message
// containing msg.
func (l *lockedBuffer) has(level zerolog.Level, entryID, msg string) bool {
	for line := range strings.Lines(l.String()) {
		var rec struct {
			Level   string `json:"level"`
			Message string `json:"message"`
			EntryID string `json:"entry_id"`
		}
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Level == level.String() &&
			rec.EntryID == entryID && strings.Contains(rec.Message, msg) {
			return true
		}
	}
	return false
}

func TestRunnerRidesOutARedisOutage(t *testing.T) {
	t.Parallel()
	b := setup(t)
	opts, err := redis.ParseURL(testenv.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	px := newProxy(t, opts.Addr)
	opts.Addr = px.addr()
	opts.DialTimeout = 200 * time.Millisecond
	viaProxy := redis.NewClient(opts)
	t.Cleanup(func() { viaProxy.Close() })

	rec := &recorder{}
	cfg := b.config(t, "c1")
	cfg.Redis = viaProxy
	cfg.Handler = rec.handle
	cfg.Log = zerolog.Nop() // the outage logs a lot
	stop := run(t, cfg)
	b.publish(t, newEnvelope())
	eventually(t, "the first event handled", func() bool { return rec.calls() == 1 })

	px.setDown(true)
	b.publish(t, newEnvelope())
	time.Sleep(700 * time.Millisecond)
	if n := rec.calls(); n != 1 {
		t.Fatalf("handled %d events with Redis unreachable", n)
	}
	px.setDown(false)
	eventually(t, "the second event handled after the outage", func() bool { return rec.calls() == 2 && b.pending(t) == 0 })
	if err := stop(); err != nil {
		t.Fatalf("Run = %v", err)
	}
}

func TestNewRunnerChecksTheConfig(t *testing.T) {
	t.Parallel()
	ok := func(c *stream.Config) {}
	valid := func() stream.Config {
		return stream.Config{
			Redis:   redis.NewClient(&redis.Options{}),
			Streams: []string{"s"},
			Group:   "g",
			Handler: func(context.Context, contracts.Envelope) error { return nil },
		}
	}
	cases := []struct {
		name   string
		change func(*stream.Config)
		want   string
	}{
		{"valid", ok, ""},
		{"no redis", func(c *stream.Config) { c.Redis = nil }, "Redis is required"},
		{"no streams", func(c *stream.Config) { c.Streams = nil }, "Streams is required"},
		{"duplicate stream", func(c *stream.Config) { c.Streams = []string{"s", "s"} }, "twice"},
		{"dlq as stream", func(c *stream.Config) { c.Streams = []string{stream.DefaultDeadLetter} }, "DeadLetter"},
		{"no group", func(c *stream.Config) { c.Group = "" }, "Group is required"},
		{"no handler", func(c *stream.Config) { c.Handler = nil }, "Handler is required"},
		{"negative attempts", func(c *stream.Config) { c.MaxAttempts = -1 }, "MaxAttempts"},
		{"sub-ms block", func(c *stream.Config) { c.Block = time.Microsecond }, "Block"},
		{"negative handler timeout", func(c *stream.Config) { c.HandlerTimeout = -time.Second }, "HandlerTimeout"},
		{"negative shutdown grace", func(c *stream.Config) { c.ShutdownGrace = -time.Second }, "ShutdownGrace"},
		{"grace beyond the handler timeout", func(c *stream.Config) {
			c.HandlerTimeout, c.ShutdownGrace = time.Second, 2*time.Second
		}, "ShutdownGrace must not exceed HandlerTimeout"},
		// The default grace (5s) shrinks to a shorter handler timeout.
		{"short handler timeout", func(c *stream.Config) { c.HandlerTimeout = time.Second }, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cfg := valid()
			c.change(&cfg)
			_, err := stream.NewRunner(cfg)
			if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
				t.Fatalf("NewRunner = %v, want an error containing %q", err, c.want)
			}
		})
	}
}

// proxy forwards TCP to Redis and can play dead: while down it drops its
// connections and refuses new ones.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  []net.Conn
}

func newProxy(tb testing.TB, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p := &proxy{ln: ln, target: target}
	tb.Cleanup(func() {
		ln.Close()
		p.setDown(true)
	})
	go p.serve()
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.down {
			p.mu.Unlock()
			c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.conns = append(p.conns, c, up)
		p.mu.Unlock()
		go func() { _, _ = io.Copy(up, c); up.Close() }()
		go func() { _, _ = io.Copy(c, up); c.Close() }()
	}
}

func (p *proxy) setDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
	if down {
		for _, c := range p.conns {
			c.Close()
		}
		p.conns = nil
	}
}

func BenchmarkRunner(b *testing.B) {
	const n = 10_000
	for range b.N {
		b.StopTimer()
		tb := setup(b)
		ctx := context.Background()
		for chunk := 0; chunk < n; chunk += 1000 {
			_, err := tb.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
				for range 1000 {
					e := newEnvelope()
					raw, _ := json.Marshal(e)
					p.XAdd(ctx, &redis.XAddArgs{Stream: tb.stream, Values: map[string]any{
						contracts.FieldEnvelope: string(raw), contracts.FieldID: e.ID,
						contracts.FieldType: e.Type, contracts.FieldOrgID: e.OrgID,
					}})
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		var handled atomic.Int64
		done := make(chan struct{})
		cfg := tb.config(b, "bench")
		cfg.Log = zerolog.Nop()
		cfg.Handler = func(context.Context, contracts.Envelope) error {
			if handled.Add(1) == n {
				close(done)
			}
			return nil
		}
		r, err := stream.NewRunner(cfg)
		if err != nil {
			b.Fatal(err)
		}
		runCtx, cancel := context.WithCancel(ctx)
		stopped := make(chan struct{})

		b.StartTimer()
		start := time.Now()
		go func() { _ = r.Run(runCtx); close(stopped) }()
		select {
		case <-done:
		case <-time.After(2 * time.Minute):
			b.Fatalf("handled %d of %d in 2 minutes", handled.Load(), n)
		}
		elapsed := time.Since(start)
		b.StopTimer()

		cancel()
		<-stopped
		b.ReportMetric(float64(n)/elapsed.Seconds(), "events/s")
	}
}
