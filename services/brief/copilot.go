package brief

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/xentri/xentri/activities"
	"github.com/xentri/xentri/internal/cache"
	"github.com/xentri/xentri/internal/db"
	itemporal "github.com/xentri/xentri/internal/temporal"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/brief/extract"
	"github.com/xentri/xentri/services/paging"
	"github.com/xentri/xentri/workflows"
)

// Copilot is the Strategy Co-pilot: it starts and drives sessions
// (copilot-session/{id} workflows) for the API, answers their turns and
// runs brief generations for the workflows (activities.Copilot and
// activities.BriefGeneration).
type Copilot struct {
	DB     *db.DB
	Brief  *Service
	Engine extract.Engine
	// Temporal runs the sessions; nil answers 503 where one is needed.
	Temporal  client.Client
	TaskQueue string
	// Idle ends a session nobody wrote to for this long (XENTRI_COPILOT_IDLE;
	// the workflow's default when zero).
	Idle time.Duration
	// WorkflowLink makes the Temporal UI address of a workflow (optional).
	WorkflowLink func(workflowID string) string
	// LocalTurns runs a session's turns as local activities, for a fast
	// engine (XENTRI_AI_ENGINE=rules).
	LocalTurns bool
	// Stream receives each turn's live events as the worker answers it
	// (cache.CopilotStream; nil streams nothing). A failed publish is
	// logged and never fails the turn: the transcript is the record.
	Stream Stream
	// Log reports failed publishes.
	Log zerolog.Logger
}

// Stream publishes a session's live events (GET
// /copilot/sessions/{id}/stream relays them to the shell).
type Stream interface {
	Publish(ctx context.Context, orgID, sessionID uuid.UUID, event string, data any) error
}

// The live events of a session, in the order a turn publishes them:
// turn.started, one fact per value understood, reply; session.ended when
// the session finishes or goes idle.
const (
	EventTurnStarted  = "turn.started"
	EventFact         = "fact"
	EventReply        = "reply"
	EventSessionEnded = "session.ended"
)

// TurnStarted is the data of turn.started.
type TurnStarted struct {
	Turn            int    `json:"turn"`
	ClientMessageID string `json:"client_message_id"`
}

// SessionEnded is the data of session.ended.
type SessionEnded struct {
	Status string `json:"status"` // finished | idle
}

// publish sends one live event, if anyone streams; it never fails the
// caller.
func (c *Copilot) publish(ctx context.Context, orgID, sessionID uuid.UUID, event string, data any) {
	if c.Stream == nil {
		return
	}
	if err := c.Stream.Publish(ctx, orgID, sessionID, event, data); err != nil {
		c.Log.Warn().Err(err).Str("session_id", sessionID.String()).Str("event", event).Msg("co-pilot: a live event was not published")
	}
}

// Session is one conversation with the co-pilot.
type Session struct {
	ID        uuid.UUID  `json:"id"`
	Status    string     `json:"status"` // open | finished | idle
	StartedBy *uuid.UUID `json:"started_by"`
	CreatedAt time.Time  `json:"created_at"`
	EndedAt   *time.Time `json:"ended_at"`
	// WorkflowID is the session's workflow; GenerationID the brief
	// generation it started when it ended (if the owner said anything).
	WorkflowID    string `json:"workflow_id"`
	GenerationID  string `json:"generation_workflow_id,omitempty"`
	TemporalUIURL string `json:"temporal_ui_url,omitempty"`
}

// Message is one turn of a session: what the owner said, what the co-pilot
// read from it, and its reply.
type Message struct {
	ID              uuid.UUID               `json:"id"`
	Turn            int                     `json:"turn"`
	ClientMessageID string                  `json:"client_message_id"`
	Kind            string                  `json:"kind"`
	Text            string                  `json:"text"`
	Facts           []extract.Fact          `json:"facts"`
	Reply           activities.CopilotReply `json:"reply"`
	CreatedAt       time.Time               `json:"created_at"`
}

// Opened is a new session and the co-pilot's first question.
type Opened struct {
	Session
	Opening string `json:"opening"`
}

// Transcript is a session with its turns and, while it runs, what it still
// misses.
type Transcript struct {
	Session
	Turns    int                       `json:"turns"`
	Missing  []activities.MissingField `json:"missing"`
	Messages []Message                 `json:"messages"`
}

// errNoWorkflows answers where no Temporal client is configured.
var errNoWorkflows = services.Errorf(services.Unavailable, "Workflows are not running here.")

// Start opens a session and starts its workflow, in the org gate's
// transaction: a session whose workflow did not start is not stored.
func (c *Copilot) Start(ctx context.Context, tx pgx.Tx, m access.Membership) (Opened, error) {
	if err := m.Need(access.ScopeBriefWrite); err != nil {
		return Opened{}, err
	}
	if c.Temporal == nil {
		return Opened{}, errNoWorkflows
	}
	st := storeIn(tx)
	s, err := st.createSession(ctx, m.OrgID, m.Principal.UserRef())
	if err != nil {
		return Opened{}, fmt.Errorf("start co-pilot session: %w", err)
	}
	id := workflows.CopilotSessionWorkflowID(s.ID.String())
	_, err = c.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                    id,
		TaskQueue:             c.TaskQueue,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		TypedSearchAttributes: itemporal.Attributes(m.OrgID.String(), "copilot_session", s.ID.String(), itemporal.SessionID.ValueSet(s.ID.String())),
	}, workflows.CopilotSession, workflows.CopilotSessionInput{OrgID: m.OrgID.String(), SessionID: s.ID.String(), Idle: c.Idle, LocalTurns: c.LocalTurns})
	if err != nil {
		return Opened{}, &services.Error{Code: services.Unavailable, Message: "The co-pilot could not start; nothing was stored, try again.", Err: err}
	}
	opening := "Tell me about your business in your own words: what you do, for whom, and where. Messy is fine; I will ask about what is missing."
	if cur, err := st.current(ctx, m.OrgID); err == nil && len(cur.Data.Missing) > 0 {
		opening = "Welcome back. Your Brief is at version " + fmt.Sprint(cur.Version) + ". " + cur.Data.Missing[0].Question
	} else if err != nil && !errors.Is(err, ErrNoBrief) {
		return Opened{}, fmt.Errorf("start co-pilot session: %w", err)
	}
	return Opened{Session: c.described(s), Opening: opening}, nil
}

// Sessions pages through the org's sessions, newest first.
func (c *Copilot) Sessions(ctx context.Context, tx pgx.Tx, m access.Membership, page paging.Page) ([]Session, string, error) {
	if err := m.Need(access.ScopeBriefRead); err != nil {
		return nil, "", err
	}
	out, next, err := storeIn(tx).sessions(ctx, m.OrgID, page)
	for i := range out {
		out[i] = c.described(out[i])
	}
	return out, next, err
}

// Session returns one of the org's sessions as it stands (not found for
// another org's).
func (c *Copilot) Session(ctx context.Context, tx pgx.Tx, m access.Membership, id uuid.UUID) (Session, error) {
	if err := m.Need(access.ScopeBriefRead); err != nil {
		return Session{}, err
	}
	s, err := storeIn(tx).session(ctx, m.OrgID, id, false)
	if err != nil {
		return Session{}, err
	}
	return c.described(s), nil
}

// SessionStatus reads where a session of the org stands, in a transaction
// of its own: for a stream that outlives the request's transaction.
func (c *Copilot) SessionStatus(ctx context.Context, orgID, id uuid.UUID) (string, error) {
	var status string
	err := c.DB.InTenant(ctx, orgID, func(ctx context.Context, tx pgx.Tx) error {
		s, err := storeIn(tx).session(ctx, orgID, id, false)
		status = s.Status
		return err
	})
	return status, wrap("co-pilot session status", err)
}

// Transcript returns a session's turns from Postgres, and where a running
// session stands from its workflow.
func (c *Copilot) Transcript(ctx context.Context, tx pgx.Tx, m access.Membership, id uuid.UUID) (Transcript, error) {
	if err := m.Need(access.ScopeBriefRead); err != nil {
		return Transcript{}, err
	}
	st := storeIn(tx)
	s, err := st.session(ctx, m.OrgID, id, false)
	if err != nil {
		return Transcript{}, err
	}
	msgs, err := st.messages(ctx, m.OrgID, id)
	if err != nil {
		return Transcript{}, fmt.Errorf("co-pilot transcript: %w", err)
	}
	t := Transcript{Session: c.described(s), Turns: len(msgs), Messages: msgs, Missing: []activities.MissingField{}}
	if len(msgs) > 0 {
		t.Missing = msgs[len(msgs)-1].Reply.Missing
	}
	if s.Status == "open" && c.Temporal != nil {
		// The workflow knows turns in flight; the transcript has those done.
		if v, err := c.Temporal.QueryWorkflow(ctx, t.WorkflowID, "", workflows.QueryCopilotSession); err == nil {
			var state workflows.CopilotSessionState
			if v.Get(&state) == nil && state.Missing != nil {
				t.Missing = state.Missing
			}
		}
	}
	return t, nil
}

// Delivery is an Update to send once the caller's transaction has ended.
// A turn waits for the worker, which needs database connections of its own:
// a request that held its transaction (and connection) across the Update
// could, with enough of them at once, leave the worker none.
type Delivery[T any] struct {
	done *T // answered already: nothing to send
	send func(ctx context.Context) (T, error)
}

// Send sends the Update and waits for its answer (or answers at once).
func (d Delivery[T]) Send(ctx context.Context) (T, error) {
	if d.done != nil {
		return *d.done, nil
	}
	return d.send(ctx)
}

// Send checks, in the org gate's transaction, that the owner may speak in
// the session, and returns the Update that hands their message to the
// session's workflow, to send after the transaction. The client message id
// is the Update's id, and a message already answered is answered from
// Postgres: the same id twice gets the same reply, once.
func (c *Copilot) Send(ctx context.Context, tx pgx.Tx, m access.Membership, id uuid.UUID, msg activities.CopilotMessage) (Delivery[activities.CopilotReply], error) {
	var none Delivery[activities.CopilotReply]
	if err := m.Need(access.ScopeBriefWrite); err != nil {
		return none, err
	}
	st := storeIn(tx)
	s, err := st.session(ctx, m.OrgID, id, false)
	if err != nil {
		return none, err
	}
	if msg.Kind == "" {
		msg.Kind = "text"
	}
	if msg.ClientMessageID == "" {
		msg.ClientMessageID = uuid.NewString()
	}
	if done, ok, err := st.messageByClientID(ctx, m.OrgID, id, msg.ClientMessageID); err != nil {
		return none, fmt.Errorf("send co-pilot message: %w", err)
	} else if ok {
		return Delivery[activities.CopilotReply]{done: &done.Reply}, nil
	}
	if s.Status != "open" {
		return none, sessionEnded(s.Status)
	}
	if c.Temporal == nil {
		return none, errNoWorkflows
	}
	return Delivery[activities.CopilotReply]{send: func(ctx context.Context) (activities.CopilotReply, error) {
		h, err := c.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID: workflows.CopilotSessionWorkflowID(id.String()), UpdateID: msg.ClientMessageID,
			UpdateName: workflows.UpdateCopilotMessage, Args: []any{msg}, WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		var reply activities.CopilotReply
		if err == nil {
			err = h.Get(ctx, &reply)
		}
		if err != nil {
			return activities.CopilotReply{}, updateError(err)
		}
		return reply, nil
	}}, nil
}

// Finish checks, in the org gate's transaction, that the caller may end the
// session, and returns the Update that ends it and starts its brief
// generation, to send after the transaction. A session that ended already
// is answered as it ended.
func (c *Copilot) Finish(ctx context.Context, tx pgx.Tx, m access.Membership, id uuid.UUID) (Delivery[workflows.CopilotFinished], error) {
	var none Delivery[workflows.CopilotFinished]
	if err := m.Need(access.ScopeBriefWrite); err != nil {
		return none, err
	}
	st := storeIn(tx)
	s, err := st.session(ctx, m.OrgID, id, false)
	if err != nil {
		return none, err
	}
	if s.Status != "open" {
		done, err := c.ended(ctx, st, m.OrgID, s)
		return Delivery[workflows.CopilotFinished]{done: &done}, err
	}
	if c.Temporal == nil {
		return none, errNoWorkflows
	}
	return Delivery[workflows.CopilotFinished]{send: func(ctx context.Context) (workflows.CopilotFinished, error) {
		h, err := c.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID: workflows.CopilotSessionWorkflowID(id.String()), UpdateID: "finish",
			UpdateName: workflows.UpdateCopilotFinish, WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		var done workflows.CopilotFinished
		if err == nil {
			err = h.Get(ctx, &done)
		}
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) && appErr.Type() == workflows.ErrSessionClosed {
			// It ended meanwhile (idle, or another finish): as it ended.
			var ended workflows.CopilotFinished
			rerr := c.DB.InTenant(ctx, m.OrgID, func(ctx context.Context, tx pgx.Tx) error {
				st := storeIn(tx)
				s, err := st.session(ctx, m.OrgID, id, false)
				if err != nil || s.Status == "open" {
					return err
				}
				ended, err = c.ended(ctx, st, m.OrgID, s)
				return err
			})
			if rerr == nil && ended.Status != "" {
				return ended, nil
			}
		}
		if err != nil {
			return workflows.CopilotFinished{}, updateError(err)
		}
		return done, nil
	}}, nil
}

func (c *Copilot) ended(ctx context.Context, st store, orgID uuid.UUID, s Session) (workflows.CopilotFinished, error) {
	msgs, err := st.messages(ctx, orgID, s.ID)
	if err != nil {
		return workflows.CopilotFinished{}, fmt.Errorf("finish co-pilot session: %w", err)
	}
	done := workflows.CopilotFinished{Status: s.Status, Turns: len(msgs)}
	if len(msgs) > 0 {
		done.GenerationID = workflows.BriefGenerateWorkflowID(orgID.String(), s.ID.String())
	}
	return done, nil
}

func (c *Copilot) described(s Session) Session {
	s.WorkflowID = workflows.CopilotSessionWorkflowID(s.ID.String())
	if c.WorkflowLink != nil {
		s.TemporalUIURL = c.WorkflowLink(s.WorkflowID)
	}
	return s
}

func sessionEnded(status string) error {
	return services.Errorf(services.Conflict, "This co-pilot session has ended (%s); start a new one.", status)
}

// updateError turns a refused or failed Update into what the caller can
// act on: a validator's refusal is the caller's to fix.
func updateError(err error) error {
	var appErr *temporal.ApplicationError
	var notFound *serviceerror.NotFound
	switch {
	case errors.As(err, &appErr) && appErr.Type() == workflows.ErrMessageInvalid:
		return &services.Error{Code: services.Invalid, Message: appErr.Message(), Fields: map[string]string{"text": appErr.Message()}}
	case errors.As(err, &appErr) && appErr.Type() == workflows.ErrSessionClosed:
		return &services.Error{Code: services.Conflict, Message: appErr.Message()}
	case errors.As(err, &notFound):
		return services.Errorf(services.Conflict, "This co-pilot session is no longer running; start a new one.")
	}
	return &services.Error{Code: services.Unavailable, Message: "The co-pilot did not answer; send the message again (with the same client_message_id).", Err: err}
}

// Reply answers one turn (activities.Copilot): it reads the conversation,
// extracts what the whole of it states (outside any transaction: an LLM
// may take seconds), then stores the message, this turn's facts and the
// reply under the session's lock.
func (c *Copilot) Reply(ctx context.Context, t activities.CopilotTurn) (activities.CopilotReply, error) {
	orgID, err1 := uuid.Parse(t.OrgID)
	sessionID, err2 := uuid.Parse(t.SessionID)
	if err := errors.Join(err1, err2); err != nil {
		return activities.CopilotReply{}, &services.Error{Code: services.Invalid, Message: "A co-pilot turn needs valid org and session ids.", Err: err}
	}
	var prior []Message
	var answered *activities.CopilotReply
	err := c.DB.InTenant(ctx, orgID, func(ctx context.Context, tx pgx.Tx) error {
		st := storeIn(tx)
		s, err := st.session(ctx, orgID, sessionID, false)
		if err != nil {
			return err
		}
		if done, ok, err := st.messageByClientID(ctx, orgID, sessionID, t.Message.ClientMessageID); err != nil || ok {
			answered = &done.Reply
			return err
		}
		if s.Status != "open" {
			return sessionEnded(s.Status)
		}
		prior, err = st.messages(ctx, orgID, sessionID)
		return err
	})
	if err != nil || answered != nil {
		return deref(answered), wrap("co-pilot reply", err)
	}
	c.publish(ctx, orgID, sessionID, EventTurnStarted, TurnStarted{Turn: len(prior) + 1, ClientMessageID: t.Message.ClientMessageID})

	msgID := uuid.Must(uuid.NewV7())
	conversation := make([]extract.Message, 0, len(prior)+1)
	for _, p := range prior {
		conversation = append(conversation, extract.Message{ID: p.ID.String(), Text: p.Text, Kind: p.Kind})
	}
	conversation = append(conversation, extract.Message{ID: msgID.String(), Text: t.Message.Text, Kind: t.Message.Kind})
	facts, err := c.Engine.Extract(ctx, conversation)
	if err != nil {
		return activities.CopilotReply{}, fmt.Errorf("co-pilot extract: %w", err)
	}

	var reply activities.CopilotReply
	stored := false
	err = c.DB.InTenant(ctx, orgID, func(ctx context.Context, tx pgx.Tx) error {
		st := storeIn(tx)
		if _, err := st.session(ctx, orgID, sessionID, true); err != nil {
			return err
		}
		// A retry that raced this one may have stored the turn meanwhile.
		if done, ok, err := st.messageByClientID(ctx, orgID, sessionID, t.Message.ClientMessageID); err != nil || ok {
			reply = done.Reply
			return err
		}
		stored = true
		msgs, err := st.messages(ctx, orgID, sessionID)
		if err != nil {
			return err
		}
		known, err := c.knownFields(ctx, st, orgID, facts)
		if err != nil {
			return err
		}
		turn := len(msgs) + 1
		mine := factsOf(facts, msgID.String())
		reply = composeReply(msgID, t.Message.ClientMessageID, turn, mine, known)
		_, err = st.addMessage(ctx, orgID, sessionID, Message{ID: msgID, Turn: turn, ClientMessageID: t.Message.ClientMessageID,
			Kind: t.Message.Kind, Text: t.Message.Text, Facts: mine, Reply: reply})
		return err
	})
	if err != nil {
		return activities.CopilotReply{}, wrap("co-pilot reply", err)
	}
	// Once the turn is stored: what it understood, then the reply (which
	// a retry that raced this one announces alone).
	if stored {
		for _, u := range reply.Understood {
			c.publish(ctx, orgID, sessionID, EventFact, u)
		}
	}
	c.publish(ctx, orgID, sessionID, EventReply, reply)
	return reply, nil
}

// Close marks a session ended (activities.Copilot).
func (c *Copilot) Close(ctx context.Context, orgID, sessionID uuid.UUID, reason string) error {
	if reason != "finished" && reason != "idle" {
		return services.Errorf(services.Invalid, "A session ends finished or idle, not %q.", reason)
	}
	err := c.DB.InTenant(ctx, orgID, func(ctx context.Context, tx pgx.Tx) error {
		st := storeIn(tx)
		if _, err := st.session(ctx, orgID, sessionID, true); err != nil {
			return err
		}
		return st.endSession(ctx, orgID, sessionID, reason)
	})
	if err != nil {
		return wrap("close co-pilot session", err)
	}
	c.publish(ctx, orgID, sessionID, EventSessionEnded, SessionEnded{Status: reason})
	return nil
}

// knownFields are the fields the Brief has or the conversation states.
func (c *Copilot) knownFields(ctx context.Context, st store, orgID uuid.UUID, facts []extract.Fact) (map[string]bool, error) {
	known := map[string]bool{}
	for _, f := range facts {
		known[f.Section+"."+f.Field] = true
	}
	cur, err := st.current(ctx, orgID)
	if errors.Is(err, ErrNoBrief) {
		return known, nil
	}
	if err != nil {
		return nil, err
	}
	for sid, s := range cur.Data.Sections {
		for name := range s.Fields {
			known[sid+"."+name] = true
		}
	}
	return known, nil
}

// askOrder is the order the co-pilot asks for what is missing: what the
// business is before how to reach it.
var askOrder = []string{
	"identity.business_name", "identity.industry", "offerings.products", "audience.segments", "identity.location",
	"goals.goals", "differentiators.points", "offerings.price_points", "brand_voice.tone", "contact.email",
	"contact.phone", "contact.website", "sales.follow_up_days", "identity.founded_year", "identity.team_size", "brand_voice.avoid",
}

// composeReply words the co-pilot's answer: what it understood this turn,
// and the next question.
func composeReply(msgID uuid.UUID, clientID string, turn int, mine []extract.Fact, known map[string]bool) activities.CopilotReply {
	r := activities.CopilotReply{MessageID: msgID.String(), ClientMessageID: clientID, Turn: turn,
		Understood: []activities.Understood{}, Missing: []activities.MissingField{}}
	var noted []string
	for _, f := range mine {
		r.Understood = append(r.Understood, activities.Understood{Section: f.Section, Field: f.Field, Value: f.Value, Sources: f.Sources})
		noted = append(noted, strings.ReplaceAll(f.Field, "_", " ")+": "+plain(f.Value))
	}
	for _, key := range askOrder {
		if known[key] {
			continue
		}
		section, field, _ := strings.Cut(key, ".")
		r.Missing = append(r.Missing, activities.MissingField{Section: section, Field: field, Question: question(section, field)})
	}
	var b strings.Builder
	if len(noted) > 0 {
		b.WriteString("Thanks, I noted " + strings.Join(noted, "; ") + ".")
	} else {
		b.WriteString("I did not catch anything for the Brief in that.")
	}
	if len(r.Missing) > 0 {
		r.NextQuestion = r.Missing[0].Question
		b.WriteString(" " + r.NextQuestion)
	} else {
		b.WriteString(" I have everything the Brief asks for; finish the session when you are ready.")
	}
	r.Text = b.String()
	return r
}

// plain renders a value for the reply's words.
func plain(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	var list []string
	if json.Unmarshal(v, &list) == nil {
		return strings.Join(list, ", ")
	}
	var prices []extract.PricePoint
	if json.Unmarshal(v, &prices) == nil && len(prices) > 0 && prices[0].Currency != "" {
		parts := make([]string, 0, len(prices))
		for _, p := range prices {
			parts = append(parts, fmt.Sprintf("%s %d.%02d %s", p.Label, p.Amount/100, p.Amount%100, p.Currency))
		}
		return strings.Join(parts, ", ")
	}
	var days []int
	if json.Unmarshal(v, &days) == nil && len(days) > 0 {
		parts := make([]string, 0, len(days))
		for _, d := range days {
			parts = append(parts, fmt.Sprint(d))
		}
		return "after " + strings.Join(parts, ", ") + " days"
	}
	var loc extract.Location
	if json.Unmarshal(v, &loc) == nil && (loc.City != "" || loc.Region != "" || loc.Country != "") {
		var parts []string
		for _, p := range []string{loc.City, loc.Region, loc.Country} {
			if p != "" {
				parts = append(parts, p)
			}
		}
		return strings.Join(parts, ", ")
	}
	return string(v)
}

// factsOf keeps the facts read from one message, with their sources in it.
func factsOf(facts []extract.Fact, messageID string) []extract.Fact {
	out := []extract.Fact{}
	for _, f := range facts {
		var here []extract.Source
		for _, s := range f.Sources {
			if s.MessageID == messageID {
				here = append(here, s)
			}
		}
		if len(here) > 0 {
			f.Sources = here
			out = append(out, f)
		}
	}
	return out
}

// Conversation returns what a generation extracts from
// (activities.BriefGeneration): the session's messages in order, or the
// request's text as one message named by the request.
func (c *Copilot) Conversation(ctx context.Context, r activities.BriefRequest) ([]extract.Message, error) {
	orgID, err := uuid.Parse(r.OrgID)
	if err != nil {
		return nil, &services.Error{Code: services.Invalid, Message: "A brief generation needs a valid org id.", Err: err}
	}
	if r.SessionID == "" {
		if strings.TrimSpace(r.Text) == "" {
			return nil, services.Errorf(services.Invalid, "A brief generation needs a session or a text.")
		}
		return []extract.Message{{ID: r.RequestID, Text: r.Text, Kind: "text"}}, nil
	}
	sessionID, err := uuid.Parse(r.SessionID)
	if err != nil {
		return nil, &services.Error{Code: services.Invalid, Message: "session_id is not a UUID.", Err: err}
	}
	var out []extract.Message
	err = c.DB.InTenant(ctx, orgID, func(ctx context.Context, tx pgx.Tx) error {
		msgs, err := storeIn(tx).messages(ctx, orgID, sessionID)
		for _, m := range msgs {
			out = append(out, extract.Message{ID: m.ID.String(), Text: m.Text, Kind: m.Kind})
		}
		return err
	})
	if err == nil && len(out) == 0 {
		err = services.Errorf(services.Invalid, "The co-pilot session has no messages to make a Brief from.")
	}
	return out, wrap("brief conversation", err)
}

// Extract runs the configured engine (activities.BriefGeneration).
func (c *Copilot) Extract(ctx context.Context, conversation []extract.Message) ([]extract.Fact, error) {
	return c.Engine.Extract(ctx, conversation)
}

// Compose saves the facts as the Brief's next version
// (activities.BriefGeneration), with its event, contexts and cadence in
// one transaction. Composing the same facts again changes nothing, so a
// retried activity makes no second version.
func (c *Copilot) Compose(ctx context.Context, r activities.ComposeRequest) (activities.BriefResult, error) {
	orgID, err := uuid.Parse(r.OrgID)
	if err != nil {
		return activities.BriefResult{}, &services.Error{Code: services.Invalid, Message: "A brief generation needs a valid org id.", Err: err}
	}
	author, summary := Author{Type: AuthorUser, ID: r.Author}, "Generated from a text."
	switch r.Author {
	case AuthorCopilot:
		author = Author{Type: AuthorCopilot, ID: r.SessionID}
	case "": // an automation (the brief.generate hook)
		author = Author{Type: AuthorUser, ID: "automation"}
	}
	if r.SessionID != "" {
		summary = "Generated from co-pilot session " + r.SessionID + "."
	}
	var res activities.BriefResult
	err = c.DB.InTenant(ctx, orgID, func(ctx context.Context, tx pgx.Tx) error {
		before := 0
		if cur, err := storeIn(tx).current(ctx, orgID); err == nil {
			before = cur.Version
		} else if !errors.Is(err, ErrNoBrief) {
			return err
		}
		v, proposals, err := c.Brief.Compose(ctx, tx, orgID, author, r.Facts, summary)
		if err != nil {
			return err
		}
		res = activities.BriefResult{Version: v.Number, Created: before == 0, Changed: v.Number != before, Proposals: len(proposals)}
		return nil
	})
	return res, wrap("compose brief", err)
}

// Invalidate drops the org's cached Brief (activities.BriefGeneration).
func (c *Copilot) Invalidate(ctx context.Context, orgID uuid.UUID) error {
	if c.Brief == nil || c.Brief.Cache == nil {
		return nil
	}
	return wrap("invalidate brief", c.Brief.Cache.Delete(ctx, cache.BriefKey(orgID.String())))
}

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", op, err)
}

func deref(r *activities.CopilotReply) activities.CopilotReply {
	if r == nil {
		return activities.CopilotReply{}
	}
	return *r
}

// GenerateInput is what POST /api/v1/brief/generate makes a Brief from: a
// co-pilot session of the org, or a text.
type GenerateInput struct {
	SessionID *uuid.UUID `json:"session_id"`
	Text      string     `json:"text"`
}

// Generation is a started brief generation.
type Generation struct {
	WorkflowID    string `json:"workflow_id"`
	RunID         string `json:"run_id"`
	StatusURL     string `json:"status_url"`
	TemporalUIURL string `json:"temporal_ui_url,omitempty"`
}

// maxGenerateText bounds a text to generate from, like a long message.
const maxGenerateText = 64 << 10

// Generate starts brief-generate/{org}/{request} and answers without
// waiting: the caller follows the status URL (or Temporal UI).
func (c *Copilot) Generate(ctx context.Context, tx pgx.Tx, m access.Membership, in GenerateInput) (Generation, error) {
	if err := m.Need(access.ScopeBriefWrite); err != nil {
		return Generation{}, err
	}
	text := strings.TrimSpace(in.Text)
	switch {
	case in.SessionID == nil && text == "":
		return Generation{}, &services.Error{Code: services.Invalid, Message: "Send a session_id or a text to make the Brief from.",
			Fields: map[string]string{"session_id": "or text is required"}}
	case in.SessionID != nil && text != "":
		return Generation{}, &services.Error{Code: services.Invalid, Message: "Send a session_id or a text, not both.",
			Fields: map[string]string{"text": "must be absent with session_id"}}
	case len(in.Text) > maxGenerateText:
		return Generation{}, &services.Error{Code: services.Invalid, Message: "The text is longer than 64 KiB.", Fields: map[string]string{"text": "is too long"}}
	}
	req := activities.BriefRequest{OrgID: m.OrgID.String(), RequestID: uuid.Must(uuid.NewV7()).String(), Text: text, Author: authorOf(m)}
	if in.SessionID != nil {
		if _, err := storeIn(tx).session(ctx, m.OrgID, *in.SessionID, false); err != nil {
			return Generation{}, err
		}
		req.SessionID = in.SessionID.String()
	}
	if c.Temporal == nil {
		return Generation{}, errNoWorkflows
	}
	id := workflows.BriefGenerateWorkflowID(req.OrgID, req.RequestID)
	extra := []temporal.SearchAttributeUpdate{}
	if req.SessionID != "" {
		extra = append(extra, itemporal.SessionID.ValueSet(req.SessionID))
	}
	run, err := c.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: id, TaskQueue: c.TaskQueue,
		TypedSearchAttributes: itemporal.Attributes(req.OrgID, "brief", req.OrgID, extra...),
	}, workflows.BriefGenerate, req)
	if err != nil {
		return Generation{}, &services.Error{Code: services.Unavailable, Message: "Temporal did not accept the brief generation; try again.", Err: err}
	}
	g := Generation{WorkflowID: id, RunID: run.GetRunID(), StatusURL: "/api/v1/workflows/" + id}
	if c.WorkflowLink != nil {
		g.TemporalUIURL = c.WorkflowLink(id) + "/" + run.GetRunID()
	}
	return g, nil
}

// authorOf names who asks for a generation: a user, or an API token.
func authorOf(m access.Membership) string {
	if m.Principal.Token != nil {
		return "api-token:" + m.Principal.Token.ID.String()
	}
	return m.Principal.UserID.String()
}
