package extract

import (
	"strings"
)

// ---- business name ----

var nameSuffixes = set("co", "co.", "company", "ltd", "llc", "inc", "studio", "studios", "shop", "store", "services", "group", "house",
	"kitchen", "works", "lab", "labs", "agency", "collective", "bakery", "cafe", "café", "salon", "barbers", "grooming", "landscaping",
	"plumbing", "tutoring", "yoga", "fitness", "photography", "florist", "flowers", "designs", "design", "consulting", "accounting",
	"cleaning", "catering", "tattoo", "walks", "drains", "electrical", "gardens", "kitchens", "coffee", "bar", "bistro", "roasters",
	"brewing", "academy", "school", "clinic", "spa", "media", "digital", "creative", "partners", "solutions", "builders", "motors",
	"garage", "cakes", "bakes", "pantry", "deli", "boutique", "room", "society", "club", "gym", "events", "tours", "truck", "bakehouse", "eats")

var notNames = set("i", "we", "our", "my", "a", "an", "hi", "hello", "hey", "thanks", "thank", "so", "and", "but", "yes", "no", "ok", "okay",
	"well", "also", "dear", "good", "sure", "great", "actually", "sorry", "oh", "anyway", "ps", "note", "just", "it", "this", "they", "he",
	"she", "you", "yeah", "um", "open", "opened", "based", "founded", "call", "email", "phone", "website", "site", "services", "tone",
	"goal", "goals", "team", "clients", "customers", "prices", "price", "located", "monday", "tuesday", "wednesday", "thursday", "friday",
	"saturday", "sunday", "mostly", "currently", "right", "now", "its", "there", "here", "what", "when", "who", "how", "please", "since", "us")

// nameSeq reads a capitalised name at k ("Crumb & Co", "Ink & Iron
// Tattoo", "Dave's Drains") and returns where it ends.
func (v view) nameSeq(k int) int {
	if k >= v.n() || !v.isWord(k) || !v.tok(k).upper || notNames[v.w(k)] {
		return k
	}
	end := k
	j := k
	for j < v.n() && j-k < 8 {
		tk := v.tok(j)
		switch {
		case tk.word && (tk.upper || tk.num && j+1 < v.n() && v.tok(j+1).upper):
			j++
			end = j
		case (tk.low == "&" || tk.low == "+" || tk.low == "'" || tk.low == "and" || tk.low == "of" || tk.low == "the" || tk.low == "n" || tk.low == "'n'" || tk.low == "on" || tk.low == "de" || tk.low == "la") && j+1 < v.n() && v.isWord(j+1) && v.tok(j+1).upper:
			j++
		case tk.low == "." && j > k && (v.w(j-1) == "co" || v.w(j-1) == "st") && end == j:
			j++
			end = j
		default:
			return end
		}
	}
	return end
}

// lowerName reads a name written in lower case after a strong cue ("we're
// called lotus room yoga we're a ..."): words up to a subject or stop.
func (v view) lowerName(k int) int {
	j := k
	for j < v.n() && j-k < 5 && v.isWord(j) {
		w := v.w(j)
		if subjects[w] || w == "in" || w == "based" || w == "located" || w == "from" || w == "and" && j > k && (subjects[v.w(j+1)] || listStops[v.w(j+1)]) || w == "a" || w == "an" || w == "since" || w == "out" || w == "on" || w == "at" || w == "the" && j > k {
			break
		}
		j++
	}
	if j < v.n() && !v.isWord(j) && (v.w(j) == "&" || v.w(j) == "'") && j+1 < v.n() {
		return k // a mark inside: let nameSeq or nothing decide
	}
	return j
}

// initialNext are words that may follow a name opening a message: "Sunny
// Side Bakery in York", "Iron Temple Gym opened in 2016".
var initialNext = set("in", "opened", "was", "makes", "make", "is", "has", "does", "sells", "offers", "provides", "started", "serves",
	"at", "on", "of", "from", "near", ",", "-", "—", "|", "(", "based", "located")

// industryWords are the single words of the taxonomy's keywords.
var industryWords = func() map[string]bool {
	m := map[string]bool{}
	for _, in := range Industries() {
		for _, k := range in.Keywords {
			for _, w := range strings.Fields(k) {
				if len(w) >= 4 {
					m[w] = true
				}
			}
		}
	}
	return m
}()

func (v view) businessy(a, b int, ind *industryIndex) bool {
	if b-a >= 1 && (nameSuffixes[v.w(b-1)] || industryWords[v.w(b-1)] || industryWords[strings.TrimSuffix(v.w(b-1), "s")]) {
		return true
	}
	for k := a; k < b; k++ {
		if nameSuffixes[v.w(k)] {
			return true
		}
	}
	return false
}

func (v view) placeOnly(a, b int) bool {
	kind, _ := placeKind(strings.ToLower(v.text(a, b)), true, v.text(a, b))
	return kind != ""
}

func (st *state) businessName(v view) {
	take := func(a, b int, conf float64) {
		for b > a && !v.isWord(b-1) && v.w(b-1) != "." {
			b--
		}
		if b <= a || b-a > 8 || v.placeOnly(a, b) || notNames[v.w(a)] && b-a == 1 {
			return
		}
		st.set("identity.business_name", v.text(a, b), conf, v.src(a, b))
	}
	for k := 0; k < v.n(); k++ {
		w := v.w(k)
		switch {
		// "Business name: Crumb & Co"
		case (w == "name" || w == "business" || w == "company") && v.w(k+1) == ":" && (k == 0 || v.w(k-1) == "business" || v.w(k-1) == "company"):
			a := k + 2
			b := a
			for b < v.n() && b-a < 8 && (v.isWord(b) || v.w(b) == "&" || v.w(b) == "'" || v.w(b) == "." || v.w(b) == "-" && b > a) {
				b++
			}
			take(a, b, 0.85)
			return
		case w == "called" || w == "named" || w == "as" && v.w(k-1) == "known":
			if v.w(k-1) == "i'm" || v.w(k-1) == "am" || v.has(k-2, "my", "name") {
				continue
			}
			if e := v.nameSeq(k + 1); e > k+1 {
				take(k+1, e, 0.85)
				return
			}
			if e := v.lowerName(k + 1); e > k+1 {
				take(k+1, e, 0.75)
				return
			}
		case w == "is" && (v.w(k-1) == "business" || v.w(k-1) == "company" || v.w(k-1) == "shop" || v.w(k-1) == "brand") && v.w(k-2) != "family" && (v.w(k-2) == "my" || v.w(k-2) == "our" || v.w(k-2) == "the" || v.w(k-2) == "name"):
			if e := v.nameSeq(k + 1); e > k+1 {
				take(k+1, e, 0.85)
				return
			}
		case w == "from" && v.w(k-2) == "is" && (v.w(k-3) == "this" || v.w(k-3) == "it's"):
			if e := v.nameSeq(k + 1); e > k+1 {
				take(k+1, e, 0.75)
				return
			}
			if e := v.lowerName(k + 1); e > k+1 && v.businessy(k+1, e, nil) {
				take(k+1, e, 0.7)
				return
			}
		case w == "we're" || w == "we" && v.w(k+1) == "are" || (w == "run" || w == "own") && (v.w(k-1) == "i" || v.w(k-1) == "we") || w == "to" && v.w(k-1) == "welcome" || w == "at" && v.w(k-1) == "here":
			a := k + 1
			if w == "we" {
				a = k + 2
			}
			if e := v.nameSeq(a); e > a {
				if e-a == 1 && !v.businessy(a, e, nil) && v.w(e) != "," && v.w(e) != "-" && e < v.n() {
					continue
				}
				take(a, e, 0.75)
				return
			}
			if (w == "run" || w == "own") && !v.t.hasUpper() {
				if e := v.lowerName(a); e > a && v.businessy(a, e, nil) {
					take(a, e, 0.6)
					return
				}
			}
		}
	}
	// "Petal & Stem is a florist ...", "Pixelforge Studio — we're ...",
	// "Brightline Accounting" alone on the first line.
	if !v.first {
		return
	}
	e := v.nameSeq(0)
	if e == 0 {
		return
	}
	next := v.w(e)
	if v.businessy(0, e, nil) && !v.tok(e-1).num && (initialNext[next] || (next == "is" || next == "was") && (v.w(e+1) == "my" || v.w(e+1) == "our")) {
		take(0, e, 0.6)
		return
	}
	switch {
	case (next == "is" || next == "are") && (v.w(e+1) == "a" || v.w(e+1) == "an" || v.w(e+1) == "your"):
		take(0, e, 0.7)
	case next == "-" || next == "—" || next == "|" || next == "(" || next == "," && v.businessy(0, e, nil) || e == v.n() && (e >= 2 || v.businessy(0, e, nil)) && v.t.sents[0][0] == v.ix[0]:
		if v.t.toks[v.ix[0]].start > 0 && !v.businessy(0, e, nil) && e < 2 {
			return
		}
		if v.businessy(0, e, nil) || v.t.sents[0][0] == v.ix[0] {
			take(0, e, 0.6)
		}
	}
}

func (t *msgText) hasUpper() bool {
	for _, tk := range t.toks {
		if tk.upper {
			return true
		}
	}
	return false
}

// ---- founded year ----

func (st *state) founded(v view) {
	correction := false
	for k := 0; k < v.n(); k++ {
		switch v.w(k) {
		case "actually", "correction", "sorry", "meant", "mistake", "wrong", "oops":
			correction = true
		}
	}
	for k := 0; k < v.n(); k++ {
		w := v.w(k)
		cue := false
		switch w {
		case "founded", "established", "est", "opened", "started", "launched", "began", "since", "incorporated", "founding", "opening":
			cue = true
		case "set":
			cue = v.w(k+1) == "up"
		}
		if !cue && !correction {
			continue
		}
		lim := k + 7
		if !cue {
			lim = k + 1
		}
		for j := k + 1; j < v.n() && j < lim; j++ {
			if !cue {
				j = k
			}
			if v.w(j) == "." && j > k+1 || v.w(j) == ";" {
				break
			}
			y, e, ok := v.t.yearAt(v.ix[j])
			if !ok {
				continue
			}
			if v.w(j-1) == "not" || v.w(j-1) == "than" || (v.w(j-1) == "in" && v.w(j-2) == "not") {
				continue
			}
			if v.w(j-1) == "before" || v.w(j-1) == "until" || v.w(j-1) == "by" {
				continue
			}
			// a year after the cue, not a figure of some other kind
			ek := j
			for ek < v.n() && v.ix[ek] < e {
				ek++
			}
			if x := v.w(ek); x == "dollars" || x == "euros" || x == "pounds" || x == "people" || x == "customers" || x == "followers" || x == "clients" {
				continue
			}
			if !cue {
				if _, had := st.single["identity.founded_year"]; !had {
					break
				}
			}
			conf := 0.9
			if !cue {
				conf = 0.8
			}
			st.set("identity.founded_year", y, conf, v.src(j, ek))
			return
		}
	}
}

// ---- team size ----

func (st *state) teamSize(v view) {
	lt := " " + v.lowText() + " "
	for _, p := range []string{" just me ", " only me ", " just myself ", " on my own ", " by myself ", " one-man ", " one-woman ", " one man band ", " one woman band ", " solo ", " sole trader ", " one-person "} {
		if i := strings.Index(lt, p); i >= 0 {
			if strings.Contains(lt[:i], " not ") || strings.HasPrefix(lt[i+len(p)-1:], " and ") || strings.HasPrefix(lt[i+len(p)-1:], " plus ") {
				continue
			}
			a, b := v.wordSpan(lt, i+1, len(p)-2)
			if a >= 0 {
				st.set("identity.team_size", 1, 0.75, v.src(a, b))
				return
			}
		}
	}
	for k := 0; k < v.n(); k++ {
		w := v.w(k)
		if w == "me" && v.w(k+1) == "and" && v.w(k+2) == "my" && kin[v.w(k+3)] && !people[v.w(k+4)] || w == "my" && kin[v.w(k+1)] && v.w(k+2) == "and" && (v.w(k+3) == "i" || v.w(k+3) == "me") {
			if v.w(k+4) == "plus" || v.w(k+4) == "and" {
				continue
			}
			st.set("identity.team_size", 2, 0.65, v.src(k, k+4))
			return
		}
		var n, e int
		var ok bool
		n, e, ok = v.t.numberAt(v.ix[k])
		if !ok || n <= 0 || n > 500 {
			continue
		}
		ek := k
		for ek < v.n() && v.ix[ek] < e {
			ek++
		}
		if ek == k {
			continue
		}
		prev := v.w(k - 1)
		if prev == "reach" || prev == "hit" || prev == "get" || prev == "to" || prev == "over" || prev == "than" || prev == "serve" || prev == "about" || prev == "manage" || prev == "hire" || prev == "hiring" || prev == "add" || prev == "another" || prev == "need" || v.w(ek) == "more" || v.w(ek) == "new" || prev == "$" || prev == "£" || prev == "€" {
			continue
		}
		// one adjective between: "9 personal trainers"
		if v.isWord(ek) && !staffNoun(v.w(ek)) && staffNoun(v.w(ek+1)) && !strings.HasSuffix(v.w(ek), "s") && v.w(ek) != "more" {
			ek++
		}
		// "me and 3 others", "myself plus two staff": the owner counts too
		if (prev == "and" || prev == "plus") && (v.w(k-2) == "me" || v.w(k-2) == "myself" || v.w(k-2) == "i") &&
			(v.w(ek) == "others" || v.w(ek) == "other" || staffNoun(v.w(ek))) {
			st.set("identity.team_size", n+1, 0.75, v.src(k-2, ek+1))
			return
		}
		a := k
		switch {
		case (prev == "of" && (v.w(k-2) == "team" || v.w(k-2) == "crew" || v.w(k-2) == "staff" || v.w(k-2) == "family")) && v.w(k-2) != "":
			a = k - 2
		case v.w(ek) == "of" && v.w(ek+1) == "us":
			st.set("identity.team_size", n, 0.8, v.src(k, ek+2))
			return
		case v.w(ek) == "-" && (v.w(ek+1) == "person" || v.w(ek+1) == "strong" || v.w(ek+1) == "man"):
			st.set("identity.team_size", n, 0.8, v.src(k, ek+2))
			return
		case strings.HasSuffix(v.w(k), "-person") || strings.HasSuffix(v.w(k), "-strong"):
			// "two-person" is one token
		case staffNoun(v.w(ek)) || (v.w(ek) == "full-time" || v.w(ek) == "part-time") && staff[v.w(ek+1)] || v.w(ek) == "members" && v.w(ek+1) == "of" && v.w(ek+2) == "staff" || v.w(ek) == "team" && v.w(ek+1) == "members" || v.w(ek) == "staff" && v.w(ek+1) == "members":
			if v.w(ek) == "people" && (v.w(ek+1) == "a" || v.w(ek+1) == "per" || v.w(ek+1) == "each") {
				continue
			}
			// the staff noun must be the business's: a subject or a cue
			// before, or the sentence is the number alone ("3 artists.")
			okCue := false
			for j := k - 1; j >= 0 && j >= k-4; j-- {
				switch v.w(j) {
				case "have", "there", "there's", "theres", "we're", "are", "employ", "with", "now", "got", "currently", "total", "we", "team", "crew", "of", "is":
					okCue = true
				}
			}
			if k == 0 && ek+1 >= v.n() || k == 0 && !v.isWord(ek+1) {
				okCue = true
			}
			if !okCue {
				continue
			}
			st.set("identity.team_size", n, 0.7, v.src(k, ek+1))
			return
		default:
			continue
		}
		if a != k {
			st.set("identity.team_size", n, 0.8, v.src(a, ek))
			return
		}
	}
	// "a two-person web agency"
	for k := 0; k < v.n(); k++ {
		w := v.w(k)
		for _, suf := range []string{"-person", "-strong", "-man"} {
			if head, ok := strings.CutSuffix(w, suf); ok {
				if n, ok := smallNumbers[head]; ok && n > 0 && head != "a" && head != "an" {
					st.set("identity.team_size", n, 0.75, v.src(k, k+1))
					return
				}
				if n, ok := tensNumbers[head]; ok {
					st.set("identity.team_size", n, 0.75, v.src(k, k+1))
					return
				}
			}
		}
	}
}

// staffNoun is a word for people who work somewhere: the list, or a
// trade ending in -ists or -ians (physiotherapists, technicians).
func staffNoun(w string) bool {
	return staff[w] || len(w) > 6 && (strings.HasSuffix(w, "ists") || strings.HasSuffix(w, "ians")) && !people[w]
}

var kin = set("wife", "husband", "partner", "brother", "sister", "son", "daughter", "mum", "mom", "dad", "friend", "cousin", "mother", "father", "business")

// wordSpan maps a match in lowText (byte offset i, length n) back to view
// tokens.
func (v view) wordSpan(lt string, i, n int) (int, int) {
	pos := 1
	a, b := -1, -1
	for k := 0; k < v.n(); k++ {
		if pos == i {
			a = k
		}
		pos += len(v.w(k))
		if pos == i+n && a >= 0 {
			b = k + 1
			return a, b
		}
		pos++
	}
	return -1, -1
}

// ---- location ----

// placeAt reads the longest gazetteer name at k (up to three words).
func (v view) placeAt(k int, lowerOK bool) (kind, code string, end int) {
	for n := maxPlaceWords; n >= 1; n-- {
		if k+n > v.n() {
			continue
		}
		ok := true
		for j := k; j < k+n; j++ {
			if !v.isWord(j) && !(v.w(j) == "." && j > k) {
				ok = false
			}
		}
		if !ok {
			continue
		}
		low := v.w(k)
		for j := k + 1; j < k+n; j++ {
			if v.w(j) == "." {
				low += "."
				continue
			}
			if v.w(j-1) == "." {
				low += " " + v.w(j)
				continue
			}
			low += " " + v.w(j)
		}
		if !lowerOK && !v.tok(k).upper {
			continue
		}
		raw := v.text(k, k+n)
		if kd, c := placeKind(low, v.tok(k).upper, raw); kd != "" {
			return kd, c, k + n
		}
	}
	return "", "", k
}

var locCues = set("in", "based", "located", "from", "near", "around", "across", "serving", "to", "out", "outside", "covering", "throughout", "cover", "serve")

func (st *state) location(v view) {
	type group struct {
		loc   Location
		code  string
		a, b  int
		parts int
		cue   int
	}
	allLower := !v.t.hasUpper()
	var best *group
	for k := 0; k < v.n(); k++ {
		prev := v.w(k - 1)
		cue := 0
		if locCues[prev] {
			cue = 1
			if prev == "in" && (v.w(k-2) == "based" || v.w(k-2) == "located") || prev == "to" && v.w(k-2) == "moved" || prev == "of" && v.w(k-2) == "out" {
				cue = 2
			}
			if prev == "to" && v.w(k-2) != "moved" && v.w(k-2) != "relocated" {
				cue = 0
			}
		}
		if (prev == ":" && (v.w(k-2) == "location" || v.w(k-2) == "based" || v.w(k-2) == "address" || v.w(k-2) == "area")) || (prev == "-" || prev == "," || prev == "in") && v.w(k-2) == "based" {
			cue = 2
		}
		if cue == 0 && prev == "," && k >= 2 && v.isWord(k-2) && v.tok(k-2).upper {
			cue = 1
		}
		if prev == "not" || v.w(k-2) == "not" {
			continue
		}
		lowerOK := cue > 0 || allLower || v.t.voice
		kind, code, e := v.placeAt(k, lowerOK)
		g := &group{a: k, cue: cue}
		if kind == "" {
			// an unknown town after a strong cue: "based in Little Wickham"
			if cue == 2 && v.isWord(k) && v.tok(k).upper {
				e = k
				for e < v.n() && e-k < 3 && v.isWord(e) && v.tok(e).upper {
					e++
				}
				kind = "city"
			} else {
				continue
			}
		}
		order := map[string]int{"city": 0, "region": 1, "country": 2}
		last := -1
		j := k
		for {
			if order[kind] <= last {
				break
			}
			txt := v.text(j, e)
			switch kind {
			case "city":
				g.loc.City = txt
			case "region":
				g.loc.Region = txt
			case "country":
				g.loc.Country = txt
			}
			if g.code == "" || kind == "country" {
				g.code = code
			}
			g.parts++
			g.b = e
			last = order[kind]
			n := e
			if v.w(n) == "," {
				n++
			}
			kind, code, e = v.placeAt(n, lowerOK || true)
			if kind == "" || (kind == "region" && len(v.w(n)) == 2 && !v.tok(n).upper) {
				break
			}
			if kind == "country" && countryUpperOnly[v.w(n)] && !v.tok(n).upper {
				break
			}
			j = n
		}
		if g.cue == 0 && g.parts < 2 {
			continue
		}
		if g.loc.City == "" && g.loc.Region != "" && g.cue < 2 && g.parts < 2 && len(g.loc.Region) == 2 {
			continue
		}
		if best == nil || g.cue > best.cue || g.cue == best.cue && g.parts > best.parts {
			best = g
		}
		k = g.b - 1
	}
	if best == nil {
		return
	}
	conf := 0.8
	if best.cue == 2 || best.parts >= 2 {
		conf = 0.85
	}
	st.set("identity.location", best.loc, conf, v.src(best.a, best.b))
	st.country = best.code
}

// ---- industry ----

func (r *Rules) industry(st *state, msgs []*msgText) {
	scores := make([]float64, len(r.ind.ids))
	var srcs = make([][]Source, len(r.ind.ids))
	nameKey := ""
	if f, ok := st.single["identity.business_name"]; ok {
		nameKey = " " + normKey(f.val.(string)) + " "
	}
	for _, t := range msgs {
		for _, v := range t.views() {
			// "we're a plumbing company" and the business name count more
			for k := 0; k < v.n(); k++ {
				if !v.isWord(k) {
					continue
				}
				for ii, kws := range r.ind.kws {
					for _, kw := range kws {
						n := len(kw.words)
						if k+n > v.n() {
							continue
						}
						ok := true
						for j, w := range kw.words {
							if !wordMatch(v.w(k+j), w) {
								ok = false
								break
							}
						}
						if !ok {
							continue
						}
						cs := v.clauseStart(k)
						if neg, hedge := v.clauseFlags(cs, k); neg || hedge {
							continue
						}
						wgt := 1.0 + 0.5*float64(n-1)
						if strings.Contains(nameKey, " "+normKey(v.text(k, k+n))+" ") {
							wgt += 2
						}
						if v.w(k-1) == "a" || v.w(k-1) == "an" || v.w(k-2) == "a" || v.w(k-2) == "an" {
							wgt += 1
						}
						scores[ii] += wgt
						srcs[ii] = append(srcs[ii], v.src(k, k+n))
					}
				}
			}
		}
	}
	best, second := -1, -1.0
	for i, s := range scores {
		if s <= 0 {
			continue
		}
		if best < 0 || s > scores[best] {
			if best >= 0 {
				second = max(second, scores[best])
			}
			best = i
		} else {
			second = max(second, s)
		}
	}
	if best < 0 || scores[best] < 1.5 && second >= scores[best] {
		return
	}
	conf := 0.5
	if scores[best] >= 3 {
		conf = 0.7
	}
	if scores[best] >= 2*max(second, 0.5)+1 {
		conf += 0.1
	}
	if len(srcs[best]) > 3 {
		srcs[best] = srcs[best][:3]
	}
	st.set("identity.industry", r.ind.ids[best], conf, srcs[best]...)
}
