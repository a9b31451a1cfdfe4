package brand_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/minio/minio-go/v7"

	"github.com/xentri/xentri/internal/blob"
	"github.com/xentri/xentri/internal/testenv"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/brand"
	"github.com/xentri/xentri/services/paging"
)

// mediaBundle is a media test's world: the real Postgres, the embedded
// gofakes3 store on loopback, and an org with its owner.
type mediaBundle struct {
	db    *testenv.Database
	store *blob.Store
	org   uuid.UUID
	owner access.Membership
}

// newStore starts the embedded S3 store (gofakes3, as `xentri dev` runs it)
// on a loopback port over a temp dir, with its bucket.
func newStore(t *testing.T) *blob.Store {
	t.Helper()
	return testenv.Store(t)
}

func mediaSetup(t *testing.T) (*brand.Media, *mediaBundle) {
	t.Helper()
	d := testenv.DB(t)
	b := &mediaBundle{db: d, store: newStore(t)}
	b.org, b.owner = mediaOrg(t, d)
	return &brand.Media{Blob: b.store, MaxSize: 1 << 20}, b
}

func mediaOrg(t *testing.T, d *testenv.Database) (uuid.UUID, access.Membership) {
	t.Helper()
	org, user := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	ctx := context.Background()
	if _, err := d.Owner.Exec(ctx, `INSERT INTO orgs (id, name) VALUES ($1, 'media org')`, org); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Owner.Exec(ctx, `INSERT INTO users (id, email) VALUES ($1, $2)`, user, user.String()+"@example.test"); err != nil {
		t.Fatal(err)
	}
	return org, access.Membership{OrgID: org, Role: access.RoleOwner, Principal: access.Principal{UserID: user}}
}

// in runs fn in a tenant transaction of m's org and returns its error.
func (b *mediaBundle) in(m access.Membership, fn func(ctx context.Context, tx pgx.Tx) error) error {
	return b.db.App.InTenant(context.Background(), m.OrgID, fn)
}

func (b *mediaBundle) presign(t *testing.T, svc *brand.Media, in brand.PresignRequest) brand.Presigned {
	t.Helper()
	var p brand.Presigned
	if err := b.in(b.owner, func(ctx context.Context, tx pgx.Tx) (err error) {
		p, err = svc.Presign(ctx, tx, b.owner, in)
		return err
	}); err != nil {
		t.Fatalf("presign %+v: %v", in, err)
	}
	return p
}

func (b *mediaBundle) complete(m access.Membership, svc *brand.Media, id uuid.UUID) (brand.Asset, error) {
	var a brand.Asset
	err := b.in(m, func(ctx context.Context, tx pgx.Tx) (err error) {
		a, err = svc.Complete(ctx, tx, m, id)
		return err
	})
	return a, err
}

// upload does what a browser does with a presigned POST: a multipart form
// of every field, then the file, sent as contentType.
func upload(t *testing.T, u brand.Upload, contentType string, body []byte) int {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range u.Fields {
		if k == "Content-Type" {
			v = contentType
		}
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := w.CreateFormFile("file", "upload")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(body)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	res, err := http.Post(u.URL, w.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode
}

// pngOf is a real PNG image of n×n pixels.
func pngOf(t *testing.T, n int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, n, n))
	for i := range n {
		img.Set(i, i, color.RGBA{R: uint8(i), G: 100, B: 200, A: 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func (b *mediaBundle) exists(t *testing.T, key string) bool {
	t.Helper()
	_, err := b.store.Client().StatObject(context.Background(), b.store.Bucket(), key, minio.StatObjectOptions{})
	if err == nil {
		return true
	}
	if minio.ToErrorResponse(err).StatusCode == http.StatusNotFound {
		return false
	}
	t.Fatalf("stat %s: %v", key, err)
	return false
}

// TestMediaUploadThroughPresignedPost: presign, the browser's real
// multipart POST to the returned url with the returned fields, complete:
// the asset is ready, its key is under the org's prefix, and completing
// again changes nothing.
func TestMediaUploadThroughPresignedPost(t *testing.T) {
	t.Parallel()
	svc, b := mediaSetup(t)
	img := pngOf(t, 32)
	p := b.presign(t, svc, brand.PresignRequest{Filename: "Shop Front (1).PNG", ContentType: "image/png", Size: int64(len(img))})
	a := p.Asset
	if a.Status != brand.MediaPending || a.OrgID != b.org || a.Size != int64(len(img)) || a.CreatedBy == nil || *a.CreatedBy != b.owner.Principal.UserID {
		t.Fatalf("presigned asset: %+v", a)
	}
	wantPrefix := "orgs/" + b.org.String() + "/media/" + a.ID.String() + "/"
	if a.ObjectKey != wantPrefix+"Shop-Front-1.png" {
		t.Fatalf("object key %q, want %q", a.ObjectKey, wantPrefix+"Shop-Front-1.png")
	}
	if p.Upload.Method != http.MethodPost || !strings.Contains(p.Upload.URL, b.store.Bucket()) ||
		p.Upload.Fields["key"] != a.ObjectKey || p.Upload.Fields["Content-Type"] != "image/png" || p.Upload.Fields["policy"] == "" ||
		p.Upload.Fields["x-amz-signature"] == "" {
		t.Fatalf("upload form: %+v", p.Upload)
	}
	// The signed policy pins exactly this key, size and type: S3 and MinIO
	// refuse any other upload with this form.
	raw, err := base64.StdEncoding.DecodeString(p.Upload.Fields["policy"])
	if err != nil {
		t.Fatal(err)
	}
	var policy struct {
		Conditions []json.RawMessage `json:"conditions"`
	}
	if err := json.Unmarshal(raw, &policy); err != nil {
		t.Fatalf("policy %s: %v", raw, err)
	}
	conds := map[string]bool{}
	for _, c := range policy.Conditions {
		var compact bytes.Buffer
		if err := json.Compact(&compact, c); err != nil {
			t.Fatal(err)
		}
		conds[compact.String()] = true
	}
	for _, want := range []string{
		`["eq","$key","` + a.ObjectKey + `"]`,
		`["eq","$Content-Type","image/png"]`,
		`["content-length-range",` + strconv.Itoa(len(img)) + `,` + strconv.Itoa(len(img)) + `]`,
	} {
		if !conds[want] {
			t.Errorf("the policy lacks %s: %s", want, raw)
		}
	}
	if d := time.Until(p.Upload.ExpiresAt); d < 14*time.Minute || d > 15*time.Minute+time.Second {
		t.Fatalf("the form expires in %v, want 15 minutes", d)
	}

	// Completing before the upload: a conflict, and still pending.
	if _, err := b.complete(b.owner, svc, a.ID); services.ErrorCode(err) != services.Conflict {
		t.Fatalf("complete before the upload: %v, want a conflict", err)
	}
	if code := upload(t, p.Upload, "image/png", img); code/100 != 2 {
		t.Fatalf("the presigned POST answered %d", code)
	}
	got, err := b.complete(b.owner, svc, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != brand.MediaReady || got.CompletedAt == nil || got.Checksum == nil || *got.Checksum == "" || got.Failure != nil {
		t.Fatalf("completed asset: %+v", got)
	}
	again, err := b.complete(b.owner, svc, a.ID)
	if err != nil || again.Status != brand.MediaReady || !again.CompletedAt.Equal(*got.CompletedAt) {
		t.Fatalf("completing a ready asset again: %+v, %v", again, err)
	}
	if !b.exists(t, a.ObjectKey) {
		t.Fatal("the ready asset's object is gone")
	}

	// Listed and readable.
	var list []brand.Asset
	if err := b.in(b.owner, func(ctx context.Context, tx pgx.Tx) (err error) {
		ready := brand.MediaReady
		list, _, err = svc.List(ctx, tx, b.owner, &ready, paging.Page{Limit: 10})
		return err
	}); err != nil || len(list) != 1 || list[0].ID != a.ID {
		t.Fatalf("list: %+v, %v", list, err)
	}
}

// TestMediaCompleteRefusesWhatWasNotPromised: a wrong size, a wrong type,
// and a text file claiming image/png each leave the asset failed and the
// object deleted. The embedded store (gofakes3) accepts a browser POST
// without checking its policy (signature, expiry, content-length-range or
// Content-Type condition), so the oversized upload lands there and
// Complete is what catches it; S3 and MinIO refuse it at the POST.
func TestMediaCompleteRefusesWhatWasNotPromised(t *testing.T) {
	t.Parallel()
	svc, b := mediaSetup(t)
	img := pngOf(t, 16)
	tests := []struct {
		name, sentAs string
		body         []byte
		failure      string
	}{
		{"larger than promised", "image/png", append(pngOf(t, 16), make([]byte, 100)...), "bytes, not the"},
		{"smaller than promised", "image/png", img[:len(img)-1], "bytes, not the"},
		{"sent as another type", "image/gif", img, `sent as "image/gif"`},
		{"text named .png", "image/png", bytes.Repeat([]byte("x"), len(img)), "is not a image/png image"},
	}
	for _, tt := range tests {
		p := b.presign(t, svc, brand.PresignRequest{Filename: "logo.png", ContentType: "image/png", Size: int64(len(img))})
		if code := upload(t, p.Upload, tt.sentAs, tt.body); code/100 != 2 {
			t.Fatalf("%s: gofakes3 refused the POST (%d): it checks POST policies now, so test that refusal too", tt.name, code)
		}
		a, err := b.complete(b.owner, svc, p.Asset.ID)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if a.Status != brand.MediaFailed || a.Failure == nil || !strings.Contains(*a.Failure, tt.failure) {
			t.Errorf("%s: %+v (failure %v), want failed with %q", tt.name, a, deref(a.Failure), tt.failure)
		}
		if b.exists(t, p.Asset.ObjectKey) {
			t.Errorf("%s: the object is still in the store", tt.name)
		}
		// A failed asset stays failed, even if the form is used again.
		upload(t, p.Upload, "image/png", img)
		if again, err := b.complete(b.owner, svc, p.Asset.ID); err != nil || again.Status != brand.MediaFailed {
			t.Errorf("%s: completing a failed asset again: %+v, %v", tt.name, again, err)
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// TestMediaPresignValidates: each bad field is refused with a 400 naming
// it, and nothing is recorded.
func TestMediaPresignValidates(t *testing.T) {
	t.Parallel()
	svc, b := mediaSetup(t)
	tests := []struct {
		in    brand.PresignRequest
		field string
	}{
		{brand.PresignRequest{Filename: "", ContentType: "image/png", Size: 10}, "filename"},
		{brand.PresignRequest{Filename: "../etc/passwd.png", ContentType: "image/png", Size: 10}, "filename"},
		{brand.PresignRequest{Filename: `a\b.png`, ContentType: "image/png", Size: 10}, "filename"},
		{brand.PresignRequest{Filename: "a\nb.png", ContentType: "image/png", Size: 10}, "filename"},
		{brand.PresignRequest{Filename: ".png", ContentType: "image/png", Size: 10}, "filename"},
		{brand.PresignRequest{Filename: strings.Repeat("a", 300) + ".png", ContentType: "image/png", Size: 10}, "filename"},
		{brand.PresignRequest{Filename: "photo.jpg", ContentType: "image/png", Size: 10}, "filename"},
		{brand.PresignRequest{Filename: "photo.png.html", ContentType: "image/png", Size: 10}, "filename"},
		{brand.PresignRequest{Filename: "logo.svg", ContentType: "image/svg+xml", Size: 10}, "content_type"},
		{brand.PresignRequest{Filename: "page.html", ContentType: "text/html", Size: 10}, "content_type"},
		{brand.PresignRequest{Filename: "a.png", ContentType: "", Size: 10}, "content_type"},
		{brand.PresignRequest{Filename: "a.png", ContentType: "image/png", Size: 0}, "size"},
		{brand.PresignRequest{Filename: "a.png", ContentType: "image/png", Size: -5}, "size"},
		{brand.PresignRequest{Filename: "a.png", ContentType: "image/png", Size: 1<<20 + 1}, "size"},
	}
	for _, tt := range tests {
		err := b.in(b.owner, func(ctx context.Context, tx pgx.Tx) error {
			_, err := svc.Presign(ctx, tx, b.owner, tt.in)
			return err
		})
		var se *services.Error
		if !errors.As(err, &se) || se.Code != services.Invalid || se.Fields[tt.field] == "" {
			t.Errorf("presign %+v: %v, want invalid naming %s", tt.in, err, tt.field)
		}
	}
	var n int
	if err := b.db.Owner.QueryRow(context.Background(), `SELECT count(*) FROM media_assets WHERE org_id = $1`, b.org).Scan(&n); err != nil || n != 0 {
		t.Fatalf("refused presigns recorded %d assets (%v)", n, err)
	}
	// A JPEG may be .jpg or .jpeg, in any case.
	for _, name := range []string{"a.jpg", "b.JPEG"} {
		b.presign(t, svc, brand.PresignRequest{Filename: name, ContentType: "image/jpeg", Size: 10})
	}
}

// TestMediaIsTheOrgsOwn: another org neither sees nor completes an asset,
// a token needs media:write to presign and media:read to list, and with
// no store configured every operation says so.
func TestMediaIsTheOrgsOwn(t *testing.T) {
	t.Parallel()
	svc, b := mediaSetup(t)
	img := pngOf(t, 8)
	p := b.presign(t, svc, brand.PresignRequest{Filename: "a.png", ContentType: "image/png", Size: int64(len(img))})
	upload(t, p.Upload, "image/png", img)

	_, other := mediaOrg(t, b.db)
	if _, err := b.complete(other, svc, p.Asset.ID); services.ErrorCode(err) != services.NotFound {
		t.Fatalf("another org completing the asset: %v, want not found", err)
	}
	if err := b.in(other, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := svc.Asset(ctx, tx, other, p.Asset.ID); services.ErrorCode(err) != services.NotFound {
			t.Errorf("another org reading the asset: %v", err)
		}
		list, _, err := svc.List(ctx, tx, other, nil, paging.Page{Limit: 10})
		if err != nil || len(list) != 0 {
			t.Errorf("another org's list: %+v, %v", list, err)
		}
		// A query without an org filter sees none of it: row-level security.
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM media_assets`).Scan(&n); err != nil || n != 0 {
			t.Errorf("RLS lets another org see %d assets (%v)", n, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if a, err := b.complete(b.owner, svc, p.Asset.ID); err != nil || a.Status != brand.MediaReady {
		t.Fatalf("the owner's complete after the attempt: %+v, %v", a, err)
	}

	reader := access.Membership{OrgID: b.org, Principal: access.Principal{Token: &access.TokenPrincipal{ID: uuid.New(), OrgID: b.org,
		Scopes: []string{access.ScopeMediaRead}}}}
	if err := b.in(reader, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := svc.Presign(ctx, tx, reader, brand.PresignRequest{Filename: "a.png", ContentType: "image/png", Size: 1}); services.ErrorCode(err) != services.Forbidden {
			t.Errorf("a media:read token presigning: %v", err)
		}
		if _, err := svc.Complete(ctx, tx, reader, p.Asset.ID); services.ErrorCode(err) != services.Forbidden {
			t.Errorf("a media:read token completing: %v", err)
		}
		if list, _, err := svc.List(ctx, tx, reader, nil, paging.Page{Limit: 10}); err != nil || len(list) != 1 {
			t.Errorf("a media:read token listing: %+v, %v", list, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	none := &brand.Media{}
	if err := b.in(b.owner, func(ctx context.Context, tx pgx.Tx) error {
		_, err := none.Presign(ctx, tx, b.owner, brand.PresignRequest{Filename: "a.png", ContentType: "image/png", Size: 1})
		return err
	}); services.ErrorCode(err) != services.Unavailable || !strings.Contains(err.Error(), "not configured") {
		t.Fatalf("presign without a store: %v", err)
	}
}

// TestMediaExpiredFormFails: an asset never uploaded fails once its form
// has expired, rather than staying pending for ever.
func TestMediaExpiredFormFails(t *testing.T) {
	t.Parallel()
	svc, b := mediaSetup(t)
	p := b.presign(t, svc, brand.PresignRequest{Filename: "a.gif", ContentType: "image/gif", Size: 10})
	later := &brand.Media{Blob: b.store, Now: func() time.Time { return time.Now().Add(16 * time.Minute) }}
	a, err := b.complete(b.owner, later, p.Asset.ID)
	if err != nil || a.Status != brand.MediaFailed || !strings.Contains(deref(a.Failure), "expired") {
		t.Fatalf("complete after expiry: %+v, %v", a, err)
	}
}
