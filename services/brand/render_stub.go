package brand

// TEMPORARY: replaced by render.go from the render branch.

import "github.com/google/uuid"

type RenderInput struct {
	Site      Site
	ReleaseID string
	BaseURL   string
	Pages     []RenderPage
	Media     map[uuid.UUID]MediaFile
	Preview   bool
}
type RenderPage struct {
	ID      uuid.UUID
	Version int
	Path    string
	Title   string
	SEO     SEO
	Blocks  []Block
}
type MediaFile struct{ Filename, ContentType string }
type File struct {
	Path        string `json:"path"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	Body        []byte `json:"-"`
}

func Render(in RenderInput) ([]File, error)                            { return nil, nil }
func MediaIDs(site Site, pages []RenderPage) []uuid.UUID               { return nil }
func MediaPath(releaseID string, id uuid.UUID, filename string) string { return "" }
func PageFile(path string) string                                      { return "" }
