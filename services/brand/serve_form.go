package brand

import (
	"errors"
	"html/template"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/xentri/xentri/services"
)

// ContactForm is what a visitor sent through a published site's contact
// form; empty fields were left blank.
type ContactForm struct {
	Name    string
	Email   string
	Phone   string
	Company string
	Message string
	// Page is the site path the form was sent from ("/" when unknown).
	Page string
}

// The contact form's limits: a few short fields, not a file upload.
const (
	contactMaxBody  = 16 << 10
	contactHoneypot = "website" // a field people never see and bots fill in
)

// contact takes a site's contact form (POST /_forms/contact, urlencoded)
// and sends the visitor back to the page it came from, at the form's
// thanks (?sent=1#contact-sent), or answers a small page saying what to
// fix.
func (s *SiteServer) contact(w http.ResponseWriter, r *http.Request, rt *siteRoute, base string) {
	if r.Method != http.MethodPost {
		w.Header()["Allow"] = allowPost
		plain(w, http.StatusMethodNotAllowed, "Method not allowed")
		return
	}
	if rt.live == nil {
		plain(w, http.StatusNotFound, "This site is not published yet.")
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		formPage(w, http.StatusUnsupportedMediaType, formProblem{Title: "The form could not be read",
			Intro: "It was not sent as a web form.", Back: base + "/"})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, contactMaxBody)
	if err := r.ParseForm(); err != nil {
		status, intro := http.StatusBadRequest, "It was not sent as a web form."
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			status, intro = http.StatusRequestEntityTooLarge, "The message is too long: please shorten it."
		}
		formPage(w, status, formProblem{Title: "The form could not be read", Intro: intro, Back: base + "/"})
		return
	}
	form := r.PostForm
	page := sitePage(form.Get("page"))
	back := base + page
	if s.Allow != nil {
		if ok, retry := s.Allow(r, rt.orgID); !ok {
			secs := int(retry.Seconds()) + 1
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			formPage(w, http.StatusTooManyRequests, formProblem{Title: "Too many messages",
				Intro: "Please wait a minute, then send your message again.", Back: back})
			return
		}
	}
	if form.Get(contactHoneypot) == "" { // else a bot: answer as if it worked, keep nothing
		if s.Capture == nil {
			s.unavailable(w, errors.New("contact form: no Capture configured"))
			return
		}
		err := s.Capture(r.Context(), rt.orgID, ContactForm{Name: form.Get("name"), Email: form.Get("email"),
			Phone: form.Get("phone"), Company: form.Get("company"), Message: form.Get("message"), Page: page})
		var problem *services.Error
		switch {
		case err == nil:
		case errors.As(err, &problem) && problem.Code == services.Invalid:
			formPage(w, http.StatusBadRequest, formProblem{Title: "Please check the form",
				Intro: "Your message was not sent:", Fields: fieldProblems(problem.Fields), Back: back})
			return
		default:
			s.unavailable(w, err)
			return
		}
	}
	w.Header().Set("Location", back+"?sent=1#"+sentAnchor(form.Get("form")))
	w.Header()["Cache-Control"] = cacheNone
	w.WriteHeader(http.StatusSeeOther)
}

// sentAnchor is the element that thanks the visitor for the form named
// by the form field: "contact-sent", or "contact-2-sent" for a page's
// second form (render.go names them). Anything else is the first form's.
func sentAnchor(form string) string {
	if n, ok := strings.CutPrefix(form, "contact-"); ok && len(n) <= 3 && strings.Trim(n, "0123456789") == "" && n != "" && n[0] != '0' {
		return form + "-sent"
	}
	return "contact-sent"
}

// sitePage is the page field if it is a plain site path ("/about"), else
// "/": it becomes a redirect, which must not leave the site ("//host",
// "/\host", or a tab browsers drop).
func sitePage(p string) string {
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	if p == "" || p[0] != '/' || len(p) > 1024 || strings.Contains(p, "//") {
		return "/"
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && !strings.ContainsRune("/-._~", rune(c)) {
			return "/"
		}
	}
	for seg := range strings.SplitSeq(p[1:], "/") {
		if seg == "." || seg == ".." {
			return "/"
		}
	}
	return p
}

// The form's fields as a visitor knows them (sales names the message
// "notes").
var fieldLabels = map[string]string{"name": "Name", "email": "Email", "phone": "Phone", "company": "Company", "notes": "Message"}

type fieldProblem struct{ Label, Problem string }

func fieldProblems(fields map[string]string) []fieldProblem {
	out := make([]fieldProblem, 0, len(fields))
	for k, v := range fields {
		out = append(out, fieldProblem{Label: labelOf(k), Problem: v})
	}
	slices.SortFunc(out, func(a, b fieldProblem) int { return strings.Compare(a.Label, b.Label) })
	return out
}

func labelOf(field string) string {
	if l, ok := fieldLabels[field]; ok {
		return l
	}
	return field
}

type formProblem struct {
	Title, Intro string
	Fields       []fieldProblem
	Back         string
}

// formPageTemplate is a self-contained page (the site's CSS is in its
// release; this page belongs to none).
var formPageTemplate = template.Must(template.New("form").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{{.Title}}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#222}</style></head>
<body><h1>{{.Title}}</h1><p>{{.Intro}}</p>
{{- if .Fields}}<ul>{{range .Fields}}<li><strong>{{.Label}}</strong> {{.Problem}}</li>{{end}}</ul>{{end}}
<p><a href="{{.Back}}#contact">Back to the form</a></p></body></html>
`))

func formPage(w http.ResponseWriter, status int, p formProblem) {
	w.Header()["Content-Type"] = textHTML
	w.Header()["Cache-Control"] = cacheNone
	w.WriteHeader(status)
	_ = formPageTemplate.Execute(w, p)
}
