// Package proc supervises the child processes `xentri dev` runs (the Temporal
// dev server, and a private Postgres or Redis when none is running): it starts
// them with their output in a log file, restarts one that dies, and stops them
// gracefully on shutdown.
package proc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/rs/zerolog"
)

// Spec describes one child process.
type Spec struct {
	Name    string   // short name for logs, e.g. "temporal"
	Path    string   // executable
	Args    []string // arguments
	Dir     string   // working directory ("" for the current one)
	LogFile string   // stdout and stderr are appended here
	// StopSignal asks the child to stop (SIGTERM when zero); after StopGrace
	// (5s when zero) it is killed.
	StopSignal syscall.Signal
	StopGrace  time.Duration
	// Credential, when set, runs the child as another user (Postgres refuses
	// to run as root).
	Credential *syscall.Credential
}

// Process is a supervised child: restarted with backoff if it exits on its
// own, until Stop.
type Process struct {
	spec Spec
	log  zerolog.Logger

	mu      sync.Mutex
	cmd     *exec.Cmd
	stopped bool
	done    chan struct{} // closed when the supervision loop ends
}

// Start launches the child and supervises it until Stop is called.
func Start(spec Spec, log zerolog.Logger) (*Process, error) {
	if spec.StopSignal == 0 {
		spec.StopSignal = syscall.SIGTERM
	}
	if spec.StopGrace == 0 {
		spec.StopGrace = 5 * time.Second
	}
	p := &Process{spec: spec, log: log.With().Str("child", spec.Name).Logger(), done: make(chan struct{})}
	exited, err := p.launch()
	if err != nil {
		return nil, err
	}
	go p.supervise(exited)
	return p, nil
}

func (p *Process) launch() (<-chan error, error) {
	out, err := os.OpenFile(p.spec.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("%s log: %w", p.spec.Name, err)
	}
	cmd := exec.Command(p.spec.Path, p.spec.Args...)
	cmd.Dir = p.spec.Dir
	cmd.Stdout, cmd.Stderr = out, out
	// Own process group: a Ctrl-C in the terminal reaches xentri, which then
	// stops its children in order, instead of reaching every child at once.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: p.spec.Credential, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		out.Close()
		return nil, fmt.Errorf("start %s: %w", p.spec.Name, err)
	}
	p.mu.Lock()
	p.cmd = cmd
	p.mu.Unlock()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait(); out.Close() }()
	return exited, nil
}

func (p *Process) supervise(exited <-chan error) {
	defer close(p.done)
	backoff := time.Second
	for {
		err := <-exited
		p.mu.Lock()
		stopped := p.stopped
		p.mu.Unlock()
		if stopped {
			return
		}
		p.log.Error().Err(err).Str("log_file", p.spec.LogFile).Dur("restart_in", backoff).Msg("child process exited; restarting")
		time.Sleep(backoff)
		backoff = min(backoff*2, 30*time.Second)
		p.mu.Lock()
		if p.stopped {
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
		if exited, err = p.launch(); err != nil {
			p.log.Error().Err(err).Msg("restart failed")
			return
		}
	}
}

// Stop signals the child and waits for it, killing it after the grace period.
func (p *Process) Stop() error {
	p.mu.Lock()
	p.stopped = true
	cmd := p.cmd
	p.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return nil
	}
	_ = cmd.Process.Signal(p.spec.StopSignal)
	select {
	case <-p.done:
		return nil
	case <-time.After(p.spec.StopGrace):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
		return fmt.Errorf("%s did not stop within %s; killed", p.spec.Name, p.spec.StopGrace)
	}
}

// FreePort returns a TCP port on 127.0.0.1 that nothing listens on now.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Answers reports whether something accepts TCP connections at addr.
func Answers(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// WaitTCP waits until addr accepts connections, the child fails, or ctx ends.
func WaitTCP(ctx context.Context, addr string) error {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		if Answers(addr) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", addr, ctx.Err())
		case <-t.C:
		}
	}
}

// LookPath finds an executable by name in PATH and then in extra directories
// (glob patterns allowed, the last match wins so higher versions come first
// in lexical order).
func LookPath(name string, extraGlobs ...string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for i := len(extraGlobs) - 1; i >= 0; i-- {
		matches, _ := filepath.Glob(filepath.Join(extraGlobs[i], name))
		for j := len(matches) - 1; j >= 0; j-- {
			if fi, err := os.Stat(matches[j]); err == nil && fi.Mode()&0o111 != 0 {
				return matches[j], nil
			}
		}
	}
	return "", fmt.Errorf("%s: %w", name, exec.ErrNotFound)
}

// Addr joins 127.0.0.1 and port.
func Addr(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }

// ErrNotInstalled is returned when a fallback server's binaries are missing.
var ErrNotInstalled = errors.New("not installed")
