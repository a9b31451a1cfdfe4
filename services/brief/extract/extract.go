// Package extract turns a business owner's own words into facts for the
// Universal Brief: each fact is a value for one field of one section, with
// the spans of the owner's words it came from. Two engines implement Engine:
// the rules engine (offline, deterministic, the default) and an engine over
// any OpenAI-compatible chat-completions endpoint.
//
// Engines read the whole conversation, oldest message first, and return the
// facts it states at its end: a later correction ("actually we opened in
// 2014, not 2012") replaces the earlier value, and a negation ("we don't do
// weddings") yields no offering. The owner's text is data, never an
// instruction: "ignore previous instructions and ..." is extracted like any
// other sentence (or not at all).
package extract

import (
	"context"
	"encoding/json"
	"errors"
)

// ErrFinal marks an engine error that a retry cannot cure (a refused API
// key, a request the endpoint calls malformed): the workflow stops retrying.
var ErrFinal = errors.New("extraction failed for good")

// Message is one thing the owner said.
type Message struct {
	// ID names the message in sources (the co-pilot's message id, or
	// "text" for a brief generated from a bare text).
	ID   string `json:"id"`
	Text string `json:"text"`
	// Kind is "text" or "voice_transcript" (fillers, no punctuation, numbers
	// spelled out are expected in a transcript).
	Kind string `json:"kind"`
}

// Source is a span of one message that a value was read from. Start and End
// count Unicode code points (not bytes) from the start of the message's
// text, End exclusive; Quote is exactly the text they span, so
// []rune(text)[Start:End] == []rune(Quote).
type Source struct {
	MessageID string `json:"message_id"`
	Start     int    `json:"start"`
	End       int    `json:"end"`
	Quote     string `json:"quote"`
}

// Fact is a value for one field. Value's JSON shape depends on the field
// (see Fields): a string, an integer, a list of strings or integers, a
// Location or a list of PricePoint.
type Fact struct {
	Section    string          `json:"section"`
	Field      string          `json:"field"`
	Value      json.RawMessage `json:"value"`
	Confidence float64         `json:"confidence"` // 0..1
	Sources    []Source        `json:"sources"`    // at least one
}

// Location is identity.location, each part as the owner wrote it (empty
// when not said).
type Location struct {
	City    string `json:"city,omitempty"`
	Region  string `json:"region,omitempty"`
	Country string `json:"country,omitempty"`
}

// PricePoint is one entry of offerings.price_points. Amount is in the
// currency's minor units (cents), as sales.Money; Currency is ISO 4217.
type PricePoint struct {
	Label    string `json:"label"`
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// Kind is the JSON shape of a field's value.
type Kind string

const (
	KindString      Kind = "string"       // a JSON string
	KindInteger     Kind = "integer"      // a JSON integer
	KindIntegers    Kind = "integers"     // a JSON array of integers
	KindStrings     Kind = "strings"      // a JSON array of strings
	KindLocation    Kind = "location"     // a Location object
	KindPricePoints Kind = "price_points" // a JSON array of PricePoint
)

// FieldSpec names one field of the Brief and its value's shape.
type FieldSpec struct {
	Section, Field string
	Kind           Kind
}

// Fields lists every field an engine may fill, in the Brief's order. A fresh
// slice each call: callers may not change what another reads.
func Fields() []FieldSpec {
	return []FieldSpec{
		{"identity", "business_name", KindString},
		{"identity", "industry", KindString}, // an id of the industry taxonomy (Industries)
		{"identity", "location", KindLocation},
		{"identity", "founded_year", KindInteger},
		{"identity", "team_size", KindInteger},
		{"offerings", "products", KindStrings},
		{"offerings", "price_points", KindPricePoints},
		{"audience", "segments", KindStrings},
		{"goals", "goals", KindStrings},
		{"brand_voice", "tone", KindStrings},
		{"brand_voice", "avoid", KindStrings},
		{"differentiators", "points", KindStrings},
		// The follow-up cadence the owner describes ("we call back within a
		// day, then after a week": [1, 7]), in days after a lead arrives.
		{"sales", "follow_up_days", KindIntegers},
		{"contact", "email", KindString},
		{"contact", "phone", KindString}, // E.164
		{"contact", "website", KindString},
	}
}

// Engine extracts the facts a conversation states at its end. Same input,
// same output is required of the rules engine; an LLM engine does its best.
// Errors an engine returns are either temporary (the caller retries) or
// wrap ErrFinal.
type Engine interface {
	Extract(ctx context.Context, conversation []Message) ([]Fact, error)
}
