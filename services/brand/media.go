package brand

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/minio/minio-go/v7"

	"github.com/xentri/xentri/internal/blob"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/paging"
)

// Media asset statuses.
const (
	MediaPending = "pending" // presigned; the upload is not checked yet
	MediaReady   = "ready"   // the object is there with the promised size and type
	MediaFailed  = "failed"  // what landed was not what was promised; the object is deleted
)

// Media defaults.
const (
	DefaultMaxMediaSize = 10 << 20 // 10 MiB
	DefaultPresignTTL   = 15 * time.Minute
	maxFilename         = 255
)

// mediaExtensions are the image types an org may upload and the file
// extensions each may carry. SVG is not among them on purpose: an SVG is an
// XML document that can hold <script> and event handlers, and served from
// the sites' origin it would run there (stored XSS); sanitising SVG is a
// project of its own.
var mediaExtensions = map[string][]string{
	"image/png":  {".png"},
	"image/jpeg": {".jpg", ".jpeg"},
	"image/webp": {".webp"},
	"image/gif":  {".gif"},
}

// DefaultMediaTypes are the content types Media allows unless told otherwise.
func DefaultMediaTypes() []string {
	return []string{"image/png", "image/jpeg", "image/webp", "image/gif"}
}

// ErrNoMediaStore answers every media operation when no object storage is
// configured.
var ErrNoMediaStore = services.Errorf(services.Unavailable, "Media storage is not configured here.")

// Media is the brand context's media library: the browser uploads an image
// straight to object storage with a presigned POST, and Complete checks
// what landed before the asset is ready for pages to use.
type Media struct {
	Blob *blob.Store // nil: every operation answers ErrNoMediaStore
	// MaxSize is the largest upload in bytes (0: DefaultMaxMediaSize).
	MaxSize int64
	// Allowed lists the content types an upload may have (nil:
	// DefaultMediaTypes); only types of mediaExtensions count.
	Allowed []string
	// PresignTTL is how long an upload form stays valid (0: DefaultPresignTTL).
	PresignTTL time.Duration
	Now        func() time.Time // nil: time.Now
}

// Asset is an uploaded (or promised) image.
type Asset struct {
	ID          uuid.UUID  `json:"id"`
	OrgID       uuid.UUID  `json:"org_id"`
	ObjectKey   string     `json:"object_key"`
	Filename    string     `json:"filename"`
	ContentType string     `json:"content_type"`
	Size        int64      `json:"size"`
	Status      string     `json:"status"`
	Checksum    *string    `json:"checksum"`
	Failure     *string    `json:"failure"`
	CreatedBy   *uuid.UUID `json:"created_by"`
	CompletedAt *time.Time `json:"completed_at"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// PresignRequest is what the browser promises to upload.
type PresignRequest struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
}

// Upload is a presigned POST: send a multipart/form-data POST to URL with
// every field of Fields, then the file as the last field, named "file".
type Upload struct {
	URL       string            `json:"url"`
	Method    string            `json:"method"`
	Fields    map[string]string `json:"fields"`
	ExpiresAt time.Time         `json:"expires_at"`
}

// Presigned is the answer of Presign: the pending asset and its upload.
type Presigned struct {
	Asset  Asset  `json:"asset"`
	Upload Upload `json:"upload"`
}

func (s *Media) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Media) maxSize() int64 {
	if s.MaxSize > 0 {
		return s.MaxSize
	}
	return DefaultMaxMediaSize
}

func (s *Media) ttl() time.Duration {
	if s.PresignTTL > 0 {
		return s.PresignTTL
	}
	return DefaultPresignTTL
}

func (s *Media) allows(contentType string) bool {
	allowed := s.Allowed
	if allowed == nil {
		allowed = DefaultMediaTypes()
	}
	_, known := mediaExtensions[contentType]
	return known && slices.Contains(allowed, contentType)
}

func (s *Media) allowedList() string {
	var out []string
	for _, t := range DefaultMediaTypes() {
		if s.allows(t) {
			out = append(out, t)
		}
	}
	return strings.Join(out, ", ")
}

// check validates a presign request, naming each field that fails.
func (s *Media) check(in PresignRequest) (PresignRequest, error) {
	fields := map[string]string{}
	in.ContentType = strings.ToLower(strings.TrimSpace(in.ContentType))
	switch {
	case in.ContentType == "":
		fields["content_type"] = "is required"
	case !s.allows(in.ContentType):
		fields["content_type"] = "must be one of " + s.allowedList() + " (SVG is refused: it can carry script)"
	}
	switch {
	case in.Filename == "":
		fields["filename"] = "is required"
	case len(in.Filename) > maxFilename:
		fields["filename"] = fmt.Sprintf("must be at most %d bytes", maxFilename)
	case !utf8.ValidString(in.Filename):
		fields["filename"] = "must be UTF-8"
	case strings.ContainsAny(in.Filename, `/\`):
		fields["filename"] = "must be a file name, without / or \\"
	case strings.IndexFunc(in.Filename, unicode.IsControl) >= 0:
		fields["filename"] = "must not hold control characters"
	case strings.TrimSpace(in.Filename) != in.Filename || strings.HasPrefix(in.Filename, "."):
		fields["filename"] = "must not start with a dot or start or end with a space"
	case fields["content_type"] == "" && !slices.Contains(mediaExtensions[in.ContentType], strings.ToLower(path.Ext(in.Filename))):
		fields["filename"] = "must end in " + strings.Join(mediaExtensions[in.ContentType], " or ") + " for " + in.ContentType
	}
	switch {
	case in.Size < 1:
		fields["size"] = "must be at least 1 byte"
	case in.Size > s.maxSize():
		fields["size"] = fmt.Sprintf("must be at most %d bytes", s.maxSize())
	}
	if len(fields) > 0 {
		return in, &services.Error{Code: services.Invalid, Message: "The upload cannot be accepted: " + describe(fields) + ".", Fields: fields}
	}
	return in, nil
}

func describe(fields map[string]string) string {
	var parts []string
	for _, k := range []string{"filename", "content_type", "size"} {
		if v, ok := fields[k]; ok {
			parts = append(parts, k+" "+v)
		}
	}
	return strings.Join(parts, "; ")
}

// safeName is filename as it goes into an object key: letters, digits, dot,
// dash and underscore, the rest dashes, the extension lowercased.
func safeName(filename string) string {
	ext := strings.ToLower(path.Ext(filename))
	base := strings.TrimSuffix(filename, path.Ext(filename))
	var b strings.Builder
	dash := false
	for _, r := range base {
		ok := r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.')
		switch {
		case ok:
			b.WriteRune(r)
			dash = false
		case !dash:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 100 {
			break
		}
	}
	name := strings.Trim(b.String(), "-.")
	if name == "" {
		name = "image"
	}
	return name + ext
}

// MediaKey is the object key of an org's asset: every key of an org is
// under orgs/{org_id}/.
func MediaKey(orgID, assetID uuid.UUID, filename string) string {
	return "orgs/" + orgID.String() + "/media/" + assetID.String() + "/" + safeName(filename)
}

// Presign records a pending asset and returns a presigned POST for it whose
// policy allows exactly the promised size and content type, at the asset's
// own key, until it expires. (A store that enforces POST policies, such as
// S3 or MinIO, refuses anything else; the embedded store of `xentri dev`
// does not, and Complete checks what landed either way.)
func (s *Media) Presign(ctx context.Context, tx pgx.Tx, m access.Membership, in PresignRequest) (Presigned, error) {
	if err := m.Need(access.ScopeMediaWrite); err != nil {
		return Presigned{}, err
	}
	if s.Blob == nil {
		return Presigned{}, ErrNoMediaStore
	}
	in, err := s.check(in)
	if err != nil {
		return Presigned{}, err
	}
	id := uuid.Must(uuid.NewV7())
	a := Asset{ID: id, OrgID: m.OrgID, ObjectKey: MediaKey(m.OrgID, id, in.Filename), Filename: in.Filename,
		ContentType: in.ContentType, Size: in.Size}
	expires := s.now().Add(s.ttl()).UTC().Truncate(time.Second)
	policy := minio.NewPostPolicy()
	for _, err := range []error{
		policy.SetBucket(s.Blob.Bucket()),
		policy.SetKey(a.ObjectKey),
		policy.SetExpires(expires),
		policy.SetContentType(a.ContentType),
		policy.SetContentLengthRange(a.Size, a.Size),
	} {
		if err != nil {
			return Presigned{}, fmt.Errorf("presign media: policy: %w", err)
		}
	}
	u, fields, err := s.Blob.Client().PresignedPostPolicy(ctx, policy)
	if err != nil {
		return Presigned{}, &services.Error{Code: services.Unavailable, Message: "Media storage did not answer; try again shortly.",
			Err: fmt.Errorf("presign media: %w", err)}
	}
	a, err = mediaStoreIn(tx).add(ctx, a, m.Principal.UserRef())
	if err != nil {
		return Presigned{}, fmt.Errorf("presign media: %w", err)
	}
	return Presigned{Asset: a, Upload: Upload{URL: u.String(), Method: http.MethodPost, Fields: fields, ExpiresAt: expires}}, nil
}

// Complete checks what landed at a pending asset's key: an object of the
// promised size and content type whose first bytes really are an image of
// that type (a text file named .png is not). It then makes the asset ready,
// or failed with the reason, deleting the object. Either way the outcome is
// the asset's status: a ready or failed asset is final, and completing it
// again answers it as it is. With nothing uploaded yet it is a Conflict and
// the asset stays pending (once its form has expired, it fails instead).
func (s *Media) Complete(ctx context.Context, tx pgx.Tx, m access.Membership, id uuid.UUID) (Asset, error) {
	if err := m.Need(access.ScopeMediaWrite); err != nil {
		return Asset{}, err
	}
	if s.Blob == nil {
		return Asset{}, ErrNoMediaStore
	}
	st := mediaStoreIn(tx)
	a, err := st.lock(ctx, m.OrgID, id)
	if err != nil {
		return Asset{}, fmt.Errorf("complete media: %w", err)
	}
	if a.Status != MediaPending {
		return a, nil
	}
	etag, failure, err := s.inspect(ctx, a)
	if err != nil {
		return Asset{}, err
	}
	if failure == "" {
		a, err = st.finish(ctx, a, MediaReady, &etag, nil)
		if err != nil {
			return Asset{}, fmt.Errorf("complete media: %w", err)
		}
		return a, nil
	}
	// The object is removed before the failure is recorded: if removing
	// fails, the request fails and the asset stays pending for a retry.
	if err := s.Blob.Client().RemoveObject(ctx, s.Blob.Bucket(), a.ObjectKey, minio.RemoveObjectOptions{}); err != nil {
		return Asset{}, &services.Error{Code: services.Unavailable, Message: "Media storage did not answer; try again shortly.",
			Err: fmt.Errorf("complete media: remove %s: %w", a.ObjectKey, err)}
	}
	a, err = st.finish(ctx, a, MediaFailed, nil, &failure)
	if err != nil {
		return Asset{}, fmt.Errorf("complete media: %w", err)
	}
	return a, nil
}

// inspect reads what landed at a's key: its ETag when it is what was
// promised, else why not.
func (s *Media) inspect(ctx context.Context, a Asset) (etag, failure string, err error) {
	c, bucket := s.Blob.Client(), s.Blob.Bucket()
	info, err := c.StatObject(ctx, bucket, a.ObjectKey, minio.StatObjectOptions{})
	if err != nil {
		if minio.ToErrorResponse(err).Code == "NoSuchKey" || minio.ToErrorResponse(err).StatusCode == http.StatusNotFound {
			if s.now().After(a.CreatedAt.Add(s.ttl())) {
				return "", "Nothing was uploaded before the upload form expired.", nil
			}
			return "", "", services.Errorf(services.Conflict,
				"Nothing has been uploaded for this asset yet: POST the file to its upload URL first, then complete it.")
		}
		return "", "", unavailable("stat", a, err)
	}
	if info.Size != a.Size {
		return "", fmt.Sprintf("The upload is %d bytes, not the %d promised.", info.Size, a.Size), nil
	}
	if got := strings.ToLower(strings.TrimSpace(info.ContentType)); got != a.ContentType {
		return "", fmt.Sprintf("The upload was sent as %q, not the %s promised.", info.ContentType, a.ContentType), nil
	}
	// The declared type is the uploader's word; the first bytes are the file's.
	opts := minio.GetObjectOptions{}
	if err := opts.SetRange(0, 511); err != nil {
		return "", "", unavailable("range", a, err)
	}
	obj, err := c.GetObject(ctx, bucket, a.ObjectKey, opts)
	if err != nil {
		return "", "", unavailable("get", a, err)
	}
	defer obj.Close()
	head, err := io.ReadAll(io.LimitReader(obj, 512))
	if err != nil {
		return "", "", unavailable("read", a, err)
	}
	if sniffed := http.DetectContentType(head); sniffed != a.ContentType {
		return "", fmt.Sprintf("The file is not a %s image: its content reads as %s.", a.ContentType, sniffed), nil
	}
	return strings.Trim(info.ETag, `"`), "", nil
}

func unavailable(op string, a Asset, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return &services.Error{Code: services.Unavailable, Message: "Media storage did not answer; try again shortly.",
		Err: fmt.Errorf("complete media: %s %s: %w", op, a.ObjectKey, err)}
}

// Asset returns one of the org's assets.
func (s *Media) Asset(ctx context.Context, tx pgx.Tx, m access.Membership, id uuid.UUID) (Asset, error) {
	if err := m.Need(access.ScopeMediaRead); err != nil {
		return Asset{}, err
	}
	a, err := mediaStoreIn(tx).get(ctx, m.OrgID, id)
	if err != nil {
		return Asset{}, fmt.Errorf("media asset: %w", err)
	}
	return a, nil
}

// List pages through the org's assets, newest first, optionally of one
// status.
func (s *Media) List(ctx context.Context, tx pgx.Tx, m access.Membership, status *string, page paging.Page) ([]Asset, string, error) {
	if err := m.Need(access.ScopeMediaRead); err != nil {
		return nil, "", err
	}
	if status != nil && *status != MediaPending && *status != MediaReady && *status != MediaFailed {
		return nil, "", &services.Error{Code: services.Invalid, Message: "status must be pending, ready or failed.",
			Fields: map[string]string{"status": "must be pending, ready or failed"}}
	}
	out, next, err := mediaStoreIn(tx).list(ctx, m.OrgID, status, page)
	if err != nil {
		return nil, "", fmt.Errorf("media assets: %w", err)
	}
	return out, next, nil
}
