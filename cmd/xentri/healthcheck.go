package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/xentri/xentri/internal/platform/config"
)

// newHealthcheckCmd probes this host's own server, for container health
// checks in images that have no HTTP client (distroless).
func newHealthcheckCmd(getenv func(string) string, stdout io.Writer) *cobra.Command {
	var path string
	cmd := &cobra.Command{
		Use:   "healthcheck",
		Short: "Exit 0 when the server on XENTRI_HTTP_ADDR answers 200 on /readyz (for container health checks)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Load(getenv)
			if err != nil {
				return err
			}
			_, port, _ := net.SplitHostPort(cfg.HTTPAddr)
			ctx, cancel := context.WithTimeout(cmd.Context(), 5*time.Second)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:"+port+path, nil)
			if err != nil {
				return err
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				return err
			}
			defer res.Body.Close()
			if res.StatusCode != http.StatusOK {
				body, _ := io.ReadAll(io.LimitReader(res.Body, 2048))
				return fmt.Errorf("%s answered %d: %s", path, res.StatusCode, body)
			}
			fmt.Fprintln(stdout, "ok")
			return nil
		},
	}
	cmd.Flags().StringVar(&path, "path", "/readyz", "path to probe (/healthz for liveness)")
	return cmd
}
