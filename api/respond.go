package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/xentri/xentri/services"
)

// Envelope is the shape of every success body (seed §6.D).
type Envelope struct {
	Data  any  `json:"data"`
	Error any  `json:"error"`
	Meta  Meta `json:"meta"`
}

// Meta carries paging and other facts about the data.
type Meta struct {
	NextCursor string `json:"next_cursor,omitempty"`
}

// respond writes data in the envelope.
func respond(w http.ResponseWriter, status int, data any, meta Meta) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(Envelope{Data: data, Meta: meta})
}

// DecodeOptionalJSON is DecodeJSON for a body that may be absent: an empty
// body leaves dst as it is.
func DecodeOptionalJSON(r *http.Request, dst any) error {
	if r.ContentLength == 0 {
		return nil
	}
	return DecodeJSON(r, dst)
}

// DecodeJSON reads exactly one JSON object from the request body into dst,
// refusing unknown fields. Its errors are *services.Error with a message
// that says what to fix: malformed JSON, wrong types and text with a NUL
// character (which no column can hold) are Invalid (400), a body over the
// limit TooLarge (413), another media type UnsupportedMedia (415).
func DecodeJSON(r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return services.Errorf(services.UnsupportedMedia, "Content-Type must be application/json, not %q.", ct)
		}
	}
	// The body is read whole (MaxBytesReader bounds it), to look for NULs.
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return decodeError(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return services.Errorf(services.Invalid, "The body must hold a single JSON value.")
	}
	if escapesNUL(raw) {
		return services.Errorf(services.Invalid, "Text in the body must not contain the NUL character (\\u0000).")
	}
	return nil
}

// escapesNUL reports whether valid JSON holds \u0000 in a string. Outside
// strings valid JSON has no backslash, and a raw NUL is no valid JSON.
func escapesNUL(raw []byte) bool {
	for i := bytes.IndexByte(raw, '\\'); i >= 0 && i+1 < len(raw); {
		if raw[i+1] == 'u' && bytes.HasPrefix(raw[i+2:], []byte("0000")) {
			return true
		}
		next := bytes.IndexByte(raw[i+2:], '\\') // past the escaped character
		if next < 0 {
			return false
		}
		i += 2 + next
	}
	return false
}

func decodeError(err error) error {
	var (
		syntax    *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
		maxBytes  *http.MaxBytesError
		fieldName string
	)
	switch {
	case errors.As(err, &maxBytes):
		return services.Errorf(services.TooLarge, "The body is larger than the %d bytes allowed.", maxBytes.Limit)
	case errors.Is(err, io.EOF):
		return services.Errorf(services.Invalid, "The body is empty; send a JSON object.")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return services.Errorf(services.Invalid, "The body ends in the middle of a JSON value.")
	case errors.As(err, &syntax):
		return services.Errorf(services.Invalid, "The body is not valid JSON (at byte %d): %s.", syntax.Offset, syntax.Error())
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return services.Errorf(services.Invalid, "The body must be a JSON object, not %s.", typeErr.Value)
		}
		return &services.Error{Code: services.Invalid, Message: fmt.Sprintf("Field %q must be %s, not %s.", field, jsonKind(typeErr.Type.Kind().String()), typeErr.Value),
			Fields: map[string]string{field: "must be " + jsonKind(typeErr.Type.Kind().String())}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		fieldName = strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &services.Error{Code: services.Invalid, Message: fmt.Sprintf("Unknown field %q.", fieldName),
			Fields: map[string]string{fieldName: "is not a known field"}}
	default:
		return services.Errorf(services.Invalid, "The body could not be read as JSON: %s.", err.Error())
	}
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "map", "struct":
		return "an object"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	}
	return "of another type"
}
