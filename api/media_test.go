package api

import (
	"bytes"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/xentri/xentri/services/brand"
)

// mediaUpload does what a browser does with a presigned POST.
func mediaUpload(t *testing.T, u brand.Upload, body []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range u.Fields {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := w.CreateFormFile("file", "upload")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(body)
	_ = w.Close()
	res, err := http.Post(u.URL, w.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	if res.StatusCode/100 != 2 {
		t.Fatalf("the presigned POST answered %d", res.StatusCode)
	}
}

// TestMediaRoutes: presign over the API, upload to the store with the
// form it gave, complete, then read the asset and the list; bad fields
// are 400s naming them; a text file claiming to be a PNG fails.
func TestMediaRoutes(t *testing.T) {
	t.Parallel()
	b := setupCore(t)
	a := b.signUp(t, "media")
	org := a.orgID.String()

	var img bytes.Buffer
	if err := png.Encode(&img, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	res := b.do(t, req{method: "POST", path: "/api/v1/media/presign", token: a.token, org: org,
		body: map[string]any{"filename": "logo.png", "content_type": "image/png", "size": img.Len()}})
	if res.status != http.StatusCreated {
		t.Fatalf("presign: %d %s", res.status, res.body)
	}
	p := decodeData[brand.Presigned](t, res)
	if res.header.Get("Location") != "/api/v1/media/"+p.Asset.ID.String() ||
		!strings.HasPrefix(p.Asset.ObjectKey, "orgs/"+org+"/media/"+p.Asset.ID.String()+"/") || p.Asset.Status != "pending" {
		t.Fatalf("presigned: %s", res.body)
	}
	path := "/api/v1/media/" + p.Asset.ID.String()
	if res := b.do(t, req{method: "POST", path: path + "/complete", token: a.token, org: org}); res.status != http.StatusConflict {
		t.Fatalf("complete before the upload: %d %s, want 409", res.status, res.body)
	}
	mediaUpload(t, p.Upload, img.Bytes())
	res = b.do(t, req{method: "POST", path: path + "/complete", token: a.token, org: org})
	if res.status != http.StatusOK || decodeData[brand.Asset](t, res).Status != "ready" {
		t.Fatalf("complete: %d %s", res.status, res.body)
	}
	res = b.do(t, req{method: "GET", path: path, token: a.token, org: org})
	if res.status != http.StatusOK || decodeData[brand.Asset](t, res).Status != "ready" {
		t.Fatalf("get: %d %s", res.status, res.body)
	}

	// A text file named .png.
	text := []byte("just some words, not an image at all")
	res = b.do(t, req{method: "POST", path: "/api/v1/media/presign", token: a.token, org: org,
		body: map[string]any{"filename": "notes.png", "content_type": "image/png", "size": len(text)}})
	fake := decodeData[brand.Presigned](t, res)
	mediaUpload(t, fake.Upload, text)
	res = b.do(t, req{method: "POST", path: "/api/v1/media/" + fake.Asset.ID.String() + "/complete", token: a.token, org: org})
	if got := decodeData[brand.Asset](t, res); res.status != http.StatusOK || got.Status != "failed" || got.Failure == nil {
		t.Fatalf("complete of a text file: %d %s", res.status, res.body)
	}

	items, _ := decodeList[brand.Asset](t, b.do(t, req{method: "GET", path: "/api/v1/media?status=ready", token: a.token, org: org}))
	if len(items) != 1 || items[0].ID != p.Asset.ID {
		t.Fatalf("ready assets: %+v", items)
	}
	items, _ = decodeList[brand.Asset](t, b.do(t, req{method: "GET", path: "/api/v1/media", token: a.token, org: org}))
	if len(items) != 2 || items[0].ID != fake.Asset.ID {
		t.Fatalf("all assets, newest first: %+v", items)
	}

	for field, body := range map[string]map[string]any{
		"filename":     {"filename": "../x.png", "content_type": "image/png", "size": 10},
		"content_type": {"filename": "x.svg", "content_type": "image/svg+xml", "size": 10},
		"size":         {"filename": "x.png", "content_type": "image/png", "size": 11 << 20},
	} {
		res := b.do(t, req{method: "POST", path: "/api/v1/media/presign", token: a.token, org: org, body: body})
		if res.status != http.StatusBadRequest || problemOf(t, res).Errors[field] == "" {
			t.Errorf("presign %v: %d %s, want a 400 naming %s", body, res.status, res.body, field)
		}
	}
	if res := b.do(t, req{method: "GET", path: "/api/v1/media?status=gone", token: a.token, org: org}); res.status != http.StatusBadRequest {
		t.Errorf("an unknown status: %d %s", res.status, res.body)
	}
}

// TestMediaWithoutStorage: with no object storage configured, the media
// routes say so with a 503.
func TestMediaWithoutStorage(t *testing.T) {
	t.Parallel()
	b := setupCore(t, func(cfg *Config) {
		for i, r := range cfg.Tenant {
			if _, ok := r.(*Media); ok {
				cfg.Tenant[i] = &Media{Media: &brand.Media{}}
			}
		}
	})
	a := b.signUp(t, "nostore")
	res := b.do(t, req{method: "POST", path: "/api/v1/media/presign", token: a.token, org: a.orgID.String(),
		body: map[string]any{"filename": "logo.png", "content_type": "image/png", "size": 10}})
	if res.status != http.StatusServiceUnavailable || !strings.Contains(problemOf(t, res).Detail, "Media storage is not configured here") {
		t.Fatalf("presign without a store: %d %s", res.status, res.body)
	}
}
