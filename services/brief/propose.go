package brief

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/brief/extract"
)

// RecentMessages is how many of the org's latest co-pilot messages
// ProposeSection reads again.
const RecentMessages = 200

// MaxInstruction bounds ProposeSection's instruction, in characters.
const MaxInstruction = 500

// ErrNothingToPropose answers ProposeSection when the owner's words say
// nothing for the section that the current version does not hold already.
var ErrNothingToPropose = services.Errorf(services.Conflict, "Nothing new to propose for this section")

// ProposeSection is the AI route of the Brief (POST
// /brief/sections/{sectionId}/propose): it reads again what the org's
// owner said to the co-pilot (the org's latest RecentMessages messages,
// over all its sessions, oldest first, and nothing else), runs the engine
// over them, keeps the facts for section whose values differ from the
// current version, and makes one pending proposal of them (kind
// suggestion, emitting xentri.ai.proposal.generated.v1), for the owner to
// accept or reject. made is false when an identical pending proposal
// exists already, which is returned instead.
//
// instruction (at most MaxInstruction characters, such as "shorter, and
// in English") is stored with the proposal as the owner's data. The rules
// engine does not read it; an LLM engine may later be handed it as data
// to shape the values, never as an instruction to itself.
//
// Nothing new is ErrNothingToPropose (409); an org without a Brief is
// ErrNoBrief (404), as GET /brief answers.
//
// It reads in tx (the org gate's) and returns the rest to run after the
// transaction: the engine may be a model that takes seconds, and no
// connection should wait on it. The proposal is then made in a tenant
// transaction of its own, on the Brief as it stands by then.
func (c *Copilot) ProposeSection(ctx context.Context, tx pgx.Tx, m access.Membership, section string, instruction *string) (Delivery[Proposed], error) {
	var none Delivery[Proposed]
	if err := m.Need(access.ScopeBriefWrite); err != nil {
		return none, err
	}
	if !KnownSection(section) {
		return none, errUnknownSection(section)
	}
	if instruction != nil {
		t := strings.TrimSpace(*instruction)
		switch {
		case t == "":
			instruction = nil
		case utf8.RuneCountInString(t) > MaxInstruction:
			return none, &services.Error{Code: services.Invalid, Message: "The instruction is too long.",
				Fields: map[string]string{"instruction": fmt.Sprintf("must be at most %d characters", MaxInstruction)}}
		default:
			instruction = &t
		}
	}
	if c.Engine == nil {
		return none, services.Errorf(services.Unavailable, "The AI engine is not configured here.")
	}
	st := storeIn(tx)
	if _, err := st.current(ctx, m.OrgID); err != nil {
		return none, fmt.Errorf("propose section: %w", err)
	}
	msgs, err := st.recentMessages(ctx, m.OrgID, RecentMessages)
	if err != nil {
		return none, fmt.Errorf("propose section: %w", err)
	}
	if len(msgs) == 0 {
		return none, ErrNothingToPropose
	}
	conversation := make([]extract.Message, 0, len(msgs))
	for _, msg := range msgs {
		conversation = append(conversation, extract.Message{ID: msg.ID.String(), Text: msg.Text, Kind: msg.Kind})
	}
	return Delivery[Proposed]{send: func(ctx context.Context) (Proposed, error) {
		return c.propose(ctx, m, section, instruction, conversation)
	}}, nil
}

// Proposed is a proposal ProposeSection made, or the identical pending one
// it found (Made false).
type Proposed struct {
	Proposal
	Made bool `json:"-"`
}

func (c *Copilot) propose(ctx context.Context, m access.Membership, section string, instruction *string, conversation []extract.Message) (Proposed, error) {
	facts, err := c.Engine.Extract(ctx, conversation)
	if err != nil {
		if errors.Is(err, extract.ErrFinal) {
			return Proposed{}, &services.Error{Code: services.Unavailable, Message: "The AI engine refused the request.", Err: err}
		}
		return Proposed{}, &services.Error{Code: services.Unavailable, Message: "The AI engine did not answer; try again.", Err: err}
	}
	var out Proposed
	err = c.DB.InTenant(ctx, m.OrgID, func(ctx context.Context, tx pgx.Tx) error {
		st := storeIn(tx)
		b, cur, err := c.Brief.lock(ctx, st, m.OrgID)
		if err != nil {
			return err
		}
		if cur == nil {
			return ErrNoBrief
		}
		kinds := specs()[section]
		fields := map[string]ProposedField{}
		for _, f := range facts {
			kind, ok := kinds[f.Field]
			if f.Section != section || !ok {
				continue
			}
			value, msg := checkValue(kind, f.Value)
			if msg != "" || f.Confidence < 0 || f.Confidence > 1 {
				c.Brief.Log.Warn().Str("section", f.Section).Str("field", f.Field).Str("problem", msg).Msg("brief: an invalid fact, not proposed")
				continue
			}
			if old, ok := cur.Data.field(section, f.Field); ok && sameValue(old.Value, value) {
				continue // the Brief says so already
			}
			sources := slices.Clone(f.Sources)
			if sources == nil {
				sources = []extract.Source{}
			}
			fields[f.Field] = ProposedField{Value: value, Confidence: f.Confidence, Sources: sources}
		}
		if len(fields) == 0 {
			return ErrNothingToPropose
		}
		out.Proposal, out.Made, err = c.Brief.propose(ctx, tx, st, b, Proposal{Section: section, Kind: KindSuggestion, BasedOnVersion: cur.Number,
			Fields: fields, Instruction: instruction}, m.Principal.Actor())
		return err
	})
	if err != nil {
		return Proposed{}, fmt.Errorf("propose section: %w", err)
	}
	return out, nil
}
