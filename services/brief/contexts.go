package brief

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/access"
)

// The knowledge hierarchy of seed ADR-001: the Universal Brief is the
// shared source of truth; each category context (brand voice, sales
// pipeline, website) is derived from it, one per Brief version; a module
// context (website pages, quote templates) is the module's own
// configuration. A consumer reads them in that order, through Knowledge.

// Category names a category context.
type Category string

const (
	CategoryBrandVoice    Category = "brand_voice"
	CategorySalesPipeline Category = "sales_pipeline"
	CategoryWebsite       Category = "website"
)

// Categories lists every category, in a fixed order.
func Categories() []Category {
	return []Category{CategoryBrandVoice, CategorySalesPipeline, CategoryWebsite}
}

// ParseCategory accepts a category's name; anything else is NotFound (it
// names a context that does not exist).
func ParseCategory(s string) (Category, error) {
	if c := Category(s); slices.Contains(Categories(), c) {
		return c, nil
	}
	return "", services.Errorf(services.NotFound, "There is no %q context: the categories are brand_voice, sales_pipeline and website.", shorten(s))
}

// Context is one category context of one Brief version.
type Context struct {
	Category Category        `json:"category"`
	Version  int             `json:"version"`
	Data     json.RawMessage `json:"data"`
}

// BrandVoice is how the business speaks.
type BrandVoice struct {
	Tone []string `json:"tone"`
	// Use are words and phrases to use, from the tone and what sets the
	// business apart; Avoid those never to use.
	Use          []string `json:"use"`
	Avoid        []string `json:"avoid"`
	ReadingLevel string   `json:"reading_level"`
}

// SalesPipeline is how the business sells.
type SalesPipeline struct {
	// Stages a lead goes through, each on a lead status; named after how
	// the business sells (a quote, a consultation).
	Stages []Stage `json:"stages"`
	// FollowUpCadenceDays are when a new lead is followed up, in days
	// after it arrives; absent when the Brief does not say.
	FollowUpCadenceDays []int `json:"follow_up_cadence_days,omitempty"`
}

// Stage is one stage of the pipeline.
type Stage struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status"` // the lead status it is (services/sales)
}

// Website is the outline of the business's website.
type Website struct {
	Pages []Page `json:"pages"`
}

// Page is one page of the website outline.
type Page struct {
	Slug    string `json:"slug"`
	Title   string `json:"title"`
	Purpose string `json:"purpose"`
	// DrawsOn names the Brief fields ("section.field") the page uses that
	// the Brief has.
	DrawsOn []string `json:"draws_on"`
}

// Contexts are the three category contexts of one Brief version.
type Contexts struct {
	BrandVoice    BrandVoice    `json:"brand_voice"`
	SalesPipeline SalesPipeline `json:"sales_pipeline"`
	Website       Website       `json:"website"`
}

// Derive derives the category contexts from a version's data. It is pure:
// the same data gives the same contexts.
func Derive(d Data) Contexts {
	return Contexts{BrandVoice: deriveBrandVoice(d), SalesPipeline: deriveSalesPipeline(d), Website: deriveWebsite(d)}
}

// of returns the category's context as JSON.
func (c Contexts) of(cat Category) json.RawMessage {
	var v any
	switch cat {
	case CategoryBrandVoice:
		v = c.BrandVoice
	case CategorySalesPipeline:
		v = c.SalesPipeline
	case CategoryWebsite:
		v = c.Website
	}
	raw, _ := json.Marshal(v) // plain structs of strings and ints
	return raw
}

func (d Data) strings(section, field string) []string {
	f, ok := d.field(section, field)
	if !ok {
		return nil
	}
	var out []string
	if json.Unmarshal(f.Value, &out) == nil {
		return out
	}
	var one string
	if json.Unmarshal(f.Value, &one) == nil && one != "" {
		return []string{one}
	}
	return nil
}

func (d Data) ints(section, field string) []int {
	f, ok := d.field(section, field)
	if !ok {
		return nil
	}
	var out []int
	_ = json.Unmarshal(f.Value, &out)
	return out
}

func (d Data) has(section, field string) bool {
	_, ok := d.field(section, field)
	return ok
}

// toneWords are the words each tone brings to use, and to avoid.
var toneWords = map[string]struct{ use, avoid []string }{
	"friendly":     {[]string{"you", "we", "happy to help"}, []string{"jargon"}},
	"warm":         {[]string{"you", "we", "welcome"}, []string{"cold formalities"}},
	"casual":       {[]string{"you", "we"}, []string{"stiff formal phrases"}},
	"playful":      {[]string{"fun", "enjoy"}, []string{"dry technical language"}},
	"professional": {[]string{"reliable", "experienced", "on time"}, []string{"slang", "exclamation marks"}},
	"formal":       {[]string{"service", "quality"}, []string{"slang", "contractions"}},
	"expert":       {[]string{"proven", "specialist"}, []string{"vague claims"}},
	"technical":    {[]string{"precise", "specification"}, []string{"vague claims"}},
	"honest":       {[]string{"straightforward", "no surprises"}, []string{"hype"}},
	"luxury":       {[]string{"crafted", "exclusive"}, []string{"cheap", "discount"}},
}

func deriveBrandVoice(d Data) BrandVoice {
	v := BrandVoice{Tone: d.strings("brand_voice", "tone"), Use: []string{}, Avoid: []string{}}
	if v.Tone == nil {
		v.Tone = []string{}
	}
	add := func(list *[]string, words ...string) {
		for _, w := range words {
			w = strings.TrimSpace(w)
			if w != "" && !slices.ContainsFunc(*list, func(x string) bool { return strings.EqualFold(x, w) }) {
				*list = append(*list, w)
			}
		}
	}
	level := "plain, grade 8"
	for _, t := range v.Tone {
		key := strings.ToLower(strings.TrimSpace(t))
		if w, ok := toneWords[key]; ok {
			add(&v.Use, w.use...)
			add(&v.Avoid, w.avoid...)
		}
		switch key {
		case "friendly", "casual", "playful", "warm":
			level = "plain, grade 6"
		case "professional", "formal", "expert", "technical", "luxury":
			if level == "plain, grade 8" {
				level = "clear, grade 10"
			}
		}
	}
	add(&v.Use, d.strings("differentiators", "points")...)
	add(&v.Avoid, d.strings("brand_voice", "avoid")...)
	v.ReadingLevel = level
	return v
}

func deriveSalesPipeline(d Data) SalesPipeline {
	words := strings.ToLower(strings.Join(slices.Concat(d.strings("offerings", "products"), d.strings("goals", "goals"),
		d.strings("differentiators", "points"), d.strings("identity", "industry"), d.strings("audience", "segments")), " "))
	p := SalesPipeline{Stages: []Stage{
		{"new", "New", "new"}, {"contacted", "Contacted", "contacted"}, {"qualified", "Qualified", "qualified"},
		{"won", "Won", "won"}, {"lost", "Lost", "lost"},
	}}
	switch {
	case strings.Contains(words, "quote") || strings.Contains(words, "estimate"):
		p.Stages[0].Name, p.Stages[2] = "New enquiry", Stage{"quote_sent", "Quote sent", "qualified"}
	case strings.Contains(words, "consult"):
		p.Stages[0].Name, p.Stages[2] = "New enquiry", Stage{"consultation_booked", "Consultation booked", "qualified"}
	case strings.Contains(words, "booking") || strings.Contains(words, "appointment"):
		p.Stages[2] = Stage{"booked", "Booked", "qualified"}
	}
	p.FollowUpCadenceDays = cadence(d.ints("sales", "follow_up_days"))
	return p
}

// cadence makes days a usable cadence (sorted, once each, 1 to 365, at most
// 20); nil when nothing usable is left.
func cadence(days []int) []int {
	var out []int
	for _, n := range days {
		if n >= 1 && n <= 365 && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	if len(out) > 20 {
		out = out[:20]
	}
	return out
}

func deriveWebsite(d Data) Website {
	uses := func(fields ...string) []string {
		out := []string{}
		for _, f := range fields {
			s, name, _ := strings.Cut(f, ".")
			if d.has(s, name) {
				out = append(out, f)
			}
		}
		return out
	}
	offer := Page{Slug: "services", Title: "Services"}
	industry := strings.ToLower(strings.Join(d.strings("identity", "industry"), " "))
	for _, w := range []string{"retail", "shop", "store", "commerce", "bakery", "food", "craft", "product"} {
		if strings.Contains(industry, w) {
			offer = Page{Slug: "products", Title: "Products"}
			break
		}
	}
	offer.Purpose = "What the business offers, and for whom."
	offer.DrawsOn = uses("offerings.products", "audience.segments", "differentiators.points", "brand_voice.tone")
	pages := []Page{
		{Slug: "home", Title: "Home", Purpose: "Say who the business is, what it offers and why choose it, and lead visitors to get in touch.",
			DrawsOn: uses("identity.business_name", "identity.industry", "identity.location", "offerings.products", "audience.segments",
				"differentiators.points", "goals.goals", "brand_voice.tone")},
		{Slug: "about", Title: "About", Purpose: "The story and the people behind the business.",
			DrawsOn: uses("identity.business_name", "identity.founded_year", "identity.team_size", "identity.location",
				"differentiators.points", "brand_voice.tone")},
		offer,
	}
	if d.has("offerings", "price_points") {
		pages = append(pages, Page{Slug: "pricing", Title: "Pricing", Purpose: "What the main offerings cost.",
			DrawsOn: uses("offerings.price_points", "offerings.products", "brand_voice.tone")})
	}
	pages = append(pages, Page{Slug: "contact", Title: "Contact", Purpose: "How to reach the business; the contact form makes a lead.",
		DrawsOn: uses("contact.email", "contact.phone", "contact.website", "identity.location", "identity.business_name")})
	return Website{Pages: pages}
}

// Knowledge is what a consumer of the Brief (a category agent, a module)
// works from, read in the order of seed ADR-001: the Universal Brief, then
// the category context derived from that same version, then the module's
// own context.
type Knowledge struct {
	Brief    Brief   `json:"brief"`
	Category Context `json:"category"`
	// Module is the module's own context (website pages, quote
	// templates), as the module's reader returned it; absent when the
	// consumer has none.
	Module json.RawMessage `json:"module,omitempty"`
}

// ModuleReader reads a module's own context, once the Brief and its
// category context are known (it may adapt what it reads to them).
type ModuleReader func(ctx context.Context, tx pgx.Tx, orgID uuid.UUID, b Brief, category Context) (json.RawMessage, error)

// Knowledge is the one way every consumer reads the Brief: the org's
// current Brief, then the category context of the same version, then (when
// module is not nil) the module context, all in tx, the org's tenant
// transaction. An org with no Brief yet is ErrNoBrief. It checks no scope:
// its callers (workflow activities, other contexts' services) act for the
// org, and check their own callers.
func (s *Service) Knowledge(ctx context.Context, tx pgx.Tx, orgID uuid.UUID, category Category, module ModuleReader) (Knowledge, error) {
	if _, err := ParseCategory(string(category)); err != nil {
		return Knowledge{}, err
	}
	st := storeIn(tx)
	b, err := st.current(ctx, orgID)
	if err != nil {
		return Knowledge{}, fmt.Errorf("brief knowledge: %w", err)
	}
	c, err := st.context(ctx, orgID, b.Version, category)
	if err != nil {
		return Knowledge{}, fmt.Errorf("brief knowledge: %w", err)
	}
	k := Knowledge{Brief: b, Category: c}
	if module != nil {
		if k.Module, err = module(ctx, tx, orgID, b, c); err != nil {
			return Knowledge{}, fmt.Errorf("brief knowledge: module context: %w", err)
		}
	}
	return k, nil
}

// Context returns a category context of the org's current Brief version.
func (s *Service) Context(ctx context.Context, tx pgx.Tx, m access.Membership, category string) (Context, error) {
	if err := m.Need(access.ScopeBriefRead); err != nil {
		return Context{}, err
	}
	cat, err := ParseCategory(category)
	if err != nil {
		return Context{}, err
	}
	k, err := s.Knowledge(ctx, tx, m.OrgID, cat, nil)
	if err != nil {
		return Context{}, err
	}
	return k.Category, nil
}
