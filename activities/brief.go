package activities

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"

	"github.com/xentri/xentri/services/brief/extract"
)

// Application error types of the brief context's activities and workflows.
const (
	// ErrExtractionFailed: the engine refused the conversation for good (a
	// refused API key, a request the endpoint calls malformed).
	ErrExtractionFailed = "ExtractionFailed"
)

// CopilotMessage is one thing the owner says to the co-pilot.
type CopilotMessage struct {
	// ClientMessageID is the caller's id of the message: the same id twice
	// gets the same reply, and the message is stored once.
	ClientMessageID string `json:"client_message_id"`
	Text            string `json:"text"`
	Kind            string `json:"kind"` // text | voice_transcript
}

// CopilotTurn is one message of a session, as the workflow hands it over.
type CopilotTurn struct {
	OrgID     string         `json:"org_id"`
	SessionID string         `json:"session_id"`
	Message   CopilotMessage `json:"message"`
}

// Understood is a value the co-pilot read from the owner's words this turn.
type Understood struct {
	Section string           `json:"section"`
	Field   string           `json:"field"`
	Value   json.RawMessage  `json:"value"`
	Sources []extract.Source `json:"sources"`
}

// MissingField is a field the Brief still lacks, and how the co-pilot would
// ask for it.
type MissingField struct {
	Section  string `json:"section"`
	Field    string `json:"field"`
	Question string `json:"question"`
}

// CopilotReply is the co-pilot's answer to one message: what it understood,
// what is still missing, and what it asks next.
type CopilotReply struct {
	MessageID       string         `json:"message_id"`
	ClientMessageID string         `json:"client_message_id"`
	Turn            int            `json:"turn"`
	Understood      []Understood   `json:"understood"`
	Missing         []MissingField `json:"missing"`
	NextQuestion    string         `json:"next_question,omitempty"`
	Text            string         `json:"text"` // the reply in words
}

// Copilot is what the brief context does for the co-pilot session workflow
// (services/brief.Copilot).
type Copilot interface {
	// Reply stores the message, extracts what the whole conversation states,
	// stores the facts this message gave, and answers. Once per client
	// message id: a retry returns the stored reply.
	Reply(ctx context.Context, t CopilotTurn) (CopilotReply, error)
	// Close marks the session ended (finished or idle), once.
	Close(ctx context.Context, orgID, sessionID uuid.UUID, reason string) error
}

// BriefRequest is what a brief generation works from: a co-pilot session's
// transcript, or a text.
type BriefRequest struct {
	OrgID     string `json:"org_id"`
	RequestID string `json:"request_id"`
	SessionID string `json:"session_id,omitempty"`
	Text      string `json:"text,omitempty"`
	// Author is who asked: "copilot" for a session's end, else a user id.
	Author string `json:"author"`
}

// ComposeRequest is the facts to compose into the org's Brief.
type ComposeRequest struct {
	BriefRequest
	Facts []extract.Fact `json:"facts"`
}

// BriefResult is the version a generation saved.
type BriefResult struct {
	Version   int  `json:"version"`
	Created   bool `json:"created"`   // the org's first version
	Changed   bool `json:"changed"`   // false: nothing new, no version made
	Proposals int  `json:"proposals"` // conflicts with the owner's values
}

// BriefGeneration is what the brief context does for the brief generation
// workflow (services/brief.Generation).
type BriefGeneration interface {
	// Conversation returns the words to extract from: the session's
	// messages in order, or the request's text as one message.
	Conversation(ctx context.Context, r BriefRequest) ([]extract.Message, error)
	// Extract runs the configured engine.
	Extract(ctx context.Context, conversation []extract.Message) ([]extract.Fact, error)
	// Compose saves a new version (user values kept, conflicts as
	// proposals), its event and its category contexts in one transaction.
	Compose(ctx context.Context, r ComposeRequest) (BriefResult, error)
	// Invalidate drops the org's cached Brief.
	Invalidate(ctx context.Context, orgID uuid.UUID) error
}

// Brief holds the brief context's activities.
type Brief struct {
	Copilot    Copilot
	Generation BriefGeneration
}

// CopilotReply answers one message of a session.
func (b *Brief) CopilotReply(ctx context.Context, t CopilotTurn) (CopilotReply, error) {
	if _, err := uuid.Parse(t.OrgID); err != nil || t.SessionID == "" || t.Message.ClientMessageID == "" {
		return CopilotReply{}, temporal.NewNonRetryableApplicationError("co-pilot turn without org, session or message id", ErrInvalidInput, err)
	}
	stop := KeepAlive(ctx, 5*time.Second)
	defer stop()
	reply, err := b.Copilot.Reply(ctx, t)
	return reply, engineError(err)
}

// CloseCopilotSession marks a session ended.
func (b *Brief) CloseCopilotSession(ctx context.Context, orgID, sessionID, reason string) error {
	org, err1 := uuid.Parse(orgID)
	session, err2 := uuid.Parse(sessionID)
	if err := errors.Join(err1, err2); err != nil {
		return temporal.NewNonRetryableApplicationError("closing a session without valid ids", ErrInvalidInput, err)
	}
	return Final(b.Copilot.Close(ctx, org, session, reason))
}

// BriefConversation returns what a generation extracts from.
func (b *Brief) BriefConversation(ctx context.Context, r BriefRequest) ([]extract.Message, error) {
	if _, err := uuid.Parse(r.OrgID); err != nil {
		return nil, temporal.NewNonRetryableApplicationError("brief generation without a valid org id", ErrInvalidInput, err)
	}
	msgs, err := b.Generation.Conversation(ctx, r)
	return msgs, Final(err)
}

// ExtractFacts runs the engine over a conversation.
func (b *Brief) ExtractFacts(ctx context.Context, conversation []extract.Message) ([]extract.Fact, error) {
	stop := KeepAlive(ctx, 5*time.Second)
	defer stop()
	facts, err := b.Generation.Extract(ctx, conversation)
	return facts, engineError(err)
}

// ComposeBrief saves the facts as the Brief's next version.
func (b *Brief) ComposeBrief(ctx context.Context, r ComposeRequest) (BriefResult, error) {
	res, err := b.Generation.Compose(ctx, r)
	return res, Final(err)
}

// InvalidateBrief drops the org's cached Brief.
func (b *Brief) InvalidateBrief(ctx context.Context, orgID string) error {
	org, err := uuid.Parse(orgID)
	if err != nil {
		return temporal.NewNonRetryableApplicationError("invalidating without a valid org id", ErrInvalidInput, err)
	}
	return b.Generation.Invalidate(ctx, org)
}

// engineError maps an engine's failure to Temporal's retry semantics: a
// final one (extract.ErrFinal) is not retried, a rate limit is retried
// after the pause the endpoint asked for, and the rest as domain errors.
func engineError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, extract.ErrFinal) {
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrExtractionFailed, err)
	}
	var wait interface{ RetryDelay() time.Duration }
	if errors.As(err, &wait) && wait.RetryDelay() > 0 {
		return temporal.NewApplicationErrorWithOptions(err.Error(), "RateLimited", temporal.ApplicationErrorOptions{
			Cause: err, NextRetryDelay: wait.RetryDelay(),
		})
	}
	return Final(err)
}
