package temporal

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/rs/zerolog"

	"github.com/xentri/xentri/internal/platform/proc"
)

// DevServerOptions configures the embedded Temporal dev server.
type DevServerOptions struct {
	Bin       string // the pinned Temporal CLI
	DataDir   string // the SQLite file and the log go here
	Port      int    // frontend gRPC
	UIPort    int
	Namespace string
}

// DevServer is the Temporal CLI's `server start-dev` running as a supervised
// child: SQLite in the data dir (so runs survive a restart, in WAL mode for
// throughput), the UI on, the custom search attributes registered.
type DevServer struct {
	HostPort string
	UIURL    string
	proc     *proc.Process
}

// StartDevServer launches the server; it does not wait for it (DialWait does).
func StartDevServer(opts DevServerOptions, log zerolog.Logger) (*DevServer, error) {
	if err := os.MkdirAll(opts.DataDir, 0o755); err != nil {
		return nil, err
	}
	hostPort := proc.Addr(opts.Port)
	if proc.Answers(hostPort) {
		return nil, fmt.Errorf("port %d is taken: another Temporal server may be running (set TEMPORAL_ADDRESS=%s to use it, or XENTRI_TEMPORAL_PORT to move)", opts.Port, hostPort)
	}
	args := []string{"server", "start-dev",
		"--db-filename", filepath.Join(opts.DataDir, "temporal.db"),
		"--ip", "127.0.0.1",
		"--port", strconv.Itoa(opts.Port),
		"--ui-port", strconv.Itoa(opts.UIPort),
		"--namespace", opts.Namespace,
		"--sqlite-pragma", "journal_mode=wal",
		"--sqlite-pragma", "synchronous=normal",
		"--log-format", "json",
		"--log-level", "warn",
		"--color", "never",
	}
	args = append(args, devServerFlags()...)
	p, err := proc.Start(proc.Spec{
		Name:    "temporal",
		Path:    opts.Bin,
		Args:    args,
		LogFile: filepath.Join(opts.DataDir, "temporal.log"),
	}, log)
	if err != nil {
		return nil, err
	}
	return &DevServer{
		HostPort: hostPort,
		UIURL:    "http://" + proc.Addr(opts.UIPort),
		proc:     p,
	}, nil
}

// Stop stops the server and waits for it.
func (s *DevServer) Stop() error { return s.proc.Stop() }

// FindCLI locates the pinned Temporal CLI: explicit, else bin/temporal in
// the working directory or one of its parents, else beside the executable,
// else on PATH.
func FindCLI(explicit string) (string, error) {
	if explicit != "" {
		if _, err := os.Stat(explicit); err != nil {
			return "", fmt.Errorf("XENTRI_TEMPORAL_BIN: %w", err)
		}
		return explicit, nil
	}
	var candidates []string
	if wd, err := os.Getwd(); err == nil {
		for dir := wd; ; dir = filepath.Dir(dir) {
			candidates = append(candidates, filepath.Join(dir, "bin", "temporal"))
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	if exe, err := os.Executable(); err == nil {
		candidates = append(candidates, filepath.Join(filepath.Dir(exe), "temporal"))
	}
	for _, c := range candidates {
		if fi, err := os.Stat(c); err == nil && !fi.IsDir() {
			return c, nil
		}
	}
	if p, err := proc.LookPath("temporal"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("the Temporal CLI was not found: run `make bin/temporal` (builds the pinned v1.5.1), set XENTRI_TEMPORAL_BIN, or set TEMPORAL_ADDRESS to use a running server")
}
