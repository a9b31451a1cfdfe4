package api

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"

	"github.com/xentri/xentri/services"
)

// conditionalGET gives every successful GET a strong ETag computed from its
// body (unless the handler set one of its own, such as the Brief's version)
// and `Cache-Control: private, no-cache` (cache it, but ask again), and
// answers 304 Not Modified when If-None-Match already names it: a client
// polling an unchanged list downloads nothing.
func conditionalGET(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			next.ServeHTTP(w, r)
			return
		}
		g := &getResponse{bufferedResponse: newBufferedResponse(), w: w}
		next.ServeHTTP(g, r)
		if g.streaming {
			return // written as it went
		}
		buf := g.bufferedResponse
		status := cmpStatus(buf.status)
		if status != http.StatusOK {
			buf.flush(w)
			return
		}
		etag := buf.header.Get("ETag")
		if etag == "" {
			sum := sha256.Sum256(buf.body.Bytes())
			etag = `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`
			buf.header.Set("ETag", etag)
		}
		if buf.header.Get("Cache-Control") == "" {
			buf.header.Set("Cache-Control", "private, no-cache")
		}
		buf.header.Add("Vary", "Authorization, Cookie, X-Org-Id")
		if etagMatches(r.Header.Get("If-None-Match"), etag) {
			for _, k := range []string{"ETag", "Cache-Control", "Vary"} {
				w.Header()[http.CanonicalHeaderKey(k)] = buf.header.Values(k)
			}
			w.WriteHeader(http.StatusNotModified)
			return
		}
		buf.flush(w)
	})
}

// getResponse buffers a GET's answer for its ETag, except an event stream
// (a 200 of Content-Type text/event-stream), which has no end to hash: it
// goes through to the client as the handler writes and flushes it.
type getResponse struct {
	*bufferedResponse
	w         http.ResponseWriter
	streaming bool
}

func isEventStream(h http.Header) bool {
	return strings.HasPrefix(h.Get("Content-Type"), "text/event-stream")
}

func (g *getResponse) WriteHeader(status int) {
	switch {
	case g.streaming:
	case g.status == 0 && status == http.StatusOK && isEventStream(g.header):
		g.streaming = true
		for k, v := range g.header {
			g.w.Header()[k] = v
		}
		g.w.WriteHeader(status)
	default:
		g.bufferedResponse.WriteHeader(status)
	}
}

func (g *getResponse) Write(p []byte) (int, error) {
	if g.status == 0 && !g.streaming && isEventStream(g.header) {
		g.WriteHeader(http.StatusOK)
	}
	if g.streaming {
		return g.w.Write(p)
	}
	return g.bufferedResponse.Write(p)
}

// FlushError flushes a stream (http.ResponseController); a buffered answer
// goes out whole at the end.
func (g *getResponse) FlushError() error {
	if !g.streaming {
		return nil
	}
	return http.NewResponseController(g.w).Flush()
}

// Unwrap lets http.ResponseController reach the connection (a stream lifts
// the server's write deadline).
func (g *getResponse) Unwrap() http.ResponseWriter { return g.w }

// etagMatches applies If-None-Match's weak comparison (RFC 9110 §13.1.2).
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	if strings.TrimSpace(header) == "*" {
		return true
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag {
			return true
		}
	}
	return false
}

// versionETag is the ETag of a versioned resource (the Brief, a site, a
// page): "v3". A PUT takes it back in If-Match.
func versionETag(version int) string { return `"v` + strconv.Itoa(version) + `"` }

// ifMatchOf reads If-Match, the ETag "vN" (quotes included) of the version
// the edit is based on: 0 when absent (the service refuses it once it
// knows the resource exists, so a missing one is a 404 first).
func ifMatchOf(r *http.Request, what string) (int, error) {
	raw := strings.TrimSpace(r.Header.Get("If-Match"))
	if raw == "" {
		return 0, nil
	}
	s := strings.TrimSuffix(strings.TrimPrefix(raw, `"v`), `"`)
	// A site's ETag also names its live release ("v3.01a2..."), so a
	// publish changes what a GET revalidates; the edit is based on v3.
	s, _, _ = strings.Cut(s, ".")
	n, err := strconv.Atoi(s)
	if !strings.HasPrefix(raw, `"v`) || !strings.HasSuffix(raw, `"`) || err != nil || n < 1 || strconv.Itoa(n) != s {
		return 0, &services.Error{Code: services.Invalid, Message: `If-Match must be the ETag of a ` + what + ` version, such as "v3" (with the quotes).`,
			Fields: map[string]string{"If-Match": "is not a " + what + " ETag"}}
	}
	return n, nil
}
