package temporal_test

import (
	"context"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"go.temporal.io/api/operatorservice/v1"

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
