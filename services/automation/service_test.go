package automation_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	itemporal "github.com/xentri/xentri/internal/temporal"
	"github.com/xentri/xentri/internal/testenv"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/automation"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// greetInput is what the test workflow takes: the schema below allows name
// and greeting; org_id is set by WithOrg, never by the caller.
type greetInput struct {
	OrgID    string `json:"org_id"`
	Name     string `json:"name"`
	Greeting string `json:"greeting,omitempty"`
}

type greeting struct {
	OrgID string `json:"org_id"`
	Text  string `json:"text"`
}

const greetSchema = `{
  "type": "object",
  "properties": {
    "name": {"type": "string", "minLength": 1, "maxLength": 50},
    "greeting": {"type": "string", "enum": ["hello", "hi"]}
  },
  "required": ["name"],
  "additionalProperties": false
}`

// Greet ends at once, or fails for the name "fail", so a run's result and
// failure both have something to report.
func Greet(ctx workflow.Context, in greetInput) (greeting, error) {
	if in.Name == "fail" {
		return greeting{}, fmt.Errorf("no greeting for %s", in.Name)
	}
	g := in.Greeting
	if g == "" {
		g = "hello"
	}
	return greeting{OrgID: in.OrgID, Text: g + " " + in.Name}, nil
}

// testBundle is what an automation test works with besides the service.
type testBundle struct {
	org uuid.UUID
	c   client.Client
}

// setup returns the service over the shared Temporal dev server, with Greet
// registered and a worker on a task queue of the test's own.
func setup(t *testing.T) (*automation.Service, *testBundle) {
	t.Helper()
	c, err := itemporal.Dial(context.Background(), testenv.Temporal(t), "default", zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	queue := "automation-test-" + uuid.NewString()
	w := worker.New(c, queue, worker.Options{})
	w.RegisterWorkflow(Greet)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	reg := automation.NewRegistry()
	if err := automation.Register(reg, "greet", greetSchema, Greet, automation.WithOrg()); err != nil {
		t.Fatal(err)
	}
	svc := &automation.Service{Registry: reg, Temporal: c, TaskQueue: queue,
		WorkflowLink: func(id string) string { return "http://temporal.test/" + id }}
	return svc, &testBundle{org: uuid.Must(uuid.NewV7()), c: c}
}

// waitClosed waits for the run to end, as a caller polling Status would.
func waitClosed(t *testing.T, svc *automation.Service, org uuid.UUID, id string) automation.Status {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, err := svc.Status(context.Background(), org, id)
		if err != nil {
			t.Fatal(err)
		}
		if st.ClosedAt != nil {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still %s after 30 s", id, st.Status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func wantCode(t *testing.T, err error, code services.Code, what string) {
	t.Helper()
	if got := services.ErrorCode(err); got != code {
		t.Fatalf("%s: error %v (code %q), want %q", what, err, got, code)
	}
}

func TestARunStartsOnceAndReportsToItsOrgOnly(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	ctx := context.Background()

	// The caller's org_id would not fit the schema; WithOrg sets the org.
	run, err := svc.Start(ctx, b.org, "greet", json.RawMessage(`{"name":"Ada","greeting":"hi"}`), "key-1")
	if err != nil {
		t.Fatal(err)
	}
	if want := "hook/greet/" + b.org.String() + "/key-1"; run.WorkflowID != want || run.RunID == "" {
		t.Fatalf("run = %+v, want id %s and a run id", run, want)
	}
	if run.StatusURL != "/api/v1/workflows/"+run.WorkflowID || run.TemporalUIURL != "http://temporal.test/"+run.WorkflowID+"/"+run.RunID {
		t.Fatalf("links = %+v", run)
	}

	st := waitClosed(t, svc, b.org, run.WorkflowID)
	var got greeting
	if err := json.Unmarshal(st.Result, &got); err != nil {
		t.Fatalf("result %s: %v", st.Result, err)
	}
	if st.Status != "COMPLETED" || st.Type != "Greet" || got != (greeting{OrgID: b.org.String(), Text: "hi Ada"}) {
		t.Fatalf("status = %+v, result %+v", st, got)
	}

	// A retry with the same key, after the run ended, answers with that run.
	again, err := svc.Start(ctx, b.org, "greet", json.RawMessage(`{"name":"Ada","greeting":"hi"}`), "key-1")
	if err != nil {
		t.Fatal(err)
	}
	if again.RunID != run.RunID {
		t.Fatalf("a retry started run %s, want the first run %s", again.RunID, run.RunID)
	}

	// Another org is told there is no such workflow, as for an id that
	// never existed: the answer does not say which ids exist.
	_, err = svc.Status(ctx, uuid.Must(uuid.NewV7()), run.WorkflowID)
	wantCode(t, err, services.NotFound, "another org's run")
	_, err = svc.Status(ctx, b.org, "hook/greet/never-started")
	wantCode(t, err, services.NotFound, "a run that never was")
}

func TestAFailedRunReportsItsFailure(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	run, err := svc.Start(context.Background(), b.org, "greet", json.RawMessage(`{"name":"fail"}`), "")
	if err != nil {
		t.Fatal(err)
	}
	st := waitClosed(t, svc, b.org, run.WorkflowID)
	if st.Status != "FAILED" || !strings.Contains(st.Failure, "no greeting for fail") || strings.Contains(st.Failure, "\n") {
		t.Fatalf("status = %+v, want FAILED with the failure on one line", st)
	}
}

func TestInputOutsideTheSchemaStartsNothing(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	ctx := context.Background()
	for name, input := range map[string]string{
		"not JSON":          `{"name":`,
		"missing name":      `{}`,
		"wrong type":        `{"name": 7}`,
		"unknown field":     `{"name": "Ada", "extra": true}`,
		"the caller's org":  `{"name": "Ada", "org_id": "` + uuid.NewString() + `"}`,
		"outside the enum":  `{"name": "Ada", "greeting": "yo"}`,
		"an array":          `[]`,
		"a long name":       `{"name": "` + strings.Repeat("x", 51) + `"}`,
		"a NUL in the name": `{"name": "A\u0000da", "greeting": 1}`,
	} {
		key := "bad-" + strings.ReplaceAll(name, " ", "-")
		_, err := svc.Start(ctx, b.org, "greet", json.RawMessage(input), key)
		wantCode(t, err, services.Invalid, name)
		var se *services.Error
		if !errors.As(err, &se) || se.Fields["input"] == "" {
			t.Errorf("%s: %v names no input field", name, err)
		}
		// Nothing started under the key.
		if _, err := b.c.DescribeWorkflow(ctx, "hook/greet/"+b.org.String()+"/"+key, ""); err == nil {
			t.Errorf("%s: a run was started", name)
		}
	}

	_, err := svc.Start(ctx, b.org, "no-such-workflow", json.RawMessage(`{}`), "")
	wantCode(t, err, services.NotFound, "an unregistered name")
	if !strings.Contains(err.Error(), "registered: greet") {
		t.Fatalf("%v does not list what is registered", err)
	}
}

func TestWithoutTemporalTheServiceSaysSo(t *testing.T) {
	t.Parallel()
	reg := automation.NewRegistry()
	if err := automation.Register(reg, "greet", greetSchema, Greet); err != nil {
		t.Fatal(err)
	}
	svc := &automation.Service{Registry: reg}
	_, err := svc.Start(context.Background(), uuid.New(), "greet", json.RawMessage(`{"name":"Ada"}`), "")
	wantCode(t, err, services.Unavailable, "start without Temporal")
	_, err = svc.Status(context.Background(), uuid.New(), "hook/greet/x")
	wantCode(t, err, services.Unavailable, "status without Temporal")
}

func TestARegistrationMistakeIsCaughtAtStartup(t *testing.T) {
	t.Parallel()
	reg := automation.NewRegistry()
	if err := automation.Register(reg, "greet", greetSchema, Greet); err != nil {
		t.Fatal(err)
	}
	if err := automation.Register(reg, "greet", greetSchema, Greet); err == nil {
		t.Fatal("a name registered twice was accepted")
	}
	if err := automation.Register(reg, "broken", `{"type": `, Greet); err == nil {
		t.Fatal("a schema that is not JSON was accepted")
	}
	if err := automation.Register(reg, "odd", `{"type": "no-such-type"}`, Greet); err == nil {
		t.Fatal("a schema that does not compile was accepted")
	}
	if got := reg.Names(); len(got) != 1 || got[0] != "greet" {
		t.Fatalf("Names() = %v, want only greet", got)
	}
}
