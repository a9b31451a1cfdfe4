package db

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"

	"github.com/xentri/xentri/internal/platform/proc"
)

// Where Debian and most distributions keep the server binaries when they are
// not on PATH.
var postgresBinDirs = []string{"/usr/lib/postgresql/*/bin", "/usr/local/pgsql/bin", "/opt/homebrew/opt/postgresql@*/bin"}

// LocalCluster is a private Postgres that `xentri dev` runs under its data
// dir when nothing answers at DATABASE_URL.
type LocalCluster struct {
	URL  string // owner URL (user postgres, trust auth on loopback)
	proc *proc.Process
}

// StartLocalCluster initialises dir on first use (initdb, trust auth on
// 127.0.0.1 only) and starts a server on port (a free one when 0). It
// returns proc.ErrNotInstalled when the server binaries are missing.
func StartLocalCluster(ctx context.Context, dir, dbName string, port int, log zerolog.Logger) (*LocalCluster, error) {
	initdb, err := proc.LookPath("initdb", postgresBinDirs...)
	if err != nil {
		return nil, fmt.Errorf("postgres server binaries: %w", proc.ErrNotInstalled)
	}
	postgres := filepath.Join(filepath.Dir(initdb), "postgres")
	if _, err := os.Stat(postgres); err != nil {
		if postgres, err = proc.LookPath("postgres", postgresBinDirs...); err != nil {
			return nil, fmt.Errorf("postgres server binaries: %w", proc.ErrNotInstalled)
		}
	}
	// Postgres refuses to run as root: run it as the postgres user then.
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root and there is no postgres user to run a private cluster as: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return nil, err
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "PG_VERSION")); os.IsNotExist(err) {
		cmd := exec.CommandContext(ctx, initdb, "-D", dir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-instructions")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("initdb: %w: %s", err, out)
		}
	}
	if port == 0 {
		if port, err = proc.FreePort(); err != nil {
			return nil, err
		}
	}
	p, err := proc.Start(proc.Spec{
		Name: "postgres",
		Path: postgres,
		Args: []string{"-D", dir, "-p", strconv.Itoa(port), "-k", dir, "-c", "listen_addresses=127.0.0.1"},
		// The log goes beside the cluster, which the postgres user owns.
		LogFile:    filepath.Join(filepath.Dir(dir), "postgres.log"),
		StopSignal: syscall.SIGINT, // "fast" shutdown: roll back and stop
		StopGrace:  5 * time.Second,
		Credential: cred,
	}, log)
	if err != nil {
		return nil, err
	}
	waitCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	url := fmt.Sprintf("postgres://postgres@%s/%s?sslmode=disable", proc.Addr(port), dbName)
	if err := waitForPostgres(waitCtx, WithDatabase(url, "postgres")); err != nil {
		p.Stop()
		return nil, fmt.Errorf("private postgres did not start (see %s): %w", filepath.Join(filepath.Dir(dir), "postgres.log"), err)
	}
	return &LocalCluster{URL: url, proc: p}, nil
}

// Stop shuts the server down.
func (c *LocalCluster) Stop() error { return c.proc.Stop() }

// waitForPostgres waits until a session can be opened: the port opens
// before the server accepts sessions.
func waitForPostgres(ctx context.Context, url string) error {
	for {
		conn, err := pgx.Connect(ctx, url)
		if err == nil {
			return conn.Close(ctx)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last error: %v)", ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
