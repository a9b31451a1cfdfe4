package workflows

import (
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/xentri/xentri/activities"
	itemporal "github.com/xentri/xentri/internal/temporal"
)

// Updates and queries of the co-pilot session workflow.
const (
	// UpdateCopilotMessage takes an activities.CopilotMessage and returns the
	// co-pilot's activities.CopilotReply. Use the client message id as the
	// Update id, so a retried call is answered once.
	UpdateCopilotMessage = "message"
	// UpdateCopilotFinish ends the session and starts its brief generation;
	// it returns a CopilotFinished.
	UpdateCopilotFinish = "finish"
	// QueryCopilotSession answers a CopilotSessionState.
	QueryCopilotSession = "state"
)

// Error types a co-pilot Update is rejected with, before anything is
// written to the history.
const (
	ErrMessageInvalid = "MessageInvalid" // empty, too long, an unknown kind
	ErrSessionClosed  = "SessionClosed"  // finished, or ended idle
)

const (
	// MaxCopilotMessageBytes bounds one message (a long voice transcript
	// fits; a pasted document does not).
	MaxCopilotMessageBytes = 8 << 10
	// DefaultCopilotIdle ends a session nobody has written to for a week.
	DefaultCopilotIdle = 7 * 24 * time.Hour
	// maxTurnsPerRun bounds one run's history; past it the session
	// continues as new with its state (the transcript is in Postgres).
	maxTurnsPerRun = 100
)

// CopilotSessionInput starts a session; State carries a run's progress
// into the next (continue-as-new).
type CopilotSessionInput struct {
	OrgID     string        `json:"org_id"`
	SessionID string        `json:"session_id"`
	Idle      time.Duration `json:"idle,omitempty"` // DefaultCopilotIdle when zero
	// LocalTurns runs each turn as a local activity: for a fast engine (the
	// rules), a turn then costs no activity task round trip. An LLM engine's
	// turns, which take seconds and want heartbeats, run as activities.
	LocalTurns bool          `json:"local_turns,omitempty"`
	State      *CopilotState `json:"state,omitempty"`
}

// CopilotState is where a session stands.
type CopilotState struct {
	Turns        int                       `json:"turns"`
	Missing      []activities.MissingField `json:"missing,omitempty"`
	LastActiveAt time.Time                 `json:"last_active_at"`
	Status       string                    `json:"status"` // open | finished | idle
	GenerationID string                    `json:"generation_workflow_id,omitempty"`
}

// CopilotSessionState is what the state query answers.
type CopilotSessionState struct {
	Status       string                    `json:"status"`
	Turns        int                       `json:"turns"`
	LastActiveAt time.Time                 `json:"last_active_at"`
	Missing      []activities.MissingField `json:"missing"`
	GenerationID string                    `json:"generation_workflow_id,omitempty"`
}

// CopilotFinished is the finish Update's answer, and the workflow's result.
type CopilotFinished struct {
	Status       string `json:"status"`
	Turns        int    `json:"turns"`
	GenerationID string `json:"generation_workflow_id,omitempty"`
}

// CopilotSessionWorkflowID names a session's workflow.
func CopilotSessionWorkflowID(sessionID string) string { return "copilot-session/" + sessionID }

// BriefGenerateWorkflowID names a generation: one per org and request.
func BriefGenerateWorkflowID(orgID, requestID string) string {
	return "brief-generate/" + orgID + "/" + requestID
}

// CopilotSession is the Strategy Co-pilot's conversation with an owner, an
// entity workflow: every message is an Update that returns the co-pilot's
// reply, turns run one at a time, and the transcript lives in Postgres, not
// in the history. Finishing (or a week without a message) starts the brief
// generation for the session and ends the run.
func CopilotSession(ctx workflow.Context, in CopilotSessionInput) (CopilotFinished, error) {
	st := CopilotState{Status: "open", LastActiveAt: workflow.Now(ctx)}
	if in.State != nil {
		st = *in.State
	}
	// The client message ids this run answered: a message's retry is one
	// turn. (The activity answers a retry from Postgres in any run.)
	replied := map[string]bool{}
	idle := in.Idle
	if idle <= 0 {
		idle = DefaultCopilotIdle
	}
	turnsThisRun := 0
	turn := workflow.NewMutex(ctx) // one turn at a time, in arrival order
	finishing := false

	if err := workflow.SetQueryHandler(ctx, QueryCopilotSession, func() (CopilotSessionState, error) {
		return CopilotSessionState{Status: st.Status, Turns: st.Turns, LastActiveAt: st.LastActiveAt,
			Missing: st.Missing, GenerationID: st.GenerationID}, nil
	}); err != nil {
		return CopilotFinished{}, err
	}

	replyCtx := workflow.WithActivityOptions(ctx, activities.LLMOptions())
	err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateCopilotMessage,
		func(ctx workflow.Context, msg activities.CopilotMessage) (activities.CopilotReply, error) {
			if err := turn.Lock(ctx); err != nil {
				return activities.CopilotReply{}, err
			}
			defer turn.Unlock()
			if st.Status != "open" {
				// Finished while this message waited for its turn.
				return activities.CopilotReply{}, closedError(st.Status)
			}
			t := activities.CopilotTurn{OrgID: in.OrgID, SessionID: in.SessionID, Message: msg}
			var run workflow.Future
			if in.LocalTurns {
				// By name: a method expression would make a replayer without
				// the activities registered fail the turn instead of reading
				// its recorded result.
				run = workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, activities.LocalDatabaseOptions()),
					"CopilotReply", t)
			} else {
				run = workflow.ExecuteActivity(replyCtx, (*activities.Brief).CopilotReply, t)
			}
			var reply activities.CopilotReply
			if err := run.Get(ctx, &reply); err != nil {
				return activities.CopilotReply{}, err
			}
			if !replied[msg.ClientMessageID] {
				replied[msg.ClientMessageID] = true
				st.Turns++
				turnsThisRun++
			}
			st.Missing, st.LastActiveAt = reply.Missing, workflow.Now(ctx)
			return reply, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, msg activities.CopilotMessage) error {
			if st.Status != "open" || finishing {
				return closedError(st.Status)
			}
			return validateMessage(msg)
		}},
	)
	if err != nil {
		return CopilotFinished{}, err
	}

	err = workflow.SetUpdateHandlerWithOptions(ctx, UpdateCopilotFinish,
		func(ctx workflow.Context) (CopilotFinished, error) {
			finishing = true
			if err := turn.Lock(ctx); err != nil { // after the turns already admitted
				return CopilotFinished{}, err
			}
			defer turn.Unlock()
			return finish(ctx, in, &st, "finished")
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context) error {
			if st.Status != "open" || finishing {
				return closedError(st.Status)
			}
			return nil
		}},
	)
	if err != nil {
		return CopilotFinished{}, err
	}

	// One timer runs to the idle deadline at a time; when it fires, a turn
	// since may have moved the deadline, and a timer runs to the new one.
	// Turns do not restart it: how many timers a run starts then depends
	// on timer firings alone, never on when a turn's (local) activity
	// completed within a workflow task, so a replay makes the same ones.
	for st.Status == "open" {
		wait := st.LastActiveAt.Add(idle).Sub(workflow.Now(ctx))
		if wait <= 0 {
			finishing = true
			if err := turn.Lock(ctx); err != nil {
				return CopilotFinished{}, err
			}
			_, err := finish(ctx, in, &st, "idle")
			turn.Unlock()
			if err != nil {
				return CopilotFinished{}, err
			}
			break
		}
		longRun := func() bool {
			return turnsThisRun >= maxTurnsPerRun || workflow.GetInfo(ctx).GetContinueAsNewSuggested()
		}
		if _, err := workflow.AwaitWithTimeout(ctx, wait, func() bool {
			return st.Status != "open" || finishing || longRun()
		}); err != nil {
			return CopilotFinished{}, err
		}
		if finishing {
			// The finish Update runs; wait for it to close the session.
			if err := workflow.Await(ctx, func() bool { return st.Status != "open" }); err != nil {
				return CopilotFinished{}, err
			}
		}
		if st.Status == "open" && longRun() {
			// Let admitted turns end first, so no Update is lost; the
			// server hands later ones to the next run.
			if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
				return CopilotFinished{}, err
			}
			return CopilotFinished{}, workflow.NewContinueAsNewError(ctx, CopilotSession, CopilotSessionInput{
				OrgID: in.OrgID, SessionID: in.SessionID, Idle: in.Idle, LocalTurns: in.LocalTurns, State: &st,
			})
		}
	}
	// The finish Update answers from its handler: let it.
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return CopilotFinished{}, err
	}
	return CopilotFinished{Status: st.Status, Turns: st.Turns, GenerationID: st.GenerationID}, nil
}

// finish closes the session and, if the owner said anything, starts the
// brief generation for it (a run of its own that outlives the session).
func finish(ctx workflow.Context, in CopilotSessionInput, st *CopilotState, reason string) (CopilotFinished, error) {
	dbCtx := workflow.WithActivityOptions(ctx, activities.DatabaseOptions())
	if err := workflow.ExecuteActivity(dbCtx, (*activities.Brief).CloseCopilotSession, in.OrgID, in.SessionID, reason).Get(ctx, nil); err != nil {
		return CopilotFinished{}, err
	}
	if st.Turns > 0 {
		id := BriefGenerateWorkflowID(in.OrgID, in.SessionID)
		child := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID:            id,
			ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
			WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
			TypedSearchAttributes: itemporal.Attributes(in.OrgID, "brief", in.OrgID, itemporal.SessionID.ValueSet(in.SessionID)),
		})
		run := workflow.ExecuteChildWorkflow(child, BriefGenerate, activities.BriefRequest{
			OrgID: in.OrgID, RequestID: in.SessionID, SessionID: in.SessionID, Author: "copilot",
		})
		// Started is enough: the generation reports on itself.
		if err := run.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
			var started *temporal.ChildWorkflowExecutionAlreadyStartedError
			if !errors.As(err, &started) {
				return CopilotFinished{}, err
			}
		}
		st.GenerationID = id
	}
	st.Status = reason
	return CopilotFinished{Status: st.Status, Turns: st.Turns, GenerationID: st.GenerationID}, nil
}

func validateMessage(m activities.CopilotMessage) error {
	switch {
	case strings.TrimSpace(m.Text) == "":
		return temporal.NewApplicationError("The message is empty.", ErrMessageInvalid)
	case len(m.Text) > MaxCopilotMessageBytes:
		return temporal.NewApplicationError("The message is longer than 8 KiB; send it in parts.", ErrMessageInvalid)
	case !utf8.ValidString(m.Text) || strings.ContainsRune(m.Text, 0):
		return temporal.NewApplicationError("The message must be UTF-8 text without NUL characters.", ErrMessageInvalid)
	case m.Kind != "text" && m.Kind != "voice_transcript":
		return temporal.NewApplicationError("kind must be text or voice_transcript.", ErrMessageInvalid)
	case m.ClientMessageID == "" || len(m.ClientMessageID) > 200:
		return temporal.NewApplicationError("client_message_id must be 1 to 200 characters.", ErrMessageInvalid)
	}
	return nil
}

func closedError(status string) error {
	if status == "open" {
		status = "finishing"
	}
	return temporal.NewApplicationError("This co-pilot session is "+status+"; start a new one.", ErrSessionClosed)
}
