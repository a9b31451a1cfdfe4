package workflows_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/xentri/xentri/activities"
	"github.com/xentri/xentri/services/brief/extract"
	"github.com/xentri/xentri/workflows"
)

const testSession = "0192f6d4-0000-7000-8000-0000000000aa"

// copilotFake is the brief context for the workflows: it answers each
// message once per client id, as the real one does from Postgres, and
// records what the generation composes.
type copilotFake struct {
	mu       sync.Mutex
	replies  map[string]activities.CopilotReply
	calls    int
	closed   []string
	composed []activities.ComposeRequest
	slow     time.Duration // how long a reply takes (the activity's clock)
}

func newCopilotFake() *copilotFake {
	return &copilotFake{replies: map[string]activities.CopilotReply{}}
}

func (f *copilotFake) Reply(_ context.Context, t activities.CopilotTurn) (activities.CopilotReply, error) {
	if f.slow > 0 {
		time.Sleep(f.slow)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if r, ok := f.replies[t.Message.ClientMessageID]; ok {
		return r, nil
	}
	r := activities.CopilotReply{
		MessageID: uuid.NewString(), ClientMessageID: t.Message.ClientMessageID, Turn: len(f.replies) + 1,
		Understood:   []activities.Understood{{Section: "identity", Field: "business_name", Value: json.RawMessage(`"Rosa's Bakery"`)}},
		Missing:      []activities.MissingField{{Section: "contact", Field: "email", Question: "How can customers reach you?"}},
		NextQuestion: "How can customers reach you?",
		Text:         "Got it: " + t.Message.Text,
	}
	f.replies[t.Message.ClientMessageID] = r
	return r, nil
}

func (f *copilotFake) Close(_ context.Context, _, _ uuid.UUID, reason string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = append(f.closed, reason)
	return nil
}

func (f *copilotFake) Conversation(_ context.Context, r activities.BriefRequest) ([]extract.Message, error) {
	return []extract.Message{{ID: "m1", Text: "We are Rosa's Bakery.", Kind: "text"}}, nil
}

func (f *copilotFake) Extract(_ context.Context, msgs []extract.Message) ([]extract.Fact, error) {
	return []extract.Fact{{Section: "identity", Field: "business_name", Value: json.RawMessage(`"Rosa's Bakery"`), Confidence: 0.9,
		Sources: []extract.Source{{MessageID: msgs[0].ID, Start: 7, End: 20, Quote: "Rosa's Bakery"}}}}, nil
}

func (f *copilotFake) Compose(_ context.Context, r activities.ComposeRequest) (activities.BriefResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.composed = append(f.composed, r)
	return activities.BriefResult{Version: len(f.composed), Created: len(f.composed) == 1, Changed: true}, nil
}

func (f *copilotFake) Invalidate(context.Context, uuid.UUID) error { return nil }

func copilotEnv(f *copilotFake) *testsuite.TestWorkflowEnvironment {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterActivity(&activities.Brief{Copilot: f, Generation: f})
	env.RegisterWorkflow(workflows.BriefGenerate)
	return env
}

// answer is what one Update got back.
type answer struct {
	rejected  error
	reply     activities.CopilotReply
	finished  workflows.CopilotFinished
	err       error
	completed bool
}

func send(env *testsuite.TestWorkflowEnvironment, at time.Duration, id string, msg activities.CopilotMessage, into *answer) {
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(workflows.UpdateCopilotMessage, id, &testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) { into.rejected = err },
			OnComplete: func(v any, err error) {
				into.completed, into.err = true, err
				if r, ok := v.(activities.CopilotReply); ok {
					into.reply = r
				}
			},
		}, msg)
	}, at)
}

func finishAt(env *testsuite.TestWorkflowEnvironment, at time.Duration, into *answer) {
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(workflows.UpdateCopilotFinish, "finish", &testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) { into.rejected = err },
			OnComplete: func(v any, err error) {
				into.completed, into.err = true, err
				if r, ok := v.(workflows.CopilotFinished); ok {
					into.finished = r
				}
			},
		})
	}, at)
}

func text(id, s string) activities.CopilotMessage {
	return activities.CopilotMessage{ClientMessageID: id, Text: s, Kind: "text"}
}

func session() workflows.CopilotSessionInput {
	return workflows.CopilotSessionInput{OrgID: testOrg, SessionID: testSession}
}

// TestTurnsRunAsLocalActivitiesWhenAsked: the rules engine's sessions run
// each turn inside the workflow task; the replies are the same.
func TestTurnsRunAsLocalActivitiesWhenAsked(t *testing.T) {
	f := newCopilotFake()
	env := copilotEnv(f)
	var local []string
	env.SetOnLocalActivityStartedListener(func(info *activity.Info, _ context.Context, _ []any) {
		local = append(local, info.ActivityType.Name)
	})
	var a1, a2, fin answer
	send(env, time.Minute, "c1", text("c1", "We're Rosa's Bakery."), &a1)
	send(env, 2*time.Minute, "c2", text("c2", "We bake bread."), &a2)
	finishAt(env, 3*time.Minute, &fin)
	in := session()
	in.LocalTurns = true
	env.ExecuteWorkflow(workflows.CopilotSession, in)
	res := result(t, env)
	if !a1.completed || !a2.completed || a2.reply.Turn != 2 || res.Turns != 2 {
		t.Fatalf("replies %+v %+v, result %+v", a1, a2, res)
	}
	if len(local) != 2 || local[0] != "CopilotReply" {
		t.Fatalf("local activities run: %v, want the two turns", local)
	}
}

func result(t *testing.T, env *testsuite.TestWorkflowEnvironment) workflows.CopilotFinished {
	t.Helper()
	if !env.IsWorkflowCompleted() {
		t.Fatal("workflow did not complete")
	}
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var res workflows.CopilotFinished
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	return res
}

func TestACopilotSessionRepliesToEachMessageAndFinishesIntoABrief(t *testing.T) {
	f := newCopilotFake()
	env := copilotEnv(f)
	var a1, a2, a3, retry, fin answer
	send(env, time.Minute, "c1", text("c1", "We're Rosa's Bakery in Lisbon."), &a1)
	send(env, 2*time.Minute, "c2", activities.CopilotMessage{ClientMessageID: "c2", Text: "um so we do sourdough", Kind: "voice_transcript"}, &a2)
	send(env, 3*time.Minute, "c3", text("c3", "Call us on +351 912 345 678."), &a3)
	// The same message again (a client retry under a new Update id): one turn.
	send(env, 4*time.Minute, "c3-retry", text("c3", "Call us on +351 912 345 678."), &retry)
	var state workflows.CopilotSessionState
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(workflows.QueryCopilotSession)
		if err != nil {
			t.Error(err)
			return
		}
		if err := v.Get(&state); err != nil {
			t.Error(err)
		}
	}, 5*time.Minute)
	finishAt(env, 6*time.Minute, &fin)
	env.ExecuteWorkflow(workflows.CopilotSession, session())

	res := result(t, env)
	for name, a := range map[string]answer{"c1": a1, "c2": a2, "c3": a3, "retry": retry} {
		if !a.completed || a.err != nil || a.rejected != nil || a.reply.MessageID == "" {
			t.Fatalf("%s: %+v", name, a)
		}
	}
	if retry.reply.MessageID != a3.reply.MessageID {
		t.Fatalf("a retried message got a new reply %s, want %s", retry.reply.MessageID, a3.reply.MessageID)
	}
	if state.Status != "open" || state.Turns != 3 || len(state.Missing) != 1 {
		t.Fatalf("state mid-session = %+v, want open after 3 turns with what is missing", state)
	}
	want := workflows.CopilotFinished{Status: "finished", Turns: 3, GenerationID: workflows.BriefGenerateWorkflowID(testOrg, testSession)}
	if res != want || fin.finished != want {
		t.Fatalf("result %+v, finish answered %+v, want %+v", res, fin.finished, want)
	}
	if len(f.closed) != 1 || f.closed[0] != "finished" {
		t.Fatalf("closed %v", f.closed)
	}
	if len(f.composed) != 1 || f.composed[0].SessionID != testSession || f.composed[0].Author != "copilot" || len(f.composed[0].Facts) != 1 {
		t.Fatalf("the generation composed %+v, want the session's facts once", f.composed)
	}
}

func TestTheValidatorRejectsBadMessagesBeforeAnyTurn(t *testing.T) {
	f := newCopilotFake()
	env := copilotEnv(f)
	bad := map[string]activities.CopilotMessage{
		"empty":        text("e", "   \n"),
		"too long":     text("l", strings.Repeat("a", workflows.MaxCopilotMessageBytes+1)),
		"NUL":          text("n", "a\x00b"),
		"unknown kind": {ClientMessageID: "k", Text: "hi", Kind: "email"},
		"no client id": {Text: "hi", Kind: "text"},
	}
	answers := map[string]*answer{}
	i := 0
	for name, msg := range bad {
		answers[name] = &answer{}
		i++
		send(env, time.Duration(i)*time.Minute, "bad-"+name, msg, answers[name])
	}
	var fin answer
	finishAt(env, time.Hour, &fin)
	env.ExecuteWorkflow(workflows.CopilotSession, session())
	res := result(t, env)
	for name, a := range answers {
		var appErr *temporal.ApplicationError
		if !errors.As(a.rejected, &appErr) || appErr.Type() != workflows.ErrMessageInvalid {
			t.Errorf("%s: rejected with %v, want a %s", name, a.rejected, workflows.ErrMessageInvalid)
		}
	}
	if f.calls != 0 || res.Turns != 0 || res.GenerationID != "" {
		t.Fatalf("rejected messages ran %d turns (result %+v)", f.calls, res)
	}
}

func TestAMessageAfterFinishIsRefusedAndOneWaitingIsAnswered(t *testing.T) {
	f := newCopilotFake()
	f.slow = 50 * time.Millisecond
	env := copilotEnv(f)
	var first, late, fin answer
	send(env, time.Minute, "c1", text("c1", "We fix bikes."), &first)
	// At the same moment, in this order: the finish waits for the turn
	// in flight; the message after it is refused.
	finishAt(env, time.Minute, &fin)
	send(env, time.Minute, "c2", text("c2", "Also scooters."), &late)
	env.ExecuteWorkflow(workflows.CopilotSession, session())
	res := result(t, env)
	if !first.completed || first.err != nil {
		t.Fatalf("the turn admitted before finish: %+v", first)
	}
	var appErr *temporal.ApplicationError
	if !errors.As(late.rejected, &appErr) || appErr.Type() != workflows.ErrSessionClosed {
		t.Fatalf("a message while finishing: %+v, want rejected as %s", late, workflows.ErrSessionClosed)
	}
	if res.Status != "finished" || res.Turns != 1 || f.calls != 1 {
		t.Fatalf("result %+v after %d turns", res, f.calls)
	}
}

func TestAnIdleSessionEndsItself(t *testing.T) {
	for _, tc := range []struct {
		name       string
		messages   int
		generation bool
	}{{"silent", 0, false}, {"after a message", 1, true}} {
		t.Run(tc.name, func(t *testing.T) {
			f := newCopilotFake()
			env := copilotEnv(f)
			var a answer
			if tc.messages > 0 {
				send(env, 6*24*time.Hour, "c1", text("c1", "We groom dogs."), &a)
			}
			start := env.Now()
			env.ExecuteWorkflow(workflows.CopilotSession, workflows.CopilotSessionInput{OrgID: testOrg, SessionID: testSession})
			res := result(t, env)
			if res.Status != "idle" || (res.GenerationID != "") != tc.generation || len(f.composed) != map[bool]int{true: 1}[tc.generation] {
				t.Fatalf("result %+v, composed %d", res, len(f.composed))
			}
			// The idle clock restarts with each message.
			wantEnd := workflows.DefaultCopilotIdle
			if tc.messages > 0 {
				wantEnd += 6 * 24 * time.Hour
			}
			if got := env.Now().Sub(start); got < wantEnd || got > wantEnd+time.Minute {
				t.Fatalf("ended after %v, want %v", got, wantEnd)
			}
		})
	}
}

func TestALongSessionContinuesAsNewWithoutLosingAnUpdate(t *testing.T) {
	f := newCopilotFake()
	env := copilotEnv(f)
	n := workflows.MaxTurnsPerRun + 1
	answers := make([]answer, n)
	for i := range n {
		// All at once: the last is admitted while the bound is reached.
		id := fmt.Sprintf("c%d", i)
		send(env, time.Minute, id, text(id, "message "+id), &answers[i])
	}
	env.ExecuteWorkflow(workflows.CopilotSession, session())
	if !env.IsWorkflowCompleted() {
		t.Fatal("workflow did not complete")
	}
	var can *workflow.ContinueAsNewError
	if !errors.As(env.GetWorkflowError(), &can) {
		t.Fatalf("error %v, want continue-as-new", env.GetWorkflowError())
	}
	for i, a := range answers {
		if !a.completed || a.err != nil || a.rejected != nil {
			t.Fatalf("update %d: %+v: lost at the continue-as-new", i, a)
		}
	}
	var next workflows.CopilotSessionInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	if next.State == nil || next.State.Turns != n || next.State.Status != "open" || next.SessionID != testSession {
		t.Fatalf("the next run starts from %+v, want %d turns, open", next.State, n)
	}
}
