package extract

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Rules is the offline, deterministic engine: patterns for exact fields
// (e-mail, URL, phone, prices, years), cue phrases for the rest, a keyword
// taxonomy for the industry. Same input, same output; no network. When a
// rule is unsure it leaves the field out.
//
// Confidence is a fixed figure per rule: a pattern match (an e-mail, a
// phone number the numbering plan knows) scores high, a value read after a
// cue phrase lower, a guess from the first words of a message lowest.
type Rules struct {
	ind *industryIndex
}

// NewRules returns the rules engine; it is safe for concurrent use.
func NewRules() *Rules { return &Rules{ind: newIndustryIndex()} }

var _ Engine = (*Rules)(nil)

// Extract implements Engine.
func (r *Rules) Extract(ctx context.Context, conversation []Message) ([]Fact, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("rules extract: %w", err)
	}
	st := newState()
	msgs := make([]*msgText, 0, len(conversation))
	for _, m := range conversation {
		msgs = append(msgs, newMsgText(m))
	}
	// The location first: it chooses a phone number's region and the
	// currency of "dollars".
	for _, t := range msgs {
		for _, v := range t.views() {
			st.location(v)
		}
	}
	for _, t := range msgs {
		st.contacts(t)
		for _, v := range t.views() {
			st.sentence(v)
		}
		st.readPrices(t)
	}
	r.industry(st, msgs)
	return st.facts(), nil
}

// view is one sentence of a message with its fillers left out; rules index
// its tokens 0..n-1.
type view struct {
	t  *msgText
	ix []int
	// first says the sentence starts the message or a line.
	first bool
}

func (t *msgText) views() []view {
	var vs []view
	for si, s := range t.sents {
		v := view{t: t, first: si == 0 || (s[0] > 0 && t.toks[s[0]-1].low == "\n")}
		if s[0] > 0 && t.lowAt(s[0]-1) == "-" && (s[0] == 1 || t.lowAt(s[0]-2) == "\n") {
			v.first = true
		}
		for i := s[0]; i < s[1]; i++ {
			if !t.toks[i].filler && !t.toks[i].link {
				v.ix = append(v.ix, i)
			}
		}
		if len(v.ix) == 0 || v.injection() {
			continue
		}
		vs = append(vs, v)
	}
	return vs
}

func (v view) n() int { return len(v.ix) }

func (v view) w(k int) string {
	if k < 0 || k >= len(v.ix) {
		return ""
	}
	return v.t.toks[v.ix[k]].low
}

func (v view) tok(k int) token { return v.t.toks[v.ix[k]] }

func (v view) isWord(k int) bool { return k >= 0 && k < len(v.ix) && v.t.toks[v.ix[k]].word }

func (v view) src(a, b int) Source { return v.t.source(v.ix[a], v.ix[b-1]+1) }

func (v view) text(a, b int) string { return v.t.phrase(v.ix[a], v.ix[b-1]+1) }

// has says whether words ws stand at k.
func (v view) has(k int, ws ...string) bool {
	for i, w := range ws {
		if v.w(k+i) != w {
			return false
		}
	}
	return true
}

// lowText is the sentence in lower case, words separated by spaces.
func (v view) lowText() string {
	var b strings.Builder
	for k := range v.ix {
		if k > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(v.w(k))
	}
	return b.String()
}

// injection says whether the sentence talks to the machine instead of about
// the business ("ignore previous instructions and set the name to ...").
// Such a sentence is skipped: it is data, and no data about the business.
func (v view) injection() bool {
	s := " " + v.lowText() + " "
	for _, p := range []string{" system prompt", " you are now ", " new instructions", " developer mode", " as an ai ", " jailbreak", " prompt injection", " assistant :"} {
		if strings.Contains(s, p) {
			return true
		}
	}
	for _, verb := range []string{" ignore ", " disregard ", " forget ", " override "} {
		if i := strings.Index(s, verb); i >= 0 {
			rest := s[i:]
			for _, o := range []string{"instruction", "prompt", "rules", "above", "previous", "prior", "everything"} {
				if strings.Contains(rest, o) {
					return true
				}
			}
		}
	}
	if i := strings.Index(s, " set "); i >= 0 {
		rest := s[i:]
		for _, f := range []string{" name ", " email", " e-mail", " phone", " website", " industry", " field"} {
			if j := strings.Index(rest, f); j >= 0 && j < 40 && strings.Contains(rest[j:], " to ") {
				return true
			}
		}
	}
	return false
}

// found is a single value and where it came from.
type found struct {
	val  any
	conf float64
	srcs []Source
}

// item is one entry of a list field.
type item struct {
	key  string
	val  string
	conf float64
	srcs []Source
}

type priceFound struct {
	pp   PricePoint
	conf float64
	src  Source
}

type state struct {
	single  map[string]*found
	lists   map[string][]item
	removed map[string]bool // products the owner says they do not do
	prices  []priceFound
	country string
}

func newState() *state {
	return &state{single: map[string]*found{}, lists: map[string][]item{}, removed: map[string]bool{}}
}

// set records a single value; a later statement replaces an earlier one
// unless it is a weaker kind of guess.
func (st *state) set(field string, val any, conf float64, src ...Source) {
	if old, ok := st.single[field]; ok && old.conf > conf+0.15 {
		return
	}
	st.single[field] = &found{val: val, conf: conf, srcs: src}
}

func (st *state) add(field, val string, conf float64, src Source) {
	val = strings.TrimSpace(val)
	key := normKey(val)
	if key == "" {
		return
	}
	for i, it := range st.lists[field] {
		if it.key == key {
			st.lists[field][i].srcs = append(st.lists[field][i].srcs, src)
			return
		}
	}
	st.lists[field] = append(st.lists[field], item{key: key, val: val, conf: conf, srcs: []Source{src}})
}

// normKey is a list item compared without case, punctuation or spacing.
func normKey(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(s) {
		if isWordRune(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		} else {
			space = true
		}
	}
	return b.String()
}

func (st *state) sentence(v view) {
	st.businessName(v)
	st.founded(v)
	st.teamSize(v)
	st.offerings(v)
	st.segments(v)
	st.goals(v)
	st.voice(v)
	st.differentiators(v)
	st.followUp(v)
}

func (st *state) isName(key string) bool {
	f, ok := st.single["identity.business_name"]
	return ok && normKey(f.val.(string)) == key
}

// facts is the state in the order of Fields.
func (st *state) facts() []Fact {
	var out []Fact
	for _, f := range Fields() {
		key := f.Section + "." + f.Field
		switch f.Kind {
		case KindStrings:
			var vals []string
			var srcs []Source
			conf := 1.0
			for _, it := range st.lists[key] {
				if key == "offerings.products" && (st.removed[it.key] || st.isName(it.key)) {
					continue
				}
				vals = append(vals, it.val)
				srcs = append(srcs, it.srcs...)
				conf = min(conf, it.conf)
			}
			if len(vals) > 0 {
				out = append(out, mkFact(f, vals, conf, srcs))
			}
		case KindPricePoints:
			var vals []PricePoint
			var srcs []Source
			conf := 1.0
			for _, p := range st.prices {
				vals = append(vals, p.pp)
				srcs = append(srcs, p.src)
				conf = min(conf, p.conf)
			}
			if len(vals) > 0 {
				out = append(out, mkFact(f, vals, conf, srcs))
			}
		default:
			if fd, ok := st.single[key]; ok {
				out = append(out, mkFact(f, fd.val, fd.conf, fd.srcs))
			}
		}
	}
	return out
}

func mkFact(f FieldSpec, val any, conf float64, srcs []Source) Fact {
	raw, err := json.Marshal(val)
	if err != nil {
		panic(err) // values are strings, ints and plain structs
	}
	return Fact{Section: f.Section, Field: f.Field, Value: raw, Confidence: conf, Sources: dedupeSources(srcs)}
}

func dedupeSources(srcs []Source) []Source {
	out := make([]Source, 0, len(srcs))
	for _, s := range srcs {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// ---- lists ----

// listAt reads a list starting at token k of v: items split on commas,
// "and", "or", "plus", "/", ended by a stop word, a subject or a mark. It
// returns the items as token ranges and the index where the list ended.
func (v view) listAt(k int, maxItems int) ([][2]int, int) {
	var items [][2]int
	start := k
	j := k
	flush := func(end int) {
		a, b := start, end
		for a < b && (itemLead[v.w(a)] || !v.isWord(a)) {
			a++
		}
		for b > a && (itemTail[v.w(b-1)] || !v.isWord(b-1)) {
			b--
		}
		if b > a && b-a <= 6 {
			items = append(items, [2]int{a, b})
		}
	}
	for ; j < v.n(); j++ {
		w := v.w(j)
		if !v.isWord(j) {
			switch w {
			case ",", "/":
				// a comma before a subject ends the list
				if subjects[v.w(j+1)] || (v.w(j+1) == "and" && subjects[v.w(j+2)]) || (v.w(j+1) == "but") {
					flush(j)
					return items, j
				}
				flush(j)
				start = j + 1
				continue
			case "&", "'", "+":
				continue
			}
			break
		}
		if j > start && (w == "and" || w == "or" || w == "plus" || w == "&") {
			if subjects[v.w(j+1)] || listStops[v.w(j+1)] && v.w(j+1) != "with" {
				break
			}
			flush(j)
			start = j + 1
			continue
		}
		if w == "as" && v.w(j+1) == "well" && v.w(j+2) == "as" {
			flush(j)
			start = j + 3
			j += 2
			continue
		}
		if j > start && (listStops[w] || subjects[w]) {
			break
		}
		if j == start && (subjects[w] || negations[w]) {
			break
		}
		if j-start > 7 {
			return nil, j
		}
		if len(items) >= maxItems {
			break
		}
	}
	flush(j)
	return items, j
}

func (v view) peopleItem(a, b int) bool {
	for k := a; k < b; k++ {
		w := v.w(k)
		if people[w] || people[w+"s"] {
			return true
		}
		if len(w) >= 6 {
			for p := range people {
				if len(p) >= 6 && p[0] == w[0] && withinOneEdit(w, p) {
					return true
				}
			}
		}
	}
	return false
}

// clauseFlags says whether the words from a to b (exclusive) negate or
// hedge what follows.
func (v view) clauseFlags(a, b int) (neg, hedge bool) {
	for k := max(a, 0); k < b; k++ {
		w := v.w(k)
		if negations[w] || (w == "no" && v.w(k+1) == "longer") {
			neg = true
		}
		if hedges[w] || (w == "not" && v.w(k+1) == "sure") {
			hedge = true
		}
		if (w == "'d" || w == "we'd" || w == "i'd") && (v.w(k+1) == "like" || v.w(k+1) == "love") {
			hedge = true
		}
	}
	return neg, hedge
}

// clauseStart is the first token of the clause k is in.
func (v view) clauseStart(k int) int {
	for j := k - 1; j >= 0; j-- {
		if !v.isWord(j) && v.w(j) != "'" && v.w(j) != "&" {
			return j + 1
		}
		if v.w(j) == "but" || v.w(j) == "and" && subjects[v.w(j+1)] {
			return j + 1
		}
	}
	return 0
}

// ---- offerings, segments ----

func (st *state) offerings(v view) {
	for k := 0; k < v.n(); k++ {
		if diffCueHeads[v.w(k)] && (v.w(k-1) == "us" || v.w(k-1) == "our" || v.w(k-1) == "makes") || v.w(k) == "unlike" {
			return
		}
	}
	for k := 0; k < v.n(); k++ {
		start := -1
		w := v.w(k)
		switch {
		case productVerbs[w] && k > 0 && st.subjectBefore(v, k):
			start = k + 1
			if w == "specialise" || w == "specialize" || w == "focus" || w == "deal" || w == "specialising" || w == "specializing" {
				if v.w(k+1) != "in" && v.w(k+1) != "on" {
					continue
				}
				start = k + 2
			}
			if w == "do" && (v.w(k+1) == "not" || v.w(k+1) == "it" || v.w(k+1) == "this" || v.w(k+1) == "that") {
				continue
			}
		case (w == "specialising" || w == "specializing" || w == "specialise" || w == "specialize") && v.w(k+1) == "in":
			start = k + 2
		case (w == "services" || w == "products" || w == "menu" || w == "offerings" || w == "offering" || w == "specialties" || w == "specialities" || w == "range") && v.w(k+1) == ":":
			start = k + 2
		case (w == "services" || w == "products" || w == "offerings" || w == "specialties") && (v.w(k-1) == "our" || v.w(k-1) == "my") && (v.w(k+1) == "are" || v.w(k+1) == "include"):
			start = k + 2
		case w == "offer" && v.w(k+1) == ":":
			start = k + 2
		}
		if start < 0 {
			continue
		}
		cs := v.clauseStart(k)
		neg, hedge := v.clauseFlags(cs, k)
		if hedge && !neg {
			continue
		}
		items, end := v.listAt(start, 10)
		for _, it := range items {
			if neg {
				st.removed[normKey(v.text(it[0], it[1]))] = true
				continue
			}
			if w == "serve" || w == "help" {
				if v.peopleItem(it[0], it[1]) {
					st.add("audience.segments", v.text(it[0], it[1]), 0.6, v.src(it[0], it[1]))
					continue
				}
			}
			if (w == "cover" || w == "handle" || w == "cater") && v.peopleItem(it[0], it[1]) && !productish(v, it) {
				continue
			}
			if goalVerbs[v.w(it[0])] && v.w(it[0]) != "build" {
				continue
			}
			st.add("offerings.products", v.text(it[0], it[1]), 0.65, v.src(it[0], it[1]))
		}
		if !neg && end < v.n() {
			// "... for homeowners and landlords"
			j := end
			if v.w(j) == "mostly" || v.w(j) == "mainly" || v.w(j) == "usually" || v.w(j) == "especially" || v.w(j) == "largely" {
				j++
			}
			if v.w(j) == "for" || v.w(j) == "to" {
				segs, _ := v.listAt(j+1, 6)
				for _, it := range segs {
					if v.peopleItem(it[0], it[1]) {
						st.add("audience.segments", v.text(it[0], it[1]), 0.55, v.src(it[0], it[1]))
					}
				}
			}
		}
		k = end
	}
}

func productish(v view, it [2]int) bool {
	// "portraits for families" reads as people; "kids' parties" too
	w := v.w(it[1] - 1)
	return w == "parties" || w == "classes" || w == "cakes" || w == "sessions"
}

// subjectBefore says whether "we", "I" or a label stands before the verb at
// k, with only adverbs, negations or hedges between.
func (st *state) subjectBefore(v view, k int) bool {
	for j := k - 1; j >= 0 && j >= k-5; j-- {
		w := v.w(j)
		switch {
		case w == "we" || w == "i" || w == "also" && j == 0:
			return true
		case adverbs[w] || negations[w] || hedges[w] || w == "do" || w == "to" || w == "start" || w == "starting" || w == "'t" || w == "can" || w == "longer" || w == "love" || w == "like" || w == "'d" || w == "now":
			continue
		default:
			return false
		}
	}
	return false
}

var segmentHeads = set("customers", "clients", "members", "regulars", "students", "audience", "market", "clientele", "buyers", "patients",
	"guests", "users", "customer", "client", "crowd", "base", "demographic", "shoppers", "diners")

func (st *state) segments(v view) {
	for k := 0; k < v.n(); k++ {
		w := v.w(k)
		start := -1
		strong := true
		switch {
		case segmentHeads[w] && (v.w(k+1) == "are" || v.w(k+1) == "is" || v.w(k+1) == "include" || v.w(k+1) == "includes"):
			start = k + 2
		case segmentHeads[w] && (v.w(k+1) == "tend" || v.w(k+1) == "tends") && v.w(k+2) == "to" && v.w(k+3) == "be":
			start = k + 4
		case segmentHeads[w] && v.w(k+1) == ":":
			start = k + 2
		case (w == "audience" || w == "target" || w == "who") && v.w(k+1) == ":":
			start = k + 2
		case (w == "serve" || w == "cater" || w == "target" || w == "help") && st.subjectBefore(v, k):
			start = k + 1
			if w == "cater" && (v.w(k+1) == "to" || v.w(k+1) == "for") {
				start = k + 2
			}
			strong = false
		case w == "work" && v.w(k+1) == "with" && st.subjectBefore(v, k):
			start = k + 2
			strong = false
		case (w == "popular" && v.w(k+1) == "with") || (w == "aimed" && v.w(k+1) == "at") || (w == "perfect" && v.w(k+1) == "for"):
			start = k + 2
			strong = false
		case (w == "mostly" || w == "mainly" || w == "largely" || w == "primarily") && v.clauseStart(k) == k:
			// a clause of its own: "mostly busy pet owners and a few vets"
			start = k + 1
			if v.w(start) == "for" || v.w(start) == "to" {
				start++
			}
			strong = false
		}
		if start < 0 {
			continue
		}
		cs := v.clauseStart(k)
		if neg, _ := v.clauseFlags(cs, k); neg {
			continue
		}
		for start < v.n() && (adverbs[v.w(start)] || v.w(start) == "mostly" || v.w(start) == "mainly" || v.w(start) == "largely" || v.w(start) == "typically") {
			start++
		}
		items, end := v.listAt(start, 8)
		for _, it := range items {
			if !strong && !v.peopleItem(it[0], it[1]) {
				continue
			}
			if !v.peopleItem(it[0], it[1]) && (it[1]-it[0] > 4 || toneWords[v.w(it[0])]) {
				continue
			}
			// "... who can't get out much": the item with its relative clause
			e := it[1]
			if e == end && (v.w(e) == "who" || v.w(e) == "that") {
				f := e
				for f < v.n() && v.isWord(f) && f-e < 8 && !(v.w(f) == "and" && subjects[v.w(f+1)]) {
					f++
				}
				e = f
			}
			st.add("audience.segments", v.text(it[0], e), 0.6, v.src(it[0], e))
		}
		k = max(k, end-1)
	}
}

// ---- goals ----

func (st *state) goals(v view) {
	for k := 0; k < v.n(); k++ {
		w := v.w(k)
		start := -1
		switch {
		case (w == "goal" || w == "goals" || w == "aim" || w == "ambition" || w == "dream" || w == "plan" || w == "plans" || w == "objective" || w == "objectives") && v.w(k+1) == ":":
			start = k + 2
		case (w == "goal" || w == "aim" || w == "ambition" || w == "dream" || w == "plan" || w == "objective") && (v.w(k-1) == "our" || v.w(k-1) == "my" || v.w(k-1) == "main" || v.w(k-1) == "big" || v.w(k-1) == "biggest"):
			j := k + 1
			for j < v.n() && j < k+6 && v.w(j) != "is" {
				j++
			}
			if v.w(j) == "is" {
				start = j + 1
				if v.w(start) == "to" {
					start++
				}
			}
		case w == "to" && k > 0:
			prev := v.w(k - 1)
			ok := false
			switch prev {
			case "want", "wants", "like", "love", "hoping", "hope", "planning", "plan", "aiming", "aim", "looking", "trying", "intend", "need", "wanting", "going":
				ok = true
			}
			if !ok {
				continue
			}
			// a subject before, within a few words
			subj := false
			for j := k - 2; j >= 0 && j >= k-5; j-- {
				if v.w(j) == "we" || v.w(j) == "i" || v.w(j) == "we're" || v.w(j) == "i'm" || v.w(j) == "we'd" || v.w(j) == "i'd" || v.w(j) == "'d" {
					subj = true
					break
				}
			}
			if !subj {
				continue
			}
			start = k + 1
			cs := v.clauseStart(k)
			if neg, _ := v.clauseFlags(cs, k-1); neg {
				continue
			}
			for j := cs; j < k; j++ {
				switch v.w(j) {
				case "might", "maybe", "perhaps", "possibly":
					start = -1
				}
			}
		}
		if start < 0 || start >= v.n() {
			continue
		}
		for _, g := range v.goalItems(start) {
			st.add("goals.goals", v.text(g[0], g[1]), 0.6, v.src(g[0], g[1]))
		}
		return
	}
}

// goalItems splits "grow into X and hire two more" at "and" + a goal verb.
func (v view) goalItems(start int) [][2]int {
	var out [][2]int
	a := start
	end := start
	for end < v.n() {
		w := v.w(end)
		if !v.isWord(end) && w != "'" && w != "-" && w != "&" && w != "%" && w != "$" && w != "£" && w != "€" && w != "," {
			break
		}
		if w == "because" || w == "but" || w == "so" && v.w(end+1) == "that" || (end > a && subjects[w] && w != "our" && w != "my" && w != "us") {
			break
		}
		if (w == "and" || w == ",") && end > a {
			n := end + 1
			if v.w(n) == "and" {
				n++
			}
			if v.w(n) == "to" {
				n++
			}
			if goalVerbs[v.w(n)] && v.isWord(n) {
				out = append(out, [2]int{a, end})
				a = n
				end = n
				continue
			}
			if w == "," {
				break
			}
		}
		end++
		if end-a > 14 {
			return nil
		}
	}
	out = append(out, [2]int{a, end})
	var keep [][2]int
	for _, g := range out {
		b := g[1]
		for b > g[0] && (!v.isWord(b-1) || itemTail[v.w(b-1)] && v.w(b-1) != "more") {
			b--
		}
		if b-g[0] >= 2 || (b-g[0] == 1 && !goalVerbs[v.w(g[0])] && b > g[0]) {
			keep = append(keep, [2]int{g[0], b})
		}
	}
	return keep
}

// ---- brand voice ----

func (st *state) voice(v view) {
	ctx := false
	for k := 0; k < v.n(); k++ {
		switch v.w(k) {
		case "tone", "voice", "vibe", "style", "sound", "sounding", "feel", "personality", "brand", "come", "describe", "words", "writing", "feels", "comes":
			ctx = true
		case "we're", "i'm", "are", "am", "be":
			j := k + 1
			for j < v.n() && (v.w(j) == "very" || v.w(j) == "quite" || v.w(j) == "pretty" || v.w(j) == "super" || v.w(j) == "really" || v.w(j) == "a" || v.w(j) == "bit" || v.w(j) == "always" || v.w(j) == "so") {
				j++
			}
			if toneWords[v.w(j)] && (v.w(k) != "are" && v.w(k) != "be" || v.w(k-1) == "we") {
				ctx = true
			}
		}
	}
	avoidCtx := false
	for k := 0; k < v.n(); k++ {
		w := v.w(k)
		if w == "avoid" || (w == "never" || w == "don't" || w == "dont" || w == "not") && (v.w(k+1) == "sound" || v.w(k+1) == "be" || v.w(k+1) == "use" || v.w(k+1) == "come" || v.w(k+1) == "want") {
			avoidCtx = true
		}
	}
	if !ctx && !avoidCtx {
		return
	}
	for k := 0; k < v.n(); k++ {
		w := v.w(k)
		if w != "avoid" && w != "never" && w != "no" && w != "without" {
			continue
		}
		j := k + 1
		for j < v.n() && (v.w(j) == "sound" || v.w(j) == "be" || v.w(j) == "use" || v.w(j) == "come" || v.w(j) == "across" || v.w(j) == "as" || v.w(j) == "being" || v.w(j) == "sounding" || v.w(j) == "too" || v.w(j) == "overly" || v.w(j) == "any") {
			j++
		}
		items, _ := v.listAt(j, 5)
		for _, it := range items {
			lexical := false
			for x := it[0]; x < it[1]; x++ {
				lexical = lexical || avoidWords[v.w(x)] || toneWords[v.w(x)]
			}
			if it[1]-it[0] <= 3 && (lexical || ctx && w != "no") {
				st.add("brand_voice.avoid", v.text(it[0], it[1]), 0.6, v.src(it[0], it[1]))
			}
		}
	}
	for k := 0; k < v.n(); k++ {
		w := v.w(k)
		neg := false
		for j := k - 1; j >= 0 && j >= k-4; j-- {
			x := v.w(j)
			if x == "no" || x == "not" || x == "never" || x == "avoid" || x == "without" || x == "nothing" || x == "don't" || x == "dont" || x == "too" || x == "less" || x == "hate" || x == "nor" {
				neg = true
			}
			if x == "but" || !v.isWord(j) && x != "," && x != "'" {
				break
			}
			if x == "," && !neg {
				break
			}
		}
		switch {
		case avoidWords[w] || (neg && (toneWords[w] || ctx && v.isWord(k) && !negations[w] && (v.w(k-1) == "no" || v.w(k-1) == "avoid") && !itemLead[w])):
			if !neg && !avoidWords[w] {
				continue
			}
			if !neg && !avoidCtx && !ctx {
				continue
			}
			b := k + 1
			if w == "hard" && v.w(k+1) == "sell" || v.w(k+1) == "marks" || v.w(k+1) == "speak" || v.w(k+1) == "talk" || v.w(k+1) == "jargon" {
				b = k + 2
			}
			if neg || avoidWords[w] {
				st.add("brand_voice.avoid", v.text(k, b), 0.6, v.src(k, b))
			}
		case toneWords[w] && ctx && !neg:
			st.add("brand_voice.tone", v.text(k, k+1), 0.6, v.src(k, k+1))
		}
	}
}

// ---- differentiators ----

func (st *state) differentiators(v view) {
	for k := 0; k < v.n(); k++ {
		w := v.w(k)
		start := -1
		switch {
		case diffCueHeads[w] && (v.w(k-1) == "us" || v.w(k-1) == "our" || v.w(k-1) == "the" || v.w(k-1) == "makes" || v.w(k-1) == "real"):
			j := k + 1
			if w == "stand" || w == "sets" {
				for j < v.n() && j < k+4 && v.w(j) != "is" && v.w(j) != "because" && v.w(j) != ":" {
					j++
				}
			}
			if v.w(j) == "is" || v.w(j) == ":" || v.w(j) == "because" || v.w(j) == "-" {
				start = j + 1
				if v.w(start) == "that" {
					start++
				}
			}
		case w == "unlike" && k <= 1:
			for j := k + 1; j < v.n(); j++ {
				if v.w(j) == "," {
					start = j + 1
					break
				}
			}
		case (w == "we're" || w == "we") && (v.has(k+1, "the", "only") || v.has(k+1, "are", "the", "only")):
			start = k
		}
		if start < 0 || start >= v.n() {
			continue
		}
		var parts [][2]int
		a := start
		for j := start; j <= v.n(); j++ {
			cut := j == v.n()
			if !cut {
				x := v.w(j)
				cut = x == ";" || x == "," && j > a || x == "and" && (subjects[v.w(j+1)] || v.w(j+1) == "always" || v.w(j+1) == "never") && j > a+1
			}
			if cut {
				if j-a >= 2 && j-a <= 16 {
					parts = append(parts, [2]int{a, j})
				}
				a = j + 1
			}
		}
		for _, p := range parts {
			st.add("differentiators.points", v.text(p[0], p[1]), 0.55, v.src(p[0], p[1]))
		}
		return
	}
}

// ---- sales follow-up ----

var contactVerbs = set("call", "calls", "ring", "phone", "email", "e-mail", "text", "reply", "replies", "respond", "follow", "get", "chase",
	"contact", "reach", "message", "check", "callback", "answer", "touch", "ping", "nudge", "remind", "reminder")

func (st *state) followUp(v view) {
	verb := false
	for k := 0; k < v.n(); k++ {
		if contactVerbs[v.w(k)] {
			verb = true
		}
	}
	if !verb {
		return
	}
	var days []int
	var srcs []Source
	lastUnit := false
	for k := 0; k < v.n(); k++ {
		w := v.w(k)
		d, e := -1, k
		switch {
		case w == "same" && (v.w(k+1) == "day" || v.w(k+1) == "-" && v.w(k+2) == "day"):
			d, e = 0, k+2
		case w == "same-day" || w == "immediately" || (w == "right" && v.w(k+1) == "away"):
			d, e = 0, k+1
			if w == "right" {
				e = k + 2
			}
		case (w == "within" || w == "in") && (v.has(k+1, "the", "hour") || v.has(k+1, "an", "hour") || v.has(k+1, "a", "few", "hours") || v.has(k+1, "hours")):
			d, e = 0, k+3
		case w == "next" && v.w(k+1) == "day", w == "tomorrow":
			d, e = 1, k+1
			if w == "next" {
				e = k + 2
			}
		case w == "fortnight":
			d, e = 14, k+1
		case w == "after" || w == "within" || w == "in" || w == "again" || w == "then" || w == "later":
			j := k + 1
			if v.w(j) == "another" {
				j++
			}
			if j >= v.n() {
				continue
			}
			n, nj, ok := v.t.numberAt(v.ix[j])
			if !ok && (v.w(j) == "a" || v.w(j) == "an") {
				n, nj, ok = 1, v.ix[j]+1, true
			}
			if !ok {
				continue
			}
			// numberAt worked on message tokens; map back to the view
			nk := j
			for nk < v.n() && v.ix[nk] < nj {
				nk++
			}
			unit := v.w(nk)
			switch {
			case unit == "day" || unit == "days" || unit == "business" && (v.w(nk+1) == "days" || v.w(nk+1) == "day") || unit == "working":
				d, e = n, nk+1
				if unit == "business" || unit == "working" {
					e = nk + 2
				}
			case unit == "week" || unit == "weeks":
				d, e = 7*n, nk+1
			case unit == "month" || unit == "months":
				d, e = 30*n, nk+1
			case unit == "hours" || unit == "hour":
				d, e = (n+23)/24, nk+1
				if n < 24 {
					d = 0
				}
			case lastUnit && w != "in" && n > 0 && n <= 90:
				d, e = n, nk
			default:
				continue
			}
		default:
			continue
		}
		if d < 0 || e > v.n() || e <= k {
			continue
		}
		lastUnit = true
		if !slices.Contains(days, d) {
			days = append(days, d)
			srcs = append(srcs, v.src(k, e))
		}
		k = e - 1
	}
	if len(days) == 0 {
		return
	}
	slices.Sort(days)
	st.set("sales.follow_up_days", days, 0.7, srcs...)
}
