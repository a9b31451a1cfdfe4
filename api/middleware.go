package api

import (
	"context"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/xentri/xentri/internal/platform/logging"
	"github.com/xentri/xentri/services"
)

type requestIDKey struct{}

// RequestIDFromContext returns the id of the request ctx belongs to.
func RequestIDFromContext(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// requestID takes a well-formed X-Request-Id from the caller (a proxy's, say)
// or makes one, echoes it, and puts a logger carrying it into the context.
func requestID(log zerolog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id := r.Header.Get("X-Request-Id")
			if !validRequestID(id) {
				id = uuid.NewString()
			}
			w.Header().Set("X-Request-Id", id)
			l := log.With().Str("request_id", id).Logger()
			ctx := l.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, c := range id {
		if c < '!' || c > '~' {
			return false
		}
	}
	return true
}

// recoverer turns a panic into a 500 problem; the stack goes to the log, never
// into the body.
func recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			rec := recover()
			if rec == nil {
				return
			}
			if rec == http.ErrAbortHandler { //nolint:errorlint // sentinel compared as net/http does
				panic(rec)
			}
			logging.Ctx(r.Context()).Error().
				Interface("panic", rec).Str("stack", string(debug.Stack())).
				Msg("panic while serving request")
			trace.SpanFromContext(r.Context()).SetAttributes(attribute.Bool("panic", true))
			if ww, ok := w.(middleware.WrapResponseWriter); ok && ww.Status() != 0 {
				return // headers are out; the client sees a truncated body
			}
			writeProblem(w, newProblem(r, http.StatusInternalServerError, "internal", "Something went wrong on our side. The trace_id identifies it in our logs."))
		}()
		next.ServeHTTP(w, r)
	})
}

// httpMetrics are the Prometheus series of the API.
type httpMetrics struct {
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "xentri", Subsystem: "http", Name: "request_duration_seconds",
			Help:    "HTTP requests by route pattern, method and status, with their duration.",
			Buckets: []float64{.005, .01, .025, .05, .1, .2, .3, .6, 1, 2.5, 5, 10},
		}, []string{"route", "method", "status"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "xentri", Subsystem: "http", Name: "requests_in_flight",
			Help: "HTTP requests being served now.",
		}),
	}
	reg.MustRegister(m.duration, m.inFlight)
	return m
}

// observe writes the access log line, records the metrics and names the span
// after the matched route (known only once routing is done).
func observe(m *httpMetrics) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			m.inFlight.Inc()
			defer m.inFlight.Dec()
			ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
			defer func() {
				status := ww.Status()
				if status == 0 {
					status = http.StatusOK
				}
				route := routePattern(r)
				elapsed := time.Since(start)
				m.duration.WithLabelValues(route, r.Method, strconv.Itoa(status)).Observe(elapsed.Seconds())
				span := trace.SpanFromContext(r.Context())
				span.SetName(r.Method + " " + route)
				span.SetAttributes(attribute.String("http.route", route))
				ev := logging.Ctx(r.Context()).Info()
				if status >= 500 {
					ev = logging.Ctx(r.Context()).Error()
				}
				ev.Str("method", r.Method).Str("path", r.URL.Path).Str("route", route).
					Int("status", status).Int("bytes", ww.BytesWritten()).
					Float64("duration_ms", float64(elapsed.Microseconds())/1000).
					Str("remote", clientIP(r)).Msg("request")
			}()
			next.ServeHTTP(ww, r)
		})
	}
}

// routePattern is the matched chi pattern, so metrics have one series per
// route rather than per URL; unmatched requests share one label.
func routePattern(r *http.Request) string {
	if rc := chi.RouteContext(r.Context()); rc != nil {
		if p := rc.RoutePattern(); p != "" {
			return p
		}
	}
	return "unmatched"
}

// limits caps the body size and gives the request a deadline.
func limits(maxBody int64, timeout time.Duration) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > maxBody {
				writeError(w, r, decodeError(&http.MaxBytesError{Limit: maxBody}))
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
			// The context before the deadline, for a response that outlives
			// it on purpose (an event stream: see untimed).
			ctx := context.WithValue(r.Context(), untimedKey{}, r.Context())
			ctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

type untimedKey struct{}

// untimed is r's context without the request deadline of limits: it
// carries r's values and ends when the client goes away (or the server
// closes the connection), or when stop is called. Only a response that is
// meant to outlive the deadline uses it: an event stream.
func untimed(r *http.Request) (ctx context.Context, stop func()) {
	orig, ok := r.Context().Value(untimedKey{}).(context.Context)
	if !ok {
		return context.WithCancel(r.Context())
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	release := context.AfterFunc(orig, cancel)
	return ctx, func() { release(); cancel() }
}

// plainQuery refuses a query string that is not UTF-8 text without NUL
// characters: no column holds such text, so no filter could match it.
func plainQuery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for name, values := range r.URL.Query() {
			for _, v := range append(values, name) {
				if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
					writeError(w, r, &services.Error{Code: services.Invalid, Message: "The query string must be UTF-8 text without NUL characters.",
						Fields: map[string]string{"query": "is not UTF-8 text without NUL"}})
					return
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}
