package brief_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"
	"go.temporal.io/sdk/client"

	"github.com/xentri/xentri/activities"
	"github.com/xentri/xentri/internal/cache"
	"github.com/xentri/xentri/internal/events"
	itemporal "github.com/xentri/xentri/internal/temporal"
	"github.com/xentri/xentri/internal/testenv"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/brief"
	"github.com/xentri/xentri/services/brief/extract"
	"github.com/xentri/xentri/worker"
	"github.com/xentri/xentri/workflows"
)

// copilotBundle is a brief test bundle with the co-pilot over the real
// Temporal dev server, and a worker running the real activities with the
// rules engine on a task queue of the test's own.
type copilotBundle struct {
	*testBundle
	svc      *brief.Service
	copilot  *brief.Copilot
	temporal client.Client
	// stream follows the live events the worker publishes.
	stream *cache.CopilotStream
}

func setupCopilot(t *testing.T) *copilotBundle {
	t.Helper()
	svc, b := setup(t)
	c, err := itemporal.Dial(context.Background(), testenv.Temporal(t), "default", zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	queue := "copilot-test-" + uuid.NewString()
	rdb := testenv.Redis(t)
	w := worker.New(c, queue, worker.Deps{DB: b.db.App, Redis: rdb, Events: &events.Writer{Log: zerolog.Nop()},
		Engine: extract.NewRules(), Log: zerolog.Nop()}, 5*time.Second)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	cp := &brief.Copilot{DB: b.db.App, Brief: svc, Engine: extract.NewRules(), Temporal: c, TaskQueue: queue, LocalTurns: true,
		WorkflowLink: func(id string) string { return "http://temporal.test/" + id }}
	return &copilotBundle{testBundle: b, svc: svc, copilot: cp, temporal: c, stream: cache.NewCopilotStream(rdb)}
}

func (b *copilotBundle) start(t *testing.T) brief.Opened {
	t.Helper()
	var s brief.Opened
	b.inTenant(t, func(ctx context.Context, tx pgx.Tx) (err error) {
		s, err = b.copilot.Start(ctx, tx, b.owner)
		return err
	})
	return s
}

// send says text in the session as the API does: checked in a tenant
// transaction, the Update sent after it.
func (b *copilotBundle) send(session uuid.UUID, clientID, text string) (activities.CopilotReply, error) {
	var d brief.Delivery[activities.CopilotReply]
	err := b.try(func(ctx context.Context, tx pgx.Tx) (err error) {
		d, err = b.copilot.Send(ctx, tx, b.owner, session, activities.CopilotMessage{ClientMessageID: clientID, Text: text, Kind: "text"})
		return err
	})
	if err != nil {
		return activities.CopilotReply{}, err
	}
	return d.Send(context.Background())
}

// finish ends the session as the API does, as m.
func (b *copilotBundle) finish(m access.Membership, session uuid.UUID) (workflows.CopilotFinished, error) {
	var d brief.Delivery[workflows.CopilotFinished]
	err := b.db.App.InTenant(context.Background(), m.OrgID, func(ctx context.Context, tx pgx.Tx) (err error) {
		d, err = b.copilot.Finish(ctx, tx, m, session)
		return err
	})
	if err != nil {
		return workflows.CopilotFinished{}, err
	}
	return d.Send(context.Background())
}

// waitFor waits for a workflow's result.
func (b *copilotBundle) waitFor(t *testing.T, id string, result any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := b.temporal.GetWorkflow(ctx, id, "").Get(ctx, result); err != nil {
		t.Fatalf("%s: %v", id, err)
	}
}

// grounded fails unless every source of every field quotes exactly the
// owner's words it points at.
func grounded(t *testing.T, d brief.Data, texts map[string]string) {
	t.Helper()
	for sid, s := range d.Sections {
		for name, f := range s.Fields {
			if f.Origin != brief.OriginExtracted {
				continue
			}
			if len(f.Sources) == 0 {
				t.Errorf("%s.%s has no source", sid, name)
			}
			for _, src := range f.Sources {
				text, ok := texts[src.MessageID]
				runes := []rune(text)
				if !ok || src.Start < 0 || src.End > len(runes) || src.Start >= src.End || string(runes[src.Start:src.End]) != src.Quote {
					t.Errorf("%s.%s: source %+v does not quote message %q", sid, name, src, text)
				}
			}
		}
	}
}

func TestACopilotSessionTurnsTheOwnersWordsIntoTheBrief(t *testing.T) {
	t.Parallel()
	b := setupCopilot(t)
	s := b.start(t)
	if s.Status != "open" || s.Opening == "" || s.WorkflowID != "copilot-session/"+s.ID.String() || s.TemporalUIURL == "" {
		t.Fatalf("opened %+v", s)
	}
	said := []string{
		"Hi, I run Rosa's Bakery, a small bakery in Lisbon, Portugal. We opened in 2012.",
		"We sell sourdough bread, pastel de nata and birthday cakes, mostly to families and local cafés. We don't do weddings.",
		"Actually we opened in 2014, not 2012. You can reach us at hello@rosasbakery.pt. We call back within a day, then after a week.",
	}
	var replies []activities.CopilotReply
	for i, text := range said {
		r, err := b.send(s.ID, "turn-"+string(rune('a'+i)), text)
		if err != nil {
			t.Fatalf("turn %d: %v", i+1, err)
		}
		if r.Turn != i+1 || r.MessageID == "" || r.Text == "" {
			t.Fatalf("turn %d: reply %+v", i+1, r)
		}
		replies = append(replies, r)
	}
	understood := func(r activities.CopilotReply, section, field string) string {
		for _, u := range r.Understood {
			if u.Section == section && u.Field == field {
				return string(u.Value)
			}
		}
		return ""
	}
	if got := understood(replies[0], "identity", "business_name"); got != `"Rosa's Bakery"` {
		t.Fatalf("turn 1 understood business_name %s; reply %+v", got, replies[0])
	}
	if got := understood(replies[2], "identity", "founded_year"); got != "2014" {
		t.Fatalf("the correction gave founded_year %s", got)
	}
	if got := understood(replies[1], "offerings", "products"); strings.Contains(strings.ToLower(got), "wedding") {
		t.Fatalf("a negation became an offering: %s", got)
	}
	for _, m := range replies[2].Missing {
		if m.Field == "business_name" || m.Field == "email" {
			t.Fatalf("turn 3 still asks for %s: %+v", m.Field, replies[2].Missing)
		}
	}
	if len(replies[0].Missing) <= len(replies[2].Missing) || replies[2].NextQuestion == "" {
		t.Fatalf("missing did not shrink: %d then %d", len(replies[0].Missing), len(replies[2].Missing))
	}

	// The same client message id again: the same reply, and one turn.
	again, err := b.send(s.ID, "turn-c", said[2])
	if err != nil || again.MessageID != replies[2].MessageID {
		t.Fatalf("a retried message: %+v, %v; want the stored reply %s", again, err, replies[2].MessageID)
	}
	// Bad messages are the caller's to fix, and write nothing.
	if _, err := b.send(s.ID, "empty", "   "); services.ErrorCode(err) != services.Invalid {
		t.Fatalf("an empty message: %v, want Invalid", err)
	}
	if _, err := b.send(s.ID, "huge", strings.Repeat("x", workflows.MaxCopilotMessageBytes+1)); services.ErrorCode(err) != services.Invalid {
		t.Fatalf("an oversized message: %v, want Invalid", err)
	}

	var tr brief.Transcript
	b.inTenant(t, func(ctx context.Context, tx pgx.Tx) (err error) {
		tr, err = b.copilot.Transcript(ctx, tx, b.owner, s.ID)
		return err
	})
	if tr.Turns != 3 || len(tr.Messages) != 3 || tr.Messages[0].Text != said[0] || tr.Messages[2].Reply.MessageID != replies[2].MessageID {
		t.Fatalf("transcript: %d turns, %+v", tr.Turns, tr.Messages)
	}
	texts := map[string]string{}
	for _, m := range tr.Messages {
		texts[m.ID.String()] = m.Text
	}

	done, err := b.finish(b.owner, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if done.Status != "finished" || done.Turns != 3 || done.GenerationID != workflows.BriefGenerateWorkflowID(b.org.String(), s.ID.String()) {
		t.Fatalf("finish answered %+v", done)
	}
	if _, err := b.send(s.ID, "late", "One more thing."); services.ErrorCode(err) != services.Conflict {
		t.Fatalf("a message after finish: %v, want Conflict", err)
	}
	var gen activities.BriefResult
	b.waitFor(t, done.GenerationID, &gen)
	if gen.Version != 1 || !gen.Created || !gen.Changed {
		t.Fatalf("generation %+v, want version 1 created", gen)
	}

	cur := b.current(t, b.svc)
	if cur.Version != 1 || cur.Author.Type != brief.AuthorCopilot {
		t.Fatalf("brief v%d by %+v", cur.Version, cur.Author)
	}
	grounded(t, cur.Data, texts)
	if got := value(t, cur.Data, "identity", "founded_year"); got != "2014" {
		t.Fatalf("founded_year = %s, want the corrected 2014", got)
	}
	if got := value(t, cur.Data, "contact", "email"); got != `"hello@rosasbakery.pt"` {
		t.Fatalf("email = %s", got)
	}
	// The Brief's sales pipeline set the org's follow-up cadence.
	b.inTenant(t, func(ctx context.Context, tx pgx.Tx) error {
		set, err := b.sales.GetSettings(ctx, tx, b.owner)
		if err != nil {
			return err
		}
		if want := []int{1, 7}; !sameJSON(set.FollowUpCadenceDays, want) {
			t.Errorf("cadence %v, want %v from the Brief", set.FollowUpCadenceDays, want)
		}
		return nil
	})
}

func TestASessionIsTheOrgsOwn(t *testing.T) {
	t.Parallel()
	b := setupCopilot(t)
	s := b.start(t)
	other := *b.testBundle
	other.org = uuid.Must(uuid.NewV7())
	if _, err := b.db.Owner.Exec(context.Background(), `INSERT INTO orgs (id, name) VALUES ($1, 'other')`, other.org); err != nil {
		t.Fatal(err)
	}
	other.owner.OrgID = other.org
	err := other.try(func(ctx context.Context, tx pgx.Tx) error {
		_, err := b.copilot.Send(ctx, tx, other.owner, s.ID, activities.CopilotMessage{ClientMessageID: "x", Text: "We are Pwned Ltd.", Kind: "text"})
		return err
	})
	if services.ErrorCode(err) != services.NotFound {
		t.Fatalf("another org's message: %v, want NotFound", err)
	}
	_, err = b.finish(other.owner, s.ID)
	if services.ErrorCode(err) != services.NotFound {
		t.Fatalf("another org's finish: %v, want NotFound", err)
	}
}

func TestGenerateFromATextKeepsTheOwnersValue(t *testing.T) {
	t.Parallel()
	b := setupCopilot(t)
	gen := func(text string) activities.BriefResult {
		var g brief.Generation
		b.inTenant(t, func(ctx context.Context, tx pgx.Tx) (err error) {
			g, err = b.copilot.Generate(ctx, tx, b.owner, brief.GenerateInput{Text: text})
			return err
		})
		if !strings.HasPrefix(g.WorkflowID, "brief-generate/"+b.org.String()+"/") || g.StatusURL == "" || g.TemporalUIURL == "" {
			t.Fatalf("generation %+v", g)
		}
		var res activities.BriefResult
		b.waitFor(t, g.WorkflowID, &res)
		return res
	}
	if res := gen("Bloom & Co is a florist in Bristol, UK. Email orders@bloomco.co.uk."); res.Version != 1 {
		t.Fatalf("first generation %+v", res)
	}
	cur := b.current(t, b.svc)
	if _, err := b.edit(b.svc, "identity", map[string]any{"business_name": "Bloom and Co."}, cur.Version); err != nil {
		t.Fatal(err)
	}
	res := gen("Bloom & Co is a florist in Bristol, UK. We opened in 2019.")
	if res.Version != 3 || res.Proposals != 1 {
		t.Fatalf("regeneration %+v, want version 3 with one proposal", res)
	}
	cur = b.current(t, b.svc)
	if got := value(t, cur.Data, "identity", "business_name"); got != `"Bloom and Co."` {
		t.Fatalf("the owner's name became %s", got)
	}
	if got := value(t, cur.Data, "identity", "founded_year"); got != "2019" {
		t.Fatalf("founded_year = %s", got)
	}

	for name, in := range map[string]brief.GenerateInput{
		"nothing": {},
		"both":    {Text: "x", SessionID: ptr(uuid.New())},
	} {
		err := b.try(func(ctx context.Context, tx pgx.Tx) error {
			_, err := b.copilot.Generate(ctx, tx, b.owner, in)
			return err
		})
		if services.ErrorCode(err) != services.Invalid {
			t.Errorf("%s: %v, want Invalid", name, err)
		}
	}
	err := b.try(func(ctx context.Context, tx pgx.Tx) error {
		_, err := b.copilot.Generate(ctx, tx, b.owner, brief.GenerateInput{SessionID: ptr(uuid.New())})
		return err
	})
	if !errors.Is(err, brief.ErrNoSession) {
		t.Fatalf("an unknown session: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

// TestTheReplySaysWhatItNotedInWords: values read back as an owner would
// say them, not as JSON.
func TestTheReplySaysWhatItNotedInWords(t *testing.T) {
	t.Parallel()
	b := setupCopilot(t)
	s := b.start(t)
	r, err := b.send(s.ID, "1", "We're Fluffy Paws in Austin, Texas. A full groom is $45. We text back after 1 day and again after 3 days.")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Fluffy Paws", "Austin, Texas", "45.00 USD", "after 1, 3 days"} {
		if !strings.Contains(r.Text, want) {
			t.Errorf("the reply %q does not say %q", r.Text, want)
		}
	}
	if strings.ContainsAny(r.Text, "{[") {
		t.Errorf("the reply shows JSON: %q", r.Text)
	}
}

// TestAGenerationThatFailsForGoodLeavesADeadLetter: like every workflow, a
// brief generation that cannot succeed (a session with nothing said) fails
// at once, not after retries, and leaves a dead letter to re-drive.
func TestAGenerationThatFailsForGoodLeavesADeadLetter(t *testing.T) {
	t.Parallel()
	b := setupCopilot(t)
	s := b.start(t)
	var g brief.Generation
	b.inTenant(t, func(ctx context.Context, tx pgx.Tx) (err error) {
		g, err = b.copilot.Generate(ctx, tx, b.owner, brief.GenerateInput{SessionID: &s.ID})
		return err
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err := b.temporal.GetWorkflow(ctx, g.WorkflowID, "").Get(ctx, nil)
	if err == nil || !strings.Contains(err.Error(), "no messages") {
		t.Fatalf("a generation from an empty session: %v, want it to fail", err)
	}
	var letters int
	for start := time.Now(); time.Since(start) < 30*time.Second && letters == 0; time.Sleep(100 * time.Millisecond) {
		if err := b.db.Owner.QueryRow(context.Background(),
			`SELECT count(*) FROM dead_letters WHERE org_id = $1 AND workflow_id = $2 AND workflow_type = 'BriefGenerate'`, b.org, g.WorkflowID).Scan(&letters); err != nil {
			t.Fatal(err)
		}
	}
	if letters != 1 {
		t.Fatalf("%d dead letters for %s, want 1", letters, g.WorkflowID)
	}
}
