package blob

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3afero"
	"github.com/rs/zerolog"
)

// EmbeddedServer is an S3-compatible server inside the xentri process,
// storing objects as files under a directory. It is for one developer's
// machine: it listens on loopback and does not check request signatures.
type EmbeddedServer struct {
	Addr string // host:port it listens on
	srv  *http.Server
}

// StartEmbedded serves dir on addr ("127.0.0.1:0" picks a free port).
func StartEmbedded(dir, addr string, log zerolog.Logger) (*EmbeddedServer, error) {
	// It checks no credentials, so it must not be reachable from elsewhere.
	if host, _, err := net.SplitHostPort(addr); err != nil || !isLoopback(host) {
		return nil, fmt.Errorf("embedded s3 address %q: it checks no credentials, so it listens on loopback only (127.0.0.1 or ::1)", addr)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	fs, err := s3afero.FsPath(dir, s3afero.FsPathCreateAll)
	if err != nil {
		return nil, fmt.Errorf("object dir: %w", err)
	}
	backend, err := s3afero.MultiBucket(fs)
	if err != nil {
		return nil, fmt.Errorf("object backend: %w", err)
	}
	faker := gofakes3.New(backend, gofakes3.WithLogger(s3Log{log}), gofakes3.WithoutVersioning())
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("embedded s3 listen on %s (set XENTRI_S3_ADDR to move it): %w", addr, err)
	}
	srv := &http.Server{Handler: faker.Server(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error().Err(err).Msg("embedded s3 stopped")
		}
	}()
	return &EmbeddedServer{Addr: ln.Addr().String(), srv: srv}, nil
}

// Stop lets in-flight requests finish, then closes the listener.
func (s *EmbeddedServer) Stop(ctx context.Context) error { return s.srv.Shutdown(ctx) }

type s3Log struct{ log zerolog.Logger }

func (l s3Log) Print(level gofakes3.LogLevel, v ...any) {
	e := l.log.Debug()
	switch level {
	case gofakes3.LogErr:
		e = l.log.Error()
	case gofakes3.LogWarn:
		e = l.log.Warn()
	}
	e.Str("component", "embedded-s3").Msg(fmt.Sprint(v...))
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
