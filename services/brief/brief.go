// Package brief is the Universal Brief (seed ADR-001): the DNA of an org's
// business, composed from the facts the Strategy Co-pilot reads from the
// owner's words (package extract) and edited by the owner. Every change
// makes a new immutable version; a value the owner set is never overwritten
// by the co-pilot, which proposes instead. Each version's category contexts
// (brand voice, sales pipeline, website) are derived from it and stored
// with it, and every consumer reads Brief, then category context, then its
// module context, through Service.Knowledge.
package brief

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/brief/extract"
)

// Brief is the org's Universal Brief at its current version.
type Brief struct {
	ID      uuid.UUID `json:"id"`
	OrgID   uuid.UUID `json:"org_id"`
	Version int       `json:"version"`
	Data    Data      `json:"data"`
	// Author and Summary are the current version's: who made it, and what
	// it changed.
	Author    Author    `json:"author"`
	Summary   string    `json:"summary"`
	CreatedAt time.Time `json:"created_at"` // the brief's first version
	UpdatedAt time.Time `json:"updated_at"` // the current version
}

// Version is one immutable version of the Brief.
type Version struct {
	Number       int       `json:"number"`
	BriefID      uuid.UUID `json:"brief_id"`
	Data         Data      `json:"data"`
	Author       Author    `json:"author"`
	Summary      string    `json:"summary"`
	Changes      []Change  `json:"changes"`
	RestoredFrom *int      `json:"restored_from"`
	CreatedAt    time.Time `json:"created_at"`

	id uuid.UUID // the cursor of a page of versions
}

// Author types: who made a version.
const (
	AuthorUser     = "user"     // the owner (or an API token), ID the user or api-token:{id}
	AuthorCopilot  = "copilot"  // the Strategy Co-pilot, ID its session (or "copilot")
	AuthorProposal = "proposal" // an accepted proposal, ID the proposal
)

// Author is who made a version.
type Author struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// Data is what a version holds: the sections and their fields, and the
// fields still missing, each with the question that would fill it.
type Data struct {
	Sections map[string]Section `json:"sections"`
	Missing  []Missing          `json:"missing"`
}

// Section is one section of the Brief (identity, offerings, ...).
type Section struct {
	Fields map[string]Field `json:"fields"`
}

// Field origins.
const (
	OriginExtracted = "extracted" // read from the owner's words by an engine
	OriginUser      = "user"      // set by the owner by hand
	OriginProposal  = "proposal"  // from a proposal the owner accepted
)

// Field is one value of the Brief, with where it came from.
type Field struct {
	// Value's JSON shape is the field's kind (extract.Fields).
	Value      json.RawMessage  `json:"value"`
	Confidence float64          `json:"confidence"`
	Origin     string           `json:"origin"`
	Sources    []extract.Source `json:"sources"`
	UpdatedAt  time.Time        `json:"updated_at"`
}

// Missing is a field of the Brief without a value, and what the co-pilot
// would ask to fill it.
type Missing struct {
	Section  string `json:"section"`
	Field    string `json:"field"`
	Question string `json:"question"`
}

// Change ops.
const (
	OpAdded   = "added"
	OpChanged = "changed"
	OpRemoved = "removed"
)

// Change is one field a version changed: From is absent when it was added,
// To when it was removed.
type Change struct {
	Section string          `json:"section"`
	Field   string          `json:"field"`
	Op      string          `json:"op"`
	From    json.RawMessage `json:"from,omitempty"`
	To      json.RawMessage `json:"to,omitempty"`
}

// Diff is what changed from one version to another.
type Diff struct {
	From    int      `json:"from"`
	To      int      `json:"to"`
	Changes []Change `json:"changes"`
}

// questions are what the co-pilot asks for each missing field.
var questions = map[string]string{
	"identity.business_name": "What is your business called?",
	"identity.industry":      "What line of business are you in?",
	"identity.location":      "Where is your business based?",
	"identity.founded_year":  "In what year did you start the business?",
	"identity.team_size":     "How many people work in the business, you included?",
	"offerings.products":     "What do you sell: which products or services?",
	"offerings.price_points": "What do your main offerings cost?",
	"audience.segments":      "Who are your customers?",
	"goals.goals":            "What do you want the business to achieve in the next year?",
	"brand_voice.tone":       "How should your business sound when it speaks: friendly, professional, playful?",
	"brand_voice.avoid":      "Are there words or a tone your business should never use?",
	"differentiators.points": "Why do customers choose you over others?",
	"sales.follow_up_days":   "When do you follow up with a new enquiry: after a day, a week?",
	"contact.email":          "What e-mail address should customers write to?",
	"contact.phone":          "What phone number should customers call?",
	"contact.website":        "Do you already have a website? What is its address?",
}

// question is the question for a missing field.
func question(section, field string) string {
	if q := questions[section+"."+field]; q != "" {
		return q
	}
	return fmt.Sprintf("What should the Brief say for %s %s?", section, strings.ReplaceAll(field, "_", " "))
}

// specs are the fields of the Brief, by section and field.
func specs() map[string]map[string]extract.Kind {
	out := map[string]map[string]extract.Kind{}
	for _, f := range extract.Fields() {
		if out[f.Section] == nil {
			out[f.Section] = map[string]extract.Kind{}
		}
		out[f.Section][f.Field] = f.Kind
	}
	return out
}

// Sections lists the Brief's section ids, in the Brief's order.
func Sections() []string {
	var out []string
	for _, f := range extract.Fields() {
		if !slices.Contains(out, f.Section) {
			out = append(out, f.Section)
		}
	}
	return out
}

// KnownSection reports whether id names a section of the Brief.
func KnownSection(id string) bool { return slices.Contains(Sections(), id) }

// errUnknownSection answers a section the Brief does not have.
func errUnknownSection(id string) error {
	return services.Errorf(services.NotFound, "The Brief has no section %q; its sections are %s.", shorten(id), strings.Join(Sections(), ", "))
}

func shorten(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

// recomputeMissing lists every field of the Brief without a value.
func (d *Data) recomputeMissing() {
	d.Missing = []Missing{}
	for _, f := range extract.Fields() {
		if _, ok := d.Sections[f.Section].Fields[f.Field]; !ok {
			d.Missing = append(d.Missing, Missing{Section: f.Section, Field: f.Field, Question: question(f.Section, f.Field)})
		}
	}
}

// clone copies d deeply enough to change its fields without touching d.
func (d Data) clone() Data {
	out := Data{Sections: map[string]Section{}, Missing: slices.Clone(d.Missing)}
	for id, s := range d.Sections {
		fields := make(map[string]Field, len(s.Fields))
		for k, v := range s.Fields {
			fields[k] = v
		}
		out.Sections[id] = Section{Fields: fields}
	}
	return out
}

// field returns a field and whether it is set.
func (d Data) field(section, field string) (Field, bool) {
	f, ok := d.Sections[section].Fields[field]
	return f, ok
}

// set sets a field.
func (d *Data) set(section, field string, f Field) {
	if d.Sections == nil {
		d.Sections = map[string]Section{}
	}
	s, ok := d.Sections[section]
	if !ok || s.Fields == nil {
		s = Section{Fields: map[string]Field{}}
	}
	s.Fields[field] = f
	d.Sections[section] = s
}

// remove removes a field, and its section when it was the last.
func (d *Data) remove(section, field string) {
	s, ok := d.Sections[section]
	if !ok {
		return
	}
	delete(s.Fields, field)
	if len(s.Fields) == 0 {
		delete(d.Sections, section)
	}
}

// diff lists the fields whose values differ from a to b, in the Brief's
// order.
func diff(a, b Data) []Change {
	out := []Change{}
	for _, spec := range extract.Fields() {
		x, inA := a.field(spec.Section, spec.Field)
		y, inB := b.field(spec.Section, spec.Field)
		switch {
		case !inA && inB:
			out = append(out, Change{Section: spec.Section, Field: spec.Field, Op: OpAdded, To: y.Value})
		case inA && !inB:
			out = append(out, Change{Section: spec.Section, Field: spec.Field, Op: OpRemoved, From: x.Value})
		case inA && inB && !sameValue(x.Value, y.Value):
			out = append(out, Change{Section: spec.Section, Field: spec.Field, Op: OpChanged, From: x.Value, To: y.Value})
		}
	}
	return out
}

// sectionsOf names the sections changes touch, in the Brief's order.
func sectionsOf(changes []Change) []string {
	var out []string
	for _, c := range changes {
		if !slices.Contains(out, c.Section) {
			out = append(out, c.Section)
		}
	}
	return out
}

// describe says what changes did, for people.
func describe(changes []Change) string {
	if len(changes) == 0 {
		return "No change."
	}
	var parts []string
	for _, c := range changes {
		parts = append(parts, c.Section+"."+c.Field+" "+c.Op)
	}
	s := strings.Join(parts, ", ")
	if len(s) > 1500 {
		s = s[:1500] + "..."
	}
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

// sameValue compares two canonical values.
func sameValue(a, b json.RawMessage) bool { return bytes.Equal(a, b) }

// canonical re-encodes a JSON value so equal values have equal bytes
// (object keys sorted, no spaces, numbers as written).
func canonical(raw json.RawMessage) (json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("more than one JSON value")
	}
	return json.Marshal(v)
}

// Limits of a value.
const (
	maxString = 2000
	maxItems  = 50
)

var currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)

// checkValue checks that raw is a value of kind and returns it canonical,
// or says what is wrong (a message for Fields).
func checkValue(kind extract.Kind, raw json.RawMessage) (json.RawMessage, string) {
	text := func(s string) string {
		switch {
		case strings.TrimSpace(s) == "":
			return "must not be blank"
		case len(s) > maxString:
			return fmt.Sprintf("must be at most %d characters", maxString)
		case strings.ContainsRune(s, 0):
			return "must not contain NUL"
		}
		return ""
	}
	strict := func(dst any) bool {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		return dec.Decode(dst) == nil && !dec.More()
	}
	switch kind {
	case extract.KindString:
		var s string
		if !strict(&s) {
			return nil, "must be a string"
		}
		if msg := text(s); msg != "" {
			return nil, msg
		}
	case extract.KindInteger:
		var n int64
		if !strict(&n) {
			return nil, "must be an integer"
		}
		if n < 0 || n > 1_000_000_000 {
			return nil, "must be an integer from 0 to 1000000000"
		}
	case extract.KindIntegers:
		var ns []int64
		if !strict(&ns) || ns == nil {
			return nil, "must be a list of integers"
		}
		if len(ns) == 0 || len(ns) > maxItems {
			return nil, fmt.Sprintf("must hold 1 to %d integers", maxItems)
		}
		for _, n := range ns {
			if n < 0 || n > 1_000_000_000 {
				return nil, "must hold integers from 0 to 1000000000"
			}
		}
	case extract.KindStrings:
		var ss []string
		if !strict(&ss) || ss == nil {
			return nil, "must be a list of strings"
		}
		if len(ss) == 0 || len(ss) > maxItems {
			return nil, fmt.Sprintf("must hold 1 to %d strings", maxItems)
		}
		for _, s := range ss {
			if msg := text(s); msg != "" {
				return nil, "each item " + msg
			}
		}
	case extract.KindLocation:
		var l extract.Location
		if !strict(&l) || bytes.TrimSpace(raw)[0] != '{' {
			return nil, "must be an object of city, region and country"
		}
		if l.City+l.Region+l.Country == "" {
			return nil, "must name a city, region or country"
		}
		for _, s := range []string{l.City, l.Region, l.Country} {
			if len(s) > 200 || strings.ContainsRune(s, 0) {
				return nil, "parts must be at most 200 characters"
			}
		}
	case extract.KindPricePoints:
		var ps []extract.PricePoint
		if !strict(&ps) || ps == nil {
			return nil, "must be a list of {label, amount, currency}"
		}
		if len(ps) == 0 || len(ps) > maxItems {
			return nil, fmt.Sprintf("must hold 1 to %d price points", maxItems)
		}
		for _, p := range ps {
			if msg := text(p.Label); msg != "" {
				return nil, "each label " + msg
			}
			if p.Amount < 0 || !currencyCode.MatchString(p.Currency) {
				return nil, "each needs an amount of 0 or more (minor units) and an ISO 4217 currency"
			}
		}
	default:
		return nil, "has an unknown kind"
	}
	out, err := canonical(raw)
	if err != nil {
		return nil, "must be JSON"
	}
	return out, ""
}

// checkFields validates values for section against the Brief's fields; a
// null value is allowed (it removes the field) when nullRemoves. It
// returns the canonical values, nil for a removal.
func checkFields(section string, values map[string]json.RawMessage, nullRemoves bool) (map[string]json.RawMessage, error) {
	kinds, ok := specs()[section]
	if !ok {
		return nil, errUnknownSection(section)
	}
	if len(values) == 0 {
		return nil, &services.Error{Code: services.Invalid, Message: "Name at least one field to set.",
			Fields: map[string]string{"fields": "must name at least one field"}}
	}
	out := map[string]json.RawMessage{}
	bad := map[string]string{}
	for name, raw := range values {
		kind, ok := kinds[name]
		if !ok {
			var known []string
			for _, f := range extract.Fields() {
				if f.Section == section {
					known = append(known, f.Field)
				}
			}
			bad["fields."+shorten(name)] = "is not a field of " + section + " (" + strings.Join(known, ", ") + ")"
			continue
		}
		if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
			if nullRemoves {
				out[name] = nil
			} else {
				bad["fields."+name] = "must have a value"
			}
			continue
		}
		v, msg := checkValue(kind, raw)
		if msg != "" {
			bad["fields."+name] = msg
			continue
		}
		out[name] = v
	}
	if len(bad) > 0 {
		return nil, &services.Error{Code: services.Invalid, Message: "Some fields of " + section + " are not valid.", Fields: bad}
	}
	return out, nil
}
