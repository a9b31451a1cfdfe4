package bench

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/workflow"

	"github.com/xentri/xentri/activities"
	"github.com/xentri/xentri/internal/db/dbsqlc"
	"github.com/xentri/xentri/internal/events"
	itemporal "github.com/xentri/xentri/internal/temporal"
	"github.com/xentri/xentri/internal/testenv"
	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/brief"
	"github.com/xentri/xentri/services/brief/extract"
	"github.com/xentri/xentri/worker"
)

// The shape of the co-pilot benchmark: sessions of a few turns each, from
// a few owners at once, and as many bare Updates in the same run.
const (
	copilotSessions    = 40
	turnsPerSession    = 5
	copilotConcurrency = 4
)

// benchBareUpdate is the floor of a co-pilot turn: a workflow whose Update
// handler answers at once, with nothing of Xentri behind it.
func benchBareUpdate(ctx workflow.Context) error {
	if err := workflow.SetUpdateHandler(ctx, "echo", func(ctx workflow.Context, msg activities.CopilotMessage) (string, error) {
		return msg.ClientMessageID, nil
	}); err != nil {
		return err
	}
	return workflow.Await(ctx, func() bool { return false })
}

// BenchmarkCopilotTurn times a co-pilot turn as the API makes it (the
// session checked in a tenant transaction, the Update sent and waited for:
// the workflow's turn, the rules engine over the whole conversation, the
// message, facts and reply stored) against a bare SDK Update round trip to
// a workflow on the same dev server and worker, in the same run, before
// and after the turns.
//
//	go test -run '^$' -bench CopilotTurn -benchtime 1x ./bench/
func BenchmarkCopilotTurn(b *testing.B) {
	d := testenv.DB(b)
	c, err := itemporal.Dial(context.Background(), testenv.Temporal(b), "default", zerolog.Nop())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	queue := "bench-copilot-" + uuid.NewString()
	w := worker.New(c, queue, worker.Deps{DB: d.App, Redis: testenv.Redis(b), Events: &events.Writer{Log: zerolog.Nop()},
		Engine: extract.NewRules(), Log: zerolog.Nop()}, 5*time.Second)
	w.RegisterWorkflow(benchBareUpdate)
	if err := w.Start(); err != nil {
		b.Fatal(err)
	}
	defer w.Stop()

	org, owner := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	if err := d.App.InTenant(context.Background(), org, func(ctx context.Context, tx pgx.Tx) error {
		_, err := dbsqlc.New(tx).CreateOrg(ctx, dbsqlc.CreateOrgParams{ID: org, Name: "bench"})
		return err
	}); err != nil {
		b.Fatal(err)
	}
	if _, err := d.Owner.Exec(context.Background(), `INSERT INTO users (id, email) VALUES ($1, $2)`, owner, owner.String()+"@example.test"); err != nil {
		b.Fatal(err)
	}
	m := access.Membership{OrgID: org, Role: access.RoleOwner, Principal: access.Principal{UserID: owner}}
	cp := &brief.Copilot{DB: d.App, Brief: &brief.Service{DB: d.App, Events: &events.Writer{Log: zerolog.Nop()}, Log: zerolog.Nop()},
		Temporal: c, TaskQueue: queue, LocalTurns: true}

	// What owners say: the labelled descriptions' messages, in turn.
	var said []string
	for _, bc := range loadBriefCases(b) {
		for _, msg := range bc.Conversation {
			if t := strings.TrimSpace(msg.Text); t != "" {
				said = append(said, t)
			}
		}
	}

	bare := func() []time.Duration {
		lat, err := sessions(func(s int) (func(turn int) error, error) {
			run, err := c.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{TaskQueue: queue,
				TypedSearchAttributes: itemporal.Attributes(org.String(), "bench", fmt.Sprint(s))}, benchBareUpdate)
			if err != nil {
				return nil, err
			}
			return func(turn int) error {
				h, err := c.UpdateWorkflow(context.Background(), client.UpdateWorkflowOptions{WorkflowID: run.GetID(), RunID: run.GetRunID(),
					UpdateID: fmt.Sprint(turn), UpdateName: "echo", WaitForStage: client.WorkflowUpdateStageCompleted,
					Args: []any{activities.CopilotMessage{ClientMessageID: fmt.Sprint(turn), Text: said[turn%len(said)], Kind: "text"}}})
				if err != nil {
					return err
				}
				return h.Get(context.Background(), nil)
			}, nil
		})
		if err != nil {
			b.Fatal(err)
		}
		return lat
	}

	b.ResetTimer()
	before := bare()
	turns, err := sessions(func(s int) (func(turn int) error, error) {
		var opened brief.Opened
		err := d.App.InTenant(context.Background(), org, func(ctx context.Context, tx pgx.Tx) (err error) {
			opened, err = cp.Start(ctx, tx, m)
			return err
		})
		if err != nil {
			return nil, err
		}
		return func(turn int) error {
			msg := activities.CopilotMessage{ClientMessageID: fmt.Sprint(turn), Text: said[(s*turnsPerSession+turn)%len(said)], Kind: "text"}
			// As the API does: checked in a tenant transaction, sent after.
			var send brief.Delivery[activities.CopilotReply]
			err := d.App.InTenant(context.Background(), org, func(ctx context.Context, tx pgx.Tx) (err error) {
				send, err = cp.Send(ctx, tx, m, opened.ID, msg)
				return err
			})
			if err != nil {
				return err
			}
			_, err = send.Send(context.Background())
			return err
		}, nil
	})
	if err != nil {
		b.Fatal(err)
	}
	after := bare()
	b.StopTimer()

	floor := percentiles(append(before, after...))
	turn := percentiles(turns)
	b.ReportMetric(ms(turn.p50), "turn-p50-ms")
	b.ReportMetric(ms(turn.p99), "turn-p99-ms")
	b.ReportMetric(ms(floor.p99), "bare-update-p99-ms")
	b.ReportMetric(ms(turn.p99)/ms(floor.p99), "p99-ratio")
	b.Logf("co-pilot turn (%d turns, %d at a time): p50 %.1f ms, p95 %.1f ms, p99 %.1f ms", len(turns), copilotConcurrency, ms(turn.p50), ms(turn.p95), ms(turn.p99))
	b.Logf("bare SDK Update round trip (%d before, %d after): p50 %.1f ms, p95 %.1f ms, p99 %.1f ms", len(before), len(after), ms(floor.p50), ms(floor.p95), ms(floor.p99))
	b.Logf("turn / bare: p50 %.2fx, p99 %.2fx (target at p99 1.5x: %s)", ms(turn.p50)/ms(floor.p50), ms(turn.p99)/ms(floor.p99),
		verdict(ms(turn.p99)/ms(floor.p99) <= 1.5))
}

// sessions runs copilotSessions sessions of turnsPerSession turns,
// copilotConcurrency at a time, each turn after the previous one of its
// session, and returns each turn's latency. open starts a session and
// returns its turn.
func sessions(open func(s int) (func(turn int) error, error)) ([]time.Duration, error) {
	var (
		mu    sync.Mutex
		lat   []time.Duration
		first error
		wg    sync.WaitGroup
	)
	next := make(chan int)
	go func() {
		for s := range copilotSessions {
			next <- s
		}
		close(next)
	}()
	for range copilotConcurrency {
		wg.Go(func() {
			for s := range next {
				turn, err := open(s)
				for i := 0; err == nil && i < turnsPerSession; i++ {
					t := time.Now()
					if err = turn(i); err == nil {
						mu.Lock()
						lat = append(lat, time.Since(t))
						mu.Unlock()
					}
				}
				if err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("session %d: %w", s, err)
					}
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	return lat, first
}
