package api

import (
	"encoding/json"
	"net/http"
	"sync"

	"github.com/go-chi/chi/v5"
	"go.yaml.in/yaml/v3"

	"github.com/xentri/xentri/contracts"
)

// Contracts serves the contracts themselves: GET /openapi.json (every
// REST endpoint) and GET /asyncapi.json (every event channel and message),
// converted once from the YAML in contracts/.
type Contracts struct{}

// Routes mounts the contract routes (a Public context).
func (Contracts) Routes(r chi.Router) {
	r.Get("/openapi.json", yamlAsJSON(contracts.OpenAPI))
	r.Get("/asyncapi.json", yamlAsJSON(contracts.AsyncAPI))
}

func yamlAsJSON(doc []byte) http.HandlerFunc {
	once := sync.OnceValues(func() ([]byte, error) {
		var v any
		if err := yaml.Unmarshal(doc, &v); err != nil {
			return nil, err
		}
		return json.Marshal(v)
	})
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := once()
		if err != nil {
			writeError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}
}
