package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/xentri/xentri/internal/cache"
	"github.com/xentri/xentri/internal/platform/logging"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/brief"
)

// CopilotEvents follows a session's live events (cache.CopilotStream).
type CopilotEvents interface {
	Subscribe(ctx context.Context, orgID, sessionID uuid.UUID) (*cache.CopilotSubscription, error)
}

// defaultKeepalive is how often an idle stream sends a comment, so that
// proxies and the browser keep the connection open.
const defaultKeepalive = 15 * time.Second

// keepaliveTicker ticks every interval (defaultKeepalive when zero): when an
// idle stream sends its comment.
func keepaliveTicker(every time.Duration) *time.Ticker {
	if every <= 0 {
		every = defaultKeepalive
	}
	return time.NewTicker(every)
}

// stream answers GET /copilot/sessions/{sessionID}/stream: the session's
// live events as server-sent events (turn.started, fact, reply,
// session.ended), until the client goes away, the session ends or the
// server shuts down. The org gate checks the caller and the session in its
// transaction; the stream itself runs after it has committed, without the
// request deadline and the server's read and write timeouts. Pub/sub keeps
// nothing: a client that reconnects reads what it missed from the
// transcript (GET /copilot/sessions/{sessionID}).
func (h *Copilot) stream(w http.ResponseWriter, r *http.Request, t tenant) {
	id, err := uuidParam(r, "sessionID")
	if err != nil {
		writeError(w, r, err)
		return
	}
	s, err := h.Copilot.Session(r.Context(), t.tx, t.m, id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if h.Events == nil {
		writeError(w, r, services.Errorf(services.Unavailable, "Live replies are not available here: read the transcript instead."))
		return
	}
	orgID := t.m.OrgID
	t.afterCommit(func(w http.ResponseWriter, r *http.Request) {
		if s.Status != "open" {
			sse := startEvents(w)
			sse.event("", brief.EventSessionEnded, brief.SessionEnded{Status: s.Status})
			return
		}
		ctx, stop := untimed(r)
		defer stop()
		sub, err := h.Events.Subscribe(r.Context(), orgID, id)
		if err != nil {
			writeError(w, r, &services.Error{Code: services.Unavailable, Message: "Live replies are not available now: read the transcript, or try again.", Err: err})
			return
		}
		defer sub.Close()
		// Subscribed: what the session says from now on reaches us. If it
		// ended meanwhile, say so.
		status, err := h.Copilot.SessionStatus(r.Context(), orgID, id)
		if err != nil {
			writeError(w, r, err)
			return
		}
		rc := http.NewResponseController(w)
		// The server's timeouts are for requests; this one lasts.
		if err := errors.Join(rc.SetWriteDeadline(time.Time{}), rc.SetReadDeadline(time.Time{})); err != nil && !errors.Is(err, http.ErrNotSupported) {
			logging.Ctx(ctx).Debug().Err(err).Msg("co-pilot stream: server timeouts stay")
		}
		sse := startEvents(w)
		if status != "open" {
			sse.event("", brief.EventSessionEnded, brief.SessionEnded{Status: status})
			return
		}
		tick := keepaliveTicker(h.Keepalive)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-h.Drain:
				return
			case <-tick.C:
				if !sse.comment("keepalive") {
					return
				}
			case e, ok := <-sub.Events():
				if !ok {
					return
				}
				if !sse.raw(e.ID, e.Event, e.Data) || e.Event == brief.EventSessionEnded {
					return
				}
			}
		}
	})
}

// eventWriter writes server-sent events, flushing each.
type eventWriter struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

// startEvents sends the stream's headers and a first comment, so the
// client knows it is following. Cache-Control is no-cache unless the
// caller set one.
func startEvents(w http.ResponseWriter) *eventWriter {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-cache")
	}
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer
	w.WriteHeader(http.StatusOK)
	e := &eventWriter{w: w, rc: http.NewResponseController(w)}
	e.comment("following")
	return e
}

func (e *eventWriter) comment(text string) bool {
	return e.send([]byte(": " + text + "\n\n"))
}

func (e *eventWriter) event(id, name string, data any) bool {
	raw, err := json.Marshal(data)
	if err != nil {
		return false
	}
	if id == "" {
		id = uuid.Must(uuid.NewV7()).String()
	}
	return e.raw(id, name, raw)
}

// raw writes one event; data's lines each become a data: line.
func (e *eventWriter) raw(id, name string, data []byte) bool {
	var b bytes.Buffer
	fmt.Fprintf(&b, "id: %s\nevent: %s\n", id, name)
	for _, line := range bytes.Split(data, []byte("\n")) {
		b.WriteString("data: ")
		b.Write(line)
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	return e.send(b.Bytes())
}

func (e *eventWriter) send(p []byte) bool {
	if _, err := e.w.Write(p); err != nil {
		return false
	}
	return e.rc.Flush() == nil
}
