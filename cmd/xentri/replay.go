package main

import (
	"context"
	"fmt"
	"io"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/spf13/cobra"

	itemporal "github.com/xentri/xentri/internal/temporal"
	"github.com/xentri/xentri/worker"
)

func newReplayCmd(getenv func(string) string, stdout, stderr io.Writer) *cobra.Command {
	var workflowID, runID string
	cmd := &cobra.Command{
		Use:   "replay --workflow-id ID [--run-id ID]",
		Short: "Replay a workflow's history from Temporal against this binary's workflow code",
		Long: `Download a workflow's history from TEMPORAL_ADDRESS and replay it against the
workflow code of this binary. A change that is not deterministic with respect
to the history (an activity added, removed or reordered without
workflow.GetVersion) is reported with the event where the replay diverged.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, log, err := loadConfig(getenv, stderr)
			if err != nil {
				return err
			}
			c, err := itemporal.Dial(cmd.Context(), cfg.TemporalHostPort(), cfg.TemporalNamespace, log)
			if err != nil {
				return err
			}
			defer c.Close()
			history, err := downloadHistory(cmd.Context(), c, workflowID, runID)
			if err != nil {
				return err
			}
			replayer := sdkworker.NewWorkflowReplayer()
			for _, wf := range worker.Workflows() {
				replayer.RegisterWorkflow(wf)
			}
			if err := replayer.ReplayWorkflowHistory(nil, history); err != nil {
				return fmt.Errorf("replay of %s diverges from this code: %w", workflowID, err)
			}
			fmt.Fprintf(stdout, "replayed %s (%d events): deterministic with this code\n", workflowID, len(history.Events))
			return nil
		},
	}
	cmd.Flags().StringVar(&workflowID, "workflow-id", "", "the workflow id (required)")
	cmd.Flags().StringVar(&runID, "run-id", "", "the run (default: the latest)")
	_ = cmd.MarkFlagRequired("workflow-id")
	return cmd
}

func downloadHistory(ctx context.Context, c client.Client, workflowID, runID string) (*historypb.History, error) {
	it := c.GetWorkflowHistory(ctx, workflowID, runID, false, 0)
	h := &historypb.History{}
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("history of %s: %w", workflowID, err)
		}
		h.Events = append(h.Events, ev)
	}
	return h, nil
}
