package extract

import (
	"regexp"
	"strings"
	"unicode"
)

// This file holds the rules engine's view of a message: its code points,
// word and punctuation tokens with their code-point offsets, and sentences.
// Nothing here rewrites the text, so every span a rule finds is a span of the
// owner's own words.

// token is one word, number or punctuation mark of a message.
type token struct {
	start, end int    // code points, end exclusive
	low        string // lower case, curly apostrophes made straight
	word       bool   // letters or digits (else a punctuation mark)
	upper      bool   // starts with an upper-case letter
	num        bool   // all digits (with , or . between them)
	filler     bool   // a voice filler ("um", "you know"), skipped by the rules
	link       bool   // part of an e-mail address or URL, which patterns read
}

// msgText is one message made ready for the rules.
type msgText struct {
	id     string
	voice  bool
	runes  []rune
	str    string // string(runes)
	toks   []token
	sents  [][2]int // token index ranges [from, to)
	byteAt []int    // code point index of each byte offset of the text
}

func newMsgText(m Message) *msgText {
	t := &msgText{id: m.ID, voice: m.Kind == "voice_transcript", runes: []rune(m.Text)}
	// Patterns run on the code points re-encoded (invalid UTF-8 bytes
	// become U+FFFD), so byte offsets map back one to one.
	t.str = string(t.runes)
	s := t.str
	t.byteAt = make([]int, len(s)+1)
	ri := 0
	for bi := range s {
		for j := bi; j < len(s) && (j == bi || !isRuneStart(s[j])); j++ {
			t.byteAt[j] = ri
		}
		ri++
	}
	t.byteAt[len(s)] = ri
	t.tokenise()
	for _, re := range []*regexp.Regexp{reEmail, reURL} {
		for _, m := range re.FindAllStringIndex(s, -1) {
			a, b := t.byteAt[m[0]], t.byteAt[m[1]]
			for i := range t.toks {
				if t.toks[i].start < b && t.toks[i].end > a {
					t.toks[i].link = true
				}
			}
		}
	}
	t.markFillers()
	t.splitSentences()
	return t
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

func isApos(r rune) bool { return r == '\'' || r == '’' || r == 'ʼ' }

func (t *msgText) tokenise() {
	rs := t.runes
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.IsSpace(r) && r != '\n':
			i++
		case isWordRune(r):
			j := i + 1
			for j < len(rs) {
				if isWordRune(rs[j]) {
					j++
					continue
				}
				// internal apostrophe or hyphen, or a decimal point or
				// thousands separator between digits
				if j+1 < len(rs) && isWordRune(rs[j+1]) && (isApos(rs[j]) || rs[j] == '-') {
					j += 2
					continue
				}
				if j+1 < len(rs) && (rs[j] == '.' || rs[j] == ',') && unicode.IsDigit(rs[j-1]) && unicode.IsDigit(rs[j+1]) {
					j += 2
					continue
				}
				break
			}
			t.toks = append(t.toks, t.mk(i, j, true))
			i = j
		default:
			t.toks = append(t.toks, t.mk(i, i+1, false))
			i++
		}
	}
}

func (t *msgText) mk(i, j int, word bool) token {
	s := string(t.runes[i:j])
	low := strings.Map(func(r rune) rune {
		if isApos(r) {
			return '\''
		}
		if r == '–' || r == '—' {
			return '-'
		}
		return unicode.ToLower(r)
	}, s)
	tk := token{start: i, end: j, low: low, word: word}
	if word {
		tk.upper = unicode.IsUpper(t.runes[i])
		tk.num = true
		for _, r := range low {
			if !unicode.IsDigit(r) && r != '.' && r != ',' {
				tk.num = false
				break
			}
		}
	}
	return tk
}

// fillers are dropped from voice transcripts (and harmless in text).
var fillerWords = map[string]bool{"um": true, "umm": true, "uh": true, "uhh": true, "erm": true, "er": true, "hmm": true, "mm": true, "ah": true}

func (t *msgText) markFillers() {
	for i := range t.toks {
		tk := &t.toks[i]
		if !tk.word {
			continue
		}
		switch {
		case fillerWords[tk.low]:
			tk.filler = true
		case tk.low == "basically" || tk.low == "literally" || tk.low == "honestly":
			tk.filler = true
		case tk.low == "you" && t.wordAt(i+1) == "know" && t.wordAt(i+2) != "what" && t.wordAt(i+2) != "how":
			tk.filler = true
			t.toks[i+1].filler = true
		case tk.low == "i" && t.wordAt(i+1) == "mean" && t.voice:
			tk.filler = true
			t.toks[i+1].filler = true
		case tk.low == "like" && t.voice:
			prev := t.wordAt(i - 1)
			if !likeVerbSubject[prev] {
				tk.filler = true
			}
		case (tk.low == "okay" || tk.low == "ok" || tk.low == "yeah" || tk.low == "so" || tk.low == "well") && t.voice && t.wordAt(i+1) != "that" && t.wordAt(i+1) != "far":
			tk.filler = true
		}
	}
}

var likeVerbSubject = map[string]bool{"i": true, "we": true, "you": true, "they": true, "would": true, "'d": true, "i'd": true, "we'd": true, "people": true, "customers": true, "clients": true, "really": true, "also": true, "don't": true, "not": true, "feel": true, "look": true, "looks": true, "just": true}

// wordAt is the lower-case token i, or "" out of range or for punctuation.
func (t *msgText) wordAt(i int) string {
	if i < 0 || i >= len(t.toks) || !t.toks[i].word {
		return ""
	}
	return t.toks[i].low
}

// lowAt is the lower-case token i (a word or a mark), "" out of range.
func (t *msgText) lowAt(i int) string {
	if i < 0 || i >= len(t.toks) {
		return ""
	}
	return t.toks[i].low
}

var abbrevs = map[string]bool{"est": true, "st": true, "dr": true, "mr": true, "mrs": true, "ms": true, "no": true, "approx": true, "inc": true, "ltd": true, "co": true, "etc": true, "vs": true, "e.g": true, "i.e": true, "mt": true, "ft": true}

func (t *msgText) splitSentences() {
	from := 0
	cut := func(to int) {
		if to > from {
			t.sents = append(t.sents, [2]int{from, to})
		}
		from = to + 1
	}
	for i, tk := range t.toks {
		if tk.word {
			continue
		}
		switch tk.low {
		case "!", "?", ";", "\n":
			cut(i)
		case ".":
			prev := t.wordAt(i - 1)
			if abbrevs[prev] && i+1 < len(t.toks) && t.toks[i+1].word && (!t.toks[i+1].upper || t.toks[i+1].num) {
				continue
			}
			// dots inside e-mail addresses and domains
			if i+1 < len(t.toks) && t.toks[i+1].start == tk.end && t.toks[i+1].word {
				continue
			}
			cut(i)
		case "•", "*", "·":
			cut(i)
		case "-":
			// a bullet: a dash at the start of a line
			if i == 0 || t.lowAt(i-1) == "\n" {
				cut(i)
			}
		}
	}
	cut(len(t.toks))
}

// span is the text of the code points [start, end).
func (t *msgText) span(start, end int) string { return string(t.runes[start:end]) }

// source is a Source for tokens [i, j).
func (t *msgText) source(i, j int) Source {
	s, e := t.toks[i].start, t.toks[j-1].end
	return Source{MessageID: t.id, Start: s, End: e, Quote: t.span(s, e)}
}

// phrase is the owner's text of tokens [i, j) with fillers left out.
func (t *msgText) phrase(i, j int) string {
	var b strings.Builder
	last := -1
	for k := i; k < j; k++ {
		if t.toks[k].filler {
			continue
		}
		if last >= 0 {
			if last == k-1 {
				b.WriteString(t.span(t.toks[last].end, t.toks[k].start))
			} else {
				b.WriteByte(' ')
			}
		}
		b.WriteString(t.span(t.toks[k].start, t.toks[k].end))
		last = k
	}
	return strings.TrimSpace(b.String())
}

// The numbers an owner may spell out.
var smallNumbers = map[string]int{
	"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
	"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
	"seventeen": 17, "eighteen": 18, "nineteen": 19, "a": 1, "an": 1, "single": 1,
}

var tensNumbers = map[string]int{"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}

// numberAt reads a cardinal number at token i, in digits or words ("one
// hundred and twenty", "a dozen", "twenty-five"), and returns it with the
// index after it. "a"/"an" count only before "hundred", "thousand" or
// "dozen".
func (t *msgText) numberAt(i int) (int, int, bool) {
	w := t.wordAt(i)
	if w == "" {
		return 0, i, false
	}
	if t.toks[i].num {
		if strings.ContainsAny(w, ".") {
			return 0, i, false
		}
		n := 0
		for _, r := range w {
			if r == ',' {
				continue
			}
			n = n*10 + int(r-'0')
			if n > 1e9 {
				return 0, i, false
			}
		}
		return n, i + 1, true
	}
	total, cur, j, any := 0, 0, i, false
	for j < len(t.toks) {
		w := t.wordAt(j)
		if t.toks[j].filler {
			j++
			continue
		}
		if a, b, ok := strings.Cut(w, "-"); ok && tensNumbers[a] > 0 && smallNumbers[b] > 0 && b != "a" && b != "an" {
			cur += tensNumbers[a] + smallNumbers[b]
			any = true
			j++
			continue
		}
		switch {
		case (w == "a" || w == "an") && !any:
			next := t.wordAt(j + 1)
			if next != "hundred" && next != "thousand" && next != "dozen" {
				return 0, i, false
			}
			cur = 1
			any = true
		case smallNumbers[w] > 0 || w == "zero":
			if w == "a" || w == "an" || w == "single" {
				return total + cur, j, any
			}
			if rem := cur % 100; any && rem != 0 && (rem%10 != 0 || smallNumbers[w] >= 10) {
				return total + cur, j, any
			}
			cur += smallNumbers[w]
			any = true
		case tensNumbers[w] > 0:
			if any && cur%100 != 0 {
				return total + cur, j, any
			}
			cur += tensNumbers[w]
			any = true
		case w == "hundred" && any:
			cur *= 100
		case w == "thousand" && any:
			total += cur * 1000
			cur = 0
		case w == "dozen":
			if !any {
				cur = 1
			}
			cur *= 12
			any = true
		case w == "and" && any && (t.wordAt(j+1) != "" && (smallNumbers[t.wordAt(j+1)] > 0 || tensNumbers[t.wordAt(j+1)] > 0)) && (cur >= 100 || total > 0):
		default:
			return total + cur, j, any
		}
		j++
	}
	return total + cur, j, any
}

// yearAt reads a year at token i: "2014", "twenty fourteen", "two thousand
// and nine", "nineteen ninety-eight".
func (t *msgText) yearAt(i int) (int, int, bool) {
	w := t.wordAt(i)
	if w == "" {
		return 0, i, false
	}
	if t.toks[i].num {
		if len(w) == 4 {
			n, j, ok := t.numberAt(i)
			if ok && n >= 1850 && n <= 2035 {
				return n, j, true
			}
		}
		return 0, i, false
	}
	if w == "nineteen" || w == "twenty" {
		// "twenty fourteen", "nineteen ninety eight"
		hi := 19
		if w == "twenty" {
			hi = 20
		}
		j := i + 1
		for j < len(t.toks) && t.toks[j].filler {
			j++
		}
		n, k, ok := t.numberAt(j)
		if ok && n >= 10 && n <= 99 && !t.toks[j].num {
			return hi*100 + n, k, true
		}
		if ok && t.wordAt(j) == "oh" {
			return 0, i, false
		}
	}
	n, k, ok := t.numberAt(i)
	if ok && n >= 1850 && n <= 2035 {
		return n, k, true
	}
	return 0, i, false
}
