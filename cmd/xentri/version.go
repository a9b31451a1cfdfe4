package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/xentri/xentri/internal/platform/buildinfo"
	"github.com/xentri/xentri/internal/platform/config"
)

func newVersionCmd(stdout io.Writer) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit, and the Go and Temporal SDK versions",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			info := buildinfo.Read()
			if asJSON {
				return json.NewEncoder(stdout).Encode(info)
			}
			fmt.Fprintf(stdout, "xentri %s\ncommit:       %s\ngo:           %s\ntemporal sdk: %s\n",
				info.Version, info.Commit, info.GoVersion, info.SDKVersion)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

func newEnvCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "env",
		Short: "Print every environment variable xentri reads, with its default and meaning (the .env.example)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := io.WriteString(stdout, config.EnvExample())
			return err
		},
	}
}
