package api

import (
	"context"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"github.com/xentri/xentri/activities"
	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/brief"
	"github.com/xentri/xentri/services/paging"
)

// Copilot is the Strategy Co-pilot (services/brief/copilot.go): sessions,
// each message an Update of the session's workflow that answers with the
// co-pilot's reply, and brief generation from a session or a text.
type Copilot struct {
	Copilot *brief.Copilot
	// Events follows sessions' live events for GET .../stream
	// (cache.CopilotStream); without it the stream answers 503.
	Events CopilotEvents
	// Keepalive is how often an idle stream sends a comment (15 s when
	// zero).
	Keepalive time.Duration
	// Drain, closed when the server shuts down, ends the open streams (the
	// shell's EventSource reconnects, to another replica).
	Drain <-chan struct{}
}

// Routes mounts the co-pilot routes (a Tenant context).
func (h *Copilot) Routes(r chi.Router) {
	r.Post("/copilot/sessions", inTenant(h.start))
	r.Get("/copilot/sessions", inTenant(h.list))
	r.Get("/copilot/sessions/{sessionID}", inTenant(h.get))
	r.Post("/copilot/sessions/{sessionID}/messages", inTenant(h.send))
	r.Post("/copilot/sessions/{sessionID}/finish", inTenant(h.finish))
	r.Get("/copilot/sessions/{sessionID}/stream", inTenant(h.stream))
	r.Post("/brief/generate", inTenant(h.generate))
	r.Post("/brief/sections/{sectionId}/propose", inTenant(h.proposeSection))
}

func (h *Copilot) start(w http.ResponseWriter, r *http.Request, t tenant) {
	if err := DecodeOptionalJSON(r, &struct{}{}); err != nil {
		writeError(w, r, err)
		return
	}
	s, err := h.Copilot.Start(r.Context(), t.tx, t.m)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/copilot/sessions/"+s.ID.String())
	respond(w, http.StatusCreated, s, Meta{})
}

func (h *Copilot) list(w http.ResponseWriter, r *http.Request, t tenant) {
	listIn(w, r, t, func(ctx context.Context, tx pgx.Tx, m access.Membership, p paging.Page) ([]brief.Session, string, error) {
		return h.Copilot.Sessions(ctx, tx, m, p)
	})
}

func (h *Copilot) get(w http.ResponseWriter, r *http.Request, t tenant) {
	id, err := uuidParam(r, "sessionID")
	if err != nil {
		writeError(w, r, err)
		return
	}
	s, err := h.Copilot.Transcript(r.Context(), t.tx, t.m, id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respond(w, http.StatusOK, s, Meta{})
}

func (h *Copilot) send(w http.ResponseWriter, r *http.Request, t tenant) {
	id, err := uuidParam(r, "sessionID")
	if err != nil {
		writeError(w, r, err)
		return
	}
	var in activities.CopilotMessage
	if err := DecodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	d, err := h.Copilot.Send(r.Context(), t.tx, t.m, id, in)
	if err != nil {
		writeError(w, r, err)
		return
	}
	t.afterCommit(deliver(d.Send))
}

func (h *Copilot) finish(w http.ResponseWriter, r *http.Request, t tenant) {
	id, err := uuidParam(r, "sessionID")
	if err != nil {
		writeError(w, r, err)
		return
	}
	if err := DecodeOptionalJSON(r, &struct{}{}); err != nil {
		writeError(w, r, err)
		return
	}
	d, err := h.Copilot.Finish(r.Context(), t.tx, t.m, id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	t.afterCommit(deliver(d.Send))
}

// deliver answers 200 with what send returns, called once the org gate's
// transaction has committed: the worker that runs an Update, or a model
// that writes, may take a while, and no connection is held meanwhile.
func deliver[T any](send func(context.Context) (T, error)) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := send(r.Context())
		if err != nil {
			writeError(w, r, err)
			return
		}
		respond(w, http.StatusOK, v, Meta{})
	}
}

func (h *Copilot) generate(w http.ResponseWriter, r *http.Request, t tenant) {
	var in brief.GenerateInput
	if err := DecodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	g, err := h.Copilot.Generate(r.Context(), t.tx, t.m, in)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", g.StatusURL)
	respond(w, http.StatusAccepted, g, Meta{})
}

// proposeSection has the engine read the owner's words again and propose
// what they say for a section that the Brief does not hold: 201 with the
// new proposal, 200 with an identical pending one, 409 when there is
// nothing new.
func (h *Copilot) proposeSection(w http.ResponseWriter, r *http.Request, t tenant) {
	section, err := sectionParam(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var in struct {
		Instruction *string `json:"instruction"`
	}
	if err := DecodeOptionalJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	d, err := h.Copilot.ProposeSection(r.Context(), t.tx, t.m, section, in.Instruction)
	if err != nil {
		writeError(w, r, err)
		return
	}
	// The engine runs after the commit: it may be a model that takes
	// seconds, and no connection waits on it.
	t.afterCommit(func(w http.ResponseWriter, r *http.Request) {
		p, err := d.Send(r.Context())
		if err != nil {
			writeError(w, r, err)
			return
		}
		w.Header().Set("Location", "/api/v1/brief/proposals/"+p.ID.String())
		status := http.StatusCreated
		if !p.Made {
			status = http.StatusOK
		}
		respond(w, status, p.Proposal, Meta{})
	})
}
