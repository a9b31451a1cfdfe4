package api

import (
	"context"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/xentri/xentri/internal/platform/logging"
	"github.com/xentri/xentri/services/brand"
	"github.com/xentri/xentri/services/sales"
)

// SiteHandler serves published sites (brand.SiteServer).
type SiteHandler interface {
	// ServeHTTP serves a request whose Host Matches.
	http.Handler
	// Matches reports whether a Host header names a site.
	Matches(host string) bool
	// ServeByID serves /sites/{site_id} and everything under it.
	ServeByID(w http.ResponseWriter, r *http.Request)
}

// siteHosts hands every request for a site's Host to the site server: no
// API route, probe or shell page answers on a site's address, where
// anyone's content is served.
func siteHosts(sites SiteHandler) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if sites.Matches(r.Host) {
				sites.ServeHTTP(w, r)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// CaptureAllowance counts a site's contact form against the limits of the
// public lead form (LeadForm), per client address and per org, in the same
// counters: a visitor gets one budget whichever form they use. Like
// allowed, it lets the form through when Redis is down.
func CaptureAllowance(l Limiter) func(r *http.Request, orgID uuid.UUID) (bool, time.Duration) {
	return func(r *http.Request, orgID uuid.UUID) (bool, time.Duration) {
		limits := []struct {
			key string
			n   int
		}{{"capture:ip:" + clientIP(r), capturePerIP}, {"capture:org:" + orgID.String(), capturePerOrg}}
		for _, lim := range limits {
			ok, retry, err := l.Allow(r.Context(), lim.key, lim.n, captureWindow)
			if err != nil {
				logging.Ctx(r.Context()).Warn().Err(err).Msg("rate limiter unavailable")
				continue
			}
			if !ok {
				return false, retry
			}
		}
		return true, 0
	}
}

// SiteContact hands a site's contact form to sales.Capture: the lead's
// source is "website" and its follow-ups start, as for the public form.
func SiteContact(s *sales.Service) func(ctx context.Context, orgID uuid.UUID, in brand.ContactForm) error {
	return func(ctx context.Context, orgID uuid.UUID, in brand.ContactForm) error {
		return s.Capture(ctx, orgID, sales.LeadInput{Name: in.Name, Email: optional(in.Email), Phone: optional(in.Phone),
			Company: optional(in.Company), Notes: optional(in.Message)})
	}
}
