package api

import (
	"context"
	"net/http"
	"sort"
	"sync"
	"time"
)

// Check is one dependency /readyz asks.
type Check struct {
	Name string // postgres, redis, temporal, object_storage
	Ping func(ctx context.Context) error
}

// readyTimeout bounds each dependency check so a hung dependency makes
// /readyz answer 503 quickly rather than hang the probe.
const readyTimeout = 2 * time.Second

// healthz says the process is alive; it asks no dependency.
func healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	respond(w, http.StatusOK, map[string]string{"status": "alive"}, Meta{})
}

// readyz asks every dependency at once: 200 when all answer, else a 503
// problem whose checks member names each failing one and why.
func readyz(checks []Check) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		results := runChecks(r.Context(), checks)
		failing := map[string]string{}
		for name, err := range results {
			if err != nil {
				failing[name] = err.Error()
			}
		}
		if len(failing) > 0 {
			names := make([]string, 0, len(failing))
			for n := range failing {
				names = append(names, n)
			}
			sort.Strings(names)
			p := newProblem(r, http.StatusServiceUnavailable, "not_ready", "Not ready: "+joinNames(names)+" did not answer.")
			p.Checks = failing
			writeProblem(w, p)
			return
		}
		ok := make(map[string]string, len(results))
		for name := range results {
			ok[name] = "ok"
		}
		w.Header().Set("Cache-Control", "no-store")
		respond(w, http.StatusOK, map[string]any{"status": "ready", "checks": ok}, Meta{})
	}
}

func runChecks(ctx context.Context, checks []Check) map[string]error {
	var (
		mu      sync.Mutex
		wg      sync.WaitGroup
		results = make(map[string]error, len(checks))
	)
	for _, c := range checks {
		wg.Go(func() {
			cctx, cancel := context.WithTimeout(ctx, readyTimeout)
			defer cancel()
			err := c.Ping(cctx)
			mu.Lock()
			results[c.Name] = err
			mu.Unlock()
		})
	}
	wg.Wait()
	return results
}

func joinNames(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	s := names[0]
	for _, n := range names[1 : len(names)-1] {
		s += ", " + n
	}
	return s + " and " + names[len(names)-1]
}
