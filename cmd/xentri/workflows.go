package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"
	"github.com/spf13/cobra"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/xentri/xentri/internal/platform/config"
	itemporal "github.com/xentri/xentri/internal/temporal"
)

// The named targets of `xentri workflows reset --to`; anything else must be
// an event id.
const (
	toLastWorkflowTask  = "last-workflow-task"
	toFirstWorkflowTask = "first-workflow-task"
)

func newWorkflowsCmd(getenv func(string) string, stdout, stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "workflows",
		Short: "Inspect a workflow run and reset it to an earlier workflow task",
		Long: `Tools for engineers re-driving workflow runs on TEMPORAL_ADDRESS.

` + "`show`" + ` describes a run and lists the events ` + "`reset`" + ` can go back to; ` + "`reset`" + `
starts a new run from the history up to one of them, so the workflow carries
on from there with the current workflow code (a fixed bug, a repaired
dependency) instead of starting over.`,
	}
	cmd.AddCommand(newWorkflowsShowCmd(getenv, stdout, stderr), newWorkflowsResetCmd(getenv, stdout, stderr))
	return cmd
}

func newWorkflowsShowCmd(getenv func(string) string, stdout, stderr io.Writer) *cobra.Command {
	var workflowID, runID string
	cmd := &cobra.Command{
		Use:   "show --workflow-id ID [--run-id ID]",
		Short: "Describe a workflow run and list the events reset can go back to",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, c, err := dialTemporal(cmd.Context(), getenv, stderr)
			if err != nil {
				return err
			}
			defer c.Close()
			desc, err := describeRun(cmd.Context(), c, cfg.TemporalNamespace, workflowID, runID)
			if err != nil {
				return err
			}
			// The run id from the description, not the flag: without
			// --run-id the history must be that of the run just described.
			run := desc.WorkflowExecution.RunID
			history, err := downloadHistory(cmd.Context(), c, workflowID, run)
			if err != nil {
				return err
			}
			printRun(stdout, desc, resetPoints(history), workflowLink(cfg))
			return nil
		},
	}
	cmd.Flags().StringVar(&workflowID, "workflow-id", "", "the workflow id (required)")
	cmd.Flags().StringVar(&runID, "run-id", "", "the run (default: the latest)")
	_ = cmd.MarkFlagRequired("workflow-id")
	return cmd
}

func newWorkflowsResetCmd(getenv func(string) string, stdout, stderr io.Writer) *cobra.Command {
	var workflowID, runID, to, reason string
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "reset --workflow-id ID [--run-id ID] [--to last-workflow-task|first-workflow-task|EVENT_ID] --reason TEXT [--dry-run]",
		Short: "Reset a workflow run to one of its workflow tasks, so its history carries on in a new run",
		Long: `Reset a run (default: the latest) to the end of one of its workflow tasks:
Temporal starts a new run whose history is the old one up to that point, and
the workflow carries on from there with this deployment's code. A running
old run is terminated. Signals and updates the old run received after the
point are applied to the new run again.

--to picks the point: last-workflow-task (the default), first-workflow-task,
or the id of a WorkflowTaskCompleted, WorkflowTaskFailed or
WorkflowTaskTimedOut event (` + "`xentri workflows show`" + ` lists them).
--reason is recorded in the new run's history. --dry-run only says which event
the reset would go to.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			reason = strings.TrimSpace(reason)
			if reason == "" && !dryRun {
				return errors.New("--reason is required: say why the run is reset (it is recorded in the history)")
			}
			// A mistyped --to is said before Temporal is asked anything.
			if to != toLastWorkflowTask && to != toFirstWorkflowTask {
				if _, err := parseEventID(to); err != nil {
					return err
				}
			}
			ctx := cmd.Context()
			cfg, c, err := dialTemporal(ctx, getenv, stderr)
			if err != nil {
				return err
			}
			defer c.Close()
			desc, err := describeRun(ctx, c, cfg.TemporalNamespace, workflowID, runID)
			if err != nil {
				return err
			}
			// Pin the run: without --run-id, a reset by someone else between
			// reading the history and resetting would otherwise make us reset
			// a different run to an event id of this one.
			run := desc.WorkflowExecution.RunID
			history, err := downloadHistory(ctx, c, workflowID, run)
			if err != nil {
				return err
			}
			point, err := chooseResetPoint(resetPoints(history), to)
			if err != nil {
				return fmt.Errorf("workflow %s run %s: %w", workflowID, run, err)
			}
			lastEvent := history.Events[len(history.Events)-1].GetEventId()
			if dryRun {
				fmt.Fprintf(stdout, "dry run: would reset workflow %s run %s to event %d (%s at %s); the %d events after it would be dropped from the new run's history\n",
					workflowID, run, point.eventID, point.eventType, point.at.Format(time.RFC3339), lastEvent-point.eventID)
				return nil
			}
			res, err := c.ResetWorkflowExecution(ctx, &workflowservice.ResetWorkflowExecutionRequest{
				Namespace:                 cfg.TemporalNamespace,
				WorkflowExecution:         desc.RawResponse.GetWorkflowExecutionInfo().GetExecution(),
				Reason:                    reason,
				WorkflowTaskFinishEventId: point.eventID,
				// Temporal de-duplicates resets by request id: however often
				// this call is retried, the run is reset once.
				RequestId: uuid.NewString(),
				Identity:  cliIdentity(),
			})
			if err != nil {
				return fmt.Errorf("reset workflow %s run %s to event %d: %w", workflowID, run, point.eventID, err)
			}
			fmt.Fprintf(stdout, "reset workflow %s run %s to event %d (%s)\n", workflowID, run, point.eventID, point.eventType)
			fmt.Fprintf(stdout, "new run id: %s\n", res.GetRunId())
			if link := workflowLink(cfg); link != nil {
				fmt.Fprintf(stdout, "link: %s/%s\n", link(workflowID), res.GetRunId())
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&workflowID, "workflow-id", "", "the workflow id (required)")
	cmd.Flags().StringVar(&runID, "run-id", "", "the run to reset (default: the latest)")
	cmd.Flags().StringVar(&to, "to", toLastWorkflowTask, "where to reset to: "+toLastWorkflowTask+", "+toFirstWorkflowTask+" or an event id")
	cmd.Flags().StringVar(&reason, "reason", "", "why, recorded in the history (required unless --dry-run)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "say which event the reset would go to, and stop")
	_ = cmd.MarkFlagRequired("workflow-id")
	return cmd
}

// dialTemporal loads the configuration and connects to Temporal.
func dialTemporal(ctx context.Context, getenv func(string) string, stderr io.Writer) (config.Config, client.Client, error) {
	cfg, log, err := loadConfig(getenv, stderr)
	if err != nil {
		return cfg, nil, err
	}
	c, err := itemporal.Dial(ctx, cfg.TemporalHostPort(), cfg.TemporalNamespace, log)
	return cfg, c, err
}

// describeRun describes a run, or the latest run when runID is empty. A
// workflow or run Temporal does not know is said in one line.
func describeRun(ctx context.Context, c client.Client, namespace, workflowID, runID string) (*client.WorkflowExecutionDescription, error) {
	desc, err := c.DescribeWorkflow(ctx, workflowID, runID)
	var notFound *serviceerror.NotFound
	switch {
	case errors.As(err, &notFound) && runID != "":
		return nil, fmt.Errorf("no run %s of workflow %q in namespace %s", runID, workflowID, namespace)
	case errors.As(err, &notFound):
		return nil, fmt.Errorf("no workflow %q in namespace %s", workflowID, namespace)
	case err != nil:
		return nil, fmt.Errorf("describe workflow %s: %w", workflowID, err)
	}
	return desc, nil
}

// resetPoint is an event a reset can go to: the end of a workflow task.
type resetPoint struct {
	eventID   int64
	eventType enumspb.EventType
	at        time.Time
}

// resetPoints lists, in history order, the events Temporal accepts as
// WorkflowTaskFinishEventId.
func resetPoints(h *historypb.History) []resetPoint {
	var points []resetPoint
	for _, e := range h.GetEvents() {
		switch e.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, enumspb.EVENT_TYPE_WORKFLOW_TASK_FAILED, enumspb.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
			points = append(points, resetPoint{eventID: e.GetEventId(), eventType: e.GetEventType(), at: e.GetEventTime().AsTime()})
		}
	}
	return points
}

// chooseResetPoint finds the point --to names. first/last count only
// completed workflow tasks: a task that failed or timed out made no
// decisions worth keeping, so the workflow would simply fail it again.
func chooseResetPoint(points []resetPoint, to string) (resetPoint, error) {
	var completed []resetPoint
	for _, p := range points {
		if p.eventType == enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED {
			completed = append(completed, p)
		}
	}
	switch to {
	case toLastWorkflowTask, toFirstWorkflowTask:
		if len(completed) == 0 {
			if len(points) == 0 {
				return resetPoint{}, errors.New("no workflow task has ended yet, so there is nothing to reset to")
			}
			return resetPoint{}, fmt.Errorf("no workflow task completed, so there is no %s; --to can be one of the events %s", to, formatPoints(points))
		}
		if to == toFirstWorkflowTask {
			return completed[0], nil
		}
		return completed[len(completed)-1], nil
	}
	id, err := parseEventID(to)
	if err != nil {
		return resetPoint{}, err
	}
	if i := slices.IndexFunc(points, func(p resetPoint) bool { return p.eventID == id }); i >= 0 {
		return points[i], nil
	}
	if len(points) == 0 {
		return resetPoint{}, fmt.Errorf("--to %d: no workflow task has ended yet, so there is nothing to reset to", id)
	}
	return resetPoint{}, fmt.Errorf("--to %d is not the end of a workflow task; reset can go to the events %s", id, formatPoints(points))
}

// parseEventID reads the event id of --to.
func parseEventID(to string) (int64, error) {
	id, err := strconv.ParseInt(to, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("--to %q: want %s, %s or an event id", to, toLastWorkflowTask, toFirstWorkflowTask)
	}
	return id, nil
}

// formatPoints lists event ids, naming the type of those that are not the
// common WorkflowTaskCompleted: "4, 10, 16 (WorkflowTaskFailed), 19".
func formatPoints(points []resetPoint) string {
	ids := make([]string, len(points))
	for i, p := range points {
		ids[i] = strconv.FormatInt(p.eventID, 10)
		if p.eventType != enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED {
			ids[i] += " (" + p.eventType.String() + ")"
		}
	}
	return strings.Join(ids, ", ")
}

// printRun writes what `workflows show` shows: the run, its search
// attributes, and the points a reset can go to.
func printRun(out io.Writer, d *client.WorkflowExecutionDescription, points []resetPoint, link func(string) string) {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	defer tw.Flush()
	fmt.Fprintf(tw, "workflow id\t%s\n", d.WorkflowExecution.ID)
	fmt.Fprintf(tw, "run id\t%s\n", d.WorkflowExecution.RunID)
	fmt.Fprintf(tw, "type\t%s\n", d.WorkflowType.Name)
	fmt.Fprintf(tw, "status\t%s\n", d.Status)
	fmt.Fprintf(tw, "task queue\t%s\n", d.TaskQueueName)
	fmt.Fprintf(tw, "started\t%s\n", d.WorkflowStartTime.Format(time.RFC3339))
	if d.WorkflowCloseTime != nil {
		fmt.Fprintf(tw, "closed\t%s\n", d.WorkflowCloseTime.Format(time.RFC3339))
	}
	fmt.Fprintf(tw, "history\t%d events\n", d.HistoryLength)
	// A run that was reset says where its history went on; one that is the
	// product of a reset says when.
	ext := d.RawResponse.GetWorkflowExtendedInfo()
	if ext.GetResetRunId() != "" {
		fmt.Fprintf(tw, "reset to run\t%s\n", ext.GetResetRunId())
	}
	if ext.GetLastResetTime() != nil {
		fmt.Fprintf(tw, "last reset\t%s\n", ext.GetLastResetTime().AsTime().Format(time.RFC3339))
	}
	if link != nil {
		fmt.Fprintf(tw, "link\t%s/%s\n", link(d.WorkflowExecution.ID), d.WorkflowExecution.RunID)
	}

	attrs := d.TypedSearchAttributes.GetUntypedValues()
	names := make([]string, 0, len(attrs))
	values := make(map[string]any, len(attrs))
	for k, v := range attrs {
		names = append(names, k.GetName())
		values[k.GetName()] = v
	}
	slices.Sort(names)
	fmt.Fprintln(tw, "\nsearch attributes:")
	if len(names) == 0 {
		fmt.Fprintln(tw, "  (none)")
	}
	for _, n := range names {
		fmt.Fprintf(tw, "  %s\t%v\n", n, values[n])
	}

	fmt.Fprintln(tw, "\nreset points (xentri workflows reset --to EVENT_ID):")
	if len(points) == 0 {
		fmt.Fprintln(tw, "  (none: no workflow task has ended yet)")
		return
	}
	fmt.Fprintln(tw, "  EVENT ID\tTYPE\tAT")
	// With no completed task these are zero, and no event is labelled.
	first, _ := chooseResetPoint(points, toFirstWorkflowTask)
	last, _ := chooseResetPoint(points, toLastWorkflowTask)
	for _, p := range points {
		var labels []string
		if p.eventID == first.eventID {
			labels = append(labels, toFirstWorkflowTask)
		}
		if p.eventID == last.eventID {
			labels = append(labels, toLastWorkflowTask)
		}
		row := fmt.Sprintf("  %d\t%s\t%s", p.eventID, p.eventType, p.at.Format(time.RFC3339))
		if len(labels) > 0 {
			row += "\t" + strings.Join(labels, ", ")
		}
		fmt.Fprintln(tw, row)
	}
}

// cliIdentity names who reset, for the history: the person at the keyboard
// and their machine, as Temporal's own CLI does.
func cliIdentity() string {
	host, _ := os.Hostname()
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return fmt.Sprintf("xentri-cli:%s@%s", name, host)
}
