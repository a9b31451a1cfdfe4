package api

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/xentri/xentri/internal/auth"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/core"
)

// Cookie names. The access token rides in an HTTP-only cookie for the
// browser; the refresh token too, sent only to /api/v1/auth.
const (
	accessCookie  = "xentri_access"
	refreshCookie = "xentri_refresh"
	refreshPath   = "/api/v1/auth"
)

// TokenVerifier checks an access token (auth.Verifier).
type TokenVerifier interface {
	Verify(ctx context.Context, token string) (auth.Claims, error)
}

// TokenAuthenticator resolves an API token (core.Service).
type TokenAuthenticator interface {
	AuthenticateToken(ctx context.Context, secret string) (access.Principal, error)
}

type principalKey struct{}

// principalFrom returns who is calling, if anyone authenticated.
func principalFrom(ctx context.Context) (access.Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(access.Principal)
	return p, ok
}

// credentials are what the request presented.
type credentials struct {
	token      string
	fromCookie bool
}

func credentialsOf(r *http.Request) (credentials, bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			return credentials{}, true // present but malformed: refused
		}
		return credentials{token: strings.TrimSpace(token)}, true
	}
	if c, err := r.Cookie(accessCookie); err == nil && c.Value != "" {
		return credentials{token: c.Value, fromCookie: true}, true
	}
	return credentials{}, false
}

// authenticate identifies the caller from a bearer token (a user's access
// token, or an xnt_ API token) or the session cookie. Bad credentials are
// refused here; none at all pass on, for requireAuth to refuse where needed.
// A mutation authenticated by cookie must come from an allowed Origin (CSRF).
func authenticate(s *Session) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			creds, present := credentialsOf(r)
			if !present {
				next.ServeHTTP(w, r)
				return
			}
			if creds.fromCookie && !safeMethod(r.Method) && !sameOrigin(r, s.AllowedOrigins) {
				writeError(w, r, services.Errorf(services.Forbidden,
					"A request authenticated by cookie must come from this site: its Origin header is missing or foreign."))
				return
			}
			var p access.Principal
			switch {
			case creds.token == "":
				writeError(w, r, unauthenticated("The Authorization header must be `Bearer <token>`."))
				return
			case strings.HasPrefix(creds.token, core.TokenPrefix):
				var err error
				if p, err = s.Tokens.AuthenticateToken(r.Context(), creds.token); err != nil {
					writeError(w, r, err)
					return
				}
			default:
				claims, err := s.Verifier.Verify(r.Context(), creds.token)
				if err != nil {
					writeError(w, r, unauthenticatedErr("The access token is invalid or expired.", err))
					return
				}
				p = access.Principal{UserID: claims.Subject, Email: claims.Email, Claims: claims}
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
		})
	}
}

// requireAuth refuses anonymous calls.
func requireAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := principalFrom(r.Context()); !ok {
			writeError(w, r, unauthenticated("Sign in first: send a bearer token or the session cookie."))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func unauthenticated(msg string) error { return services.Errorf(services.Unauthenticated, "%s", msg) }

func unauthenticatedErr(msg string, err error) error {
	return &services.Error{Code: services.Unauthenticated, Message: msg, Err: err}
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// sameOrigin reports whether the request's Origin (or, failing that, its
// Referer) is this host or an allowed origin.
func sameOrigin(r *http.Request, allowed []string) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		ref, err := url.Parse(r.Header.Get("Referer"))
		if err != nil || ref.Host == "" {
			return false
		}
		origin = ref.Scheme + "://" + ref.Host
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	for _, a := range allowed {
		if strings.EqualFold(strings.TrimSuffix(a, "/"), origin) {
			return true
		}
	}
	return false
}

// setSessionCookies hands the browser its tokens in HTTP-only cookies:
// Secure unless the site is served on localhost, SameSite=Lax.
func setSessionCookies(w http.ResponseWriter, r *http.Request, s auth.Session) {
	secure := !isLocalhost(r.Host)
	http.SetCookie(w, &http.Cookie{Name: accessCookie, Value: s.AccessToken, Path: "/", HttpOnly: true, Secure: secure,
		SameSite: http.SameSiteLaxMode, Expires: s.ExpiresAt})
	http.SetCookie(w, &http.Cookie{Name: refreshCookie, Value: s.RefreshToken, Path: refreshPath, HttpOnly: true, Secure: secure,
		SameSite: http.SameSiteLaxMode, MaxAge: int((30 * 24 * time.Hour).Seconds())})
}

func clearSessionCookies(w http.ResponseWriter, r *http.Request) {
	secure := !isLocalhost(r.Host)
	for _, c := range []struct{ name, path string }{{accessCookie, "/"}, {refreshCookie, refreshPath}} {
		http.SetCookie(w, &http.Cookie{Name: c.name, Value: "", Path: c.path, HttpOnly: true, Secure: secure,
			SameSite: http.SameSiteLaxMode, MaxAge: -1})
	}
}

func isLocalhost(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}
