package api

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
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
		buf := newBufferedResponse()
		next.ServeHTTP(buf, r)
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
