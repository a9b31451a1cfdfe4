package temporal_test

import (
	"context"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	itemporal "github.com/xentri/xentri/internal/temporal"
	"github.com/xentri/xentri/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestSearchAttributesAreRegisteredIdempotently(t *testing.T) {
	ctx := context.Background()
	c, err := itemporal.Dial(ctx, testenv.Temporal(t), "default", zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for range 2 {
		if err := itemporal.EnsureSearchAttributes(ctx, c, "default"); err != nil {
			t.Fatal(err)
		}
	}
	res, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range itemporal.SearchAttributes {
		if got := res.GetCustomAttributes()[k.GetName()]; got != k.GetValueType() {
			t.Errorf("search attribute %s = %v, want %v", k.GetName(), got, k.GetValueType())
		}
	}
}

func TestFindCLIExplainsWhatToDo(t *testing.T) {
	t.Parallel()
	_, err := itemporal.FindCLI("/nonexistent/temporal")
	if err == nil || !strings.Contains(err.Error(), "XENTRI_TEMPORAL_BIN") {
		t.Fatalf("FindCLI(missing) = %v, want it to name XENTRI_TEMPORAL_BIN", err)
	}
}

// TestAStartWithoutTheSearchAttributesIsRefused: the client refuses a start
// that lacks XentriOrgId, XentriKind or XentriEntityId, naming it; with all
// three the start goes through.
func TestAStartWithoutTheSearchAttributesIsRefused(t *testing.T) {
	ctx := context.Background()
	c, err := itemporal.Dial(ctx, testenv.Temporal(t), "default", zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, missing := range []string{"XentriOrgId", "XentriKind", "XentriEntityId"} {
		attrs := map[string]string{"XentriOrgId": "org-1", "XentriKind": "lead", "XentriEntityId": "lead-1"}
		delete(attrs, missing)
		var updates []temporal.SearchAttributeUpdate
		for k, v := range attrs {
			updates = append(updates, temporal.NewSearchAttributeKeyKeyword(k).ValueSet(v))
		}
		_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "refused-" + missing, TaskQueue: "nobody-polls",
			TypedSearchAttributes: temporal.NewSearchAttributes(updates...)}, "SomeWorkflow")
		if err == nil || !strings.Contains(err.Error(), missing) {
			t.Errorf("without %s: %v, want a refusal naming it", missing, err)
		}
		if _, err := c.DescribeWorkflow(ctx, "refused-"+missing, ""); err == nil {
			t.Errorf("without %s the workflow was started anyway", missing)
		}
	}
	id := "accepted-" + t.Name()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: "nobody-polls",
		TypedSearchAttributes: itemporal.Attributes("org-1", "lead", "lead-1")}, "SomeWorkflow")
	if err != nil {
		t.Fatalf("with the three attributes: %v", err)
	}
	_ = c.TerminateWorkflow(ctx, id, run.GetRunID(), "test done")
}
