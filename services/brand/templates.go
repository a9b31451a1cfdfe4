package brand

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Templates is the offline writer: templates per kind and per tone family,
// filled from the Brief's facts. Same request, same drafts, in the same
// order: first one from each of the family's templates, then from the
// templates every family shares, then again with the next product,
// audience and differentiator. A template naming a fact the Brief lacks is
// skipped, so every draft reads whole.
type Templates struct{}

var _ Writer = Templates{}

// Name names the writer in answers.
func (Templates) Name() string { return "templates" }

// maxVariants bounds how many times the templates are filled, each time
// with the next product, audience and differentiator.
const maxVariants = 10

// Write fills the templates of r's kind and family. It returns every
// draft it can make, more than r.Count; Keep chooses.
func (Templates) Write(_ context.Context, r Request) ([]Draft, error) {
	pool := slices.Concat(templates[r.Kind][r.Family], shared[r.Kind])
	f := r.Facts
	variants := min(max(len(f.Products), len(f.Segments), len(f.Points), 1), maxVariants)
	var out []Draft
	for v := range variants {
		for i, tpl := range pool {
			product := r.Product
			if product == "" && len(f.Products) > 0 {
				n := v
				if r.Kind == KindServiceDescription {
					n = v + i // one product after another
				}
				product = f.Products[n%len(f.Products)]
			}
			if r.Kind == KindServiceDescription && !strings.Contains(strings.ToLower(tpl), "{product}") {
				continue
			}
			if text, cites, ok := fill(tpl, f, product, v); ok {
				out = append(out, Draft{Text: text, Cites: cites})
			}
		}
	}
	return out, nil
}

// slots are the placeholders a template may hold, each with the field it
// draws on. A placeholder written with a capital ({Product}) starts a
// sentence.
var slots = map[string]string{
	"name":     "identity.business_name",
	"business": "identity.industry", // "a bakery business"
	"place":    "identity.location",
	"year":     "identity.founded_year",
	"team":     "identity.team_size",
	"product":  "offerings.products",
	"products": "offerings.products",
	"segment":  "audience.segments",
	"segments": "audience.segments",
	"point":    "differentiators.points",
	"phone":    "contact.phone",
	"email":    "contact.email",
	"website":  "contact.website",
}

// fill fills tpl's placeholders from the facts (product the one it is
// about, v the variant); ok is false when one of them has no value.
func fill(tpl string, f Facts, product string, v int) (string, []string, bool) {
	pick := func(list []string) string {
		if len(list) == 0 {
			return ""
		}
		return list[v%len(list)]
	}
	value := func(slot string) string {
		switch slot {
		case "name":
			return f.Name
		case "business":
			if f.Industry == "" {
				return ""
			}
			return article(f.Industry) + " " + f.Industry + " business"
		case "place":
			return f.Place
		case "year":
			if f.Founded == 0 {
				return ""
			}
			return strconv.Itoa(f.Founded)
		case "team":
			if f.Team < 2 { // "a team of 1" reads wrong
				return ""
			}
			return strconv.Itoa(f.Team)
		case "product":
			return product
		case "products":
			return join(rotate(f.Products, product), 3)
		case "segment":
			return pick(f.Segments)
		case "segments":
			return join(rotate(f.Segments, pick(f.Segments)), 2)
		case "point":
			return pick(f.Points)
		case "phone":
			return f.Phone
		case "email":
			return f.Email
		case "website":
			return f.Website
		}
		return ""
	}
	var b strings.Builder
	var cites []string
	rest := tpl
	for {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			b.WriteString(rest)
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return "", nil, false // a broken template; the tests catch it
		}
		b.WriteString(rest[:i])
		name := rest[i+1 : i+j]
		slot := strings.ToLower(name)
		field, known := slots[slot]
		val := value(slot)
		if !known || val == "" {
			return "", nil, false
		}
		if r, _ := utf8.DecodeRuneInString(name); unicode.IsUpper(r) {
			val = capitalize(val)
		}
		b.WriteString(val)
		if !slices.Contains(cites, field) {
			cites = append(cites, field)
		}
		rest = rest[i+j+1:]
	}
	return b.String(), cites, true
}

// rotate puts first at the front of list, keeping the others' order.
func rotate(list []string, first string) []string {
	i := slices.Index(list, first)
	if i <= 0 {
		return list
	}
	return slices.Concat(list[i:], list[:i])
}

// join lists up to n items: "a", "a and b", "a, b and c".
func join(items []string, n int) string {
	items = items[:min(len(items), n)]
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

func capitalize(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[size:]
}

// article is "a" or "an" before phrase, by its sound: an acronym by its
// first letter's name (an IT, a PR), a word by its first letter (an
// electrician, a bakery).
func article(phrase string) string {
	word, _, _ := strings.Cut(phrase, " ")
	if len(word) > 1 && strings.ToUpper(word) == word {
		if strings.ContainsRune("AEFHILMNORSX", rune(word[0])) {
			return "an"
		}
		return "a"
	}
	if strings.ContainsRune("aeioAEIO", []rune(word + " ")[0]) {
		return "an"
	}
	return "a"
}

// templates are each kind's templates per tone family. Each reads as a
// whole sentence once filled; a product or an audience never governs a
// verb (it may be one or many), and a differentiator stands as a sentence
// of its own ({Point}.).
var templates = map[Kind]map[string][]string{
	KindTagline: {
		"friendly": {
			"{Product} you'll love, right here in {place}.",
			"{name}: happy to help with {products}.",
			"Hello, {place}! {Products} from {name}.",
			"{Products} for {segments}, with a smile.",
		},
		"professional": {
			"{name}: {products} you can rely on.",
			"Reliable {product} for {segments}.",
			"{Products} in {place}, done properly.",
			"{name}, {place}. {Point}.",
		},
		"bold": {
			"{Products}. No compromises.",
			"{name}: {product}, done right.",
			"Big on {product}. Made for {segments}.",
			"{Point}. That's {name}.",
		},
		"calm": {
			"Thoughtful {product} for {segments}.",
			"Welcome to {name}, home of {products}.",
			"{Products}, made with care in {place}.",
			"Take your time. {Point}.",
		},
	},
	KindHero: {
		"friendly": {
			"Hi, we're {name}! We bring {products} to {segments} in {place}.",
			"Looking for {product} in {place}? {name} is happy to help.",
			"Say hello to {name}: {products} for {segments}, with a smile.",
			"{name} is all about {products}. {Point}.",
		},
		"professional": {
			"{name} offers {products} for {segments} in {place}.",
			"{Products} from {name}, serving {place} since {year}.",
			"{name} provides {products} for {segments}. {Point}.",
			"Reliable {products} in {place}. {Point}.",
		},
		"bold": {
			"{Products} with a difference. {name}, {place}.",
			"Ready for {product}? {name} is ready when you are.",
			"{Point}. {name} brings {products} to {place}.",
			"{name}: {products} for {segments} who want more.",
		},
		"calm": {
			"Welcome to {name}. We offer {products} for {segments}, with care and without rush.",
			"{Products} in {place}, at an easy pace. {name} is here when you need us.",
			"Since {year}, {name} has welcomed {segments} in {place}.",
			"At {name}, we take time over {products}. {Point}.",
		},
	},
	KindAbout: {
		"friendly": {
			"Hi, we're {name}! We've been {business} in {place} since {year}, and we're happy to help with {products}.",
			"We're {name}, a team of {team} who love what we do. {Point}.",
			"{name} is a friendly team in {place}. We look after {segments}, and we're always happy to help.",
			"{name} started in {year}. Today we bring {products} to {segments}, and we'd love to meet you.",
		},
		"professional": {
			"Founded in {year}, {name} is {business} based in {place}. We offer {products} for {segments}.",
			"{name} is a team of {team} providing {products} in {place}. {Point}.",
			"{name} has served {segments} since {year}. {Point}.",
			"{name} is {business} in {place}. {Point}.",
		},
		"bold": {
			"{name} started in {year} with one aim: to raise the bar in {place}. {Point}.",
			"A team of {team}. One focus: {products}. That's {name}.",
			"{name} doesn't do average. {Point}. {Products} for {segments}, every time.",
			"{name} is {business} that does things differently. {Point}.",
		},
		"calm": {
			"{name} began in {year} in {place}, and we have cared for {segments} ever since. {Point}.",
			"We are {name}, a small team of {team} in {place}. We take our time over {products}, so you can relax.",
			"At {name}, {segments} in {place} find a warm welcome and {products}.",
			"{name} is {business} with a gentle approach. {Point}.",
		},
	},
	KindCTA: {
		"friendly": {
			"Say hello! Call {name} on {phone}.",
			"Got a question about {product}? We're happy to help: {email}.",
			"Pop in and see us in {place}!",
			"Fancy a chat about {product}? Give {name} a ring on {phone}.",
		},
		"professional": {
			"Ask {name} about {products} today.",
			"Speak to our team on {phone}.",
			"Email {email} to get started with {name}.",
			"Contact {name} in {place} to discuss {product}.",
		},
		"bold": {
			"Ready? Call {phone} now.",
			"Get your {product} from {name} today.",
			"Don't wait. Email {email} today.",
			"Want {product} done right? Talk to {name} now.",
		},
		"calm": {
			"Whenever you are ready, {name} is here: {phone}.",
			"Drop us a note at {email}, and we will get back to you.",
			"Come and visit {name} in {place}.",
			"Take your time, and ask us about {product} when it suits you.",
		},
	},
	KindServiceDescription: {
		"friendly": {
			"{Product} from {name}, for {segments}. {Point}.",
			"Looking for {product} in {place}? {name} is happy to help.",
			"We love {product}, and we think you will too. Ask {name} and we'll help you choose.",
			"{Product}, with a friendly face: {name} looks after {segments} in {place}.",
			"Fancy {product}? {name} has you covered.",
		},
		"professional": {
			"{name} provides {product} for {segments} in {place}. {Point}.",
			"Choose {name} for {product}. {Point}.",
			"{Product} by {name}, serving {place} since {year}.",
			"Reliable {product} for {segments}, from {name}.",
		},
		"bold": {
			"{Product}, done the {name} way. {Point}.",
			"Serious about {product}? So is {name}.",
			"{Product} for {segments} who want more. {Point}.",
			"{Product} with a difference, from {name} in {place}.",
		},
		"calm": {
			"{Product} with {name}: unhurried, careful, and tailored to you.",
			"At {name}, we take time and care over {product}, for {segments} in {place}.",
			"{Product}, gently done. {Point}.",
			"Let {name} look after {product} for you, at a pace that suits you.",
		},
	},
}

// shared are each kind's templates for every family: plain enough for any
// voice, they follow the family's own.
var shared = map[Kind][]string{
	KindTagline: {
		"{name}: {products} in {place}.",
		"{Products} for {segments}.",
		"{name}. {Point}.",
		"{Products}, from {name}.",
	},
	KindHero: {
		"{name}: {products} in {place}.",
		"{Products} for {segments}, from {name}.",
		"{name} offers {products}. {Point}.",
		"Discover {products} at {name}.",
	},
	KindAbout: {
		"{name} is {business} in {place}.",
		"{name} offers {products}. {Point}.",
		"{name} has been in business since {year}.",
	},
	KindCTA: {
		"Contact {name} at {email}.",
		"Call {name} on {phone}.",
		"Ask {name} about {product}.",
		"Visit {website} to learn more about {name}.",
		"Get in touch with {name} today.",
		"Talk to {name} about what you need.",
	},
	KindServiceDescription: {
		"{Product} from {name}. {Point}.",
		"{name} offers {product} for {segments}.",
		"{Product} in {place}, from {name}.",
		"{Product} for {segments}, from {name}.",
		"Discover {product} at {name}.",
	},
}
