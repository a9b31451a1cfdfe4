package events_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/xentri/xentri/contracts"
	"github.com/xentri/xentri/internal/cache"
	"github.com/xentri/xentri/internal/db"
	"github.com/xentri/xentri/internal/db/dbsqlc"
	"github.com/xentri/xentri/internal/events"
	"github.com/xentri/xentri/internal/platform/proc"
	"github.com/xentri/xentri/internal/testenv"
)

// The relay reads every unpublished event of the database, so these tests
// share one database and run one after another, each draining first.
func TestMain(m *testing.M) { testenv.Main(m) }

type bundle struct {
	d      *testenv.Database
	rdb    *redis.Client
	writer *events.Writer
	stream string
}

func setup(t *testing.T) *bundle {
	t.Helper()
	b := &bundle{d: testenv.DB(t), rdb: testenv.Redis(t), writer: &events.Writer{Source: "test", Environment: "local", Log: zerolog.Nop()},
		stream: "test:events:" + uuid.NewString()}
	t.Cleanup(func() {
		keys, _ := b.rdb.Keys(context.Background(), b.stream+"*").Result()
		if len(keys) > 0 {
			b.rdb.Del(context.Background(), keys...)
		}
	})
	b.drain(t)
	return b
}

func (b *bundle) relay(t *testing.T, mod func(*events.RelayConfig)) *events.Relay {
	t.Helper()
	cfg := events.RelayConfig{DB: b.d.Relay.Pool, Redis: b.rdb, Stream: b.stream, Log: zerolog.Nop(), LeaseRetry: 200 * time.Millisecond}
	if mod != nil {
		mod(&cfg)
	}
	r, err := events.NewRelay(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// drain publishes what earlier tests left, to a stream nobody reads.
func (b *bundle) drain(t *testing.T) {
	t.Helper()
	r, _ := events.NewRelay(events.RelayConfig{DB: b.d.Relay.Pool, Redis: b.rdb, Stream: "test:drain", Log: zerolog.Nop()})
	for {
		n, err := r.PublishBatch(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			b.rdb.Del(context.Background(), "test:drain")
			return
		}
	}
}

func (b *bundle) newOrg(t *testing.T) uuid.UUID {
	t.Helper()
	id := uuid.Must(uuid.NewV7())
	err := b.d.App.InTenant(context.Background(), id, func(ctx context.Context, tx pgx.Tx) error {
		_, err := dbsqlc.New(tx).CreateOrg(ctx, dbsqlc.CreateOrgParams{ID: id, Name: "org"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func login(org uuid.UUID, user string) events.Event {
	return events.Event{Type: "xentri.user.login.v1", OrgID: org, Actor: events.Actor{Type: "user", ID: user},
		Payload: contracts.UserLogin{UserID: user}}
}

func (b *bundle) emit(t *testing.T, e events.Event) {
	t.Helper()
	err := b.d.App.InTenant(context.Background(), e.OrgID, func(ctx context.Context, tx pgx.Tx) error {
		return b.writer.Emit(ctx, tx, e)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func (b *bundle) entries(t *testing.T, stream string) []redis.XMessage {
	t.Helper()
	msgs, err := b.rdb.XRange(context.Background(), stream, "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

func TestEmitWritesAValidEnvelope(t *testing.T) {
	b := setup(t)
	org := b.newOrg(t)
	user := uuid.NewString()
	tp := sdktrace.NewTracerProvider()
	ctx, span := tp.Tracer("test").Start(context.Background(), "request")
	defer span.End()
	err := b.d.App.InTenant(ctx, org, func(ctx context.Context, tx pgx.Tx) error {
		e := login(org, user)
		e.CorrelationID = "session-42"
		return b.writer.Emit(ctx, tx, e)
	})
	if err != nil {
		t.Fatal(err)
	}
	var raw []byte
	if err := b.d.Owner.QueryRow(context.Background(), "SELECT envelope FROM system_events WHERE org_id = $1", org).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if err := contracts.ValidateEnvelope(raw); err != nil {
		t.Fatalf("stored envelope is invalid: %v\n%s", err, raw)
	}
	var env contracts.Envelope
	_ = json.Unmarshal(raw, &env)
	id, err := uuid.Parse(env.ID)
	if err != nil || id.Version() != 7 {
		t.Errorf("id %q is not a UUIDv7", env.ID)
	}
	if env.PayloadSchema != "user.login@1" || env.EnvelopeVersion != "1.0" || env.OrgID != org.String() ||
		env.Actor != (contracts.Actor{Type: "user", ID: user}) || env.Meta != (contracts.Meta{Source: "test", Environment: "local"}) ||
		env.CorrelationID != "session-42" || env.TraceID != span.SpanContext().TraceID().String() || env.OccurredAt.IsZero() {
		t.Errorf("envelope = %+v", env)
	}
}

func TestEmitRefusalRollsBackTheBusinessWrite(t *testing.T) {
	b := setup(t)
	org := b.newOrg(t)
	for name, e := range map[string]events.Event{
		"unknown type":    {Type: "xentri.nothing.happened.v1", OrgID: org, Actor: events.Actor{Type: "system", ID: "x"}, Payload: map[string]any{}},
		"invalid payload": {Type: "xentri.user.login.v1", OrgID: org, Actor: events.Actor{Type: "user", ID: "u"}, Payload: map[string]any{"user_id": "not-a-uuid"}},
		"extra field":     {Type: "xentri.user.login.v1", OrgID: org, Actor: events.Actor{Type: "user", ID: "u"}, Payload: map[string]any{"user_id": uuid.NewString(), "password": "x"}},
		"bad actor":       {Type: "xentri.user.login.v1", OrgID: org, Actor: events.Actor{Type: "robot", ID: "u"}, Payload: contracts.UserLogin{UserID: uuid.NewString()}},
	} {
		t.Run(name, func(t *testing.T) {
			renamed := "renamed " + name
			err := b.d.App.InTenant(context.Background(), org, func(ctx context.Context, tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, "UPDATE orgs SET name = $1 WHERE id = $2", renamed, org); err != nil {
					return err
				}
				return b.writer.Emit(ctx, tx, e)
			})
			if !errors.Is(err, events.ErrInvalidEvent) {
				t.Fatalf("Emit = %v, want ErrInvalidEvent", err)
			}
			var got string
			_ = b.d.Owner.QueryRow(context.Background(), "SELECT name FROM orgs WHERE id = $1", org).Scan(&got)
			if got == renamed {
				t.Fatal("the business write survived a refused event")
			}
		})
	}
	var n int
	_ = b.d.Owner.QueryRow(context.Background(), "SELECT count(*) FROM system_events WHERE org_id = $1", org).Scan(&n)
	if n != 0 {
		t.Fatalf("%d events written", n)
	}
}

func TestDedupeKeyWritesOneEvent(t *testing.T) {
	b := setup(t)
	org, other := b.newOrg(t), b.newOrg(t)
	e := login(org, uuid.NewString())
	e.DedupeKey = "login-once"
	b.emit(t, e)
	b.emit(t, e)
	e.OrgID = other // the key is per org
	b.emit(t, e)
	var n int
	_ = b.d.Owner.QueryRow(context.Background(), "SELECT count(*) FROM system_events WHERE org_id IN ($1, $2)", org, other).Scan(&n)
	if n != 2 {
		t.Fatalf("%d events, want one per org", n)
	}
}

func TestAppRoleCannotRewriteTheLog(t *testing.T) {
	b := setup(t)
	org := b.newOrg(t)
	b.emit(t, login(org, uuid.NewString()))
	err := b.d.App.InTenant(context.Background(), org, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE system_events SET type = 'forged' WHERE org_id = $1", org)
		return err
	})
	if err == nil {
		t.Fatal("xentri_app updated system_events")
	}
}

func TestRelayPublishesOnceAndMarks(t *testing.T) {
	b := setup(t)
	org := b.newOrg(t)
	for range 3 {
		b.emit(t, login(org, uuid.NewString()))
	}
	r := b.relay(t, nil)
	n, err := r.PublishBatch(context.Background())
	if err != nil || n != 3 {
		t.Fatalf("PublishBatch = %d, %v; want 3", n, err)
	}
	if n, _ := r.PublishBatch(context.Background()); n != 0 {
		t.Fatalf("second batch published %d again", n)
	}
	msgs := b.entries(t, b.stream)
	if len(msgs) != 3 {
		t.Fatalf("%d entries on the stream", len(msgs))
	}
	for _, m := range msgs {
		env := m.Values[contracts.FieldEnvelope].(string)
		if err := contracts.ValidateEnvelope([]byte(env)); err != nil {
			t.Errorf("entry envelope invalid: %v", err)
		}
		if m.Values[contracts.FieldOrgID] != org.String() || m.Values[contracts.FieldType] != "xentri.user.login.v1" || m.Values[contracts.FieldID] == "" {
			t.Errorf("entry fields = %v", m.Values)
		}
	}
}

// TestRelayNeverSkipsALateCommit: an event whose transaction began first
// but committed after a later one is published, however the relay's rounds
// fall between them.
func TestRelayNeverSkipsALateCommit(t *testing.T) {
	b := setup(t)
	orgA, orgB := b.newOrg(t), b.newOrg(t)
	ctx := context.Background()
	slow, err := b.d.App.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Rollback(ctx)
	if err := db.SwitchTenant(ctx, slow, orgA); err != nil {
		t.Fatal(err)
	}
	lateUser := uuid.NewString()
	if err := b.writer.Emit(ctx, slow, login(orgA, lateUser)); err != nil {
		t.Fatal(err)
	}
	b.emit(t, login(orgB, uuid.NewString())) // begins later, commits first
	r := b.relay(t, nil)
	if n, err := r.PublishBatch(ctx); err != nil || n != 1 {
		t.Fatalf("first round published %d (%v), want the committed one", n, err)
	}
	if err := slow.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := r.PublishBatch(ctx); err != nil || n != 1 {
		t.Fatalf("after the late commit the relay published %d (%v), want 1", n, err)
	}
	found := false
	for _, m := range b.entries(t, b.stream) {
		found = found || m.Values[contracts.FieldOrgID] == orgA.String()
	}
	if !found {
		t.Fatal("the late-committing event never reached the stream")
	}
}

// TestRelayKeepsCommitOrderWithinAnOrg: two transactions of one org: the
// second waits for the first, so the stream shows them in commit order.
func TestRelayKeepsCommitOrderWithinAnOrg(t *testing.T) {
	b := setup(t)
	org := b.newOrg(t)
	ctx := context.Background()
	first, second := uuid.NewString(), uuid.NewString()
	tx1, _ := b.d.App.Pool.Begin(ctx)
	defer tx1.Rollback(ctx)
	_ = db.SwitchTenant(ctx, tx1, org)
	if err := b.writer.Emit(ctx, tx1, login(org, first)); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- b.d.App.InTenant(ctx, org, func(ctx context.Context, tx pgx.Tx) error { return b.writer.Emit(ctx, tx, login(org, second)) })
	}()
	select {
	case err := <-done:
		t.Fatalf("a second transaction of the org emitted while the first was open: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	if err := tx1.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := b.relay(t, nil).PublishBatch(ctx); err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, m := range b.entries(t, b.stream) {
		var env contracts.Envelope
		_ = json.Unmarshal([]byte(m.Values[contracts.FieldEnvelope].(string)), &env)
		order = append(order, env.Actor.ID)
	}
	if len(order) != 2 || order[0] != first || order[1] != second {
		t.Fatalf("stream order %v, want commit order [%s %s]", order, first, second)
	}
}

func TestRelayPartitionsByOrg(t *testing.T) {
	b := setup(t)
	r := b.relay(t, func(c *events.RelayConfig) { c.Partitions = 4 })
	orgs := []uuid.UUID{b.newOrg(t), b.newOrg(t), b.newOrg(t), b.newOrg(t), b.newOrg(t)}
	for _, o := range orgs {
		b.emit(t, login(o, uuid.NewString()))
		b.emit(t, login(o, uuid.NewString()))
	}
	if _, err := r.PublishBatch(context.Background()); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, s := range events.Streams(b.stream, 4) {
		for _, m := range b.entries(t, s) {
			total++
			if want := events.StreamFor(b.stream, m.Values[contracts.FieldOrgID].(string), 4); want != s {
				t.Errorf("org %v on %s, want %s", m.Values[contracts.FieldOrgID], s, want)
			}
		}
	}
	if total != 10 {
		t.Fatalf("%d entries across partitions, want 10", total)
	}
}

// TestRelayWakesOnNotify: with a poll interval far away, an emit is on the
// stream at once.
func TestRelayWakesOnNotify(t *testing.T) {
	b := setup(t)
	r := b.relay(t, func(c *events.RelayConfig) { c.PollInterval = time.Minute })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.Run(ctx)
	time.Sleep(300 * time.Millisecond) // it takes the lease and listens
	org := b.newOrg(t)
	start := time.Now()
	b.emit(t, login(org, uuid.NewString()))
	for time.Since(start) < 5*time.Second {
		if len(b.entries(t, b.stream)) == 1 {
			if took := time.Since(start); took > 2*time.Second {
				t.Fatalf("published after %s: not woken by the notification", took)
			}
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("never published")
}

// TestOneRelayPublishesAndAnotherTakesOver: of two replicas one holds the
// lease; when it stops, the other publishes within seconds.
func TestOneRelayPublishesAndAnotherTakesOver(t *testing.T) {
	b := setup(t)
	leaderCtx, stopLeader := context.WithCancel(context.Background())
	standbyCtx, stopStandby := context.WithCancel(context.Background())
	defer stopStandby()
	leaderDone := make(chan struct{})
	go func() { b.relay(t, nil).Run(leaderCtx); close(leaderDone) }()
	time.Sleep(300 * time.Millisecond)
	go b.relay(t, nil).Run(standbyCtx)
	org := b.newOrg(t)
	b.emit(t, login(org, uuid.NewString()))
	waitEntries(t, b, 1)
	stopLeader()
	<-leaderDone
	start := time.Now()
	b.emit(t, login(org, uuid.NewString()))
	waitEntries(t, b, 2)
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("the standby took over after %s", took)
	}
	if n := len(b.entries(t, b.stream)); n != 2 {
		t.Fatalf("%d entries: an event was published twice or lost", n)
	}
}

func waitEntries(t *testing.T, b *bundle, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if len(b.entries(t, b.stream)) >= n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("stream has %d entries, want %d", len(b.entries(t, b.stream)), n)
}

// TestEventsWaitWhileRedisIsDown: with Redis stopped during 1,000 emits,
// all 1,000 reach the stream once it is back. XENTRI_TEST_REDIS_DOWN sets
// how long it stays down (default 2s; the acceptance run uses 1m).
func TestEventsWaitWhileRedisIsDown(t *testing.T) {
	b := setup(t)
	dir := t.TempDir()
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := cache.StartLocalServer(context.Background(), dir, port, zerolog.Nop())
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	defer func() { srv.Stop() }()
	rdb, _ := cache.Connect(srv.URL)
	defer rdb.Close()
	r, _ := events.NewRelay(events.RelayConfig{DB: b.d.Relay.Pool, Redis: rdb, Stream: b.stream, Log: zerolog.Nop(), PollInterval: 100 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.Run(ctx)

	org := b.newOrg(t)
	emitMany := func(n int) {
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for range n / 4 {
					b.emit(t, login(org, uuid.NewString()))
				}
			})
		}
		wg.Wait()
	}
	emitMany(300)
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	down := 2 * time.Second
	if v := os.Getenv("XENTRI_TEST_REDIS_DOWN"); v != "" {
		down, _ = time.ParseDuration(v)
	}
	stopped := time.Now()
	emitMany(700)
	time.Sleep(down - time.Since(stopped))
	if srv, err = cache.StartLocalServer(context.Background(), dir, port, zerolog.Nop()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if n, _ := rdb.XLen(context.Background(), b.stream).Result(); n >= 1000 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	msgs, err := rdb.XRange(context.Background(), b.stream, "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, m := range msgs {
		ids[m.Values[contracts.FieldID].(string)] = true
	}
	if len(ids) != 1000 {
		t.Fatalf("%d distinct events reached the stream, want 1000", len(ids))
	}
	// The relay marks a batch right after its XADDs: give it that moment.
	var unpublished int
	for start := time.Now(); time.Since(start) < 10*time.Second; time.Sleep(20 * time.Millisecond) {
		_ = b.d.Owner.QueryRow(context.Background(), "SELECT count(*) FROM system_events WHERE org_id = $1 AND published_at IS NULL", org).Scan(&unpublished)
		if unpublished == 0 {
			break
		}
	}
	if unpublished != 0 {
		t.Fatalf("%d events still unpublished", unpublished)
	}
}

func freePort() (int, error) { return proc.FreePort() }
