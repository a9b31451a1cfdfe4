package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"

	"github.com/xentri/xentri/contracts"
	"github.com/xentri/xentri/internal/cache"
	"github.com/xentri/xentri/internal/db"
	"github.com/xentri/xentri/internal/db/dbsqlc"
	"github.com/xentri/xentri/internal/events"
	"github.com/xentri/xentri/internal/events/stream"
	"github.com/xentri/xentri/internal/n8n"
	"github.com/xentri/xentri/internal/platform/config"
)

func newEventsCmd(getenv func(string) string, stdout, stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "events",
		Short: "Watch the event streams and manage their dead letters",
	}
	redisOf := func() (config.Config, *redis.Client, error) {
		cfg, _, err := loadConfig(getenv, stderr)
		if err != nil {
			return cfg, nil, err
		}
		rdb, err := cache.Connect(cfg.RedisURL)
		return cfg, rdb, err
	}

	var typePattern, org string
	var asJSON bool
	tail := &cobra.Command{
		Use:   "tail",
		Short: "Print events as they reach the stream",
		Long: `Print events as they reach xentri:events (every partition), one line each,
or the whole envelope with --json. --type takes a pattern such as xentri.lead.*`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, rdb, err := redisOf()
			if err != nil {
				return err
			}
			defer rdb.Close()
			if typePattern == "" {
				typePattern = "*"
			}
			if err := n8n.ValidatePattern(typePattern); err != nil {
				return fmt.Errorf("--type: %w", err)
			}
			filter := n8n.Subscription{Pattern: typePattern, OrgID: org}
			ctx, stop := withSignals(cmd.Context())
			defer stop()
			return tailEvents(ctx, rdb, events.Streams(events.StreamBase, cfg.StreamPartitions), filter, asJSON, stdout)
		},
	}
	tail.Flags().StringVar(&typePattern, "type", "", "event type pattern, e.g. xentri.lead.* (default: all)")
	tail.Flags().StringVar(&org, "org", "", "only this org id")
	tail.Flags().BoolVar(&asJSON, "json", false, "print each envelope as JSON")

	var dlqStream string
	var count int64
	dlq := &cobra.Command{Use: "dlq", Short: "List and re-drive dead letters (xentri:dlq of the consumer groups, n8n:dlq of the n8n bridge)"}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the dead letters, oldest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, rdb, err := redisOf()
			if err != nil {
				return err
			}
			defer rdb.Close()
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			defer tw.Flush()
			if dlqStream == n8n.DefaultDeadLetter {
				msgs, err := rdb.XRangeN(cmd.Context(), dlqStream, "-", "+", max(count, 1)).Result()
				if err != nil {
					return err
				}
				fmt.Fprintln(tw, "ENTRY\tFAILED AT\tEVENT TYPE\tORG\tSUBSCRIPTION\tSTATUS\tATTEMPTS\tERROR")
				for _, m := range msgs {
					d, err := n8n.ParseDeadLetter(m)
					if err != nil {
						fmt.Fprintf(tw, "%s\t(unreadable: %v)\n", m.ID, err)
						continue
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\n", d.EntryID, d.FailedAt.Format(time.RFC3339), d.EventType, d.OrgID, d.SubscriptionID, d.Status, d.Attempts, oneLine(d.Error))
				}
				return nil
			}
			letters, err := stream.ListDeadLetters(cmd.Context(), rdb, dlqStream, count)
			if err != nil {
				return err
			}
			fmt.Fprintln(tw, "ENTRY\tFAILED AT\tEVENT TYPE\tORG\tGROUP\tATTEMPTS\tREASON")
			for _, d := range letters {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", d.ID, d.FailedAt.Format(time.RFC3339), d.EventType, d.OrgID, d.Group, d.Attempts, oneLine(d.Reason))
			}
			return nil
		},
	}
	redrive := &cobra.Command{
		Use:   "redrive ENTRY",
		Short: "Put a dead letter back: onto its stream (xentri:dlq), or deliver it again (n8n:dlq)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, rdb, err := redisOf()
			if err != nil {
				return err
			}
			defer rdb.Close()
			if dlqStream != n8n.DefaultDeadLetter {
				if err := stream.Redrive(cmd.Context(), rdb, dlqStream, args[0]); err != nil {
					return err
				}
				fmt.Fprintf(stdout, "re-driven %s onto its stream\n", args[0])
				return nil
			}
			return redriveN8N(cmd.Context(), cfg, rdb, args[0], stdout)
		},
	}
	dlq.PersistentFlags().StringVar(&dlqStream, "stream", stream.DefaultDeadLetter, "dead letter stream: "+stream.DefaultDeadLetter+" or "+n8n.DefaultDeadLetter)
	list.Flags().Int64Var(&count, "count", 100, "how many to list")
	dlq.AddCommand(list, redrive)
	cmd.AddCommand(tail, dlq)
	return cmd
}

// tailEvents prints new entries of streams until ctx ends.
func tailEvents(ctx context.Context, rdb *redis.Client, streams []string, filter n8n.Subscription, asJSON bool, out io.Writer) error {
	args := &redis.XReadArgs{Block: time.Second, Count: 100}
	ids := map[string]string{}
	for _, s := range streams {
		ids[s] = "$"
	}
	for ctx.Err() == nil {
		args.Streams = append(args.Streams[:0], streams...)
		for _, s := range streams {
			args.Streams = append(args.Streams, ids[s])
		}
		res, err := rdb.XRead(ctx, args).Result()
		if errors.Is(err, redis.Nil) || ctx.Err() != nil {
			continue
		}
		if err != nil {
			return err
		}
		for _, st := range res {
			for _, m := range st.Messages {
				ids[st.Stream] = m.ID
				raw, _ := m.Values[contracts.FieldEnvelope].(string)
				var e contracts.Envelope
				if json.Unmarshal([]byte(raw), &e) != nil || !filter.Matches(e) {
					continue
				}
				if asJSON {
					fmt.Fprintln(out, raw)
					continue
				}
				fmt.Fprintf(out, "%s  %-32s  org %s  %s:%s  %s\n", e.OccurredAt.Format(time.RFC3339), e.Type, e.OrgID, e.Actor.Type, e.Actor.ID, e.ID)
			}
		}
	}
	return nil
}

// redriveN8N delivers an n8n dead letter again to its subscription, found
// in XENTRI_N8N_SUBSCRIPTIONS or in the org's own.
func redriveN8N(ctx context.Context, cfg config.Config, rdb *redis.Client, entryID string, out io.Writer) error {
	if cfg.N8NSecret == "" {
		return errors.New("XENTRI_N8N_SECRET is not set: deliveries cannot be signed")
	}
	msgs, err := rdb.XRangeN(ctx, n8n.DefaultDeadLetter, entryID, entryID, 1).Result()
	if err != nil || len(msgs) == 0 {
		return fmt.Errorf("no dead letter %s in %s", entryID, n8n.DefaultDeadLetter)
	}
	letter, err := n8n.ParseDeadLetter(msgs[0])
	if err != nil {
		return err
	}
	sub, err := findSubscription(ctx, cfg, letter)
	if err != nil {
		return err
	}
	signer, err := n8n.NewSigner([]byte(cfg.N8NSecret))
	if err != nil {
		return err
	}
	d := n8n.NewDeliverer(n8n.DelivererConfig{Signer: signer, Redis: rdb, Allow: cfg.OutboundAllowed()})
	if err := n8n.RedriveDeadLetter(ctx, rdb, n8n.DefaultDeadLetter, entryID, d, sub); err != nil {
		return err
	}
	fmt.Fprintf(out, "delivered %s to %s\n", letter.EventID, letter.URL)
	return nil
}

func findSubscription(ctx context.Context, cfg config.Config, letter n8n.DeadLetter) (n8n.Subscription, error) {
	static, err := n8n.ParseSubscriptions(cfg.N8NSubscriptions)
	if err != nil {
		return n8n.Subscription{}, err
	}
	for _, s := range static {
		if s.ID == letter.SubscriptionID {
			return s, nil
		}
	}
	id, err1 := uuid.Parse(letter.SubscriptionID)
	org, err2 := uuid.Parse(letter.OrgID)
	if err1 != nil || err2 != nil {
		return n8n.Subscription{}, fmt.Errorf("subscription %s no longer exists", letter.SubscriptionID)
	}
	d, err := db.Open(ctx, cfg.DatabaseURL, 1)
	if err != nil {
		return n8n.Subscription{}, err
	}
	defer d.Close()
	var sub n8n.Subscription
	err = d.InTenant(ctx, org, func(ctx context.Context, tx pgx.Tx) error {
		row, err := dbsqlc.New(tx).GetN8NSubscription(ctx, dbsqlc.GetN8NSubscriptionParams{OrgID: org, ID: id})
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("subscription %s no longer exists", id)
		}
		sub = n8n.Subscription{ID: row.ID.String(), OrgID: row.OrgID.String(), Pattern: row.Pattern, URL: row.Url}
		return err
	})
	return sub, err
}

func oneLine(s string) string {
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	for i := range len(s) {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}
