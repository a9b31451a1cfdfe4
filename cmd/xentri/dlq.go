package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/spf13/cobra"

	"github.com/xentri/xentri/internal/db"
	itemporal "github.com/xentri/xentri/internal/temporal"
	"github.com/xentri/xentri/services/ops"
	"github.com/xentri/xentri/services/paging"
)

// newDLQCmd is the operator's command line for workflow dead letters: the
// same service and operator transaction (db.AsOperator) as
// /api/v1/system/dead-letters, reached with DATABASE_URL instead of the
// operator token.
func newDLQCmd(getenv func(string) string, stdout, stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dlq",
		Short: "List, show, re-drive and discard the dead letters of failed workflows (every org)",
		Long: `Workflows that failed for good leave a dead letter (see /api/v1/ops/dead-letters).
These commands act on every org's, as the platform operator. For the dead
letters of event consumers and the n8n bridge, see ` + "`xentri events dlq`.",
	}
	// asOperator opens the database (and Temporal, when needed) and runs fn
	// in one operator transaction.
	asOperator := func(ctx context.Context, withTemporal bool, fn func(ctx context.Context, svc *ops.Service, tx pgx.Tx) error) error {
		cfg, log, err := loadConfig(getenv, stderr)
		if err != nil {
			return err
		}
		d, err := db.Open(ctx, cfg.DatabaseURL, 1)
		if err != nil {
			return err
		}
		defer d.Close()
		svc := &ops.Service{WorkflowLink: workflowLink(cfg)}
		if withTemporal {
			c, err := itemporal.Dial(ctx, cfg.TemporalHostPort(), cfg.TemporalNamespace, log)
			if err != nil {
				return err
			}
			defer c.Close()
			svc.Temporal = c
		}
		return d.AsOperator(ctx, func(ctx context.Context, tx pgx.Tx) error { return fn(ctx, svc, tx) })
	}

	var org, status string
	var limit int
	var asJSON bool
	list := &cobra.Command{
		Use:   "list [--org ID] [--status open|redriven|discarded|all]",
		Short: "List dead letters, oldest first (open ones by default)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var orgID *uuid.UUID
			if org != "" {
				id, err := uuid.Parse(org)
				if err != nil {
					return fmt.Errorf("--org: %q is not an org id", org)
				}
				orgID = &id
			}
			var st *string
			switch {
			case status == "all":
			case ops.IsStatus(status):
				st = &status
			default:
				return fmt.Errorf("--status: %q is none of open, redriven, discarded, all", status)
			}
			if limit < 1 || limit > paging.MaxLimit {
				return fmt.Errorf("--limit: from 1 to %d", paging.MaxLimit)
			}
			var letters []ops.DeadLetter
			err := asOperator(cmd.Context(), false, func(ctx context.Context, svc *ops.Service, tx pgx.Tx) (err error) {
				letters, _, err = svc.OperatorList(ctx, tx, orgID, st, paging.Page{Limit: limit})
				return err
			})
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(stdout, letters)
			}
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			defer tw.Flush()
			fmt.Fprintln(tw, "ID\tFAILED AT\tORG\tWORKFLOW\tTYPE\tSTATUS\tATTEMPTS\tFAILURE")
			for _, l := range letters {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s: %s\n", l.ID, l.CreatedAt.UTC().Format("2006-01-02 15:04:05"), l.OrgID,
					l.WorkflowID, l.WorkflowType, l.Status, l.Attempts, l.FailureType, oneLine(l.FailureMessage))
			}
			return nil
		},
	}
	list.Flags().StringVar(&org, "org", "", "only this org id")
	list.Flags().StringVar(&status, "status", "open", "open, redriven, discarded or all")
	list.Flags().IntVar(&limit, "limit", 50, "at most this many")
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")

	// onLetter is a command on one dead letter, named by its id.
	onLetter := func(use, short string, do func(ctx context.Context, svc *ops.Service, tx pgx.Tx, id uuid.UUID) error) *cobra.Command {
		return &cobra.Command{
			Use: use, Short: short, Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				id, err := letterID(args[0])
				if err != nil {
					return err
				}
				return asOperator(cmd.Context(), false, func(ctx context.Context, svc *ops.Service, tx pgx.Tx) error {
					return do(ctx, svc, tx, id)
				})
			},
		}
	}
	show := onLetter("show ID", "Print one dead letter, with its input and failure, as JSON",
		func(ctx context.Context, svc *ops.Service, tx pgx.Tx, id uuid.UUID) error {
			l, err := svc.OperatorShow(ctx, tx, id)
			if err != nil {
				return err
			}
			return printJSON(stdout, l)
		})

	var input, inputFile string
	redrive := &cobra.Command{
		Use:   "redrive ID [--input JSON | --input-file FILE]",
		Short: "Start the workflow again under its id, with its input or an edited one",
		Long: `Start the failed workflow again under the same workflow id, with the stored
input or with --input (the workflow's arguments as a JSON array, e.g.
'[{"lead_id":"..."}]'); the new run is linked to the letter, which is
marked redriven. Fix the cause first (deploy the fix, restore the row).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := letterID(args[0])
			if err != nil {
				return err
			}
			raw := []byte(input)
			if inputFile != "" {
				if input != "" {
					return fmt.Errorf("give --input or --input-file, not both")
				}
				if raw, err = os.ReadFile(inputFile); err != nil {
					return err
				}
			}
			return asOperator(cmd.Context(), true, func(ctx context.Context, svc *ops.Service, tx pgx.Tx) error {
				l, err := svc.OperatorRedrive(ctx, tx, id, raw)
				if err != nil {
					return err
				}
				fmt.Fprintf(stdout, "re-drove %s: workflow %s, new run %s\n", l.ID, l.WorkflowID, *l.RedriveRunID)
				if l.TemporalUIURL != "" {
					fmt.Fprintf(stdout, "link: %s/%s\n", l.TemporalUIURL, *l.RedriveRunID)
				}
				return nil
			})
		},
	}
	redrive.Flags().StringVar(&input, "input", "", "the workflow's arguments as a JSON array (default: the stored input)")
	redrive.Flags().StringVar(&inputFile, "input-file", "", "read the arguments from this file")

	discard := onLetter("discard ID", "Close a dead letter without running it again",
		func(ctx context.Context, svc *ops.Service, tx pgx.Tx, id uuid.UUID) error {
			l, err := svc.OperatorDiscard(ctx, tx, id)
			if err == nil {
				fmt.Fprintf(stdout, "discarded %s (workflow %s)\n", l.ID, l.WorkflowID)
			}
			return err
		})
	cmd.AddCommand(list, show, redrive, discard)
	return cmd
}

func letterID(s string) (uuid.UUID, error) {
	id, err := uuid.Parse(s)
	if err != nil {
		return uuid.Nil, fmt.Errorf("%q is not a dead letter id", s)
	}
	return id, nil
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
