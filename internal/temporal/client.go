package temporal

import (
	"context"
	"fmt"
	"time"

	"github.com/rs/zerolog"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/contrib/opentelemetry"
	"go.temporal.io/sdk/interceptor"
)

// Dial connects to Temporal at hostPort in namespace. The client carries the
// OpenTelemetry tracing interceptor, so a span started by an HTTP request
// continues into the workflows it starts, and (through workers built from this
// client) into their activities.
func Dial(ctx context.Context, hostPort, namespace string, log zerolog.Logger) (client.Client, error) {
	opts, err := clientOptions(hostPort, namespace, log)
	if err != nil {
		return nil, err
	}
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("dial temporal at %s: %w", hostPort, err)
	}
	return c, nil
}

// NewLazyClient is Dial without connecting: the first call connects. For
// processes that should start (and report not ready) while Temporal is down.
func NewLazyClient(hostPort, namespace string, log zerolog.Logger) (client.Client, error) {
	opts, err := clientOptions(hostPort, namespace, log)
	if err != nil {
		return nil, err
	}
	return client.NewLazyClient(opts)
}

// DialWait retries Dial until it succeeds or ctx ends: a dev server takes a
// few seconds to open its port.
func DialWait(ctx context.Context, hostPort, namespace string, log zerolog.Logger) (client.Client, error) {
	for {
		attemptCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		c, err := Dial(attemptCtx, hostPort, namespace, log)
		cancel()
		if err == nil {
			return c, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w (last error: %v)", ctx.Err(), err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func clientOptions(hostPort, namespace string, log zerolog.Logger) (client.Options, error) {
	tracing, err := opentelemetry.NewTracingInterceptor(opentelemetry.TracerOptions{})
	if err != nil {
		return client.Options{}, fmt.Errorf("tracing interceptor: %w", err)
	}
	return client.Options{
		HostPort:     hostPort,
		Namespace:    namespace,
		Logger:       NewLogger(log),
		Interceptors: []interceptor.ClientInterceptor{tracing, &requireAttributes{}},
	}, nil
}
