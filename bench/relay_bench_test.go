package bench

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/xentri/xentri/contracts"
	"github.com/xentri/xentri/internal/db/dbsqlc"
	"github.com/xentri/xentri/internal/events"
	"github.com/xentri/xentri/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

type rig struct {
	d      *testenv.Database
	rdb    *redis.Client
	writer *events.Writer
	orgs   []uuid.UUID
	stream string
}

func setup(b *testing.B, orgs int) *rig {
	b.Helper()
	r := &rig{d: testenv.DB(b), rdb: testenv.Redis(b), writer: &events.Writer{Source: "bench", Environment: "local", Log: zerolog.Nop()},
		stream: "bench:events:" + uuid.NewString()}
	b.Cleanup(func() { r.rdb.Del(context.Background(), r.stream) })
	for range orgs {
		id := uuid.Must(uuid.NewV7())
		err := r.d.App.InTenant(context.Background(), id, func(ctx context.Context, tx pgx.Tx) error {
			_, err := dbsqlc.New(tx).CreateOrg(ctx, dbsqlc.CreateOrgParams{ID: id, Name: "bench"})
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		r.orgs = append(r.orgs, id)
	}
	r.drain(b)
	return r
}

// drain publishes whatever earlier runs left, off the clock.
func (r *rig) drain(b *testing.B) {
	rel := r.relay(b, "bench:drain")
	for {
		n, err := rel.PublishBatch(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if n == 0 {
			r.rdb.Del(context.Background(), "bench:drain")
			return
		}
	}
}

func (r *rig) relay(b *testing.B, stream string) *events.Relay {
	rel, err := events.NewRelay(events.RelayConfig{DB: r.d.Relay.Pool, Redis: r.rdb, Stream: stream, Log: zerolog.Nop(), PollInterval: 50 * time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	return rel
}

func lead(org uuid.UUID) events.Event {
	return events.Event{Type: contracts.EventLeadCreated, OrgID: org, Actor: events.Actor{Type: "user", ID: uuid.NewString()},
		Payload: contracts.LeadCreated{LeadID: uuid.NewString(), Source: "website", Status: "new",
			Value: &contracts.Money{Amount: 125000, Currency: "EUR"}}}
}

// emit writes n events, in transactions of perTx, from 4 writers.
func (r *rig) emit(b *testing.B, n, perTx int) {
	var wg sync.WaitGroup
	per := n / 4
	for w := range 4 {
		wg.Go(func() {
			for done := 0; done < per; done += perTx {
				org := r.orgs[(w*per+done)%len(r.orgs)]
				err := r.d.App.InTenant(context.Background(), org, func(ctx context.Context, tx pgx.Tx) error {
					for range min(perTx, per-done) {
						if err := r.writer.Emit(ctx, tx, lead(org)); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// BenchmarkXADDPipelined is the ceiling: envelope-sized entries XADDed in
// pipelines of 1000, as the relay sends them, with no Postgres at all.
func BenchmarkXADDPipelined(b *testing.B) {
	r := setup(b, 1)
	env := strings.Repeat("x", 520) // the size of a lead.created envelope
	b.ResetTimer()
	start := time.Now()
	for done := 0; done < b.N; done += 1000 {
		pipe := r.rdb.Pipeline()
		for range min(1000, b.N-done) {
			pipe.XAdd(context.Background(), &redis.XAddArgs{Stream: r.stream, Approx: true, MaxLen: 1_000_000,
				Values: []any{contracts.FieldEnvelope, env, contracts.FieldID, uuid.NewString(), contracts.FieldType, contracts.EventLeadCreated, contracts.FieldOrgID, r.orgs[0].String()}})
		}
		if _, err := pipe.Exec(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
}

// BenchmarkRelayThroughput: b.N committed events waiting, the relay moves
// them all to the stream (read, pipelined XADD, mark published).
func BenchmarkRelayThroughput(b *testing.B) {
	r := setup(b, 100)
	r.emit(b, b.N, 500)
	rel := r.relay(b, r.stream)
	b.ResetTimer()
	start := time.Now()
	moved := 0
	for {
		n, err := rel.PublishBatch(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if n == 0 {
			break
		}
		moved += n
	}
	b.ReportMetric(float64(moved)/time.Since(start).Seconds(), "events/s")
}

// BenchmarkRelayLatency: events committed one per transaction at 1,000/s
// while the relay runs; each is timed from its commit to its arrival on the
// stream (as an XREAD reader sees it).
//
// The reader and the committers keep separate records (id → first seen, id →
// commit returned) that are joined after the run: the relay can put an event
// on the stream before its committer has even noted the commit, and those
// fastest events must count like the others.
func BenchmarkRelayLatency(b *testing.B) {
	r := setup(b, 50)
	rel := r.relay(b, r.stream)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go rel.Run(ctx)
	time.Sleep(300 * time.Millisecond)

	// Only the reader touches seen, dups and readErr until readerDone closes.
	seen := make(map[string]time.Time, b.N)
	dups := 0
	var readErr error
	readCtx, stopReading := context.WithCancel(ctx)
	defer stopReading()
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		// The stream is this run's own and setup drained older events
		// elsewhere, so reading it from its first entry misses nothing, even
		// if the first events land before this XREAD is sent.
		last := "0"
		for len(seen) < b.N && readCtx.Err() == nil {
			res, err := r.rdb.XRead(readCtx, &redis.XReadArgs{Streams: []string{r.stream, last}, Block: time.Second, Count: 1000}).Result()
			if err != nil {
				if !errors.Is(err, redis.Nil) && readCtx.Err() == nil {
					readErr = err
					time.Sleep(10 * time.Millisecond)
				}
				continue
			}
			now := time.Now()
			for _, m := range res[0].Messages {
				last = m.ID
				id, _ := m.Values[contracts.FieldID].(string)
				if _, ok := seen[id]; ok {
					dups++ // the relay is at least once; the first arrival counts
					continue
				}
				seen[id] = now
			}
		}
	}()

	var mu sync.Mutex
	committed := make(map[string]time.Time, b.N)
	b.ResetTimer()
	tick := time.NewTicker(time.Millisecond) // 1,000 a second
	defer tick.Stop()
	var wg sync.WaitGroup
	for i := range b.N {
		<-tick.C
		org := r.orgs[i%len(r.orgs)]
		wg.Go(func() {
			e := lead(org)
			var id string
			err := r.d.App.InTenant(context.Background(), org, func(ctx context.Context, tx pgx.Tx) error {
				env, err := r.writer.Envelope(ctx, e)
				if err != nil {
					return err
				}
				id = env.ID
				return r.writer.Write(ctx, tx, env)
			})
			at := time.Now()
			if err != nil {
				b.Error(err)
				return
			}
			mu.Lock()
			committed[id] = at
			mu.Unlock()
		})
	}
	wg.Wait()
	const drainWait = 30 * time.Second
	select {
	case <-readerDone:
	case <-time.After(drainWait):
	}
	stopReading()
	<-readerDone

	a := joinArrivals(committed, seen)
	if dups > 0 || a.early > 0 {
		b.Logf("%d duplicate stream entries ignored; %d events were on the stream before their COMMIT returned (latency 0)", dups, a.early)
	}
	if a.unknown > 0 {
		b.Errorf("%d events on the stream were never committed by this run", a.unknown)
	}
	if a.missing > 0 {
		b.Fatalf("%d of %d committed events never arrived on the stream within %s of the last commit (last read error: %v)",
			a.missing, len(committed), drainWait, readErr)
	}
	if len(a.latencies) == 0 {
		b.Fatal("no event was committed")
	}
	latencies := a.latencies
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	q := func(p float64) float64 {
		return float64(latencies[int(float64(len(latencies)-1)*p)].Microseconds()) / 1000
	}
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(slices.Max(latencies).Seconds()*1000, "max-ms")
}

// arrivals is the join of what the committers and the reader recorded.
type arrivals struct {
	latencies []time.Duration // one per committed event that arrived
	missing   int             // committed, never seen on the stream
	unknown   int             // seen on the stream, never committed here
	early     int             // seen before its COMMIT returned, counted as 0
}

// joinArrivals times each committed event from its commit to its first
// sighting. An event seen before its committer noted the commit (the relay
// heard the NOTIFY first) waited for nothing: its latency is 0.
func joinArrivals(committed, seen map[string]time.Time) arrivals {
	var a arrivals
	for id, at := range committed {
		s, ok := seen[id]
		if !ok {
			a.missing++
			continue
		}
		d := s.Sub(at)
		if d < 0 {
			a.early++
			d = 0
		}
		a.latencies = append(a.latencies, d)
	}
	for id := range seen {
		if _, ok := committed[id]; !ok {
			a.unknown++
		}
	}
	return a
}

func TestJoinArrivals(t *testing.T) {
	t0 := time.Now()
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	for _, tc := range []struct {
		name            string
		committed, seen map[string]time.Time
		want            arrivals
	}{
		{
			name:      "seen after its commit",
			committed: map[string]time.Time{"a": at(0), "b": at(1)},
			seen:      map[string]time.Time{"a": at(3), "b": at(3)},
			want:      arrivals{latencies: []time.Duration{2 * time.Millisecond, 3 * time.Millisecond}},
		},
		{
			// The race the benchmark lost events to: the reader got there
			// before the committer recorded its commit.
			name:      "seen before its commit was recorded",
			committed: map[string]time.Time{"a": at(5), "b": at(0)},
			seen:      map[string]time.Time{"a": at(4), "b": at(2)},
			want:      arrivals{latencies: []time.Duration{0, 2 * time.Millisecond}, early: 1},
		},
		{
			name:      "committed, never seen",
			committed: map[string]time.Time{"a": at(0), "b": at(0)},
			seen:      map[string]time.Time{"a": at(1)},
			want:      arrivals{latencies: []time.Duration{time.Millisecond}, missing: 1},
		},
		{
			name:      "seen, never committed",
			committed: map[string]time.Time{"a": at(0)},
			seen:      map[string]time.Time{"a": at(1), "z": at(1)},
			want:      arrivals{latencies: []time.Duration{time.Millisecond}, unknown: 1},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := joinArrivals(tc.committed, tc.seen)
			slices.Sort(got.latencies)
			if !slices.Equal(got.latencies, tc.want.latencies) || got.missing != tc.want.missing ||
				got.unknown != tc.want.unknown || got.early != tc.want.early {
				t.Errorf("joinArrivals = %+v, want %+v", got, tc.want)
			}
		})
	}
}
