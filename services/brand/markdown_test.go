package brand_test

import (
	"strings"
	"testing"

	"github.com/xentri/xentri/services/brand"
)

// TestRichTextComesOutInert: script, event handlers, javascript: and data:
// links, and raw HTML in a rich-text block render as nothing that runs.
func TestRichTextComesOutInert(t *testing.T) {
	t.Parallel()
	for name, src := range map[string]string{
		"script":           "Hello <script>alert(1)</script> world",
		"event handler":    `<img src=x onerror="alert(1)">`,
		"javascript link":  "[click](javascript:alert(1))",
		"data link":        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
		"raw iframe":       `<iframe src="https://evil.example"></iframe>`,
		"style":            `<div style="background:url(javascript:alert(1))">x</div>`,
		"reference link":   "[x][1]\n\n[1]: javascript:alert(1)",
		"autolink":         "<javascript:alert(1)>",
		"svg":              `<svg onload="alert(1)"></svg>`,
		"markdown image":   `![x](javascript:alert(1))`,
		"encoded protocol": "[x](jav&#x61;script:alert(1))",
	} {
		out, err := brand.RenderMarkdown(src)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		low := strings.ToLower(string(out))
		// Text may say "javascript:"; no attribute may hold it.
		for _, bad := range []string{"<script", "onerror", "onload", `="javascript:`, `='javascript:`, `="data:text/html`, "<iframe", "style=", "<svg", "<img src=\"x\" onerror"} {
			if strings.Contains(low, bad) {
				t.Errorf("%s: %q renders as %q, which holds %q", name, src, out, bad)
			}
		}
	}
}

// TestRichTextKeepsWhatAnOwnerWrites: headings, emphasis, lists, tables and
// ordinary links survive; an outside link opens safely.
func TestRichTextKeepsWhatAnOwnerWrites(t *testing.T) {
	t.Parallel()
	out, err := brand.RenderMarkdown("## Our story\n\nWe bake **sourdough** daily.\n\n- bread\n- cakes\n\n| day | hours |\n|---|---|\n| Mon | 8–18 |\n\nSee [our menu](https://rosas.example/menu).")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<h2", "Our story", "<strong>sourdough</strong>", "<li>bread</li>", "<table>", `href="https://rosas.example/menu"`, `rel="nofollow noreferrer noopener"`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the rendering %q lacks %q", out, want)
		}
	}
}
