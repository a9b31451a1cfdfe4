package brand

import (
	"bytes"
	"fmt"
	"html/template"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
)

// markdown renders a rich-text block. goldmark is safe by default: raw HTML
// in the source is dropped and dangerous URLs (javascript:, data:) are not
// linked; bluemonday's UGC policy then sanitises what remains, so a page
// never carries a script whatever its owner (or a compromised account)
// typed.
var markdown = sync.OnceValues(func() (goldmark.Markdown, *bluemonday.Policy) {
	md := goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify))
	p := bluemonday.UGCPolicy()
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return md, p
})

// RenderMarkdown turns a rich-text block's Markdown into sanitised HTML.
func RenderMarkdown(src string) (template.HTML, error) {
	return renderMarkdown(src, nil)
}

// renderMarkdown is RenderMarkdown with the destination of every link and
// image rewritten by dest first (nil: as written), so a site renderer can
// make site paths relative. Sanitising comes after, whatever dest returns.
func renderMarkdown(src string, dest func(string) (string, error)) (template.HTML, error) {
	md, policy := markdown()
	source := []byte(src)
	doc := md.Parser().Parse(text.NewReader(source))
	if dest != nil {
		if err := eachDestination(doc, func(d []byte) ([]byte, error) {
			out, err := dest(string(d))
			return []byte(out), err
		}); err != nil {
			return "", err
		}
	}
	var buf bytes.Buffer
	if err := md.Renderer().Render(&buf, source, doc); err != nil {
		return "", fmt.Errorf("render markdown: %w", err)
	}
	// The policy's output is safe HTML by construction.
	return template.HTML(policy.SanitizeBytes(buf.Bytes())), nil
}

// markdownDestinations lists the destinations of a Markdown text's links
// and images.
func markdownDestinations(src string) []string {
	md, _ := markdown()
	var out []string
	_ = eachDestination(md.Parser().Parse(text.NewReader([]byte(src))), func(d []byte) ([]byte, error) {
		out = append(out, string(d))
		return d, nil
	})
	return out
}

// eachDestination replaces the destination of every link and image under
// n by what fn makes of it.
func eachDestination(n ast.Node, fn func([]byte) ([]byte, error)) error {
	return ast.Walk(n, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		var err error
		switch n := n.(type) {
		case *ast.Link:
			n.Destination, err = fn(n.Destination)
		case *ast.Image:
			n.Destination, err = fn(n.Destination)
		}
		return ast.WalkContinue, err
	})
}
