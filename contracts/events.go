package contracts

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Errors of event validation; compare with errors.Is.
var (
	// ErrUnknownEventType: no schema in events/ describes the event type.
	ErrUnknownEventType = errors.New("unknown event type")
	// ErrInvalidPayload: the payload does not match its type's schema.
	ErrInvalidPayload = errors.New("invalid event payload")
	// ErrInvalidEnvelope: the envelope does not match events/envelope.schema.json,
	// or its payload_schema is not the one its type names.
	ErrInvalidEnvelope = errors.New("invalid event envelope")
)

// EventSchemas holds events/*.schema.json: envelope.schema.json and one
// <type>.schema.json per event type and version.
//
//go:embed events/*.json
var EventSchemas embed.FS

const (
	schemaDir      = "events"
	schemaSuffix   = ".schema.json"
	schemaBaseURL  = "https://xentri.app/schemas/events/"
	envelopeFile   = "envelope" + schemaSuffix
	payloadKeyword = "x-payload-schema"
)

type eventSchema struct {
	name   string // x-payload-schema, e.g. lead.created@1
	schema *jsonschema.Schema
}

type registry struct {
	types    []string // sorted
	events   map[string]eventSchema
	envelope *jsonschema.Schema
}

// schemas compiles the embedded schemas once. They are part of the binary
// and TestSchemasCompile compiles them, so a failure is a broken build and
// panics.
var schemas = sync.OnceValue(func() *registry {
	r, err := compileSchemas(EventSchemas)
	if err != nil {
		panic("contracts: " + err.Error())
	}
	return r
})

// compileSchemas compiles every events/*.schema.json of fsys, registered
// under its $id; nothing is read from anywhere else.
func compileSchemas(fsys fs.FS) (*registry, error) {
	files, err := fs.Glob(fsys, schemaDir+"/*"+schemaSuffix)
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.UseLoader(embeddedOnly{})

	names := map[string]string{} // file base -> x-payload-schema
	for _, file := range files {
		b, err := fs.ReadFile(fsys, file)
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		obj, _ := doc.(map[string]any)
		base := path.Base(file)
		if id, _ := obj["$id"].(string); id != schemaBaseURL+base {
			return nil, fmt.Errorf("%s: $id is %q, want %q", file, id, schemaBaseURL+base)
		}
		if base != envelopeFile {
			name, _ := obj[payloadKeyword].(string)
			if name == "" {
				return nil, fmt.Errorf("%s: no %s", file, payloadKeyword)
			}
			names[base] = name
		}
		if err := c.AddResource(schemaBaseURL+base, doc); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
	}

	r := &registry{events: make(map[string]eventSchema, len(names))}
	if r.envelope, err = c.Compile(schemaBaseURL + envelopeFile); err != nil {
		return nil, fmt.Errorf("%s: %w", envelopeFile, err)
	}
	for base, name := range names {
		sch, err := c.Compile(schemaBaseURL + base)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", base, err)
		}
		typ := strings.TrimSuffix(base, schemaSuffix)
		r.events[typ] = eventSchema{name: name, schema: sch}
		r.types = append(r.types, typ)
	}
	slices.Sort(r.types)
	return r, nil
}

// embeddedOnly refuses every URL the compiler would fetch: the embedded
// schemas are all there is (the draft 2020-12 meta-schemas ship with the
// validator).
type embeddedOnly struct{}

func (embeddedOnly) Load(url string) (any, error) {
	return nil, fmt.Errorf("%s is not an embedded schema", url)
}

// EventTypes lists every event type with a payload schema, sorted, e.g.
// xentri.lead.created.v1.
func EventTypes() []string {
	return slices.Clone(schemas().types)
}

// PayloadSchemaName is the envelope's payload_schema for eventType (the
// x-payload-schema of its schema, e.g. lead.created@1), and whether the type
// is known.
func PayloadSchemaName(eventType string) (string, bool) {
	ev, ok := schemas().events[eventType]
	return ev.name, ok
}

// ValidatePayload checks payload, the JSON of an event's payload, against
// the schema of eventType. Errors wrap ErrUnknownEventType or
// ErrInvalidPayload and name the failing fields.
func ValidatePayload(eventType string, payload []byte) error {
	ev, ok := schemas().events[eventType]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownEventType, eventType)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(payload))
	if err != nil {
		return fmt.Errorf("%w: %s: not JSON: %v", ErrInvalidPayload, eventType, err)
	}
	if err := ev.schema.Validate(v); err != nil {
		return fmt.Errorf("%w: %s: %s", ErrInvalidPayload, eventType, describe(err, ""))
	}
	return nil
}

// ValidateEnvelope checks envelope, the JSON of a whole event, against the
// envelope schema, then checks that its type is known, its payload_schema is
// the one the type names and its payload matches the type's schema. Errors
// wrap ErrInvalidEnvelope, ErrUnknownEventType or ErrInvalidPayload and name
// the failing fields.
func ValidateEnvelope(envelope []byte) error {
	r := schemas()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(envelope))
	if err != nil {
		return fmt.Errorf("%w: not JSON: %v", ErrInvalidEnvelope, err)
	}
	if err := r.envelope.Validate(v); err != nil {
		return fmt.Errorf("%w: %s", ErrInvalidEnvelope, describe(err, ""))
	}
	obj := v.(map[string]any) // the schema says it is an object
	typ := obj["type"].(string)
	ev, ok := r.events[typ]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownEventType, typ)
	}
	if name := obj["payload_schema"].(string); name != ev.name {
		return fmt.Errorf("%w: /payload_schema: %q, want %q for %s", ErrInvalidEnvelope, name, ev.name, typ)
	}
	if err := ev.schema.Validate(obj["payload"]); err != nil {
		return fmt.Errorf("%w: %s: %s", ErrInvalidPayload, typ, describe(err, "/payload"))
	}
	return nil
}

// describe turns a validation error into one line: each failing leaf as
// "<JSON pointer>: <what is wrong>", the pointer prefixed with prefix.
func describe(err error, prefix string) string {
	var verr *jsonschema.ValidationError
	if !errors.As(err, &verr) {
		return err.Error()
	}
	var msgs []string
	var walk func(u *jsonschema.OutputUnit)
	walk = func(u *jsonschema.OutputUnit) {
		if len(u.Errors) == 0 && u.Error != nil {
			at := prefix + u.InstanceLocation
			if at == "" {
				at = "/"
			}
			msgs = append(msgs, at+": "+u.Error.String())
		}
		for i := range u.Errors {
			walk(&u.Errors[i])
		}
	}
	walk(verr.DetailedOutput())
	if len(msgs) == 0 {
		return verr.Error()
	}
	return strings.Join(msgs, "; ")
}
