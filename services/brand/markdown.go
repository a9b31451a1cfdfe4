package brand

import (
	"bytes"
	"fmt"
	"html/template"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
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
	md, policy := markdown()
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		return "", fmt.Errorf("render markdown: %w", err)
	}
	// The policy's output is safe HTML by construction.
	return template.HTML(policy.SanitizeBytes(buf.Bytes())), nil
}
