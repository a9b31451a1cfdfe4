package api

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// fakeSites records what the router hands the site server.
type fakeSites struct {
	mu    sync.Mutex
	calls []string // "host GET /path from 1.2.3.4" or "id GET /path from ..."
}

func (f *fakeSites) Matches(host string) bool {
	host, _, _ = strings.Cut(host, ":")
	return strings.HasSuffix(host, ".sites.test")
}

func (f *fakeSites) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.record("host", r)
	w.WriteHeader(http.StatusTeapot)
}

func (f *fakeSites) ServeByID(w http.ResponseWriter, r *http.Request) {
	f.record("id", r)
	w.WriteHeader(http.StatusTeapot)
}

func (f *fakeSites) record(how string, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, how+" "+r.Method+" "+r.URL.Path+" from "+clientIP(r))
}

func (f *fakeSites) last() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) == 0 {
		return ""
	}
	return f.calls[len(f.calls)-1]
}

func TestSiteHostsAndSitePathsGoToTheSiteServer(t *testing.T) {
	t.Parallel()
	sites := &fakeSites{}
	h := NewRouter(Config{Log: zerolog.Nop(), Registry: prometheus.NewRegistry(), Sites: sites,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	site := uuid.NewString()
	tests := []struct {
		method, host, path, xff string
		want                    string // the site server's call, or "" for the API's own answer
	}{
		{"GET", "bakery.sites.test", "/", "", "host GET / from 10.1.2.3"},
		{"GET", "bakery.sites.test:8080", "/healthz", "", "host GET /healthz from 10.1.2.3"},
		{"GET", "bakery.sites.test", "/api/v1/leads", "", "host GET /api/v1/leads from 10.1.2.3"},
		{"POST", "bakery.sites.test", "/_forms/contact", "203.0.113.7", "host POST /_forms/contact from 203.0.113.7"},
		{"GET", "api.example.com", "/sites/" + site, "", "id GET /sites/" + site + " from 10.1.2.3"},
		{"GET", "api.example.com", "/sites/" + site + "/about", "", "id GET /sites/" + site + "/about from 10.1.2.3"},
		{"POST", "api.example.com", "/sites/" + site + "/_forms/contact", "198.51.100.9", "id POST /sites/" + site + "/_forms/contact from 198.51.100.9"},
		{"GET", "api.example.com", "/healthz", "", ""},
	}
	for _, tt := range tests {
		before := sites.last()
		req := httptest.NewRequest(tt.method, "http://"+tt.host+tt.path, nil)
		req.RemoteAddr = "10.1.2.3:4567"
		if tt.xff != "" {
			req.Header.Set("X-Forwarded-For", tt.xff)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if tt.want == "" {
			if rec.Code != http.StatusOK || sites.last() != before {
				t.Errorf("%s %s%s: %d, site server called: %q", tt.method, tt.host, tt.path, rec.Code, sites.last())
			}
			continue
		}
		if rec.Code != http.StatusTeapot || sites.last() != tt.want {
			t.Errorf("%s %s%s: %d, site server saw %q, want %q", tt.method, tt.host, tt.path, rec.Code, sites.last(), tt.want)
		}
	}
}

// countingLimiter allows n per key, or fails when broken.
type countingLimiter struct {
	mu     sync.Mutex
	n      int
	counts map[string]int
	broken bool
}

func (l *countingLimiter) Allow(_ context.Context, key string, limit int, _ time.Duration) (bool, time.Duration, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.broken {
		return false, 0, errors.New("redis down")
	}
	l.counts[key]++
	return l.counts[key] <= min(limit, l.n), 30 * time.Second, nil
}

func TestCaptureAllowanceUsesTheLeadFormsCounters(t *testing.T) {
	t.Parallel()
	l := &countingLimiter{n: 2, counts: map[string]int{}}
	allow := CaptureAllowance(l)
	org := uuid.New()
	req := httptest.NewRequest("POST", "/_forms/contact", nil)
	req.RemoteAddr = "192.0.2.1:1234"
	for i := range 3 {
		ok, retry := allow(req, org)
		if want := i < 2; ok != want || (!ok && retry != 30*time.Second) {
			t.Errorf("form %d: ok %v, retry %v", i+1, ok, retry)
		}
	}
	if l.counts["capture:ip:192.0.2.1"] != 3 || l.counts["capture:org:"+org.String()] != 2 {
		t.Errorf("counters %v", l.counts) // the org is not counted once the address is over
	}
	l.broken = true
	if ok, _ := allow(req, org); !ok {
		t.Error("with the limiter down, the form was refused")
	}
}
