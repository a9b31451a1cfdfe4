package brand

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/xentri/xentri/internal/blob"
	"github.com/xentri/xentri/internal/db"
	"github.com/xentri/xentri/internal/db/dbsqlc"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/access"
)

// DefaultPreviewTTL is how long a preview link works unless told otherwise.
const DefaultPreviewTTL = time.Hour

// Preview shows a site's drafts (every live page at its current version,
// published or not) at a signed, expiring link, rendered on each request
// exactly as a publish would render them, and never indexed. The link is
// the credential, so it goes to no one else: no Referer leaves the page.
type Preview struct {
	DB      *db.DB
	Objects interface {
		Get(ctx context.Context, key string) ([]byte, blob.Object, error)
	}
	// Key signs the links (32 bytes or more).
	Key     []byte
	TTL     time.Duration
	SiteURL func(slug string) string
	Now     func() time.Time
}

// PreviewLink is a signed draft preview address.
type PreviewLink struct {
	URL       string    `json:"url"` // a path on the API's host: /preview/{token}/
	ExpiresAt time.Time `json:"expires_at"`
}

func (p *Preview) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// Link signs a preview link of the site for whoever may read it.
func (p *Preview) Link(ctx context.Context, tx pgx.Tx, m access.Membership, siteID uuid.UUID) (PreviewLink, error) {
	if err := m.Need(access.ScopeSiteRead); err != nil {
		return PreviewLink{}, err
	}
	if _, err := storeIn(tx).site(ctx, m.OrgID, siteID, false); err != nil {
		return PreviewLink{}, fmt.Errorf("preview: %w", err)
	}
	ttl := p.TTL
	if ttl <= 0 {
		ttl = DefaultPreviewTTL
	}
	exp := p.now().Add(ttl).Truncate(time.Second).UTC()
	return PreviewLink{URL: "/preview/" + p.sign(m.OrgID, siteID, exp) + "/", ExpiresAt: exp}, nil
}

// sign makes a token: org, site and expiry, then a MAC over them.
func (p *Preview) sign(orgID, siteID uuid.UUID, exp time.Time) string {
	msg := make([]byte, 0, 40)
	msg = append(msg, orgID[:]...)
	msg = append(msg, siteID[:]...)
	msg = binary.BigEndian.AppendUint64(msg, uint64(exp.Unix()))
	return base64.RawURLEncoding.EncodeToString(msg) + "." + base64.RawURLEncoding.EncodeToString(p.mac(msg))
}

func (p *Preview) mac(msg []byte) []byte {
	h := hmac.New(sha256.New, p.Key)
	h.Write([]byte("xentri-preview-v1:"))
	h.Write(msg)
	return h.Sum(nil)[:20]
}

var errBadPreview = errors.New("this preview link is not valid, or has expired: ask for a new one")

// verify reads a token back; a forged or expired one is refused alike.
func (p *Preview) verify(token string) (orgID, siteID uuid.UUID, err error) {
	body, sig, ok := strings.Cut(token, ".")
	msg, err1 := base64.RawURLEncoding.DecodeString(body)
	mac, err2 := base64.RawURLEncoding.DecodeString(sig)
	if !ok || err1 != nil || err2 != nil || len(msg) != 40 || !hmac.Equal(mac, p.mac(msg)) {
		return uuid.Nil, uuid.Nil, errBadPreview
	}
	if exp := time.Unix(int64(binary.BigEndian.Uint64(msg[32:])), 0); !p.now().Before(exp) {
		return uuid.Nil, uuid.Nil, errBadPreview
	}
	copy(orgID[:], msg[:16])
	copy(siteID[:], msg[16:32])
	return orgID, siteID, nil
}

// ServeHTTP serves /preview/{token}/{path}.
func (p *Preview) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Robots-Tag", "noindex, nofollow")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h["Content-Security-Policy"] = previewPolicy
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	rest := strings.TrimPrefix(r.URL.Path, "/preview/")
	token, path, slash := strings.Cut(rest, "/")
	orgID, siteID, err := p.verify(token)
	if err != nil {
		http.Error(w, errBadPreview.Error(), http.StatusNotFound)
		return
	}
	if !slash {
		http.Redirect(w, r, "/preview/"+token+"/", http.StatusMovedPermanently)
		return
	}
	body, contentType, status, err := p.file(r.Context(), orgID, siteID, path)
	if err != nil {
		if services.ErrorCode(err) == services.Unprocessable || services.ErrorCode(err) == services.NotFound {
			var se *services.Error
			errors.As(err, &se)
			http.Error(w, se.Message, http.StatusUnprocessableEntity)
			return
		}
		http.Error(w, "the preview could not be made; try again", http.StatusServiceUnavailable)
		return
	}
	h.Set("Content-Type", contentType)
	w.WriteHeader(status)
	if r.Method == http.MethodGet {
		_, _ = w.Write(body)
	}
}

// file renders the drafts and picks the file path names: a page, the
// stylesheet, sitemap or robots, an image of the org's media, or the 404.
func (p *Preview) file(ctx context.Context, orgID, siteID uuid.UUID, path string) ([]byte, string, int, error) {
	var in RenderInput
	err := p.DB.InTenant(ctx, orgID, func(ctx context.Context, tx pgx.Tx) error {
		q := dbsqlc.New(tx)
		row, err := q.GetSite(ctx, dbsqlc.GetSiteParams{OrgID: orgID, ID: siteID})
		if err != nil {
			return db.Interpret("preview", err, ErrNoSite)
		}
		site, err := siteFromRow(row)
		if err != nil {
			return err
		}
		pages, err := pinnedPages(ctx, q, orgID, siteID, nil)
		if err != nil {
			return err
		}
		media, err := mediaOf(ctx, q, orgID, site, pages)
		if err != nil {
			return err
		}
		in = renderInputOf(site, previewRelease, p.SiteURL, pages, media)
		in.Preview = true
		return nil
	})
	if err != nil {
		return nil, "", 0, err
	}
	if rest, ok := strings.CutPrefix(path, "_r/"+previewRelease+"/media/"); ok {
		return p.media(ctx, orgID, in.Media, rest)
	}
	files, err := Render(in)
	if err != nil {
		return nil, "", 0, services.Errorf(services.Unprocessable, "The drafts cannot be rendered: %v", err)
	}
	want := path
	if path == "" || !strings.Contains(path[strings.LastIndex(path, "/")+1:], ".") {
		want = PageFile("/" + strings.TrimSuffix(path, "/"))
	}
	var notFound *File
	for i, f := range files {
		if f.Path == want {
			return f.Body, f.ContentType, http.StatusOK, nil
		}
		if f.Path == "404.html" {
			notFound = &files[i]
		}
	}
	if notFound != nil {
		return notFound.Body, notFound.ContentType, http.StatusNotFound, nil
	}
	return []byte("not found"), "text/plain; charset=utf-8", http.StatusNotFound, nil
}

// previewRelease stands for the release id in a preview's asset paths.
const previewRelease = "draft"

// media reads an image the drafts use from the org's media library.
func (p *Preview) media(ctx context.Context, orgID uuid.UUID, used map[uuid.UUID]MediaFile, rest string) ([]byte, string, int, error) {
	idPart, name, _ := strings.Cut(rest, "/")
	id, err := uuid.Parse(idPart)
	m, ok := used[id]
	// Pages link the release's copy, named as MediaPath cleans the name.
	if err != nil || !ok || name != path.Base(MediaPath(previewRelease, id, m.Filename)) || p.Objects == nil {
		return []byte("not found"), "text/plain; charset=utf-8", http.StatusNotFound, nil
	}
	body, _, err := p.Objects.Get(ctx, MediaKey(orgID, id, m.Filename))
	if errors.Is(err, blob.ErrNotFound) {
		return []byte("not found"), "text/plain; charset=utf-8", http.StatusNotFound, nil
	}
	if err != nil {
		return nil, "", 0, err
	}
	return body, m.ContentType, http.StatusOK, nil
}
