package temporal

import (
	"fmt"

	"github.com/rs/zerolog"
	"go.temporal.io/sdk/log"
)

// Logger adapts zerolog to the Temporal SDK's log.Logger, so SDK, workflow
// and activity logs land in the same JSON stream as everything else.
type Logger struct{ z zerolog.Logger }

var _ log.Logger = Logger{}
var _ log.WithLogger = Logger{}

// NewLogger wraps z.
func NewLogger(z zerolog.Logger) Logger {
	return Logger{z: z.With().Str("component", "temporal").Logger()}
}

func (l Logger) Debug(msg string, kv ...any) { l.emit(l.z.Debug(), msg, kv) }
func (l Logger) Info(msg string, kv ...any)  { l.emit(l.z.Info(), msg, kv) }
func (l Logger) Warn(msg string, kv ...any)  { l.emit(l.z.Warn(), msg, kv) }
func (l Logger) Error(msg string, kv ...any) { l.emit(l.z.Error(), msg, kv) }

// With returns a logger that adds kv to every line.
func (l Logger) With(kv ...any) log.Logger {
	return Logger{z: l.z.With().Fields(pairs(kv)).Logger()}
}

func (l Logger) emit(e *zerolog.Event, msg string, kv []any) {
	e.Fields(pairs(kv)).Msg(msg)
}

// pairs turns Temporal's alternating key/value list into zerolog fields.
func pairs(kv []any) map[string]any {
	m := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		key, ok := kv[i].(string)
		if !ok {
			key = fmt.Sprint(kv[i])
		}
		if err, isErr := kv[i+1].(error); isErr {
			m[key] = err.Error()
			continue
		}
		m[key] = kv[i+1]
	}
	if len(kv)%2 == 1 {
		m["_extra"] = kv[len(kv)-1]
	}
	return m
}
