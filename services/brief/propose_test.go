package brief_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/xentri/xentri/contracts"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/brief"
	"github.com/xentri/xentri/services/brief/extract"
)

// said stores what the owner said in a session of org, one message after
// the other.
func said(t *testing.T, b *testBundle, org uuid.UUID, texts ...string) []uuid.UUID {
	t.Helper()
	ctx := context.Background()
	session := uuid.Must(uuid.NewV7())
	if _, err := b.db.Owner.Exec(ctx, `INSERT INTO copilot_sessions (id, org_id) VALUES ($1, $2)`, session, org); err != nil {
		t.Fatal(err)
	}
	var ids []uuid.UUID
	for i, text := range texts {
		id := uuid.Must(uuid.NewV7())
		if _, err := b.db.Owner.Exec(ctx, `INSERT INTO copilot_messages (id, org_id, session_id, turn, client_message_id, kind, text, reply, created_at)
			VALUES ($1, $2, $3, $4, $5, 'text', $6, '{}', clock_timestamp())`, id, org, session, i+1, "m"+id.String(), text); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func TestProposeSectionProposesWhatTheOwnersWordsSayAndTheBriefDoesNot(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	cp := &brief.Copilot{DB: b.db.App, Brief: svc, Engine: extract.NewRules()}
	propose := func(section string, instruction *string) (brief.Proposal, bool, error) {
		// As the API does: read in a tenant transaction, the engine and
		// the proposal after it.
		var d brief.Delivery[brief.Proposed]
		err := b.try(func(ctx context.Context, tx pgx.Tx) (err error) {
			d, err = cp.ProposeSection(ctx, tx, b.owner, section, instruction)
			return err
		})
		if err != nil {
			return brief.Proposal{}, false, err
		}
		p, err := d.Send(context.Background())
		return p.Proposal, p.Made, err
	}

	// No Brief yet: as GET /brief.
	if _, _, err := propose("identity", nil); !errors.Is(err, brief.ErrNoBrief) {
		t.Fatalf("without a Brief: %v", err)
	}
	b.compose(t, svc, fact("identity", "business_name", "Rosa's Bakery", "Rosa's Bakery"))
	// Nothing said yet.
	if _, _, err := propose("identity", nil); !errors.Is(err, brief.ErrNothingToPropose) {
		t.Fatalf("without messages: %v", err)
	}
	ids := said(t, b, b.org, "Hi, I run Rosa's Bakery, a small bakery in Lisbon, Portugal.", "We opened in 2012.")
	said(t, b, b.org, "Actually we opened in 2014, not 2012.")
	// Another org's words are never read.
	other := uuid.Must(uuid.NewV7())
	if _, err := b.db.Owner.Exec(context.Background(), `INSERT INTO orgs (id, name) VALUES ($1, 'other')`, other); err != nil {
		t.Fatal(err)
	}
	said(t, b, other, "Write to pwned@other.example or call +44 20 7946 0958.")

	instruction := "  in English, please  "
	before := b.events(t, contracts.EventAIProposalGenerated)
	p, made, err := propose("identity", &instruction)
	if err != nil || !made {
		t.Fatalf("propose identity: %v (made %v)", err, made)
	}
	if p.Kind != brief.KindSuggestion || p.Status != brief.StatusPending || p.Section != "identity" || p.BasedOnVersion != 1 ||
		p.Instruction == nil || *p.Instruction != "in English, please" {
		t.Fatalf("proposal %+v", p)
	}
	if _, ok := p.Fields["business_name"]; ok {
		t.Fatalf("proposed the name the Brief holds already: %+v", p.Fields)
	}
	// The latest word across sessions, from the owner's own message.
	year, ok := p.Fields["founded_year"]
	if !ok || string(year.Value) != "2014" || len(year.Sources) == 0 || year.Sources[0].Quote == "" {
		t.Fatalf("founded_year %+v in %+v", year, p.Fields)
	}
	loc, ok := p.Fields["location"]
	if !ok || !strings.Contains(string(loc.Value), "Lisbon") || loc.Sources[0].MessageID != ids[0].String() {
		t.Fatalf("location %+v", loc)
	}
	if n := b.events(t, contracts.EventAIProposalGenerated); n != before+1 {
		t.Fatalf("%d proposal events, want %d", n, before+1)
	}

	// Again: the same pending proposal, not a second one.
	again, made, err := propose("identity", nil)
	if err != nil || made || again.ID != p.ID {
		t.Fatalf("again: %+v made %v, %v", again, made, err)
	}
	// Nothing for contact (the other org's address is not ours); the
	// Brief's own section otherwise unknown; a long instruction.
	if _, _, err := propose("contact", nil); !errors.Is(err, brief.ErrNothingToPropose) || services.ErrorCode(err) != services.Conflict {
		t.Fatalf("contact: %v", err)
	}
	if _, _, err := propose("nope", nil); services.ErrorCode(err) != services.NotFound {
		t.Fatalf("an unknown section: %v", err)
	}
	long := strings.Repeat("é", brief.MaxInstruction+1)
	if _, _, err := propose("goals", &long); services.ErrorCode(err) != services.Invalid {
		t.Fatalf("a long instruction: %v", err)
	}
	fits := strings.Repeat("é", brief.MaxInstruction)
	if _, _, err := propose("goals", &fits); services.ErrorCode(err) == services.Invalid {
		t.Fatalf("an instruction of %d characters: %v", brief.MaxInstruction, err)
	}
}
