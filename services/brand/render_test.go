package brand_test

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	"golang.org/x/net/html"

	"github.com/xentri/xentri/services/brand"
)

const (
	testRelease = "0190c0de-0000-7000-8000-000000000001"
	testBaseURL = "http://rosas.sites.localhost:8080"
)

var (
	logoID    = uuid.MustParse("00000000-0000-4000-8000-0000000000a1")
	ogID      = uuid.MustParse("00000000-0000-4000-8000-0000000000a2")
	heroID    = uuid.MustParse("00000000-0000-4000-8000-0000000000a3")
	galleryID = uuid.MustParse("00000000-0000-4000-8000-0000000000a4")
	proseID   = uuid.MustParse("00000000-0000-4000-8000-0000000000a5")
)

// renderBlock makes a block of data as it is stored, bypassing the schema
// (so tests can hand the renderer what validation would refuse).
func renderBlock(t testing.TB, typ string, data any) brand.Block {
	t.Helper()
	raw, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	return brand.Block{Type: typ, Data: raw}
}

// bakerySite is a small site with every block type, media in every place
// media goes, and pages at depths 0, 1 and 2.
func bakerySite(t testing.TB) brand.RenderInput {
	t.Helper()
	theme := brand.ThemeFor("friendly")
	theme.LogoURL = "/media/" + logoID.String()
	site := brand.Site{
		ID: uuid.MustParse("00000000-0000-4000-8000-000000000001"), Name: "Rosa's Bakery", Slug: "rosas", Theme: theme,
		Navigation: []brand.NavItem{
			{Label: "Home", Path: "/"},
			{Label: "About", Path: "/about"},
			{Label: "Plumbing", Path: "/services/plumbing"},
			{Label: "Contact", Path: "/#contact"},
			{Label: "Elsewhere", Path: "https://example.com/x"},
		},
		SEO: brand.SEO{Title: "Rosa's Bakery", Description: "Fresh bread every morning.", OGImage: "/media/" + ogID.String()},
	}
	home := brand.RenderPage{ID: uuid.New(), Path: "/", Title: "Home", Blocks: []brand.Block{
		renderBlock(t, brand.BlockHero, map[string]any{"headline": "Bread worth getting up for", "subheadline": "Baked at dawn in Zurich.",
			"cta":   map[string]string{"label": "Order now", "href": "/#contact"},
			"image": map[string]string{"src": "/media/" + heroID.String() + "/whatever.jpg", "alt": "A loaf on a board"}}),
		renderBlock(t, brand.BlockFeatures, map[string]any{"heading": "What we bake", "items": []map[string]string{
			{"title": "Sourdough", "description": "Three days of patience.", "icon": "bread"}, {"title": "Cakes"}}}),
		renderBlock(t, brand.BlockTestimonials, map[string]any{"heading": "Neighbours say", "items": []map[string]string{
			{"quote": "The best croissant in town.", "author": "Anna", "role": "Regular"}}}),
		renderBlock(t, brand.BlockGallery, map[string]any{"heading": "The shop", "images": []map[string]string{
			{"src": "/media/" + galleryID.String(), "alt": "The shop front", "caption": "Open from 6"},
			{"src": "https://images.example.com/oven.jpg", "alt": "The oven"}}}),
		renderBlock(t, brand.BlockPricing, map[string]any{"heading": "Prices", "plans": []map[string]any{
			{"label": "Loaf", "amount": 650, "currency": "CHF", "description": "Sourdough, 750 g", "cta": map[string]string{"label": "Ask us", "href": "/contact"}},
			{"label": "Cake", "amount": 125000, "currency": "EUR"}}}),
		renderBlock(t, brand.BlockCTA, map[string]any{"heading": "Meet the team", "text": "We are four.", "button": map[string]string{"label": "About us", "href": "/about#team"}}),
		renderBlock(t, brand.BlockContactForm, map[string]any{"heading": "Get in touch", "intro": "We answer within a day.",
			"fields": []string{"name", "email", "phone", "company", "message"}, "email": "hello@rosas.example", "phone": "+41 44 123 45 67"}),
	}}
	about := brand.RenderPage{ID: uuid.New(), Path: "/about", Title: "About", SEO: brand.SEO{Description: "Who we are."}, Blocks: []brand.Block{
		renderBlock(t, brand.BlockRichText, map[string]any{"markdown": "# Our story\n\nSince **1982**. See [the plumbing page](/services/plumbing).\n\n![Our oven](/media/" + proseID.String() + ")"}),
		renderBlock(t, brand.BlockCTA, map[string]any{"heading": "Call us", "button": map[string]string{"label": "Call", "href": "tel:+41441234567"}}),
	}}
	plumbing := brand.RenderPage{ID: uuid.New(), Path: "/services/plumbing", Title: "Plumbing", Blocks: []brand.Block{
		renderBlock(t, brand.BlockHero, map[string]any{"headline": "Pipes, too", "cta": map[string]string{"label": "Contact", "href": "/contact"},
			"image": map[string]string{"src": "/media/" + heroID.String(), "alt": "A wrench"}}),
		renderBlock(t, brand.BlockGallery, map[string]any{"images": []map[string]string{{"src": "/media/" + galleryID.String(), "alt": "The van"}}}),
		renderBlock(t, brand.BlockContactForm, map[string]any{"fields": []string{"name", "message"}}),
	}}
	private := brand.RenderPage{ID: uuid.New(), Path: "/private", Title: "Staff only", SEO: brand.SEO{NoIndex: true}}
	return brand.RenderInput{
		Site: site, ReleaseID: testRelease, BaseURL: testBaseURL,
		Pages: []brand.RenderPage{home, about, plumbing, private},
		Media: map[uuid.UUID]brand.MediaFile{
			logoID:    {Filename: "logo.png", ContentType: "image/png"},
			ogID:      {Filename: "share.jpg", ContentType: "image/jpeg"},
			heroID:    {Filename: "hero.jpg", ContentType: "image/jpeg"},
			galleryID: {Filename: "Shop Front.JPG", ContentType: "image/jpeg"},
			proseID:   {Filename: "oven.webp", ContentType: "image/webp"},
		},
	}
}

func mustRender(t testing.TB, in brand.RenderInput) map[string]brand.File {
	t.Helper()
	files, err := brand.Render(in)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	out := make(map[string]brand.File, len(files))
	for _, f := range files {
		out[f.Path] = f
	}
	return out
}

func parseHTML(t testing.TB, body []byte) *html.Node {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// elements lists the elements of doc that match, in document order.
func elements(doc *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	for n := range doc.Descendants() {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
	}
	return out
}

func tagged(tag string) func(*html.Node) bool {
	return func(n *html.Node) bool { return n.Data == tag }
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func textOf(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// urlsOf lists every URL an element of doc carries.
func urlsOf(doc *html.Node) []string {
	var out []string
	for _, n := range elements(doc, func(*html.Node) bool { return true }) {
		for _, a := range n.Attr {
			if a.Key == "href" || a.Key == "src" || a.Key == "action" {
				out = append(out, a.Val)
			}
		}
	}
	return out
}

func TestRenderMakesTheFilesOfARelease(t *testing.T) {
	t.Parallel()
	files, err := brand.Render(bakerySite(t))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"404.html":                        "text/html; charset=utf-8",
		"_r/" + testRelease + "/site.css": "text/css; charset=utf-8",
		"about/index.html":                "text/html; charset=utf-8",
		"index.html":                      "text/html; charset=utf-8",
		"private/index.html":              "text/html; charset=utf-8",
		"robots.txt":                      "text/plain; charset=utf-8",
		"services/plumbing/index.html":    "text/html; charset=utf-8",
		"sitemap.xml":                     "application/xml",
	}
	var paths []string
	for _, f := range files {
		paths = append(paths, f.Path)
		if want[f.Path] != f.ContentType {
			t.Errorf("%s: content type %q, want %q", f.Path, f.ContentType, want[f.Path])
		}
		sum := sha256.Sum256(f.Body)
		if f.SHA256 != hex.EncodeToString(sum[:]) || f.Size != int64(len(f.Body)) || f.Size == 0 {
			t.Errorf("%s: sha256 %s size %d do not describe its %d bytes", f.Path, f.SHA256, f.Size, len(f.Body))
		}
	}
	if !slices.IsSorted(paths) || len(paths) != len(want) {
		t.Errorf("paths %v: want %d paths, sorted", paths, len(want))
	}
}

func TestRenderIsDeterministic(t *testing.T) {
	t.Parallel()
	in := bakerySite(t)
	first, err := brand.Render(in)
	if err != nil {
		t.Fatal(err)
	}
	// Another run, and the same pages given in another order: the same bytes.
	again := bakerySite(t)
	slices.Reverse(again.Pages)
	for range 3 {
		next, err := brand.Render(again)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(first, next) {
			for i := range first {
				if i < len(next) && !bytes.Equal(first[i].Body, next[i].Body) {
					t.Fatalf("%s differs between two renders", first[i].Path)
				}
			}
			t.Fatal("two renders of the same input differ")
		}
	}
}

func TestRelMakesSitePathsRelativeToThePage(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		from, to, want string
		lands          string // where it lands from the site's root, when not at to
	}{
		{"/", "/", "./", ""},
		{"/", "/about", "about", ""},
		{"/", "/#contact", "./#contact", ""},
		{"/", "/a/b", "a/b", ""},
		{"/about", "/", "./", ""},
		{"/about", "/about", "about", ""},
		{"/about", "/contact", "contact", ""},
		{"/about", "/about#x", "about#x", ""},
		{"/about", "/?q=1", "./?q=1", ""},
		{"/about", "/_r/r1/site.css", "_r/r1/site.css", ""},
		{"/a/b", "/", "../", ""},
		{"/a/b", "/contact", "../contact", ""},
		{"/a/b", "/#contact", "../#contact", ""},
		{"/a/b", "/a/c", "../a/c", ""},
		{"/a/b/c", "/", "../../", ""},
		{"/a/b/c", "/x/y", "../../x/y", ""},
		{"/about", "/a:b", "./a:b", ""},                                // not the scheme a:
		{"/about", "/x/../y", "y", "/y"},                               // cleaned
		{"/a/b", "/../../etc", "../etc", "/etc"},                       // no climbing above the site's root
		{"/about", `/\\evil.com`, "%5C%5Cevil.com", "/%5C%5Cevil.com"}, // not //evil.com
	} {
		if got := brand.Rel(c.from, c.to); got != c.want {
			t.Errorf("rel(%q, %q) = %q, want %q", c.from, c.to, got, c.want)
		}
		// The point of it: the same URL is right at the host's root and
		// under /sites/{id}/.
		lands := cmp.Or(c.lands, c.to)
		for _, root := range []string{"http://h/", "http://h/sites/s1/"} {
			base, _ := url.Parse(root + strings.TrimPrefix(c.from, "/"))
			ref, _ := url.Parse(c.want)
			want := root + strings.TrimPrefix(lands, "/")
			if got := base.ResolveReference(ref).String(); got != want {
				t.Errorf("rel(%q, %q) from %s lands at %s, want %s", c.from, c.to, base, got, want)
			}
		}
	}
}

// landings resolves every URL of a page as a browser would, at the host's
// root and under /sites/{id}/, checks that both land on the same file of
// the site, and returns where the site's own URLs land from the root
// (path#fragment).
func landings(t *testing.T, pagePath string, doc *html.Node) []string {
	t.Helper()
	const prefix = "/sites/00000000-0000-4000-8000-000000000001"
	atRoot, _ := url.Parse("http://h" + pagePath)
	underPrefix, _ := url.Parse("http://h" + prefix + pagePath) // home is served at {prefix}/
	var out []string
	for _, raw := range urlsOf(doc) {
		u, err := url.Parse(raw)
		if err != nil {
			t.Errorf("%s: %q: %v", pagePath, raw, err)
			continue
		}
		if u.IsAbs() || strings.HasPrefix(raw, "#") {
			continue // elsewhere, or on this page
		}
		if strings.HasPrefix(raw, "/") {
			t.Errorf("%s: %q is root-relative: it misses the site under %s/", pagePath, raw, prefix)
			continue
		}
		r1, r2 := atRoot.ResolveReference(u), underPrefix.ResolveReference(u)
		if r2.Path != prefix+r1.Path || r1.Fragment != r2.Fragment {
			t.Errorf("%s: %q lands at %s from the root but at %s under the prefix", pagePath, raw, r1, r2)
		}
		p := r1.Path
		if r1.Fragment != "" {
			p += "#" + r1.Fragment
		}
		out = append(out, p)
	}
	return out
}

func TestRenderLinksWorkAtTheRootAndUnderASitePrefix(t *testing.T) {
	t.Parallel()
	in := bakerySite(t)
	files := mustRender(t, in)
	media := "/_r/" + testRelease + "/media/"
	sheet := "/_r/" + testRelease + "/site.css"
	for _, c := range []struct {
		page  string
		links []string // site paths the page must link, as they land from the root
	}{
		{"/", []string{"/", "/about", "/services/plumbing", "/#contact", "/contact", "/about#team", "/_forms/contact", sheet,
			media + logoID.String() + "/logo.png", media + heroID.String() + "/hero.jpg", media + galleryID.String() + "/Shop-Front.jpg"}},
		{"/about", []string{"/", "/services/plumbing", "/#contact", sheet, media + proseID.String() + "/oven.webp"}},
		{"/services/plumbing", []string{"/", "/about", "/services/plumbing", "/#contact", "/contact", "/_forms/contact", sheet,
			media + logoID.String() + "/logo.png", media + heroID.String() + "/hero.jpg", media + galleryID.String() + "/Shop-Front.jpg"}},
		{"/private", []string{"/", sheet}},
	} {
		doc := parseHTML(t, files[brand.PageFile(c.page)].Body)
		got := landings(t, c.page, doc)
		for _, want := range c.links {
			if !slices.Contains(got, want) {
				t.Errorf("%s links no %s; it links %v", c.page, want, got)
			}
		}
		if !slices.Contains(urlsOf(doc), "https://example.com/x") {
			t.Errorf("%s: the external nav link is lost", c.page)
		}
	}

	doc := parseHTML(t, files["services/plumbing/index.html"].Body)
	sheets := elements(doc, func(n *html.Node) bool { v, _ := attr(n, "rel"); return n.Data == "link" && v == "stylesheet" })
	if len(sheets) != 1 {
		t.Fatalf("%d stylesheets", len(sheets))
	}
	if href, _ := attr(sheets[0], "href"); href != "../_r/"+testRelease+"/site.css" {
		t.Errorf("stylesheet %q", href)
	}
	// From the home page and /about, home is ./ and the stylesheet is
	// under _r/ directly.
	for _, page := range []string{"index.html", "about/index.html"} {
		d := parseHTML(t, files[page].Body)
		brandLink := elements(d, func(n *html.Node) bool { c, _ := attr(n, "class"); return c == "brand" })
		if len(brandLink) != 1 {
			t.Fatalf("%s: %d brand links", page, len(brandLink))
		}
		if href, _ := attr(brandLink[0], "href"); href != "./" {
			t.Errorf("%s: home is %q, want ./", page, href)
		}
		if !slices.Contains(urlsOf(d), "_r/"+testRelease+"/site.css") {
			t.Errorf("%s: no stylesheet at _r/%s/site.css", page, testRelease)
		}
	}
	// The current page is marked in the navigation.
	current := elements(doc, func(n *html.Node) bool { v, _ := attr(n, "aria-current"); return v == "page" })
	if len(current) != 1 || textOf(current[0]) != "Plumbing" {
		t.Errorf("aria-current on %d links", len(current))
	}
}

func TestRenderComesOutInert(t *testing.T) {
	t.Parallel()
	const img = `<img src=x onerror=alert(1)>`
	in := bakerySite(t)
	in.Site.Name = "Rosa " + img
	in.Site.Navigation = append(in.Site.Navigation,
		brand.NavItem{Label: img, Path: "javascript:alert(1)"},
		brand.NavItem{Label: "Sneaky", Path: " JavaScript:alert(1)"},
		brand.NavItem{Label: "Data", Path: "data:text/html,<script>alert(1)</script>"})
	in.Site.Theme.Fonts.Heading = `x"; } body { background: url(javascript:alert(1)) } </style><script>alert(1)</script>`
	in.Site.Theme.Colors.Primary = `red;}</style><script>alert(1)</script>`
	in.Pages = append(in.Pages, brand.RenderPage{ID: uuid.New(), Path: "/evil", Title: img + `"><script>alert(1)</script>`,
		SEO: brand.SEO{Description: `"><script>alert(1)</script>`, Canonical: "javascript:alert(1)"},
		Blocks: []brand.Block{
			renderBlock(t, brand.BlockHero, map[string]any{"headline": img, "subheadline": "<script>alert(1)</script>",
				"cta":   map[string]string{"label": img, "href": "javascript:alert(1)"},
				"image": map[string]string{"src": "javascript:alert(1)", "alt": `" onerror="alert(1)`}}),
			renderBlock(t, brand.BlockRichText, map[string]any{"markdown": "Hi <script>alert(1)</script> [x](javascript:alert(1)) " + img}),
			renderBlock(t, brand.BlockCTA, map[string]any{"heading": img, "button": map[string]string{"label": "Go", "href": "javascript:alert(1)"}}),
			renderBlock(t, brand.BlockPricing, map[string]any{"plans": []map[string]any{
				{"label": img, "amount": 1, "currency": "<b>", "cta": map[string]string{"label": "x", "href": "vbscript:msgbox(1)"}}}}),
			renderBlock(t, brand.BlockGallery, map[string]any{"images": []map[string]string{{"src": "data:image/svg+xml,<svg onload=alert(1)>", "alt": img}}}),
			renderBlock(t, brand.BlockContactForm, map[string]any{"fields": []string{"name", `"><script>`}, "email": `x@y"><script>alert(1)</script>`,
				"phone": `1"><script>alert(1)</script>`, "submit_label": img}),
		}})
	files := mustRender(t, in)

	for _, f := range files {
		low := strings.ToLower(string(f.Body))
		if strings.Contains(low, "<script") {
			t.Errorf("%s holds <script: %s", f.Path, f.Body)
		}
		if !strings.HasSuffix(f.Path, ".html") {
			continue
		}
		doc := parseHTML(t, f.Body)
		if s := elements(doc, tagged("script")); len(s) > 0 {
			t.Errorf("%s: %d script elements", f.Path, len(s))
		}
		for _, n := range elements(doc, func(*html.Node) bool { return true }) {
			for _, a := range n.Attr {
				if strings.HasPrefix(a.Key, "on") {
					t.Errorf("%s: <%s %s=%q>", f.Path, n.Data, a.Key, a.Val)
				}
				v := strings.ToLower(strings.Join(strings.Fields(a.Val), ""))
				if (a.Key == "href" || a.Key == "src" || a.Key == "action") &&
					(strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "vbscript:") || strings.HasPrefix(v, "data:")) {
					t.Errorf("%s: <%s %s=%q>", f.Path, n.Data, a.Key, a.Val)
				}
			}
		}
		// The stylesheet inlined in 404.html stays one <style> element.
		if styles := elements(doc, tagged("style")); f.Path == "404.html" && (len(styles) != 1 || strings.Contains(textOf(styles[0]), "</")) {
			t.Errorf("404.html: the inline style broke out: %d <style> elements", len(styles))
		}
	}

	evil := parseHTML(t, files["evil/index.html"].Body)
	h1 := elements(evil, tagged("h1"))
	if len(h1) != 1 || textOf(h1[0]) != img {
		t.Errorf("the headline is not shown as text: %v", h1)
	}
	// The javascript: links are there, filtered by html/template.
	inert := 0
	for _, u := range urlsOf(evil) {
		if u == "#ZgotmplZ" {
			inert++
		}
	}
	if inert < 5 { // three nav links, the hero CTA and image, the CTA, the plan's CTA, the gallery image
		t.Errorf("%d URLs came out #ZgotmplZ, want the unsafe ones to: %v", inert, urlsOf(evil))
	}
	css := string(files["_r/"+testRelease+"/site.css"].Body)
	for _, bad := range []string{"</style", "<", "red;", "url(javascript"} {
		if strings.Contains(css, bad) {
			t.Errorf("the stylesheet holds %q", bad)
		}
	}
}

func TestRenderStylesheetComesFromTheTheme(t *testing.T) {
	t.Parallel()
	in := bakerySite(t)
	in.Site.Theme.Fonts = brand.Fonts{Heading: "Playfair Display", Body: "Open Sans"}
	css := string(mustRender(t, in)["_r/"+testRelease+"/site.css"].Body)
	c := in.Site.Theme.Colors
	for _, want := range []string{
		"--primary: " + c.Primary + ";", "--accent: " + c.Accent + ";", "--bg: " + c.Background + ";", "--text: " + c.Text + ";",
		`--font-heading: "Playfair Display", Georgia`, `--font-body: "Open Sans", system-ui`,
	} {
		if !strings.Contains(css, want) {
			t.Errorf("the stylesheet lacks %q", want)
		}
	}
	if strings.Contains(css, "@import") || strings.Contains(css, "http") {
		t.Error("the stylesheet loads something from the network")
	}
}

func TestRenderHeadHasTheMetadata(t *testing.T) {
	t.Parallel()
	in := bakerySite(t)
	in.Pages[1].SEO.Canonical = "https://rosas.example/about"
	files := mustRender(t, in)
	meta := func(doc *html.Node, key, name string) []string {
		var out []string
		for _, n := range elements(doc, tagged("meta")) {
			if v, _ := attr(n, key); v == name {
				c, _ := attr(n, "content")
				out = append(out, c)
			}
		}
		return out
	}
	for _, c := range []struct {
		file, title, description, canonical, ogImage string
	}{
		{"index.html", "Home | Rosa's Bakery", "Fresh bread every morning.", testBaseURL + "/", testBaseURL + "/_r/" + testRelease + "/media/" + ogID.String() + "/share.jpg"},
		{"about/index.html", "About | Rosa's Bakery", "Who we are.", "https://rosas.example/about", testBaseURL + "/_r/" + testRelease + "/media/" + ogID.String() + "/share.jpg"},
		{"services/plumbing/index.html", "Plumbing | Rosa's Bakery", "Fresh bread every morning.", testBaseURL + "/services/plumbing", testBaseURL + "/_r/" + testRelease + "/media/" + ogID.String() + "/share.jpg"},
	} {
		doc := parseHTML(t, files[c.file].Body)
		if htmlEl := elements(doc, tagged("html")); len(htmlEl) != 1 || func() string { v, _ := attr(htmlEl[0], "lang"); return v }() != "en" {
			t.Errorf("%s: no <html lang=en>", c.file)
		}
		if title := elements(doc, tagged("title")); len(title) != 1 || textOf(title[0]) != c.title {
			t.Errorf("%s: title %v, want %q", c.file, title, c.title)
		}
		canon := elements(doc, func(n *html.Node) bool { v, _ := attr(n, "rel"); return n.Data == "link" && v == "canonical" })
		if len(canon) != 1 || func() string { v, _ := attr(canon[0], "href"); return v }() != c.canonical {
			t.Errorf("%s: canonical is not %s", c.file, c.canonical)
		}
		for _, m := range []struct{ key, name, want string }{
			{"name", "generator", "Xentri"}, {"name", "xentri-release", testRelease}, {"name", "description", c.description},
			{"property", "og:title", c.title}, {"property", "og:description", c.description}, {"property", "og:url", c.canonical},
			{"property", "og:image", c.ogImage},
		} {
			if got := meta(doc, m.key, m.name); len(got) != 1 || got[0] != m.want {
				t.Errorf("%s: %s %v, want %q", c.file, m.name, got, m.want)
			}
		}
		if got := meta(doc, "name", "robots"); len(got) != 0 {
			t.Errorf("%s: robots %v on an indexable page", c.file, got)
		}
	}
	if got := meta(parseHTML(t, files["private/index.html"].Body), "name", "robots"); len(got) != 1 || got[0] != "noindex" {
		t.Errorf("the noindex page has robots %v", got)
	}
	// A page's own og:image wins over the site's.
	in.Pages[2].SEO.OGImage = "https://cdn.example/p.jpg"
	if got := meta(parseHTML(t, mustRender(t, in)["services/plumbing/index.html"].Body), "property", "og:image"); len(got) != 1 || got[0] != "https://cdn.example/p.jpg" {
		t.Errorf("og:image %v", got)
	}
}

func TestRenderGivesAPageOneH1(t *testing.T) {
	t.Parallel()
	files := mustRender(t, bakerySite(t))
	for file, want := range map[string]string{
		"index.html":         "Bread worth getting up for", // the hero's
		"about/index.html":   "About",                      // the title: the rich text's "# Our story" is demoted
		"private/index.html": "Staff only",
	} {
		h1 := elements(parseHTML(t, files[file].Body), tagged("h1"))
		if len(h1) != 1 || textOf(h1[0]) != want {
			var texts []string
			for _, h := range h1 {
				texts = append(texts, textOf(h))
			}
			t.Errorf("%s: h1 %q, want one: %q", file, texts, want)
		}
	}
	doc := parseHTML(t, files["index.html"].Body)
	for _, landmark := range []string{"header", "nav", "main", "footer"} {
		if len(elements(doc, tagged(landmark))) == 0 {
			t.Errorf("no <%s>", landmark)
		}
	}
	for _, img := range elements(doc, tagged("img")) {
		if _, ok := attr(img, "alt"); !ok {
			t.Errorf("an img without alt: %v", img.Attr)
		}
	}
}

func TestRenderMediaRewritesToTheReleasesCopy(t *testing.T) {
	t.Parallel()
	files := mustRender(t, bakerySite(t))
	srcs := func(file string) []string {
		var out []string
		for _, n := range elements(parseHTML(t, files[file].Body), tagged("img")) {
			v, _ := attr(n, "src")
			out = append(out, v)
		}
		return out
	}
	media := "_r/" + testRelease + "/media/"
	if got, want := srcs("index.html"), []string{
		media + logoID.String() + "/logo.png",
		media + heroID.String() + "/hero.jpg",
		media + galleryID.String() + "/Shop-Front.jpg",
		"https://images.example.com/oven.jpg",
	}; !slices.Equal(got, want) {
		t.Errorf("home images\n got %q\nwant %q", got, want)
	}
	if got, want := srcs("services/plumbing/index.html"), []string{
		"../" + media + logoID.String() + "/logo.png",
		"../" + media + heroID.String() + "/hero.jpg",
		"../" + media + galleryID.String() + "/Shop-Front.jpg",
	}; !slices.Equal(got, want) {
		t.Errorf("plumbing images\n got %q\nwant %q", got, want)
	}
	if got := brand.MediaPath(testRelease, galleryID, "Shop Front.JPG"); got != media+galleryID.String()+"/Shop-Front.jpg" {
		t.Errorf("MediaPath = %q", got)
	}
}

func TestRenderFailsOnMissingMedia(t *testing.T) {
	t.Parallel()
	for name, drop := range map[string]uuid.UUID{"hero": heroID, "gallery": galleryID, "logo": logoID, "og:image": ogID} {
		in := bakerySite(t)
		delete(in.Media, drop)
		_, err := brand.Render(in)
		if !errors.Is(err, brand.ErrMissingMedia) || !strings.Contains(err.Error(), drop.String()) || !strings.Contains(err.Error(), "page /") {
			t.Errorf("%s missing: %v, want ErrMissingMedia naming the page and %s", name, err, drop)
		}
	}
	in := bakerySite(t)
	delete(in.Media, galleryID)
	in.Pages = in.Pages[2:] // only /services/plumbing uses it now
	if _, err := brand.Render(in); err == nil || !strings.Contains(err.Error(), "page /services/plumbing") {
		t.Errorf("the error %v does not name the page", err)
	}
}

func TestMediaIDsListsEveryReferenceOnce(t *testing.T) {
	t.Parallel()
	in := bakerySite(t)
	other := uuid.MustParse("00000000-0000-4000-8000-000000000000")
	in.Pages[3].SEO.OGImage = "/media/" + other.String() + "/x.png"
	in.Pages[3].Blocks = []brand.Block{renderBlock(t, brand.BlockRichText, map[string]any{"markdown": "[x](/media/" + heroID.String() + "/a.jpg) [y](/about)"})}
	got := brand.MediaIDs(in.Site, in.Pages)
	want := []uuid.UUID{other, logoID, ogID, heroID, galleryID, proseID}
	if !slices.Equal(got, want) {
		t.Errorf("MediaIDs = %v, want %v", got, want)
	}
	if got := brand.MediaIDs(brand.Site{}, nil); got == nil || len(got) != 0 {
		t.Errorf("MediaIDs of nothing = %#v, want empty", got)
	}
	for path, want := range map[string]string{"/": "index.html", "/about": "about/index.html", "/a/b": "a/b/index.html"} {
		if got := brand.PageFile(path); got != want {
			t.Errorf("PageFile(%q) = %q, want %q", path, got, want)
		}
	}
}

func sitemapLocs(t *testing.T, body []byte) []string {
	t.Helper()
	var set struct {
		XMLName xml.Name `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
		URLs    []struct {
			Loc string `xml:"loc"`
		} `xml:"url"`
	}
	if err := xml.Unmarshal(body, &set); err != nil {
		t.Fatalf("sitemap.xml: %v\n%s", err, body)
	}
	var out []string
	for _, u := range set.URLs {
		out = append(out, u.Loc)
	}
	return out
}

func TestRenderSitemapAndRobotsListIndexablePages(t *testing.T) {
	t.Parallel()
	files := mustRender(t, bakerySite(t))
	if got, want := sitemapLocs(t, files["sitemap.xml"].Body), []string{testBaseURL + "/", testBaseURL + "/about", testBaseURL + "/services/plumbing"}; !slices.Equal(got, want) {
		t.Errorf("sitemap %q, want %q (not the noindex /private)", got, want)
	}
	if got, want := string(files["robots.txt"].Body), "User-agent: *\nAllow: /\n\nSitemap: "+testBaseURL+"/sitemap.xml\n"; got != want {
		t.Errorf("robots.txt %q, want %q", got, want)
	}
	in := bakerySite(t)
	in.Site.SEO.NoIndex = true
	files = mustRender(t, in)
	if got := sitemapLocs(t, files["sitemap.xml"].Body); len(got) != 0 {
		t.Errorf("a noindex site's sitemap lists %q", got)
	}
	if !bytes.Contains(files["index.html"].Body, []byte(`<meta name="robots" content="noindex">`)) {
		t.Error("a noindex site's home page is indexable")
	}
}

func TestRenderPreviewIsNotIndexedAndSaysSo(t *testing.T) {
	t.Parallel()
	in := bakerySite(t)
	in.Preview, in.ReleaseID = true, "draft"
	files := mustRender(t, in)
	if got := string(files["robots.txt"].Body); got != "User-agent: *\nDisallow: /\n" {
		t.Errorf("preview robots.txt %q", got)
	}
	if got := sitemapLocs(t, files["sitemap.xml"].Body); len(got) != 0 {
		t.Errorf("preview sitemap lists %q", got)
	}
	if _, ok := files["_r/draft/site.css"]; !ok {
		t.Error("no _r/draft/site.css")
	}
	pages := 0
	for p, f := range files {
		if !strings.HasSuffix(p, ".html") {
			continue
		}
		pages++
		doc := parseHTML(t, f.Body)
		robots := elements(doc, func(n *html.Node) bool { v, _ := attr(n, "name"); return n.Data == "meta" && v == "robots" })
		if len(robots) != 1 || func() string { v, _ := attr(robots[0], "content"); return v }() != "noindex" {
			t.Errorf("%s: no noindex", p)
		}
		banner := elements(doc, func(n *html.Node) bool { v, _ := attr(n, "class"); return v == "preview-banner" })
		if len(banner) != 1 || !strings.Contains(textOf(banner[0]), "Preview") {
			t.Errorf("%s: no Preview banner", p)
		}
	}
	if pages != 5 {
		t.Errorf("%d pages", pages)
	}
	// Not in a published release.
	if bytes.Contains(mustRender(t, bakerySite(t))["index.html"].Body, []byte("preview-banner")) {
		t.Error("a published page has the preview banner")
	}
}

func TestRenderContactFormWorksWithoutJavaScript(t *testing.T) {
	t.Parallel()
	files := mustRender(t, bakerySite(t))
	for _, c := range []struct {
		file, action string
		fields       []string
	}{
		{"index.html", "_forms/contact", []string{"name", "email", "phone", "company", "message"}},
		{"services/plumbing/index.html", "../_forms/contact", []string{"name", "message"}},
	} {
		doc := parseHTML(t, files[c.file].Body)
		section := elements(doc, func(n *html.Node) bool { v, _ := attr(n, "id"); return n.Data == "section" && v == "contact" })
		if len(section) != 1 {
			t.Fatalf("%s: no section#contact", c.file)
		}
		forms := elements(section[0], tagged("form"))
		if len(forms) != 1 {
			t.Fatalf("%s: %d forms", c.file, len(forms))
		}
		form := forms[0]
		if m, _ := attr(form, "method"); m != "post" {
			t.Errorf("%s: method %q", c.file, m)
		}
		if a, _ := attr(form, "action"); a != c.action {
			t.Errorf("%s: action %q, want %q", c.file, a, c.action)
		}
		labels := map[string]string{}
		for _, l := range elements(form, tagged("label")) {
			f, _ := attr(l, "for")
			labels[f] = textOf(l)
		}
		var names []string
		for _, in := range elements(form, func(n *html.Node) bool { return n.Data == "input" || n.Data == "textarea" }) {
			name, _ := attr(in, "name")
			id, _ := attr(in, "id")
			typ, _ := attr(in, "type")
			switch name {
			case "page":
				if v, _ := attr(in, "value"); typ != "hidden" || v != strings.TrimSuffix("/"+strings.TrimSuffix(c.file, "index.html"), "/") && !(c.file == "index.html" && v == "/") {
					t.Errorf("%s: page input type=%q value=%q", c.file, typ, v)
				}
			case "form": // which form of the page, for the thanks it goes back to
				v, _ := attr(in, "value")
				thanks := elements(form.Parent, func(n *html.Node) bool { id, _ := attr(n, "id"); return id == v+"-sent" })
				if typ != "hidden" || !strings.HasPrefix(v, "contact") || len(thanks) != 1 {
					t.Errorf("%s: form input type=%q value=%q, %d thanks", c.file, typ, v, len(thanks))
				}
			case "website":
				tab, _ := attr(in, "tabindex")
				ac, _ := attr(in, "autocomplete")
				if tab != "-1" || ac != "off" || labels[id] == "" {
					t.Errorf("%s: the honeypot %v is reachable or unlabelled", c.file, in.Attr)
				}
				hidden := false
				for p := in.Parent; p != nil; p = p.Parent {
					cls, _ := attr(p, "class")
					aria, _ := attr(p, "aria-hidden")
					hidden = hidden || (cls == "hp" && aria == "true")
				}
				if !hidden {
					t.Errorf("%s: the honeypot is not in a .hp aria-hidden wrapper", c.file)
				}
			default:
				names = append(names, name)
				if labels[id] == "" {
					t.Errorf("%s: %s has no label", c.file, name)
				}
				wantType := map[string]string{"name": "text", "email": "email", "phone": "tel", "company": "text", "message": ""}[name]
				if in.Data == "textarea" != (name == "message") || typ != wantType {
					t.Errorf("%s: %s is <%s type=%q>", c.file, name, in.Data, typ)
				}
				if _, req := attr(in, "required"); req != (name == "name") {
					t.Errorf("%s: %s required=%v", c.file, name, req)
				}
			}
		}
		if !slices.Equal(names, c.fields) {
			t.Errorf("%s: fields %v, want %v", c.file, names, c.fields)
		}
		buttons := elements(form, tagged("button"))
		if len(buttons) != 1 || textOf(buttons[0]) != "Send" {
			t.Errorf("%s: the submit button is not Send", c.file)
		}
	}
	home := parseHTML(t, files["index.html"].Body)
	urls := urlsOf(home)
	for _, want := range []string{"mailto:hello@rosas.example", "tel:+41441234567"} {
		if !slices.Contains(urls, want) {
			t.Errorf("no link %s in %v", want, urls)
		}
	}
	// "/#contact" from the home page lands on the form's section.
	if !slices.Contains(urls, "./#contact") {
		t.Errorf("no ./#contact link in %v", urls)
	}
	// tel: links in calls to action survive html/template's URL filter.
	if !slices.Contains(urlsOf(parseHTML(t, files["about/index.html"].Body)), "tel:+41441234567") {
		t.Error("the tel: call to action was filtered")
	}
}

func TestPricingFormatsAmounts(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		amount   int64
		currency string
		want     string
	}{
		{1250, "EUR", "€12.50"},
		{1250, "USD", "$12.50"},
		{1250, "GBP", "£12.50"},
		{1250, "JPY", "¥1,250"},
		{1250, "KRW", "₩1,250"},
		{1250, "CHF", "12.50 CHF"},
		{0, "EUR", "€0.00"},
		{5, "USD", "$0.05"},
		{99, "USD", "$0.99"},
		{100, "USD", "$1.00"},
		{123456789, "USD", "$1,234,567.89"},
		{100000000000000, "EUR", "€1,000,000,000,000.00"},
		{1234567, "JPY", "¥1,234,567"},
		{100000, "CHF", "1,000.00 CHF"},
		{12345, "KWD", "12.345 KWD"},
		{1500, "ISK", "1,500 ISK"},
		{-1250, "EUR", "-€12.50"},
		{-9223372036854775808, "JPY", "-¥9,223,372,036,854,775,808"},
	} {
		if got := brand.FormatPrice(c.amount, c.currency); got != c.want {
			t.Errorf("%d %s = %q, want %q", c.amount, c.currency, got, c.want)
		}
	}
	// And on the page.
	body := string(mustRender(t, bakerySite(t))["index.html"].Body)
	for _, want := range []string{">6.50 CHF<", ">€1,250.00<"} {
		if !strings.Contains(body, want) {
			t.Errorf("the pricing block lacks %s", want)
		}
	}
}

func TestRender404WorksAtAnyDepth(t *testing.T) {
	t.Parallel()
	files := mustRender(t, bakerySite(t))
	doc := parseHTML(t, files["404.html"].Body)
	if sheets := elements(doc, tagged("link")); len(sheets) != 0 {
		t.Errorf("404.html links %d files; its styles must be inline", len(sheets))
	}
	styles := elements(doc, tagged("style"))
	if len(styles) != 1 || !strings.Contains(textOf(styles[0]), "--primary: #e76f51") {
		t.Error("404.html has no inline stylesheet")
	}
	for _, u := range urlsOf(doc) {
		if !strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "#") && !strings.HasPrefix(u, "https:") {
			t.Errorf("404.html has the relative URL %q", u)
		}
	}
	if h1 := elements(doc, tagged("h1")); len(h1) != 1 || textOf(h1[0]) != "Page not found" {
		t.Error("404.html does not say Page not found")
	}
	if !slices.Contains(urlsOf(doc), "/") || !slices.Contains(urlsOf(doc), "/about") {
		t.Errorf("404.html links %v, want home and the navigation root-relative", urlsOf(doc))
	}
	if len(elements(doc, tagged("img"))) != 0 {
		t.Error("404.html shows an image it cannot link at every depth")
	}
	if !bytes.Contains(files["404.html"].Body, []byte(`<meta name="robots" content="noindex">`)) {
		t.Error("404.html is indexable")
	}
}

func TestRenderRefusesBadInput(t *testing.T) {
	t.Parallel()
	for name, edit := range map[string]func(*brand.RenderInput){
		"release id with a slash": func(in *brand.RenderInput) { in.ReleaseID = "../x" },
		"empty release id":        func(in *brand.RenderInput) { in.ReleaseID = "" },
		"relative base URL":       func(in *brand.RenderInput) { in.BaseURL = "rosas.example" },
		"page path climbing":      func(in *brand.RenderInput) { in.Pages[1].Path = "/../etc" },
		"two pages at one path":   func(in *brand.RenderInput) { in.Pages[1].Path = "/" },
		"unknown block type": func(in *brand.RenderInput) {
			in.Pages[1].Blocks = append(in.Pages[1].Blocks, brand.Block{Type: "marquee", Data: json.RawMessage(`{}`)})
		},
		"block data of the wrong shape": func(in *brand.RenderInput) {
			in.Pages[1].Blocks = append(in.Pages[1].Blocks, brand.Block{Type: brand.BlockFeatures, Data: json.RawMessage(`{"items": "no"}`)})
		},
	} {
		in := bakerySite(t)
		edit(&in)
		if files, err := brand.Render(in); err == nil {
			t.Errorf("%s: rendered %d files", name, len(files))
		}
	}
}

// BenchmarkRender50Pages renders a site of 50 pages of 8 mixed blocks.
func BenchmarkRender50Pages(b *testing.B) {
	in := bakerySite(b)
	blocks := slices.Concat(in.Pages[0].Blocks, in.Pages[1].Blocks[:1]) // 8: every type
	in.Pages = nil
	for i := range 50 {
		p := "/"
		if i > 0 {
			p = fmt.Sprintf("/services/service-%d", i)
		}
		in.Pages = append(in.Pages, brand.RenderPage{ID: uuid.New(), Path: p, Title: fmt.Sprintf("Service %d", i), Blocks: blocks})
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := brand.Render(in); err != nil {
			b.Fatal(err)
		}
	}
}
