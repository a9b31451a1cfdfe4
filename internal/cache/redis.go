// Package cache is Xentri's Redis adapter: the client every process shares
// (event streams and the read cache are built on it) and, for `xentri dev`,
// a private redis-server when none is running.
package cache

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/xentri/xentri/internal/platform/proc"
)

// Connect returns a client for url; it does not contact the server.
func Connect(url string) (*redis.Client, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("parse redis url: %w", err)
	}
	opts.ClientName = "xentri"
	return redis.NewClient(opts), nil
}

// LocalServer is a private redis-server under the data dir.
type LocalServer struct {
	URL  string
	proc *proc.Process
}

// StartLocalServer runs redis-server on a loopback port (a free one when 0),
// persisting to an append-only file in dir. It returns proc.ErrNotInstalled
// when redis-server is missing.
func StartLocalServer(ctx context.Context, dir string, port int, log zerolog.Logger) (*LocalServer, error) {
	bin, err := proc.LookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("redis-server: %w", proc.ErrNotInstalled)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if port == 0 {
		if port, err = proc.FreePort(); err != nil {
			return nil, err
		}
	}
	p, err := proc.Start(proc.Spec{
		Name: "redis",
		Path: bin,
		Args: []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
			"--appendonly", "yes", "--save", "", "--daemonize", "no", "--protected-mode", "yes"},
		LogFile: filepath.Join(dir, "redis.log"),
	}, log)
	if err != nil {
		return nil, err
	}
	waitCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	url := "redis://" + proc.Addr(port) + "/0"
	c, _ := Connect(url)
	defer c.Close()
	for c.Ping(waitCtx).Err() != nil {
		select {
		case <-waitCtx.Done():
			p.Stop()
			return nil, fmt.Errorf("private redis did not start (see %s)", filepath.Join(dir, "redis.log"))
		case <-time.After(100 * time.Millisecond):
		}
	}
	return &LocalServer{URL: url, proc: p}, nil
}

// Stop shuts the server down.
func (s *LocalServer) Stop() error { return s.proc.Stop() }
