// Package brand is the brand context: the copy a business shows the world,
// written from its Universal Brief in its Brand Voice, the sites and
// pages that show it (site.go, page.go), and the static files a release of
// a site is made of (render.go). It reads the Brief only through
// brief.Service.Knowledge (seed ADR-001: the Brief, then the brand_voice or
// website category context derived from the same version). A copy
// suggestion writes nothing: it is for the owner to take or leave; a site
// drafted from the Brief saves the suggestions it uses as page versions.
//
// Two writers implement Writer, like the extraction engines: Templates
// (offline, deterministic, the default) and an OpenAI-compatible endpoint
// (OpenAIWriter). Whatever a writer returns passes the same checks before
// it reaches the owner: every cited field is one the Brief has and the text
// really uses, no text holds a word the Brand Voice avoids, and no two
// suggestions are alike.
package brand

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"

	"github.com/xentri/xentri/internal/events"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/brief"
	"github.com/xentri/xentri/services/brief/extract"
)

// Kind is what a piece of copy is for.
type Kind string

const (
	KindTagline            Kind = "tagline"             // a line under the name
	KindHero               Kind = "hero"                // the home page's opening
	KindAbout              Kind = "about"               // the about page's story
	KindCTA                Kind = "cta"                 // a call to action
	KindServiceDescription Kind = "service_description" // one product or service
)

// Kinds lists every kind, in the order the API documents them.
func Kinds() []Kind {
	return []Kind{KindTagline, KindHero, KindAbout, KindCTA, KindServiceDescription}
}

// Limits of a request.
const (
	DefaultCount = 3
	MaxCount     = 10
	maxService   = 200
	maxText      = 1000 // characters of one suggestion
)

// SuggestInput is a request for copy. Count is 1 to MaxCount, DefaultCount
// when absent; Service names the product or service a service_description
// is about (one of the Brief's offerings.products), any of them when
// absent.
type SuggestInput struct {
	Kind    string  `json:"kind"`
	Count   *int    `json:"count"`
	Service *string `json:"service"`
}

// Voice is the Brand Voice a suggestion was written in.
type Voice struct {
	Tone         []string `json:"tone"`
	ReadingLevel string   `json:"reading_level"`
	// Family is the tone family the writer wrote in: friendly, professional,
	// bold or calm (from the first tone word it knows; professional when
	// none).
	Family string `json:"family"`
}

// Suggestion is one piece of copy. Cites are the Brief fields
// ("section.field") the text uses, in the Brief's order, each present in
// the Brief and found in the text.
type Suggestion struct {
	Text  string   `json:"text"`
	Kind  Kind     `json:"kind"`
	Cites []string `json:"cites"`
	Voice Voice    `json:"voice"`
}

// Suggestions answer a request: up to the count asked for, fewer when the
// Brief allows no more distinct ones.
type Suggestions struct {
	Kind         Kind         `json:"kind"`
	BriefVersion int          `json:"brief_version"`
	Writer       string       `json:"writer"` // templates or openai
	Suggestions  []Suggestion `json:"suggestions"`
}

// Request is what a writer is asked for.
type Request struct {
	Kind  Kind
	Count int
	// Product is the product or service a service_description is about,
	// as the Brief spells it; empty for any.
	Product string
	Facts   Facts
	Voice   brief.BrandVoice
	Family  string
}

// Draft is a writer's suggestion before the checks: its text and the
// fields it says it used.
type Draft struct {
	Text  string   `json:"text"`
	Cites []string `json:"cites"`
}

// Writer writes drafts of copy from the Brief's facts in the Brand Voice.
// Errors are temporary unless they wrap ErrFinal; a 429 is an
// *extract.RateLimitedError.
type Writer interface {
	Name() string
	Write(ctx context.Context, r Request) ([]Draft, error)
}

// ErrFinal marks a writer error no retry cures (the endpoint refused the
// key, the model or the request).
var ErrFinal = errors.New("copy writing failed for good")

// Service suggests copy from the org's Brief.
type Service struct {
	Brief *brief.Service
	// Events receives xentri.page.updated.v1 on every page save, in the
	// saving transaction.
	Events *events.Writer
	// Writer writes the drafts; Templates when nil. When another writer's
	// drafts all fail the checks, Templates writes instead.
	Writer Writer
	Log    zerolog.Logger
}

// SuggestCopy writes copy of one kind from the org's current Brief, in its
// Brand Voice, in tx (the org gate's transaction; it reads only). An org
// with no Brief is brief.ErrNoBrief (404); a Brief that lacks what the kind
// needs is Unprocessable (422), naming each missing field with the question
// that would fill it.
func (s *Service) SuggestCopy(ctx context.Context, tx pgx.Tx, m access.Membership, in SuggestInput) (Suggestions, error) {
	write, err := s.PrepareCopy(ctx, tx, m, in)
	if err != nil {
		return Suggestions{}, err
	}
	return write(ctx)
}

// PrepareCopy is SuggestCopy in two steps: it reads the Brief and its Brand
// Voice in tx and returns what writes, to call after the transaction (as
// the API does): a writer may be a model that takes seconds, and no
// connection should wait on it.
func (s *Service) PrepareCopy(ctx context.Context, tx pgx.Tx, m access.Membership, in SuggestInput) (func(context.Context) (Suggestions, error), error) {
	if err := m.Need(access.ScopeBriefRead); err != nil {
		return nil, err
	}
	req, version, err := s.prepare(ctx, tx, m.OrgID, in)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) (Suggestions, error) { return s.write(ctx, req, version) }, nil
}

// suggest is SuggestCopy for the org orgID, without a scope check: the
// site drafter calls it for a caller it checked itself.
func (s *Service) suggest(ctx context.Context, tx pgx.Tx, orgID uuid.UUID, in SuggestInput) (Suggestions, error) {
	req, version, err := s.prepare(ctx, tx, orgID, in)
	if err != nil {
		return Suggestions{}, err
	}
	return s.write(ctx, req, version)
}

// prepare reads what a writer needs: the Brief's facts and its Brand Voice.
func (s *Service) prepare(ctx context.Context, tx pgx.Tx, orgID uuid.UUID, in SuggestInput) (Request, int, error) {
	kind, count, service, err := checkInput(in)
	if err != nil {
		return Request{}, 0, err
	}
	k, err := s.Brief.Knowledge(ctx, tx, orgID, brief.CategoryBrandVoice, nil)
	if err != nil {
		return Request{}, 0, fmt.Errorf("suggest copy: %w", err)
	}
	var voice brief.BrandVoice
	if err := json.Unmarshal(k.Category.Data, &voice); err != nil {
		return Request{}, 0, fmt.Errorf("suggest copy: brand voice: %w", err)
	}
	facts := ReadFacts(k.Brief.Data, voice.Avoid)
	if err := facts.enough(kind, k.Brief.Data); err != nil {
		return Request{}, 0, err
	}
	product := ""
	if service != "" {
		if product, err = facts.product(service); err != nil {
			return Request{}, 0, err
		}
	}
	return Request{Kind: kind, Count: count, Product: product, Facts: facts, Voice: voice, Family: FamilyOf(voice.Tone)}, k.Brief.Version, nil
}

// write has the writer write req's drafts and keeps those that pass the
// checks.
func (s *Service) write(ctx context.Context, req Request, version int) (Suggestions, error) {
	kind, voice := req.Kind, req.Voice
	w := s.Writer
	if w == nil {
		w = Templates{}
	}
	drafts, err := w.Write(ctx, req)
	if err != nil {
		return Suggestions{}, s.writerError(w, err)
	}
	kept := Keep(drafts, req)
	if len(kept) == 0 && w.Name() != (Templates{}).Name() {
		s.Log.Warn().Str("writer", w.Name()).Int("drafts", len(drafts)).Str("kind", string(kind)).
			Msg("brand: no draft of the writer passed the checks; the templates write instead")
		w = Templates{}
		if drafts, err = w.Write(ctx, req); err != nil {
			return Suggestions{}, s.writerError(w, err)
		}
		kept = Keep(drafts, req)
	}
	if len(kept) == 0 {
		return Suggestions{}, services.Errorf(services.Unprocessable,
			"No %s could be written from the Brief without a word your Brand Voice avoids (%s): add to the Brief, or change what it avoids.",
			strings.ReplaceAll(string(kind), "_", " "), strings.Join(voice.Avoid, ", "))
	}
	out := Suggestions{Kind: kind, BriefVersion: version, Writer: w.Name(), Suggestions: make([]Suggestion, 0, len(kept))}
	tone := voice.Tone
	if tone == nil {
		tone = []string{}
	}
	for _, d := range kept {
		out.Suggestions = append(out.Suggestions, Suggestion{Text: d.Text, Kind: kind, Cites: d.Cites,
			Voice: Voice{Tone: tone, ReadingLevel: voice.ReadingLevel, Family: req.Family}})
	}
	return out, nil
}

// writerError tells the caller what a writer's failure means for them; the
// cause goes to the logs.
func (s *Service) writerError(w Writer, err error) error {
	var limited *extract.RateLimitedError
	switch {
	case errors.As(err, &limited):
		return &services.Error{Code: services.RateLimited, Message: "The copy writer is busy: try again in a minute.", Err: err}
	case errors.Is(err, ErrFinal):
		s.Log.Error().Err(err).Str("writer", w.Name()).Msg("brand: the copy writer refused the request for good; check XENTRI_LLM_*")
	default:
		s.Log.Warn().Err(err).Str("writer", w.Name()).Msg("brand: the copy writer failed")
	}
	return &services.Error{Code: services.Unavailable, Message: "The copy writer is not available right now: try again later.", Err: err}
}

// checkInput validates a request; each bad field is named.
func checkInput(in SuggestInput) (Kind, int, string, error) {
	bad := map[string]string{}
	kind := Kind(in.Kind)
	if !slices.Contains(Kinds(), kind) {
		names := make([]string, 0, len(Kinds()))
		for _, k := range Kinds() {
			names = append(names, string(k))
		}
		bad["kind"] = "must be one of " + strings.Join(names, ", ")
	}
	count := DefaultCount
	if in.Count != nil {
		count = *in.Count
		if count < 1 || count > MaxCount {
			bad["count"] = fmt.Sprintf("must be from 1 to %d", MaxCount)
		}
	}
	service := ""
	if in.Service != nil {
		service = strings.TrimSpace(*in.Service)
		switch {
		case kind != KindServiceDescription:
			bad["service"] = "is only taken with kind service_description"
		case service == "":
			bad["service"] = "must not be blank"
		case utf8.RuneCountInString(service) > maxService:
			bad["service"] = fmt.Sprintf("must be at most %d characters", maxService)
		}
	}
	if len(bad) > 0 {
		return "", 0, "", &services.Error{Code: services.Invalid, Message: "The request for copy is not valid.", Fields: bad}
	}
	return kind, count, service, nil
}

// needs are the fields each kind cannot do without: all of all, and at
// least one of any.
var needs = map[Kind]struct{ all, any []string }{
	KindTagline:            {all: []string{"offerings.products"}},
	KindHero:               {all: []string{"identity.business_name", "offerings.products"}},
	KindAbout:              {all: []string{"identity.business_name"}, any: []string{"identity.founded_year", "identity.location", "identity.team_size", "differentiators.points"}},
	KindCTA:                {any: []string{"identity.business_name", "offerings.products", "contact.phone", "contact.email"}},
	KindServiceDescription: {all: []string{"offerings.products"}},
}

// enough checks the facts hold what kind needs; if not, an Unprocessable
// naming each missing field with the question from the Brief's missing list.
func (f Facts) enough(kind Kind, d brief.Data) error {
	n := needs[kind]
	var lacking []string
	for _, key := range n.all {
		if !f.usable(key) {
			lacking = append(lacking, key)
		}
	}
	if len(n.any) > 0 && !slices.ContainsFunc(n.any, f.usable) {
		lacking = append(lacking, n.any...)
	}
	if len(lacking) == 0 {
		return nil
	}
	fields := map[string]string{}
	var asks []string
	for _, key := range lacking {
		q := questionFor(d, key)
		if f.has(key) {
			q = "Every value of it uses a word your Brand Voice avoids: add another, or change what the Brand Voice avoids."
		}
		fields[key] = q
		asks = append(asks, q)
	}
	what := strings.Join(lacking, ", ")
	if len(n.any) > 0 && len(lacking) >= len(n.any) && !slices.ContainsFunc(n.all, func(k string) bool { return slices.Contains(lacking, k) }) {
		what = "one of " + what
	}
	return &services.Error{Code: services.Unprocessable, Fields: fields,
		Message: fmt.Sprintf("The Brief does not say enough to write a %s: it needs %s. Ask: %s",
			strings.ReplaceAll(string(kind), "_", " "), what, strings.Join(asks, " "))}
}

// questionFor is the question the Brief's missing list asks for key.
func questionFor(d brief.Data, key string) string {
	section, field, _ := strings.Cut(key, ".")
	for _, m := range d.Missing {
		if m.Section == section && m.Field == field {
			return m.Question
		}
	}
	return fmt.Sprintf("What should the Brief say for %s %s?", section, strings.ReplaceAll(field, "_", " "))
}

// product finds service among the Brief's products, as the Brief spells
// it; Unprocessable when the Brief does not list it.
func (f Facts) product(service string) (string, error) {
	for _, p := range f.all["offerings.products"] {
		if strings.EqualFold(strings.TrimSpace(p), service) {
			if Avoided(p, f.avoid) {
				return "", &services.Error{Code: services.Unprocessable, Message: "That product's name uses a word your Brand Voice avoids.",
					Fields: map[string]string{"service": "uses a word the Brand Voice avoids"}}
			}
			return p, nil
		}
	}
	return "", &services.Error{Code: services.Unprocessable,
		Message: "The Brief does not list that product or service: choose one of its offerings, or add it to the Brief.",
		Fields:  map[string]string{"service": "is not one of the Brief's products: " + shorten(strings.Join(f.all["offerings.products"], ", "), 300)}}
}

func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "..."
}

// Facts are the Brief's values copy can draw on, read once from a
// version's data. The writing fields leave out values that hold an avoided
// word; what the Brief has, and what shows a field used in a text, keep
// them all.
type Facts struct {
	Name     string
	Industry string // how the industry reads in a sentence ("bakery", "plumbing")
	Place    string // the city, else the region, else the country
	Founded  int
	Team     int
	Products []string
	Segments []string
	Points   []string // what sets the business apart
	Phone    string
	Email    string
	Website  string

	all     map[string][]string // citable field -> its values as text
	terms   map[string][]string // citable field -> what shows it used in a text
	present map[string]bool     // every field the Brief has, citable or not
	avoid   []string
}

// citable are the Brief fields copy may cite, in the Brief's order: what
// the business is and offers, not how it sounds (brand_voice) or sells
// (sales), which shape the copy but are not in it.
var citable = []string{
	"identity.business_name", "identity.industry", "identity.location", "identity.founded_year", "identity.team_size",
	"offerings.products", "offerings.price_points", "audience.segments", "goals.goals", "differentiators.points",
	"contact.email", "contact.phone", "contact.website",
}

// Citable lists the fields of the Brief the facts hold that copy may cite,
// in the Brief's order.
func (f Facts) Citable() []string {
	var out []string
	for _, key := range citable {
		if f.has(key) {
			out = append(out, key)
		}
	}
	return out
}

// Values are the citable fields' values, for a writer to show a model:
// strings, lists of strings or integers as the Brief holds them.
func (f Facts) Values() map[string]any {
	out := map[string]any{}
	for _, key := range f.Citable() {
		vs := f.all[key]
		switch key {
		case "identity.founded_year", "identity.team_size":
			n, _ := strconv.Atoi(vs[0])
			out[key] = n
		case "identity.business_name", "identity.industry", "identity.location", "contact.email", "contact.phone", "contact.website":
			out[key] = strings.Join(vs, ", ")
		default:
			out[key] = slices.Clone(vs)
		}
	}
	return out
}

func (f Facts) has(key string) bool { return len(f.all[key]) > 0 }

// usable reports whether a writer can draw on key: the Brief has it, and a
// value of it without an avoided word.
func (f Facts) usable(key string) bool {
	switch key {
	case "identity.business_name":
		return f.Name != ""
	case "identity.industry":
		return f.Industry != ""
	case "identity.location":
		return f.Place != ""
	case "identity.founded_year":
		return f.Founded > 0
	case "identity.team_size":
		return f.Team > 0
	case "offerings.products":
		return len(f.Products) > 0
	case "audience.segments":
		return len(f.Segments) > 0
	case "differentiators.points":
		return len(f.Points) > 0
	case "contact.phone":
		return f.Phone != ""
	case "contact.email":
		return f.Email != ""
	case "contact.website":
		return f.Website != ""
	}
	return f.has(key)
}

// Used reports whether text uses the Brief's field key: one of its values
// (a product, the city, the year) is in the text, as a whole word or
// phrase, in any case.
func (f Facts) Used(text, key string) bool {
	return slices.ContainsFunc(f.terms[key], func(t string) bool { return containsPhrase(text, t) })
}

// ReadFacts reads the Brief's values copy can draw on; values holding a
// word of avoid are kept out of the writing fields.
func ReadFacts(d brief.Data, avoid []string) Facts {
	f := Facts{all: map[string][]string{}, terms: map[string][]string{}, present: map[string]bool{}, avoid: slices.Clone(avoid)}
	for section, s := range d.Sections {
		for field := range s.Fields {
			f.present[section+"."+field] = true
		}
	}
	raw := func(key string) (json.RawMessage, bool) {
		section, field, _ := strings.Cut(key, ".")
		v, ok := d.Sections[section].Fields[field]
		return v.Value, ok && len(v.Value) > 0
	}
	str := func(key string) string {
		var s string
		if v, ok := raw(key); ok && json.Unmarshal(v, &s) == nil {
			return clean(s)
		}
		return ""
	}
	list := func(key string) []string {
		var ss []string
		v, ok := raw(key)
		if !ok || json.Unmarshal(v, &ss) != nil {
			return nil
		}
		var out []string
		for _, s := range ss {
			if s = clean(s); s != "" && !slices.ContainsFunc(out, func(x string) bool { return strings.EqualFold(x, s) }) {
				out = append(out, s)
			}
		}
		return out
	}
	integer := func(key string) int {
		var n int
		if v, ok := raw(key); ok && json.Unmarshal(v, &n) == nil && n > 0 {
			return n
		}
		return 0
	}
	ok := func(s string) bool { return s != "" && !Avoided(s, avoid) }
	keep := func(ss []string) []string {
		return slices.DeleteFunc(slices.Clone(ss), func(s string) bool { return !ok(s) })
	}
	set := func(key string, values []string, terms ...string) {
		if len(values) == 0 {
			return
		}
		f.all[key] = values
		if len(terms) == 0 {
			terms = values
		}
		f.terms[key] = slices.DeleteFunc(slices.Clone(terms), func(t string) bool { return strings.TrimSpace(t) == "" })
	}
	one := func(s string) []string {
		if s == "" {
			return nil
		}
		return []string{s}
	}

	if name := str("identity.business_name"); name != "" {
		set("identity.business_name", one(name))
		if ok(name) {
			f.Name = name
		}
	}
	if id := str("identity.industry"); id != "" {
		phrase, terms := industry(id)
		set("identity.industry", one(id), terms...)
		if ok(phrase) {
			f.Industry = phrase
		}
	}
	var loc extract.Location
	if v, has := raw("identity.location"); has && json.Unmarshal(v, &loc) == nil {
		parts := []string{clean(loc.City), clean(loc.Region), clean(loc.Country)}
		parts = slices.DeleteFunc(parts, func(s string) bool { return s == "" })
		if len(parts) > 0 {
			set("identity.location", one(strings.Join(parts, ", ")), parts...)
			for _, p := range parts {
				if ok(p) {
					f.Place = p
					break
				}
			}
		}
	}
	if n := integer("identity.founded_year"); n > 0 {
		set("identity.founded_year", one(strconv.Itoa(n)))
		f.Founded = n
	}
	if n := integer("identity.team_size"); n > 0 {
		set("identity.team_size", one(strconv.Itoa(n)))
		f.Team = n
	}
	products := list("offerings.products")
	set("offerings.products", products)
	f.Products = keep(products)
	var prices []extract.PricePoint
	if v, has := raw("offerings.price_points"); has && json.Unmarshal(v, &prices) == nil {
		var labels, terms []string
		for _, p := range prices {
			if l := clean(p.Label); l != "" {
				labels = append(labels, l)
				terms = append(terms, l)
			}
			terms = append(terms, amounts(p.Amount)...)
		}
		set("offerings.price_points", labels, terms...)
	}
	segments := list("audience.segments")
	set("audience.segments", segments)
	f.Segments = keep(segments)
	set("goals.goals", list("goals.goals"))
	points := list("differentiators.points")
	set("differentiators.points", points)
	f.Points = keep(points)
	for key, dst := range map[string]*string{"contact.phone": &f.Phone, "contact.email": &f.Email, "contact.website": &f.Website} {
		if s := str(key); s != "" {
			set(key, one(s))
			if ok(s) {
				*dst = s
			}
		}
	}
	return f
}

// clean trims a value for use in a sentence: spaces, and the punctuation
// that would end the sentence early.
func clean(s string) string {
	return strings.TrimRight(strings.Join(strings.Fields(s), " "), ".!?;:, ")
}

// industry is how an industry id reads in a sentence, and the words that
// show it used: its taxonomy label ("Plumbing": plumbing), the first
// alternative of a label with several ("Café / coffee shop": café).
func industry(id string) (string, []string) {
	plain := strings.ToLower(strings.ReplaceAll(id, "_", " "))
	for _, ind := range extract.Industries() {
		if ind.ID == id {
			first, _, _ := strings.Cut(ind.Label, " / ")
			phrase := strings.ToLower(strings.TrimSpace(first))
			return phrase, []string{phrase, strings.ToLower(ind.Label), plain}
		}
	}
	return plain, []string{plain}
}

// amounts are how a price in minor units may be written: 450 as 4.50,
// 4,50 or (whole) 4.
func amounts(minor int64) []string {
	major, cents := minor/100, minor%100
	out := []string{fmt.Sprintf("%d.%02d", major, cents), fmt.Sprintf("%d,%02d", major, cents)}
	if cents == 0 {
		out = append(out, strconv.FormatInt(major, 10))
	}
	return out
}

// Keep passes a writer's drafts through the checks and returns up to
// r.Count of them: a draft is dropped when it is blank or too long, cites
// a field the Brief does not have (or not a field at all), uses no
// citable field it cites, holds a word the Brand Voice avoids or a number the Brief does
// not, or repeats an earlier one; a cited field the text does not use is
// dropped from its cites. The cites come out in the Brief's order.
func Keep(drafts []Draft, r Request) []Draft {
	var out []Draft
	seen := map[string]bool{}
	for _, d := range drafts {
		text := strings.Join(strings.Fields(d.Text), " ")
		if text == "" || utf8.RuneCountInString(text) > maxText || strings.ContainsRune(text, 0) {
			continue
		}
		if slices.ContainsFunc(d.Cites, func(c string) bool { return !r.Facts.present[c] }) {
			continue // cites what the Brief does not say: made up
		}
		var cites []string
		for _, key := range citable {
			if slices.Contains(d.Cites, key) && r.Facts.Used(text, key) {
				cites = append(cites, key)
			}
		}
		if len(cites) == 0 || Avoided(text, r.Voice.Avoid) || !r.Facts.numbersGrounded(text) {
			continue
		}
		if r.Kind == KindServiceDescription && !slices.Contains(cites, "offerings.products") {
			continue
		}
		if r.Product != "" && !containsPhrase(text, r.Product) {
			continue
		}
		norm := strings.ToLower(text)
		if seen[norm] {
			continue
		}
		seen[norm] = true
		out = append(out, Draft{Text: text, Cites: cites})
		if len(out) == r.Count {
			break
		}
	}
	return out
}

var number = regexp.MustCompile(`\d+(?:[.,]\d+)*`)

// numbersGrounded reports whether every number in text is in a value of
// the Brief: a writer may not make up a year, a price or a count.
func (f Facts) numbersGrounded(text string) bool {
	var values []string
	for _, key := range citable {
		values = append(values, f.all[key]...)
		values = append(values, f.terms[key]...)
	}
	for _, n := range number.FindAllString(text, -1) {
		if !slices.ContainsFunc(values, func(v string) bool { return strings.Contains(v, n) }) {
			return false
		}
	}
	return true
}

// styleWords are what an avoid entry that names a style (rather than a
// word) rules out.
var styleWords = map[string][]string{
	"slang": {"gonna", "wanna", "gotta", "awesome", "cool", "yeah", "folks", "y'all"},
	"hype":  {"best", "amazing", "incredible", "revolutionary", "world-class", "unbeatable", "ultimate", "game-changing"},
	"jargon": {"synergy", "leverage", "solutions", "best-in-class", "paradigm",
		"stakeholders"},
	"vague claims": {"best", "leading", "world-class", "number one", "top-quality"},
}

var contraction = regexp.MustCompile(`(?i)\b[\p{L}]+['’](?:re|ve|ll|m|d)\b|\b[\p{L}]+n['’]t\b|\b(?:it|that|there|here|what|let|who|where)['’]s\b`)

// Avoided reports whether text holds a word or phrase of avoid, in any
// case, as a whole word or with an inflection (cheap: cheaper, cheaply),
// or breaks a style avoid names: "exclamation marks" (!), "contractions"
// (we're, don't), "slang", "hype", "jargon", "vague claims" (their usual
// words).
func Avoided(text string, avoid []string) bool {
	for _, a := range avoid {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		if containsWord(text, a) {
			return true
		}
		low := strings.ToLower(a)
		switch {
		case strings.Contains(low, "exclamation"):
			if strings.ContainsAny(text, "!¡") {
				return true
			}
		case strings.Contains(low, "contraction"):
			if contraction.MatchString(text) {
				return true
			}
		}
		for _, w := range styleWords[low] {
			if containsWord(text, w) {
				return true
			}
		}
	}
	return false
}

// containsWord reports whether text holds phrase as whole words, in any
// case, allowing a common inflection after it.
func containsWord(text, phrase string) bool {
	return phraseIn(text, phrase, true)
}

// containsPhrase reports whether text holds phrase as whole words, in any
// case.
func containsPhrase(text, phrase string) bool {
	return phraseIn(text, phrase, false)
}

var inflections = []string{"s", "es", "ed", "d", "ing", "er", "est", "ly", "'s", "’s"}

func phraseIn(text, phrase string, inflected bool) bool {
	t, p := strings.ToLower(text), strings.ToLower(strings.Join(strings.Fields(phrase), " "))
	t = strings.Join(strings.Fields(t), " ")
	if p == "" {
		return false
	}
	for i := 0; i <= len(t)-len(p); {
		j := strings.Index(t[i:], p)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(p)
		if boundaryBefore(t, start) {
			if boundaryAt(t, end) {
				return true
			}
			if inflected {
				for _, suffix := range inflections {
					if strings.HasPrefix(t[end:], suffix) && boundaryAt(t, end+len(suffix)) {
						return true
					}
				}
			}
		}
		_, size := utf8.DecodeRuneInString(t[start:])
		i = start + size
	}
	return false
}

func wordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func boundaryBefore(s string, i int) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return !wordRune(r)
}

func boundaryAt(s string, i int) bool {
	if i >= len(s) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return !wordRune(r)
}

// families name the tone words each tone family answers.
var families = []struct {
	name  string
	words []string
}{
	{"friendly", []string{"friendly", "playful", "casual", "fun", "cheerful", "quirky", "witty", "humorous", "chatty", "approachable"}},
	{"professional", []string{"professional", "formal", "expert", "technical", "honest", "trustworthy", "reliable", "luxury", "serious",
		"authoritative", "premium", "sophisticated", "elegant", "precise"}},
	{"bold", []string{"bold", "energetic", "confident", "dynamic", "exciting", "passionate", "ambitious", "edgy", "punchy", "enthusiastic", "loud"}},
	{"calm", []string{"calm", "warm", "gentle", "caring", "relaxed", "soothing", "welcoming", "kind", "empathetic", "cosy", "cozy", "peaceful", "soft"}},
}

// Families lists the tone families.
func Families() []string {
	out := make([]string, 0, len(families))
	for _, f := range families {
		out = append(out, f.name)
	}
	return out
}

// FamilyOf is the family of the first tone word a family answers;
// professional when none does.
func FamilyOf(tone []string) string {
	for _, t := range tone {
		t = strings.ToLower(strings.TrimSpace(t))
		for _, f := range families {
			if slices.Contains(f.words, t) {
				return f.name
			}
		}
	}
	return "professional"
}
