// Command xentri is the one binary of Xentri: `xentri dev` brings the whole
// stack up on one machine; `xentri api` and `xentri worker` run one role each
// in production; `xentri migrate` manages the schema.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// run executes the command line args and returns the exit code. Tests call it
// with their own environment and writers.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	root := newRootCmd(getenv, stdout, stderr)
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(stderr, "xentri:", err)
		return 1
	}
	return 0
}

func newRootCmd(getenv func(string) string, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "xentri",
		Short: "Xentri, the Modular Business OS backend",
		Long: `Xentri turns a business owner's conversation with the Strategy Co-pilot into a
Universal Brief that configures their website, CRM and automations.

Configuration comes from the environment; ` + "`xentri env`" + ` lists every variable.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(
		newDevCmd(getenv, stdout, stderr),
		newAPICmd(getenv, stderr),
		newWorkerCmd(getenv, stderr),
		newRelayCmd(getenv, stderr),
		newMigrateCmd(getenv, stdout, stderr),
		newEventsCmd(getenv, stdout, stderr),
		newReplayCmd(getenv, stdout, stderr),
		newDLQCmd(getenv, stdout, stderr),
		newWorkflowsCmd(getenv, stdout, stderr),
		newEnvCmd(stdout),
		newVersionCmd(stdout),
		newHealthcheckCmd(getenv, stdout),
	)
	return root
}

// withSignals returns a context cancelled by the first SIGINT or SIGTERM.
// After that the default handling is restored, so a second Ctrl-C stops the
// process at once.
func withSignals(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	return ctx, stop
}
