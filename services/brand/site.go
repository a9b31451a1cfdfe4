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
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/brief"
	"github.com/xentri/xentri/services/paging"
)

// Site is a website of the org: its address (slug, under
// XENTRI_SITES_DOMAIN, and custom domains), theme, navigation and SEO
// defaults. Version counts its updates; If-Match "vN" names it.
type Site struct {
	ID            uuid.UUID `json:"id"`
	OrgID         uuid.UUID `json:"org_id"`
	Name          string    `json:"name"`
	Slug          string    `json:"slug"`
	CustomDomains []string  `json:"custom_domains"`
	Theme         Theme     `json:"theme"`
	Navigation    []NavItem `json:"navigation"`
	SEO           SEO       `json:"seo"`
	Version       int       `json:"version"`
	// LiveReleaseID is the release visitors see (null until the first
	// publish).
	LiveReleaseID *uuid.UUID `json:"live_release_id"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

// Theme is how a site looks. Family is the Brand Voice's tone family it was
// defaulted from (friendly, professional, bold, calm).
type Theme struct {
	Family  string `json:"family,omitempty"`
	Colors  Colors `json:"colors"`
	Fonts   Fonts  `json:"fonts"`
	LogoURL string `json:"logo_url,omitempty"`
}

// Colors are a theme's colours, each #rrggbb.
type Colors struct {
	Primary    string `json:"primary"`
	Accent     string `json:"accent"`
	Background string `json:"background"`
	Text       string `json:"text"`
}

// Fonts are a theme's font families.
type Fonts struct {
	Heading string `json:"heading"`
	Body    string `json:"body"`
}

// NavItem is one link of a site's navigation: a page path or a URL.
type NavItem struct {
	Label string `json:"label"`
	Path  string `json:"path"`
}

// SEO is a page's search and sharing metadata, or a site's defaults.
type SEO struct {
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	OGImage     string `json:"og_image,omitempty"`
	Canonical   string `json:"canonical,omitempty"`
	NoIndex     bool   `json:"noindex,omitempty"`
}

// SiteInput makes a site (POST /sites). Name is required unless FromBrief
// (the Brief's business name); Slug is derived from the name when absent;
// Theme is defaulted from the Brief's Brand Voice. FromBrief drafts every
// page of the Brief's website context.
type SiteInput struct {
	Name          string    `json:"name"`
	Slug          *string   `json:"slug"`
	FromBrief     bool      `json:"from_brief"`
	CustomDomains []string  `json:"custom_domains"`
	Theme         *Theme    `json:"theme"`
	Navigation    []NavItem `json:"navigation"`
	SEO           *SEO      `json:"seo"`
}

// SiteUpdate replaces a site's settings (PUT /sites/{id}); what is absent
// stays as it is. The slug cannot change: it is the site's address.
type SiteUpdate struct {
	Name          string    `json:"name"`
	Slug          *string   `json:"slug"`
	CustomDomains []string  `json:"custom_domains"`
	Theme         *Theme    `json:"theme"`
	Navigation    []NavItem `json:"navigation"`
	SEO           *SEO      `json:"seo"`
}

var (
	slugPattern   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$`)
	domainPattern = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
	colorPattern  = regexp.MustCompile(`^#[0-9a-f]{6}$`)
	fontPattern   = regexp.MustCompile(`^[A-Za-z0-9 -]{1,100}$`)
	pathPattern   = regexp.MustCompile(`^(/[a-z0-9]+(-[a-z0-9]+)*)+$`)
	urlPattern    = regexp.MustCompile(`^(https?://[^\s<>"]+|/[^\s<>"]*)$`)
)

// themes are the default themes by tone family.
var themes = map[string]Theme{
	"friendly":     {Family: "friendly", Colors: Colors{"#e76f51", "#f4a261", "#fffaf3", "#2b2d42"}, Fonts: Fonts{"Nunito", "Nunito"}},
	"professional": {Family: "professional", Colors: Colors{"#1d3557", "#457b9d", "#ffffff", "#1b1b1b"}, Fonts: Fonts{"Inter", "Inter"}},
	"bold":         {Family: "bold", Colors: Colors{"#d62828", "#fcbf49", "#ffffff", "#111111"}, Fonts: Fonts{"Montserrat", "Open Sans"}},
	"calm":         {Family: "calm", Colors: Colors{"#2a9d8f", "#a8dadc", "#f7fbfa", "#264653"}, Fonts: Fonts{"Lora", "Lato"}},
}

// ThemeFor is the default theme of a tone family (professional when it
// knows none).
func ThemeFor(family string) Theme {
	if t, ok := themes[family]; ok {
		return t
	}
	return themes["professional"]
}

// Sites pages through the org's sites, oldest first.
func (s *Service) Sites(ctx context.Context, tx pgx.Tx, m access.Membership, page paging.Page) ([]Site, string, error) {
	if err := m.Need(access.ScopeSiteRead); err != nil {
		return nil, "", err
	}
	out, next, err := storeIn(tx).sites(ctx, m.OrgID, page)
	if err != nil {
		return nil, "", fmt.Errorf("sites: %w", err)
	}
	return out, next, nil
}

// Site returns one site.
func (s *Service) Site(ctx context.Context, tx pgx.Tx, m access.Membership, id uuid.UUID) (Site, error) {
	if err := m.Need(access.ScopeSiteRead); err != nil {
		return Site{}, err
	}
	out, err := storeIn(tx).site(ctx, m.OrgID, id, false)
	if err != nil {
		return Site{}, fmt.Errorf("site: %w", err)
	}
	return out, nil
}

// voiceOf reads the org's Brief with its Brand Voice; ok is false when the
// org has no Brief yet.
func (s *Service) voiceOf(ctx context.Context, tx pgx.Tx, orgID uuid.UUID) (brief.Knowledge, brief.BrandVoice, bool, error) {
	k, err := s.Brief.Knowledge(ctx, tx, orgID, brief.CategoryBrandVoice, nil)
	if errors.Is(err, brief.ErrNoBrief) {
		return brief.Knowledge{}, brief.BrandVoice{}, false, nil
	}
	if err != nil {
		return brief.Knowledge{}, brief.BrandVoice{}, false, err
	}
	var voice brief.BrandVoice
	if err := json.Unmarshal(k.Category.Data, &voice); err != nil {
		return brief.Knowledge{}, brief.BrandVoice{}, false, fmt.Errorf("brand voice: %w", err)
	}
	return k, voice, true, nil
}

// CreateSite makes a site: its theme defaulted from the Brief's Brand
// Voice when the org has a Brief, and with FromBrief, a drafted page (new
// version 1, xentri.page.updated.v1) for every page of the Brief's website
// context, its blocks written from the Brief and citing the fields used.
func (s *Service) CreateSite(ctx context.Context, tx pgx.Tx, m access.Membership, in SiteInput) (Site, error) {
	if err := m.Need(access.ScopeSiteWrite); err != nil {
		return Site{}, err
	}
	k, voice, hasBrief, err := s.voiceOf(ctx, tx, m.OrgID)
	if err != nil {
		return Site{}, fmt.Errorf("create site: %w", err)
	}
	if in.FromBrief && !hasBrief {
		return Site{}, services.Errorf(services.Unprocessable,
			"This organisation has no Universal Brief yet, so there is nothing to draft the site from: start a Strategy Co-pilot session first, or create the site without from_brief.")
	}
	var facts Facts
	if hasBrief {
		facts = ReadFacts(k.Brief.Data, voice.Avoid)
	}
	name := strings.TrimSpace(in.Name)
	if name == "" && in.FromBrief {
		name = facts.Name
	}
	bad := map[string]string{}
	checkText(bad, "name", name, 200, true)
	site := Site{Name: name, CustomDomains: checkDomains(bad, in.CustomDomains), Navigation: []NavItem{}}
	if in.Theme != nil {
		site.Theme = *in.Theme
		checkTheme(bad, site.Theme)
	} else {
		site.Theme = ThemeFor("professional")
		if hasBrief {
			site.Theme = ThemeFor(FamilyOf(voice.Tone))
		}
	}
	if in.Navigation != nil {
		site.Navigation = in.Navigation
		checkNavigation(bad, site.Navigation)
	}
	if in.SEO != nil {
		site.SEO = *in.SEO
		checkSEO(bad, "seo", site.SEO)
	} else {
		site.SEO = SEO{Title: name}
	}
	if in.Slug != nil && !slugPattern.MatchString(*in.Slug) {
		bad["slug"] = "must be 3 to 63 lowercase letters, digits and hyphens, starting and ending with a letter or digit"
	}
	if len(bad) > 0 {
		return Site{}, &services.Error{Code: services.Invalid, Message: "The site is not valid: " + firstProblem(bad), Fields: bad}
	}
	var website brief.Website
	if in.FromBrief {
		kw, err := s.Brief.Knowledge(ctx, tx, m.OrgID, brief.CategoryWebsite, nil)
		if err != nil {
			return Site{}, fmt.Errorf("create site: %w", err)
		}
		if err := json.Unmarshal(kw.Category.Data, &website); err != nil {
			return Site{}, fmt.Errorf("create site: website context: %w", err)
		}
		if in.Navigation == nil {
			for _, p := range website.Pages {
				site.Navigation = append(site.Navigation, NavItem{Label: p.Title, Path: pathOf(p.Slug)})
			}
		}
	}
	st := storeIn(tx)
	if site, err = s.insertSite(ctx, st, m.OrgID, site, in.Slug); err != nil {
		return Site{}, err
	}
	if in.FromBrief {
		d := drafter{s: s, orgID: m.OrgID, k: k, voice: voice, facts: facts}
		for _, p := range website.Pages {
			blocks, err := d.blocks(ctx, tx, p)
			if err != nil {
				return Site{}, fmt.Errorf("create site: draft %s: %w", p.Slug, err)
			}
			title := p.Title
			if _, err := s.createPage(ctx, tx, m, site.ID, PageInput{Path: pathOf(p.Slug), Title: title,
				SEO: &SEO{Title: shorten(title+" | "+site.Name, 200), Description: metaDescription(blocks, site.Name)}, Blocks: blocks}); err != nil {
				return Site{}, fmt.Errorf("create site: draft %s: %w", p.Slug, err)
			}
		}
	}
	return site, nil
}

// insertSite stores site under slug, or under the slug of its name made
// unique with a numeric suffix (-2, -3, ...).
func (s *Service) insertSite(ctx context.Context, st store, orgID uuid.UUID, site Site, slug *string) (Site, error) {
	if slug != nil {
		site.Slug = *slug
		out, ok, err := st.insertSite(ctx, orgID, site)
		switch {
		case err != nil:
			return Site{}, fmt.Errorf("create site: %w", err)
		case !ok:
			return Site{}, &services.Error{Code: services.Conflict, Message: fmt.Sprintf("The address %q is taken: choose another slug.", *slug),
				Fields: map[string]string{"slug": "is taken"}}
		}
		return out, nil
	}
	base := Slugify(site.Name)
	for i := 1; i <= 100; i++ {
		site.Slug = base
		if i > 1 {
			suffix := "-" + strconv.Itoa(i)
			site.Slug = strings.TrimRight(base[:min(len(base), 63-len(suffix))], "-") + suffix
		}
		out, ok, err := st.insertSite(ctx, orgID, site)
		if err != nil {
			return Site{}, fmt.Errorf("create site: %w", err)
		}
		if ok {
			return out, nil
		}
	}
	return Site{}, &services.Error{Code: services.Conflict, Message: "Every address made from this name is taken: choose a slug.",
		Fields: map[string]string{"slug": "is required: every address from the name is taken"}}
}

// Slugify makes a slug of a name: lowercase ASCII letters and digits,
// hyphens between words, 3 to 63 characters ("site" fills a short one).
func Slugify(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case r == '\'' || r == '’':
			// "Rosa's" reads rosas
		default:
			if !dash && b.Len() > 0 {
				b.WriteByte('-')
				dash = true
			}
		}
	}
	out := strings.Trim(b.String(), "-")
	if len(out) > 63 {
		out = strings.TrimRight(out[:63], "-")
	}
	switch {
	case out == "":
		out = "site"
	case len(out) < 3:
		out += "-site"
	}
	return out
}

// UpdateSite replaces a site's settings. ifMatch is the version the caller
// read ("vN" of GET /sites/{id}): 0 when they sent none (Invalid), a stale
// one PreconditionFailed.
func (s *Service) UpdateSite(ctx context.Context, tx pgx.Tx, m access.Membership, id uuid.UUID, in SiteUpdate, ifMatch int) (Site, error) {
	if err := m.Need(access.ScopeSiteWrite); err != nil {
		return Site{}, err
	}
	st := storeIn(tx)
	cur, err := st.site(ctx, m.OrgID, id, true)
	if err != nil {
		return Site{}, fmt.Errorf("update site: %w", err)
	}
	if err := checkIfMatch(ifMatch, cur.Version, "site"); err != nil {
		return Site{}, err
	}
	bad := map[string]string{}
	next := cur
	next.Name = strings.TrimSpace(in.Name)
	checkText(bad, "name", next.Name, 200, true)
	if in.Slug != nil && *in.Slug != cur.Slug {
		bad["slug"] = "cannot change: it is the site's address"
	}
	if in.CustomDomains != nil {
		next.CustomDomains = checkDomains(bad, in.CustomDomains)
	}
	if in.Theme != nil {
		next.Theme = *in.Theme
		checkTheme(bad, next.Theme)
	}
	if in.Navigation != nil {
		next.Navigation = in.Navigation
		checkNavigation(bad, next.Navigation)
	}
	if in.SEO != nil {
		next.SEO = *in.SEO
		checkSEO(bad, "seo", next.SEO)
	}
	if len(bad) > 0 {
		return Site{}, &services.Error{Code: services.Invalid, Message: "The site is not valid: " + firstProblem(bad), Fields: bad}
	}
	out, err := st.updateSite(ctx, m.OrgID, next)
	if err != nil {
		return Site{}, fmt.Errorf("update site: %w", err)
	}
	return out, nil
}

// checkIfMatch compares the version a caller read with the current one.
func checkIfMatch(ifMatch, current int, what string) error {
	switch {
	case ifMatch == 0:
		return &services.Error{Code: services.Invalid,
			Message: fmt.Sprintf(`Send If-Match with the ETag of the %s you read (such as "v%d"), so a concurrent change is not overwritten.`, what, current),
			Fields:  map[string]string{"If-Match": "is required"}}
	case ifMatch != current:
		return services.Errorf(services.PreconditionFailed,
			"The %s changed since you read it (you read version %d, it is at version %d): read it again and retry.", what, ifMatch, current)
	}
	return nil
}

// checkText notes in bad what is wrong with a text field.
func checkText(bad map[string]string, field, s string, max int, required bool) {
	switch {
	case required && strings.TrimSpace(s) == "":
		bad[field] = "is required"
	case utf8.RuneCountInString(s) > max:
		bad[field] = fmt.Sprintf("must be at most %d characters", max)
	case !utf8.ValidString(s) || strings.ContainsRune(s, 0):
		bad[field] = "must be text"
	}
}

func checkURL(bad map[string]string, field, s string) {
	if s != "" && (len(s) > 2048 || !urlPattern.MatchString(s)) {
		bad[field] = "must be an http(s) URL or a path, at most 2048 characters"
	}
}

func checkDomains(bad map[string]string, domains []string) []string {
	out := []string{}
	if len(domains) > 20 {
		bad["custom_domains"] = "must list at most 20 domains"
		return out
	}
	for i, d := range domains {
		d = strings.ToLower(strings.TrimSpace(d))
		if len(d) > 253 || !domainPattern.MatchString(d) {
			bad[fmt.Sprintf("custom_domains[%d]", i)] = "must be a domain name, such as www.example.com"
			continue
		}
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

func checkTheme(bad map[string]string, t Theme) {
	for field, c := range map[string]string{"primary": t.Colors.Primary, "accent": t.Colors.Accent, "background": t.Colors.Background, "text": t.Colors.Text} {
		if !colorPattern.MatchString(c) {
			bad["theme.colors."+field] = "must be a colour #rrggbb (lowercase hex)"
		}
	}
	for field, f := range map[string]string{"heading": t.Fonts.Heading, "body": t.Fonts.Body} {
		if !fontPattern.MatchString(f) {
			bad["theme.fonts."+field] = "must be a font family name: letters, digits, spaces and hyphens, at most 100"
		}
	}
	if t.Family != "" && !slices.Contains(Families(), t.Family) {
		bad["theme.family"] = "must be one of " + strings.Join(Families(), ", ")
	}
	checkURL(bad, "theme.logo_url", t.LogoURL)
}

func checkNavigation(bad map[string]string, nav []NavItem) {
	if len(nav) > 20 {
		bad["navigation"] = "must hold at most 20 links"
		return
	}
	for i, n := range nav {
		checkText(bad, fmt.Sprintf("navigation[%d].label", i), n.Label, 80, true)
		if !validPath(n.Path) && (!strings.HasPrefix(n.Path, "http") || !urlPattern.MatchString(n.Path) || len(n.Path) > 2048) {
			bad[fmt.Sprintf("navigation[%d].path", i)] = "must be a page path (such as /about) or an http(s) URL"
		}
	}
}

func checkSEO(bad map[string]string, at string, s SEO) {
	checkText(bad, at+".title", s.Title, 200, false)
	checkText(bad, at+".description", s.Description, 500, false)
	checkURL(bad, at+".og_image", s.OGImage)
	checkURL(bad, at+".canonical", s.Canonical)
}

// validPath reports whether p is a page path: "/" or /words-like/this.
func validPath(p string) bool {
	return p == "/" || (len(p) <= 1024 && pathPattern.MatchString(p))
}

// pathOf is the path of a page of the Brief's website outline.
func pathOf(slug string) string {
	if slug == "home" {
		return "/"
	}
	return "/" + slug
}
