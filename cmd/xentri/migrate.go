package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/xentri/xentri/internal/db"
)

func newMigrateCmd(getenv func(string) string, stdout, stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Manage the database schema (as the owner role in DATABASE_MIGRATE_URL)",
		Long: `Apply, list or roll back the SQL migrations embedded in this binary. They run
as the owner role of DATABASE_MIGRATE_URL (default: DATABASE_URL); concurrent
runs wait for each other on a Postgres lock.`,
	}
	open := func() (*db.Migrator, error) {
		cfg, _, err := loadConfig(getenv, stderr)
		if err != nil {
			return nil, err
		}
		return db.NewMigrator(cfg.DatabaseMigrateURL)
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "up",
		Short: "Apply every pending migration",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := open()
			if err != nil {
				return err
			}
			defer m.Close()
			n, err := m.Up(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "applied %d migration(s)\n", n)
			return nil
		},
	}, &cobra.Command{
		Use:   "status",
		Short: "List every migration and whether it is applied",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := open()
			if err != nil {
				return err
			}
			defer m.Close()
			st, err := m.Status(cmd.Context())
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "VERSION\tSTATE\tAPPLIED AT\tFILE")
			for _, s := range st {
				applied := "-"
				if !s.AppliedAt.IsZero() {
					applied = s.AppliedAt.UTC().Format("2006-01-02 15:04:05Z")
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", s.Source.Version, s.State, applied, s.Source.Path)
			}
			return tw.Flush()
		},
	}, &cobra.Command{
		Use:   "down",
		Short: "Roll back the newest applied migration",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := open()
			if err != nil {
				return err
			}
			defer m.Close()
			res, err := m.Down(cmd.Context())
			if err != nil {
				return err
			}
			if res == nil {
				fmt.Fprintln(stdout, "nothing to roll back")
				return nil
			}
			fmt.Fprintf(stdout, "rolled back %d (%s)\n", res.Source.Version, res.Source.Path)
			return nil
		},
	})
	return cmd
}
