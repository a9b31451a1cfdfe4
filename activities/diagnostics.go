package activities

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
)

// DependencyNames are the dependencies a worker can be asked to check: a
// fresh slice each call, since workflow code reads it.
func DependencyNames() []string {
	return []string{"postgres", "redis", "object_storage"}
}

// Diagnostics checks that a worker reaches its dependencies.
type Diagnostics struct {
	// Pings maps each of DependencyNames() to a function that checks it.
	Pings map[string]func(context.Context) error
}

// CheckDependencies pings each named dependency and reports "ok" or the
// error for each. A failing dependency is reported, not raised: the caller
// wants the whole picture.
func (d *Diagnostics) CheckDependencies(ctx context.Context, names []string) (map[string]string, error) {
	out := make(map[string]string, len(names))
	for _, name := range names {
		ping, ok := d.Pings[name]
		if !ok {
			return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("unknown check %q", name), "InvalidInput", nil)
		}
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := ping(pctx)
		cancel()
		if err != nil {
			activity.GetLogger(ctx).Warn("dependency check failed", "dependency", name, "error", err)
			out[name] = err.Error()
			continue
		}
		out[name] = "ok"
	}
	return out, nil
}
