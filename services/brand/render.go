package brand

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"html/template"
	"math"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	texttemplate "text/template"

	"github.com/google/uuid"
)

// RenderInput is everything a release's files are made from.
type RenderInput struct {
	Site      Site   // name, slug, theme, navigation, seo
	ReleaseID string // the release's id (a UUID string), or "draft" for a preview
	// BaseURL is the site's public address, no trailing slash
	// (http://rosas.sites.localhost:8080), for sitemap.xml, canonical and
	// og:url.
	BaseURL string
	Pages   []RenderPage
	Media   map[uuid.UUID]MediaFile // the org's media the pages use, by asset id
	// Preview is a draft preview: noindex on every page, robots.txt
	// disallows all, a visible "Preview" banner.
	Preview bool
}

// RenderPage is one page of a release, at the version the release pins.
type RenderPage struct {
	ID      uuid.UUID
	Version int    // the page version rendered (the release pins it); not shown
	Path    string // "/" or "/about" or "/services/plumbing"
	Title   string
	SEO     SEO
	Blocks  []Block
}

// MediaFile is what a release needs to know of a media asset to link it.
type MediaFile struct{ Filename, ContentType string }

// File is one file of a release; Path is relative to the site root, no
// leading slash.
type File struct {
	Path        string `json:"path"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"` // hex of Body
	Body        []byte `json:"-"`
}

// ErrMissingMedia is wrapped by Render's error when a page uses a media
// asset that is not in RenderInput.Media: the caller checked the assets,
// so a missing one is a bug or a deleted asset, and retrying cannot help.
var ErrMissingMedia = errors.New("media asset missing")

// Content types of a release's files.
const (
	contentHTML = "text/html; charset=utf-8"
	contentXML  = "application/xml"
	contentText = "text/plain; charset=utf-8"
	contentCSS  = "text/css; charset=utf-8"
)

// releaseIDPattern keeps a release id safe inside file paths and URLs.
var releaseIDPattern = regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)

//go:embed sitetemplates
var siteTemplateFS embed.FS

type siteTemplateSet struct {
	html *template.Template
	// css is text/template: the theme's values are escaped for CSS in Go
	// (cssTheme), which html/template cannot do outside a <style> element.
	css *texttemplate.Template
}

// siteTemplates parses the embedded templates once; an error is a bug in
// them, reported by every Render.
var siteTemplates = sync.OnceValues(func() (siteTemplateSet, error) {
	h, err := template.New("site").Option("missingkey=error").ParseFS(siteTemplateFS, "sitetemplates/*.html.tmpl")
	if err != nil {
		return siteTemplateSet{}, fmt.Errorf("site templates: %w", err)
	}
	c, err := texttemplate.New("site.css.tmpl").Option("missingkey=error").ParseFS(siteTemplateFS, "sitetemplates/site.css.tmpl")
	if err != nil {
		return siteTemplateSet{}, fmt.Errorf("site stylesheet template: %w", err)
	}
	return siteTemplateSet{html: h, css: c}, nil
})

// Render turns a snapshot of a site into the files of a release, sorted by
// Path: a page per RenderPage, 404.html, sitemap.xml, robots.txt and the
// stylesheet. It is pure and deterministic: the same input gives the same
// bytes, so a retried publish writes what the first try wrote. Its errors
// are permanent (the same input fails the same way). Media files are only
// linked; the caller copies them to MediaPath.
func Render(in RenderInput) ([]File, error) {
	set, err := siteTemplates()
	if err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	if err := in.check(); err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	in.BaseURL = strings.TrimRight(in.BaseURL, "/")

	var css bytes.Buffer
	if err := set.css.Execute(&css, cssTheme(in.Site.Theme)); err != nil {
		return nil, fmt.Errorf("render: stylesheet: %w", err)
	}
	files := make([]File, 0, len(in.Pages)+4)
	files = append(files, fileOf(stylesheetPath(in.ReleaseID), contentCSS, css.Bytes()))

	var buf bytes.Buffer
	for _, p := range in.Pages {
		v, err := pageViewOf(in, p)
		if err != nil {
			return nil, fmt.Errorf("render: page %s: %w", p.Path, err)
		}
		buf.Reset()
		if err := set.html.ExecuteTemplate(&buf, "page", v); err != nil {
			return nil, fmt.Errorf("render: page %s: %w", p.Path, err)
		}
		files = append(files, fileOf(PageFile(p.Path), contentHTML, buf.Bytes()))
	}

	buf.Reset()
	if err := set.html.ExecuteTemplate(&buf, "notfound", notFoundView(in, css.String())); err != nil {
		return nil, fmt.Errorf("render: 404.html: %w", err)
	}
	files = append(files, fileOf("404.html", contentHTML, buf.Bytes()))

	sitemap, err := sitemapOf(in)
	if err != nil {
		return nil, fmt.Errorf("render: sitemap.xml: %w", err)
	}
	files = append(files, fileOf("sitemap.xml", contentXML, sitemap))
	files = append(files, fileOf("robots.txt", contentText, robotsOf(in)))

	slices.SortFunc(files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	return files, nil
}

// check refuses what would make unsafe or clashing file paths: the paths
// come from the database, but a file path is no place to trust them.
func (in RenderInput) check() error {
	if !releaseIDPattern.MatchString(in.ReleaseID) {
		return fmt.Errorf("release id %q: must be a UUID or \"draft\"", in.ReleaseID)
	}
	u, err := url.Parse(in.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("base URL %q: must be an absolute http(s) URL", in.BaseURL)
	}
	seen := make(map[string]bool, len(in.Pages))
	for _, p := range in.Pages {
		if !validPath(p.Path) {
			return fmt.Errorf("page path %q: must be / or like /about", p.Path)
		}
		if seen[p.Path] {
			return fmt.Errorf("page path %s: two pages have it", p.Path)
		}
		seen[p.Path] = true
	}
	return nil
}

func fileOf(p, contentType string, body []byte) File {
	sum := sha256.Sum256(body)
	return File{Path: p, ContentType: contentType, Size: int64(len(body)), SHA256: hex.EncodeToString(sum[:]), Body: bytes.Clone(body)}
}

// MediaPath is where a release holds a copy of a media asset.
// The filename is made safe the way MediaKey makes it, so a URL needs no
// escaping and the copy is named like its source object.
func MediaPath(releaseID string, id uuid.UUID, filename string) string {
	return "_r/" + releaseID + "/media/" + id.String() + "/" + safeName(filename)
}

func stylesheetPath(releaseID string) string { return "_r/" + releaseID + "/site.css" }

// PageFile is the file of the page at path: "/" is index.html, "/about"
// about/index.html.
func PageFile(path string) string {
	if path == "/" {
		return "index.html"
	}
	return strings.TrimPrefix(path, "/") + "/index.html"
}

// MediaIDs lists, sorted and once each, the media assets a site's pages
// refer to (/media/{id} in the theme's logo, the site's and the pages'
// og:image, hero images, gallery images, and rich text's images and
// links): the assets a release copies.
// Block data that does not decode is skipped; Render reports it.
func MediaIDs(site Site, pages []RenderPage) []uuid.UUID {
	out := []uuid.UUID{}
	add := func(u string) {
		if id, ok := mediaRef(u); ok {
			out = append(out, id)
		}
	}
	add(site.Theme.LogoURL)
	add(site.SEO.OGImage)
	for _, p := range pages {
		add(p.SEO.OGImage)
		for _, b := range p.Blocks {
			switch b.Type {
			case BlockHero:
				var h heroData
				if json.Unmarshal(b.Data, &h) == nil && h.Image != nil {
					add(h.Image.Src)
				}
			case BlockGallery:
				var g galleryData
				if json.Unmarshal(b.Data, &g) == nil {
					for _, img := range g.Images {
						add(img.Src)
					}
				}
			case BlockRichText:
				var r richTextData
				if json.Unmarshal(b.Data, &r) == nil {
					for _, u := range markdownDestinations(r.Markdown) {
						add(u)
					}
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	return slices.Compact(out)
}

// mediaRef returns the asset a URL names: /media/{id} or
// /media/{id}/{anything}, the id in its canonical 36-character form.
func mediaRef(u string) (uuid.UUID, bool) {
	rest, ok := strings.CutPrefix(u, "/media/")
	if !ok {
		return uuid.Nil, false
	}
	idText, _, _ := strings.Cut(rest, "/")
	if len(idText) != 36 {
		return uuid.Nil, false
	}
	id, err := uuid.Parse(idText)
	return id, err == nil
}

// rel is the URL of the site path to (which may end in ?query or
// #fragment) relative to the page at from. Pages are served at their path
// with no trailing slash, so the base of "/a/b" is "/a/" and of "/about"
// and "/" it is "/": relative URLs work both at a host's root and under
// /sites/{site_id}/.
func rel(from, to string) string {
	p, suffix := to, ""
	if i := strings.IndexAny(to, "?#"); i >= 0 {
		p, suffix = to[:i], to[i:]
	}
	// A backslash reads as a slash to browsers ("/\\host" would leave the
	// site); escaped, it is a character of a path.
	target := strings.ReplaceAll(strings.TrimPrefix(path.Clean("/"+p), "/")+suffix, `\`, "%5C")
	prefix := strings.Repeat("../", max(strings.Count(from, "/")-1, 0))
	if prefix == "" {
		// "" or "#x" alone would mean this page, and a colon in the first
		// segment would read as a scheme.
		first, _, _ := strings.Cut(target, "/")
		if target == "" || target[0] == '#' || target[0] == '?' || strings.Contains(first, ":") {
			prefix = "./"
		}
	}
	return prefix + target
}

// isSitePath reports whether u is a path on the site ("/about#x"), not
// a protocol-relative URL ("//host/x").
func isSitePath(u string) bool {
	return strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//")
}

func hasScheme(u, scheme string) bool {
	return len(u) > len(scheme) && u[len(scheme)] == ':' && strings.EqualFold(u[:len(scheme)], scheme)
}

// linker makes the URLs of one file: relative to its page, or, for
// 404.html (served at any depth), root-relative.
type linker struct {
	in   *RenderInput
	page string // the page's path; "" for 404.html
}

func (l linker) site(p string) string {
	if l.page == "" {
		return p
	}
	return rel(l.page, p)
}

// href is a link's target. Site paths become relative; http(s), mailto,
// tel and #fragment stay. Anything else stays a plain string, which
// html/template filters to "#ZgotmplZ" when its scheme could run
// (javascript:, data:, vbscript:). tel: is typed as a trusted URL because
// html/template would filter it too.
func (l linker) href(u string) any {
	switch {
	case isSitePath(u):
		return l.site(u)
	case hasScheme(u, "tel"):
		return template.URL(u)
	}
	return u
}

// src is an image's source, or a rich text's link: a media reference
// becomes the release's copy of the asset (an asset the release lacks is
// an error), a site path a relative URL; anything else stays for
// html/template or bluemonday to filter.
func (l linker) src(u string) (string, error) {
	if id, ok := mediaRef(u); ok {
		p, err := l.media(id)
		if err != nil {
			return "", err
		}
		return l.site("/" + p), nil
	}
	if isSitePath(u) {
		return l.site(u), nil
	}
	return u, nil
}

func (l linker) media(id uuid.UUID) (string, error) {
	m, ok := l.in.Media[id]
	if !ok {
		return "", fmt.Errorf("%w: %s", ErrMissingMedia, id)
	}
	return MediaPath(l.in.ReleaseID, id, m.Filename), nil
}

// absolute is u as an absolute URL for og:image and canonical, which
// crawlers read without a base; "" when u is no http(s) URL or path.
func (l linker) absolute(u string) (string, error) {
	if id, ok := mediaRef(u); ok {
		p, err := l.media(id)
		if err != nil {
			return "", err
		}
		return l.in.BaseURL + "/" + p, nil
	}
	switch {
	case isSitePath(u):
		return l.in.BaseURL + u, nil
	case hasScheme(u, "http") || hasScheme(u, "https"):
		return u, nil
	}
	return "", nil
}

// Views: what the templates read, made from the input with every URL
// resolved.

type pageView struct {
	ReleaseID   string
	SiteName    string
	Title       string
	Description string
	Canonical   string
	OGImage     string
	NoIndex     bool
	Preview     bool
	Stylesheet  string
	InlineCSS   template.CSS // 404.html only: it cannot link a stylesheet relatively
	Home        string
	Logo        string
	Nav         []linkView
	H1          string // the page title when no hero holds the h1
	Blocks      []blockView
}

type linkView struct {
	Label   string
	Href    any // string, or template.URL when html/template would wrongly filter it (tel:)
	Current bool
}

type imageView struct{ Src, Alt, Caption string }

// blockView holds one block; exactly one field is set.
type blockView struct {
	Hero         *heroView
	RichText     template.HTML
	Features     *featuresData
	Testimonials *testimonialsData
	Gallery      *galleryView
	CTA          *ctaView
	ContactForm  *contactFormView
	Pricing      *pricingView
}

type heroView struct {
	H1          bool
	Headline    string
	Subheadline string
	CTA         *linkView
	Image       *imageView
}

type galleryView struct {
	Heading string
	Images  []imageView
}

type ctaView struct {
	Heading, Text string
	Button        linkView
}

type contactFormView struct {
	ID, Heading, Intro, Submit string
	Action, Page               string
	Email, Phone               *linkView
	Fields                     []formFieldView
}

type formFieldView struct {
	Name, ID, Label, Type, Autocomplete string
	Textarea, Required                  bool
}

type pricingView struct {
	Heading string
	Plans   []planView
}

type planView struct {
	Label, Price, Description string
	CTA                       *linkView
}

// Block data as the schemas of contracts/blocks define it.

type buttonData struct {
	Label string `json:"label"`
	Href  string `json:"href"`
}

type imageData struct {
	Src     string `json:"src"`
	Alt     string `json:"alt"`
	Caption string `json:"caption"`
}

type heroData struct {
	Headline    string      `json:"headline"`
	Subheadline string      `json:"subheadline"`
	CTA         *buttonData `json:"cta"`
	Image       *imageData  `json:"image"`
}

type richTextData struct {
	Markdown string `json:"markdown"`
}

type featuresData struct {
	Heading string `json:"heading"`
	Items   []struct {
		Title       string `json:"title"`
		Description string `json:"description"`
		Icon        string `json:"icon"`
	} `json:"items"`
}

type testimonialsData struct {
	Heading string `json:"heading"`
	Items   []struct {
		Quote  string `json:"quote"`
		Author string `json:"author"`
		Role   string `json:"role"`
	} `json:"items"`
}

type galleryData struct {
	Heading string      `json:"heading"`
	Images  []imageData `json:"images"`
}

type ctaData struct {
	Heading string     `json:"heading"`
	Text    string     `json:"text"`
	Button  buttonData `json:"button"`
}

type contactFormData struct {
	Heading     string   `json:"heading"`
	Intro       string   `json:"intro"`
	SubmitLabel string   `json:"submit_label"`
	Fields      []string `json:"fields"`
	Email       string   `json:"email"`
	Phone       string   `json:"phone"`
}

type pricingData struct {
	Heading string `json:"heading"`
	Plans   []struct {
		Label       string      `json:"label"`
		Amount      int64       `json:"amount"`
		Currency    string      `json:"currency"`
		Description string      `json:"description"`
		CTA         *buttonData `json:"cta"`
	} `json:"plans"`
}

// chrome is what every page shows around its blocks.
func chrome(in *RenderInput, l linker) pageView {
	v := pageView{ReleaseID: in.ReleaseID, SiteName: in.Site.Name, Preview: in.Preview, Home: l.site("/")}
	for _, n := range in.Site.Navigation {
		v.Nav = append(v.Nav, linkView{Label: n.Label, Href: l.href(n.Path), Current: l.page != "" && n.Path == l.page})
	}
	return v
}

func pageViewOf(in RenderInput, p RenderPage) (pageView, error) {
	l := linker{in: &in, page: p.Path}
	v := chrome(&in, l)
	v.Stylesheet = rel(p.Path, "/"+stylesheetPath(in.ReleaseID))
	v.Title = cmp.Or(p.SEO.Title, titleOf(p.Title, in.Site.Name))
	v.Description = cmp.Or(p.SEO.Description, in.Site.SEO.Description)
	v.NoIndex = in.Preview || p.SEO.NoIndex || in.Site.SEO.NoIndex
	var err error
	if v.Canonical, err = l.absolute(p.SEO.Canonical); err != nil {
		return pageView{}, err
	}
	v.Canonical = cmp.Or(v.Canonical, in.BaseURL+p.Path)
	if v.OGImage, err = l.absolute(cmp.Or(p.SEO.OGImage, in.Site.SEO.OGImage)); err != nil {
		return pageView{}, fmt.Errorf("og:image: %w", err)
	}
	if in.Site.Theme.LogoURL != "" {
		if v.Logo, err = l.src(in.Site.Theme.LogoURL); err != nil {
			return pageView{}, fmt.Errorf("logo: %w", err)
		}
	}
	hasH1, forms := false, 0
	for i, b := range p.Blocks {
		bv, err := blockViewOf(l, b, &hasH1, &forms)
		if err != nil {
			return pageView{}, fmt.Errorf("block %d (%s): %w", i, b.Type, err)
		}
		v.Blocks = append(v.Blocks, bv)
	}
	if !hasH1 {
		v.H1 = cmp.Or(p.Title, in.Site.Name)
	}
	return v, nil
}

// headingOne demotes a rich text's h1s: the hero's headline or the page
// title is the page's one h1. The HTML is bluemonday's, so a literal
// "<h1" is always a tag (text would read "&lt;h1").
var headingOne = strings.NewReplacer("<h1>", "<h2>", "<h1 ", "<h2 ", "</h1>", "</h2>")

func blockViewOf(l linker, b Block, hasH1 *bool, forms *int) (blockView, error) {
	switch b.Type {
	case BlockHero:
		var d heroData
		if err := json.Unmarshal(b.Data, &d); err != nil {
			return blockView{}, err
		}
		h := &heroView{H1: !*hasH1, Headline: d.Headline, Subheadline: d.Subheadline}
		*hasH1 = true
		if d.CTA != nil {
			h.CTA = &linkView{Label: d.CTA.Label, Href: l.href(d.CTA.Href)}
		}
		if d.Image != nil {
			img, err := imageViewOf(l, *d.Image)
			if err != nil {
				return blockView{}, err
			}
			h.Image = &img
		}
		return blockView{Hero: h}, nil
	case BlockRichText:
		var d richTextData
		if err := json.Unmarshal(b.Data, &d); err != nil {
			return blockView{}, err
		}
		out, err := renderMarkdown(d.Markdown, l.src)
		if err != nil {
			return blockView{}, err
		}
		// Demoting keeps the sanitised HTML's structure; it stays safe.
		return blockView{RichText: template.HTML(headingOne.Replace(string(out)))}, nil
	case BlockFeatures:
		var d featuresData
		if err := json.Unmarshal(b.Data, &d); err != nil {
			return blockView{}, err
		}
		return blockView{Features: &d}, nil
	case BlockTestimonials:
		var d testimonialsData
		if err := json.Unmarshal(b.Data, &d); err != nil {
			return blockView{}, err
		}
		return blockView{Testimonials: &d}, nil
	case BlockGallery:
		var d galleryData
		if err := json.Unmarshal(b.Data, &d); err != nil {
			return blockView{}, err
		}
		g := &galleryView{Heading: d.Heading}
		for _, img := range d.Images {
			iv, err := imageViewOf(l, img)
			if err != nil {
				return blockView{}, err
			}
			g.Images = append(g.Images, iv)
		}
		return blockView{Gallery: g}, nil
	case BlockCTA:
		var d ctaData
		if err := json.Unmarshal(b.Data, &d); err != nil {
			return blockView{}, err
		}
		return blockView{CTA: &ctaView{Heading: d.Heading, Text: d.Text, Button: linkView{Label: d.Button.Label, Href: l.href(d.Button.Href)}}}, nil
	case BlockContactForm:
		var d contactFormData
		if err := json.Unmarshal(b.Data, &d); err != nil {
			return blockView{}, err
		}
		*forms++
		return blockView{ContactForm: contactFormViewOf(l, d, *forms)}, nil
	case BlockPricing:
		var d pricingData
		if err := json.Unmarshal(b.Data, &d); err != nil {
			return blockView{}, err
		}
		pv := &pricingView{Heading: d.Heading}
		for _, p := range d.Plans {
			plan := planView{Label: p.Label, Price: formatPrice(p.Amount, p.Currency), Description: p.Description}
			if p.CTA != nil {
				plan.CTA = &linkView{Label: p.CTA.Label, Href: l.href(p.CTA.Href)}
			}
			pv.Plans = append(pv.Plans, plan)
		}
		return blockView{Pricing: pv}, nil
	}
	return blockView{}, fmt.Errorf("unknown block type %q", b.Type)
}

func imageViewOf(l linker, d imageData) (imageView, error) {
	src, err := l.src(d.Src)
	if err != nil {
		return imageView{}, err
	}
	return imageView{Src: src, Alt: d.Alt, Caption: d.Caption}, nil
}

// formField is the input a contact form asks for by a field name.
func formField(name string) (formFieldView, bool) {
	switch name {
	case "name":
		return formFieldView{Label: "Name", Type: "text", Autocomplete: "name", Required: true}, true
	case "email":
		return formFieldView{Label: "Email", Type: "email", Autocomplete: "email"}, true
	case "phone":
		return formFieldView{Label: "Phone", Type: "tel", Autocomplete: "tel"}, true
	case "company":
		return formFieldView{Label: "Company", Type: "text", Autocomplete: "organization"}, true
	case "message":
		return formFieldView{Label: "Message", Textarea: true}, true
	}
	return formFieldView{}, false
}

// contactFormViewOf makes the nth contact form of a page. The first one's
// section is #contact, where "/#contact" calls to action land; ids stay
// unique when a page has more.
func contactFormViewOf(l linker, d contactFormData, n int) *contactFormView {
	id := "contact"
	if n > 1 {
		id += "-" + strconv.Itoa(n)
	}
	v := &contactFormView{ID: id, Heading: d.Heading, Intro: d.Intro, Submit: cmp.Or(strings.TrimSpace(d.SubmitLabel), "Send"),
		Action: l.site("/_forms/contact"), Page: l.page}
	for _, name := range d.Fields {
		f, ok := formField(name)
		if !ok || slices.ContainsFunc(v.Fields, func(g formFieldView) bool { return g.Name == name }) {
			continue
		}
		f.Name, f.ID = name, id+"-"+name
		v.Fields = append(v.Fields, f)
	}
	if e := strings.TrimSpace(d.Email); e != "" {
		v.Email = &linkView{Label: e}
		if strings.Contains(e, "@") {
			v.Email.Href = "mailto:" + e
		}
	}
	if p := strings.TrimSpace(d.Phone); p != "" {
		v.Phone = &linkView{Label: p}
		if dial := dialable(p); dial != "" {
			v.Phone.Href = template.URL("tel:" + dial)
		}
	}
	return v
}

// dialable is a phone number as a tel: link dials it: its digits, after
// a + when it starts with one; "" when it has no digits.
func dialable(phone string) string {
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, phone)
	if digits != "" && strings.HasPrefix(strings.TrimSpace(phone), "+") {
		return "+" + digits
	}
	return digits
}

// titleOf is a page's <title>: "About | Rosa's Bakery".
func titleOf(page, site string) string {
	if page == "" || site == "" {
		return page + site
	}
	return page + " | " + site
}

func notFoundView(in RenderInput, css string) pageView {
	v := chrome(&in, linker{in: &in})
	v.Title = titleOf("Page not found", in.Site.Name)
	v.NoIndex = true
	// The stylesheet is ours, made from escaped values: it cannot close
	// the <style> element.
	v.InlineCSS = template.CSS(css)
	return v
}

type sitemapURLSet struct {
	XMLName xml.Name     `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
	URLs    []sitemapURL `xml:"url"`
}

type sitemapURL struct {
	Loc string `xml:"loc"`
}

// sitemapOf lists every indexable page, by path; none in a preview.
func sitemapOf(in RenderInput) ([]byte, error) {
	set := sitemapURLSet{}
	if !in.Preview && !in.Site.SEO.NoIndex {
		for _, p := range in.Pages {
			if !p.SEO.NoIndex {
				set.URLs = append(set.URLs, sitemapURL{Loc: in.BaseURL + p.Path})
			}
		}
		slices.SortFunc(set.URLs, func(a, b sitemapURL) int { return strings.Compare(a.Loc, b.Loc) })
	}
	out, err := xml.MarshalIndent(set, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(out, '\n')...), nil
}

func robotsOf(in RenderInput) []byte {
	if in.Preview {
		return []byte("User-agent: *\nDisallow: /\n")
	}
	return []byte("User-agent: *\nAllow: /\n\nSitemap: " + in.BaseURL + "/sitemap.xml\n")
}

// formatPrice writes an amount in minor units of an ISO 4217 currency the
// same way every time, whatever the machine's locale: 1250 EUR is
// "€12.50", 1250 JPY "¥1,250", 1250 CHF "12.50 CHF".
func formatPrice(minor int64, currency string) string {
	sign := ""
	n := uint64(minor)
	if minor < 0 {
		sign, n = "-", uint64(-(minor+1))+1 // math.MinInt64 has no positive int64
	}
	decimals := currencyDecimals(currency)
	unit := uint64(math.Pow10(decimals))
	num := groupThousands(n / unit)
	if decimals > 0 {
		num += "." + fmt.Sprintf("%0*d", decimals, n%unit)
	}
	if symbol := currencySymbol(currency); symbol != "" {
		return sign + symbol + num
	}
	return sign + num + " " + currency
}

func currencySymbol(code string) string {
	switch code {
	case "EUR":
		return "€"
	case "USD":
		return "$"
	case "GBP":
		return "£"
	case "JPY":
		return "¥"
	case "KRW":
		return "₩"
	}
	return ""
}

// currencyDecimals is a currency's minor unit exponent per ISO 4217.
func currencyDecimals(code string) int {
	switch code {
	case "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF":
		return 0
	case "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND":
		return 3
	}
	return 2
}

func groupThousands(n uint64) string {
	s := strconv.FormatUint(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// cssThemeView is the theme as the stylesheet template reads it, every
// value already valid CSS.
type cssThemeView struct {
	Primary, Accent, Background, Text string
	OnPrimary, OnAccent, Link         string
	Muted, Surface, Border, Soft      string
	HeaderBackground                  string
	HeadingFont, BodyFont             string
}

// cssTheme escapes the theme for the stylesheet. Colours were validated
// on save; one that is not #rrggbb anyway takes the default theme's, so
// nothing but a colour lands in the CSS.
func cssTheme(t Theme) cssThemeView {
	def := ThemeFor("professional")
	color := func(c, fallback string) rgb {
		if v, ok := parseColor(c); ok {
			return v
		}
		v, _ := parseColor(fallback)
		return v
	}
	primary := color(t.Colors.Primary, def.Colors.Primary)
	accent := color(t.Colors.Accent, def.Colors.Accent)
	bg := color(t.Colors.Background, def.Colors.Background)
	text := color(t.Colors.Text, def.Colors.Text)
	link := primary
	if contrast(primary, bg) < 4.5 { // WCAG AA for body text
		link = text
	}
	return cssThemeView{
		Primary: primary.hex(), Accent: accent.hex(), Background: bg.hex(), Text: text.hex(),
		OnPrimary: onColor(primary).hex(), OnAccent: onColor(accent).hex(), Link: link.hex(),
		Muted:            mix(text, bg, 72).hex(),
		Surface:          mix(primary, bg, 6).hex(),
		Border:           mix(text, bg, 14).hex(),
		Soft:             mix(accent, bg, 18).hex(),
		HeaderBackground: fmt.Sprintf("rgba(%d, %d, %d, 0.92)", bg.r, bg.g, bg.b),
		HeadingFont:      fontStack(t.Fonts.Heading),
		BodyFont:         fontStack(t.Fonts.Body),
	}
}

// rgb is a colour of the theme.
type rgb struct{ r, g, b uint8 }

func parseColor(c string) (rgb, bool) {
	c = strings.ToLower(c)
	if !colorPattern.MatchString(c) {
		return rgb{}, false
	}
	v, _ := strconv.ParseUint(c[1:], 16, 32)
	return rgb{uint8(v >> 16), uint8(v >> 8), uint8(v)}, true
}

func (c rgb) hex() string { return fmt.Sprintf("#%02x%02x%02x", c.r, c.g, c.b) }

// mix is percent of a over b. Integer arithmetic: a float rounding
// (fused differently on another CPU) must not change a byte of the CSS.
func mix(a, b rgb, percent int) rgb {
	ch := func(x, y uint8) uint8 { return uint8((int(x)*percent + int(y)*(100-percent) + 50) / 100) }
	return rgb{ch(a.r, b.r), ch(a.g, b.g), ch(a.b, b.b)}
}

// luminance is WCAG 2's relative luminance.
func (c rgb) luminance() float64 {
	lin := func(x uint8) float64 {
		v := float64(x) / 255
		if v <= 0.03928 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.r) + 0.7152*lin(c.g) + 0.0722*lin(c.b)
}

func contrast(a, b rgb) float64 {
	la, lb := a.luminance(), b.luminance()
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

// onColor is the text colour that reads best on c: white or near-black.
func onColor(c rgb) rgb {
	white, ink := rgb{0xff, 0xff, 0xff}, rgb{0x11, 0x11, 0x11}
	if contrast(c, white) >= contrast(c, ink) {
		return white
	}
	return ink
}

// fontStack is a CSS font-family: the theme's font, quoted and escaped,
// before system fonts of its kind. No web font is linked (sites serve no
// third-party requests), so a visitor without the font sees the fallback.
func fontStack(name string) string {
	const sans = `system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif`
	const serif = `Georgia, Cambria, "Times New Roman", Times, serif`
	fallback := sans
	if isSerif(name) {
		fallback = serif
	}
	if strings.TrimSpace(name) == "" {
		return fallback
	}
	return cssString(name) + ", " + fallback
}

func isSerif(name string) bool {
	switch strings.ToLower(name) {
	case "lora", "merriweather", "playfair display", "georgia", "pt serif", "libre baskerville", "source serif pro",
		"eb garamond", "crimson text", "cormorant garamond", "noto serif", "roboto slab", "times new roman":
		return true
	}
	return false
}

// cssString quotes s as a CSS string, escaping every rune but letters,
// digits, spaces and hyphens, so no value can end the string, the rule or
// a <style> element.
func cssString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == ' ', r == '-':
			b.WriteRune(r)
		default:
			fmt.Fprintf(&b, `\%x `, r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
