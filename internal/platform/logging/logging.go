// Package logging builds the zerolog logger every xentri process uses: JSON
// lines (or a console view for a terminal) that carry the trace_id of the
// active span and, once the org gate has run, the org_id of the request.
package logging

import (
	"context"
	"io"
	"time"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/trace"
)

// New returns a logger at level ("debug", "info", "warn", "error") writing
// format ("json" or "console") to w.
func New(w io.Writer, level, format string) zerolog.Logger {
	if format == "console" {
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: time.TimeOnly}
	}
	lvl, err := zerolog.ParseLevel(level)
	if err != nil {
		lvl = zerolog.InfoLevel
	}
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger().Hook(contextHook{})
}

type orgIDKey struct{}

// WithOrgID records the org a request acts in so that log lines written with
// this context carry it.
func WithOrgID(ctx context.Context, orgID string) context.Context {
	return context.WithValue(ctx, orgIDKey{}, orgID)
}

// OrgIDFromContext returns the org recorded by WithOrgID, or "".
func OrgIDFromContext(ctx context.Context) string {
	id, _ := ctx.Value(orgIDKey{}).(string)
	return id
}

// contextHook adds trace_id and org_id to events logged with .Ctx(ctx).
type contextHook struct{}

func (contextHook) Run(e *zerolog.Event, _ zerolog.Level, _ string) {
	ctx := e.GetCtx()
	if ctx == nil {
		return
	}
	if sc := trace.SpanContextFromContext(ctx); sc.HasTraceID() {
		e.Str("trace_id", sc.TraceID().String())
	}
	if org := OrgIDFromContext(ctx); org != "" {
		e.Str("org_id", org)
	}
}

// Ctx returns the logger stored in ctx (see zerolog's WithContext) bound to
// ctx, so that its events carry the trace and org of ctx.
func Ctx(ctx context.Context) *zerolog.Logger {
	l := zerolog.Ctx(ctx).With().Ctx(ctx).Logger()
	return &l
}
