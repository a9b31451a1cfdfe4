package api

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/xentri/xentri/internal/events"
	"github.com/xentri/xentri/internal/platform/logging"
	"github.com/xentri/xentri/services"
)

// EventFollower reads an org's events off the event stream
// (events.Follower).
type EventFollower interface {
	Follow(ctx context.Context, orgID, after string) iter.Seq2[events.Entry, error]
}

var _ EventFollower = (*events.Follower)(nil)

// eventsStreamRoute is the live stream's route, which alone may name its
// org in ?org_id= (see orgOf).
const eventsStreamRoute = "/api/v1/events/stream"

// streamRetry is the reconnection delay the stream asks EventSource for.
const streamRetry = 3 * time.Second

// Events is the web shell's live feed: the org's events off the event
// stream (which the relay fills from the outbox) as server-sent events, so
// the board, notifications and runs update without polling.
type Events struct {
	// Follower reads the stream; without it the route answers 503.
	Follower EventFollower
	// Keepalive is how often an idle stream sends a comment (15 s when
	// zero).
	Keepalive time.Duration
	// Drain, closed when the server shuts down, ends the open streams: the
	// EventSource reconnects, to another replica, and resumes.
	Drain <-chan struct{}
}

// Routes mounts GET /events/stream (a Tenant context).
func (h *Events) Routes(r chi.Router) {
	r.Get("/events/stream", inTenant(h.stream))
}

// stream answers GET /events/stream: every event of the org from now on,
// or from after Last-Event-ID (the header an EventSource sends when it
// reconnects, or ?last_event_id=), each as `id: {stream entry id}`,
// `event: {type}`, `data: {envelope}`. Members see the org's events,
// owners and admins the failed workflows too, API tokens the events their
// scopes read (access.Membership.MaySee); another org's never leave the
// server. The org gate checks the caller in its transaction; the stream
// runs after it has committed, holding no transaction or connection of
// Postgres, past the request deadline, until the client goes away, Redis
// fails (the client reconnects and resumes) or the server drains.
func (h *Events) stream(w http.ResponseWriter, r *http.Request, t tenant) {
	after, err := lastEventID(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if err := t.m.NeedEvents(); err != nil {
		writeError(w, r, err)
		return
	}
	if h.Follower == nil {
		writeError(w, r, services.Errorf(services.Unavailable, "Live updates are not available here: read the lists instead."))
		return
	}
	m := t.m
	t.afterCommit(func(w http.ResponseWriter, r *http.Request) {
		ctx, stop := untimed(r)
		defer stop()
		rc := http.NewResponseController(w)
		// The server's timeouts are for requests; this one lasts.
		if err := errors.Join(rc.SetWriteDeadline(time.Time{}), rc.SetReadDeadline(time.Time{})); err != nil && !errors.Is(err, http.ErrNotSupported) {
			logging.Ctx(ctx).Debug().Err(err).Msg("event stream: server timeouts stay")
		}
		w.Header().Set("Cache-Control", "no-store")
		sse := startEvents(w)
		if !sse.send([]byte("retry: " + strconv.FormatInt(streamRetry.Milliseconds(), 10) + "\n\n")) {
			return
		}
		select {
		case <-h.Drain:
			return // shutting down already: reconnect elsewhere
		default:
		}
		// The follower blocks in Redis; it hands entries over here, where
		// keepalives, the drain and the client's leaving interleave. It
		// notices the end within one bounded read (events.FollowBlock).
		fctx, cancel := context.WithCancel(ctx)
		defer cancel()
		entries, failed := make(chan events.Entry), make(chan error, 1)
		go func() {
			defer close(failed)
			for e, err := range h.Follower.Follow(fctx, m.OrgID.String(), after) {
				if err != nil {
					failed <- err
					return
				}
				select {
				case entries <- e:
				case <-fctx.Done():
					return
				}
			}
		}()
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
			case err, ok := <-failed:
				if ok {
					logging.Ctx(ctx).Warn().Err(err).Msg("event stream: reading the stream failed; the client reconnects")
				}
				return
			case e := <-entries:
				if !m.MaySee(e.Type) {
					continue
				}
				if !sse.raw(e.ID, e.Type, e.Envelope) {
					return
				}
			}
		}
	})
}

// lastEventID is where the stream resumes: the Last-Event-ID header, which
// an EventSource sends when it reconnects and so wins over ?last_event_id=
// (which stays in the URL it reconnects to), or "$" (new events only).
func lastEventID(r *http.Request) (string, error) {
	raw, field := r.Header.Get("Last-Event-ID"), "Last-Event-ID"
	if raw == "" {
		q := r.URL.Query()["last_event_id"]
		if len(q) > 1 {
			return "", &services.Error{Code: services.Invalid, Message: "Send last_event_id once.",
				Fields: map[string]string{"last_event_id": "is repeated"}}
		}
		if len(q) == 0 || q[0] == "" {
			return "$", nil
		}
		raw, field = q[0], "last_event_id"
	}
	id, err := events.ParseEntryID(raw)
	if err != nil {
		return "", &services.Error{Code: services.Invalid, Message: "The " + field + " must be the id of an event this stream sent (such as 1718000000000-0).",
			Fields: map[string]string{field: "is not a stream entry id"}, Err: err}
	}
	return id, nil
}
