// Package web serves the web shell: the static files the business owner's
// browser loads, embedded in the binary so `xentri api` serves them with the
// API. The seed's Astro shell with React islands builds into static/ when it
// arrives; until then static/ holds a plain status page of the stack.
package web

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var files embed.FS

// Handler serves the shell. Paths that name no file get index.html, so the
// shell's client-side routes load on refresh.
func Handler() http.Handler {
	root, _ := fs.Sub(files, "static")
	fileServer := http.FileServerFS(root)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		if name == "" {
			name = "index.html"
		}
		if _, err := fs.Stat(root, name); err != nil {
			r2 := r.Clone(r.Context())
			r2.URL.Path = "/"
			fileServer.ServeHTTP(w, r2)
			return
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		fileServer.ServeHTTP(w, r)
	})
}
