package bench

import (
	"context"
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
func BenchmarkRelayLatency(b *testing.B) {
	r := setup(b, 50)
	rel := r.relay(b, r.stream)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go rel.Run(ctx)
	time.Sleep(300 * time.Millisecond)

	var mu sync.Mutex
	committed := map[string]time.Time{}
	var latencies []time.Duration
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		last := "$"
		for len(latencies) < b.N && ctx.Err() == nil {
			res, err := r.rdb.XRead(ctx, &redis.XReadArgs{Streams: []string{r.stream, last}, Block: time.Second, Count: 1000}).Result()
			if err != nil {
				continue
			}
			now := time.Now()
			mu.Lock()
			for _, m := range res[0].Messages {
				last = m.ID
				if at, ok := committed[m.Values[contracts.FieldID].(string)]; ok {
					latencies = append(latencies, now.Sub(at))
				}
			}
			mu.Unlock()
		}
	}()

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
	select {
	case <-readerDone:
	case <-time.After(30 * time.Second):
	}
	mu.Lock()
	defer mu.Unlock()
	if len(latencies) < b.N*99/100 {
		b.Fatalf("only %d of %d events were seen on the stream", len(latencies), b.N)
	}
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	q := func(p float64) float64 {
		return float64(latencies[int(float64(len(latencies)-1)*p)].Microseconds()) / 1000
	}
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(slices.Max(latencies).Seconds()*1000, "max-ms")
}
