package extract

import (
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// Exact fields read by pattern: e-mail, website, phone, prices.

var (
	reEmail = regexp.MustCompile(`(?i)\b[a-z0-9][a-z0-9._%+\-]*@[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?)*\.[a-z]{2,24}\b`)
	reURL   = regexp.MustCompile(`(?i)\b(?:https?://[^\s<>"')\],;]+|(?:www\.)[a-z0-9\-]+(?:\.[a-z0-9\-]+)+(?:/[^\s<>"')\],;]*)?|[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\.[a-z0-9\-]+)*\.(?:com|co\.uk|org\.uk|uk|ie|pt|de|fr|es|it|nl|be|net|org|io|co|ca|com\.au|au|co\.nz|nz|shop|store|studio|design|dev|app|biz|info|us|eu|online|site|art|photo|photography|cafe|bakery|yoga|fitness|ch|at|se|dk|no|fi|pl)(?:/[^\s<>"')\],;]*)?)\b/?`)
	rePhone = regexp.MustCompile(`(?:\+|\b00|\(|\b)\d[\d \t().\-/]{5,20}\d\b`)
	// $40, £12.50, €1,200, $2k
	rePriceSym = regexp.MustCompile(`(?i)(US\$|CA\$|C\$|A\$|AU\$|NZ\$|[$€£])\s?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?(k\b)?`)
	// 40 dollars, 35€, 40 USD
	rePriceWord = regexp.MustCompile(`(?i)\b(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?\s?(€|£|euros?\b|eur\b|usd\b|dollars?\b|bucks\b|pounds?\b|quid\b|gbp\b|cad\b|aud\b|nzd\b)`)
	// USD 40
	rePriceCode = regexp.MustCompile(`\b(USD|EUR|GBP|CAD|AUD|NZD)\s?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?\b`)
)

// runeSpan converts byte offsets of a regexp match to code points.
func (t *msgText) runeSpan(a, b int) (int, int) { return t.byteAt[a], t.byteAt[b] }

// skipped says whether code points [a, b) lie in a sentence the rules
// skip (an injection attempt) or in no sentence at all.
func (t *msgText) skipped(a, b int) bool {
	for _, s := range t.sents {
		if s[1] <= s[0] {
			continue
		}
		from, to := t.toks[s[0]].start, t.toks[s[1]-1].end
		if a < to && b > from {
			ix := make([]int, 0, s[1]-s[0])
			for i := s[0]; i < s[1]; i++ {
				ix = append(ix, i)
			}
			if (view{t: t, ix: ix}).injection() {
				return true
			}
		}
	}
	return false
}

// negatedBefore says whether the few words before code point a say "not"
// ("not info@old.com any more").
func (t *msgText) negatedBefore(a int) bool {
	n := 0
	for i := len(t.toks) - 1; i >= 0 && n < 4; i-- {
		if t.toks[i].end > a {
			continue
		}
		n++
		switch t.toks[i].low {
		case "not", "no", "never", "old", "stopped", "don't", "dont":
			return true
		case ".", "\n", ";", ",":
			return false
		}
	}
	return false
}

func (t *msgText) src(a, b int) Source {
	return Source{MessageID: t.id, Start: a, End: b, Quote: t.span(a, b)}
}

func (st *state) contacts(t *msgText) {
	text := t.str
	var taken [][2]int
	overlaps := func(a, b int) bool {
		for _, s := range taken {
			if a < s[1] && b > s[0] {
				return true
			}
		}
		return false
	}
	emailDone := false
	for _, m := range reEmail.FindAllStringIndex(text, -1) {
		a, b := t.runeSpan(m[0], m[1])
		taken = append(taken, [2]int{a, b})
		if emailDone || t.skipped(a, b) || t.negatedBefore(a) {
			continue
		}
		st.set("contact.email", strings.ToLower(text[m[0]:m[1]]), 0.97, t.src(a, b))
		emailDone = true
	}
	webDone := false
	for _, m := range reURL.FindAllStringIndex(text, -1) {
		s := text[m[0]:m[1]]
		for strings.HasSuffix(s, ".") || strings.HasSuffix(s, "/") && !strings.Contains(strings.TrimSuffix(s, "/"), "/") && false {
			s = s[:len(s)-1]
		}
		a, b := t.runeSpan(m[0], m[0]+len(s))
		if overlaps(a, b) || m[0] > 0 && text[m[0]-1] == '@' {
			continue
		}
		taken = append(taken, [2]int{a, b})
		if webDone || t.skipped(a, b) || t.negatedBefore(a) {
			continue
		}
		low := strings.ToLower(s)
		conf := 0.85
		if strings.HasPrefix(low, "http") || strings.HasPrefix(low, "www.") {
			conf = 0.95
		} else if strings.Count(low, ".") == 1 && len(low) < 6 {
			continue
		}
		st.set("contact.website", s, conf, t.src(a, b))
		webDone = true
	}
	phoneDone := false
	for _, m := range rePhone.FindAllStringIndex(text, -1) {
		s := text[m[0]:m[1]]
		a, b := t.runeSpan(m[0], m[1])
		if overlaps(a, b) {
			continue
		}
		digits := 0
		for _, r := range s {
			if r >= '0' && r <= '9' {
				digits++
			}
		}
		if digits < 7 || digits > 15 {
			continue
		}
		// a price or a range of years, not a number to call
		if m[0] > 0 && strings.ContainsAny(text[max(0, m[0]-3):m[0]], "$€£") {
			continue
		}
		region := ""
		raw := s
		if strings.HasPrefix(raw, "00") {
			raw = "+" + raw[2:]
		}
		if !strings.HasPrefix(raw, "+") {
			if st.country == "" {
				continue
			}
			region = st.country
		}
		num, err := phonenumbers.Parse(raw, region)
		if err != nil {
			continue
		}
		valid := phonenumbers.IsValidNumber(num)
		if !valid && phonenumbers.IsPossibleNumberWithReason(num) != phonenumbers.IS_POSSIBLE {
			continue
		}
		taken = append(taken, [2]int{a, b})
		if phoneDone || t.skipped(a, b) || t.negatedBefore(a) {
			continue
		}
		conf := 0.95
		if !valid {
			conf = 0.8
		}
		st.set("contact.phone", phonenumbers.Format(num, phonenumbers.E164), conf, t.src(a, b))
		phoneDone = true
	}
}

// ---- prices ----

func (st *state) dollar() string {
	switch st.country {
	case "CA":
		return "CAD"
	case "AU":
		return "AUD"
	case "NZ":
		return "NZD"
	case "SG":
		return "SGD"
	}
	return "USD"
}

func (st *state) currencyOf(sym string) string {
	switch strings.ToLower(sym) {
	case "$", "dollar", "dollars", "bucks":
		return st.dollar()
	case "us$", "usd":
		return "USD"
	case "ca$", "c$", "cad":
		return "CAD"
	case "a$", "au$", "aud":
		return "AUD"
	case "nz$", "nzd":
		return "NZD"
	case "€", "euro", "euros", "eur":
		return "EUR"
	case "£", "pound", "pounds", "quid", "gbp":
		return "GBP"
	}
	return ""
}

func minor(whole, frac string, k bool) (int64, bool) {
	w, err := strconv.ParseInt(strings.ReplaceAll(whole, ",", ""), 10, 64)
	if err != nil || w > math.MaxInt64/1000 {
		return 0, false
	}
	amt := w * 100
	if frac != "" {
		f, _ := strconv.Atoi(frac)
		if len(frac) == 1 {
			f *= 10
		}
		amt += int64(f)
	}
	if k {
		amt *= 1000
	}
	return amt, true
}

type priceMatch struct {
	a, b   int // code points
	amount int64
	cur    string
}

func (st *state) readPrices(t *msgText) {
	text := t.str
	var ms []priceMatch
	addM := func(a, b int, amt int64, cur string) {
		if cur == "" || amt <= 0 {
			return
		}
		for _, m := range ms {
			if a < m.b && b > m.a {
				return
			}
		}
		ms = append(ms, priceMatch{a, b, amt, cur})
	}
	for _, m := range rePriceSym.FindAllStringSubmatchIndex(text, -1) {
		frac := ""
		if m[6] >= 0 {
			frac = text[m[6]:m[7]]
		}
		amt, ok := minor(text[m[4]:m[5]], frac, m[8] >= 0)
		if !ok {
			continue
		}
		a, b := t.runeSpan(m[0], m[1])
		addM(a, b, amt, st.currencyOf(text[m[2]:m[3]]))
	}
	for _, m := range rePriceWord.FindAllStringSubmatchIndex(text, -1) {
		frac := ""
		if m[4] >= 0 {
			frac = text[m[4]:m[5]]
		}
		amt, ok := minor(text[m[2]:m[3]], frac, false)
		if !ok {
			continue
		}
		a, b := t.runeSpan(m[0], m[1])
		addM(a, b, amt, st.currencyOf(text[m[6]:m[7]]))
	}
	for _, m := range rePriceCode.FindAllStringSubmatchIndex(text, -1) {
		frac := ""
		if m[6] >= 0 {
			frac = text[m[6]:m[7]]
		}
		amt, ok := minor(text[m[4]:m[5]], frac, false)
		if !ok {
			continue
		}
		a, b := t.runeSpan(m[0], m[1])
		addM(a, b, amt, st.currencyOf(text[m[2]:m[3]]))
	}
	// spelled out: "twenty dollars", "one hundred and twenty dollars"
	for i := 0; i < len(t.toks); i++ {
		if !t.toks[i].word || t.toks[i].num {
			continue
		}
		n, e, ok := t.numberAt(i)
		if !ok || n <= 0 || e >= len(t.toks) {
			continue
		}
		if t.lowAt(i) == "a" || t.lowAt(i) == "an" {
			continue
		}
		cur := st.currencyOf(t.lowAt(e))
		if cur == "" {
			continue
		}
		addM(t.toks[i].start, t.toks[e].end, int64(n)*100, cur)
		i = e
	}
	for _, m := range ms {
		if t.skipped(m.a, m.b) {
			continue
		}
		label, la, lb := t.priceLabel(m.a, m.b)
		pp := PricePoint{Label: label, Amount: m.amount, Currency: m.cur}
		dup := false
		for _, p := range st.prices {
			if p.pp == pp {
				dup = true
			}
		}
		if dup {
			continue
		}
		st.prices = append(st.prices, priceFound{pp: pp, conf: 0.85, src: t.src(min(la, m.a), max(lb, m.b))})
	}
}

var priceFiller = set("is", "are", "cost", "costs", "costing", "start", "starts", "starting", "at", "from", "for", "around", "about",
	"roughly", "just", "only", "we", "i", "charge", "charges", "it's", "its", "price", "prices", "priced", "rate", "rates", "will", "be",
	"the", "a", "an", "our", "my", "usually", "normally", "typically", "runs", "run", "go", "goes", "comes", "to", "and", "was", "were",
	"get", "gets", "pay", "pays", "they're", "that's", "which", "then", "up", "£", "$", "€", "-", "–", "—", ":", "(", ")", "so", "basically",
	"like", "um", "uh", "or", "with", "plus", "while", "also", "of", "in", "on", "do", "does", "ask", "each", "minimum", "min")

var priceUnits = set("hour", "hr", "session", "class", "visit", "month", "week", "night", "person", "head", "day", "lesson", "walk",
	"cut", "kg", "item", "piece", "year", "guest", "dozen", "loaf", "job", "room", "sqm", "hours", "page", "portrait", "wedding")

// priceLabel is what a price is for: the words before it in its clause
// and a unit after it ("per hour").
func (t *msgText) priceLabel(a, b int) (string, int, int) {
	// token index of the price's first and last token
	fi, li := -1, -1
	for i, tk := range t.toks {
		if tk.end > a && fi < 0 {
			fi = i
		}
		if tk.start < b {
			li = i
		}
	}
	if fi < 0 {
		return "price", a, b
	}
	// left: back to a clause boundary
	s := fi
	for s > 0 {
		p := t.toks[s-1]
		if !p.word && (p.low == "," || p.low == "." || p.low == ";" || p.low == "\n" || p.low == "!" || p.low == "?" || p.low == "(") {
			break
		}
		if p.word && (p.low == "and" || p.low == "but" || p.low == "or") {
			break
		}
		if fi-s >= 6 {
			break
		}
		s--
	}
	for s < fi && (priceFiller[t.toks[s].low] || !t.toks[s].word || t.toks[s].filler) {
		s++
	}
	e := fi
	for e > s && (priceFiller[t.toks[e-1].low] || !t.toks[e-1].word || t.toks[e-1].filler) {
		e--
	}
	var parts []string
	la, lb := a, b
	if e > s {
		parts = append(parts, t.phrase(s, e))
		la = t.toks[s].start
	}
	// right: "per hour", "an hour", "/month", "for a 30 min walk"
	j := li + 1
	for j < len(t.toks) && t.toks[j].filler {
		j++
	}
	w := t.lowAt(j)
	switch {
	case (w == "per" || w == "an" || w == "a" || w == "/" || w == "each" || w == "every") && priceUnits[strings.TrimSuffix(t.lowAt(j+1), "s")]:
		parts = append(parts, "per "+t.lowAt(j+1))
		lb = t.toks[j+1].end
	case w == "each":
		parts = append(parts, "each")
		lb = t.toks[j].end
	case w == "for" && len(parts) == 0:
		k := j + 1
		for k < len(t.toks) && k-j <= 5 && t.toks[k].word && t.lowAt(k) != "and" {
			k++
		}
		st, en := j+1, k
		for st < en && (t.lowAt(st) == "a" || t.lowAt(st) == "an" || t.lowAt(st) == "the") {
			st++
		}
		if en > st {
			parts = append(parts, t.phrase(st, en))
			lb = t.toks[en-1].end
		}
	}
	if len(parts) == 0 {
		return "price", a, b
	}
	return strings.Join(parts, " "), la, lb
}
