package blob_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"github.com/minio/minio-go/v7"
	"github.com/rs/zerolog"

	"github.com/xentri/xentri/internal/blob"
)

func newStore(t *testing.T, addr string) *blob.Store {
	t.Helper()
	s, err := blob.New(blob.Config{Endpoint: addr, AccessKey: "k", SecretKey: "s", Region: "us-east-1", Bucket: "xentri-test"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestEmbeddedServerKeepsObjectsInTheDataDir: an object written through
// minio-go is still there after the server restarts on the same directory.
func TestEmbeddedServerKeepsObjectsInTheDataDir(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	srv, err := blob.StartEmbedded(dir, "127.0.0.1:0", zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	store := newStore(t, srv.Addr)
	if err := store.Ping(ctx); err == nil {
		t.Fatal("Ping passed before the bucket existed")
	}
	if err := store.EnsureBucket(ctx); err != nil {
		t.Fatal(err)
	}
	if err := store.EnsureBucket(ctx); err != nil {
		t.Fatalf("EnsureBucket is not idempotent: %v", err)
	}
	body := []byte("<h1>release 1</h1>")
	if _, err := store.Client().PutObject(ctx, store.Bucket(), "sites/s1/index.html", bytes.NewReader(body), int64(len(body)),
		minio.PutObjectOptions{ContentType: "text/html"}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Stop(ctx); err != nil {
		t.Fatal(err)
	}

	srv, err = blob.StartEmbedded(dir, "127.0.0.1:0", zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop(ctx)
	store = newStore(t, srv.Addr)
	if err := store.Ping(ctx); err != nil {
		t.Fatalf("after a restart: %v", err)
	}
	obj, err := store.Client().GetObject(ctx, store.Bucket(), "sites/s1/index.html", minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(obj)
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("after a restart the object reads %q, %v; want %q", got, err, body)
	}
}

func TestEmbeddedServerListensOnLoopbackOnly(t *testing.T) {
	t.Parallel()
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.10:9000"} {
		if srv, err := blob.StartEmbedded(t.TempDir(), addr, zerolog.Nop()); err == nil {
			srv.Stop(context.Background())
			t.Errorf("StartEmbedded(%q) listened beyond loopback", addr)
		}
	}
}

// TestObjectsRoundTrip: Put, Get, Stat, Copy and RemovePrefix against the
// embedded store, and ErrNotFound for what is not there.
func TestObjectsRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, err := blob.StartEmbedded(t.TempDir(), "127.0.0.1:0", zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop(ctx)
	store := newStore(t, srv.Addr)
	if err := store.EnsureBucket(ctx); err != nil {
		t.Fatal(err)
	}
	if err := store.Put(ctx, "a/one.html", []byte("one"), "text/html", map[string]string{"Sha256": "abc"}); err != nil {
		t.Fatal(err)
	}
	body, obj, err := store.Get(ctx, "a/one.html")
	if err != nil || string(body) != "one" || obj.ContentType != "text/html" || obj.Metadata["sha256"] != "abc" {
		t.Fatalf("Get = %q, %+v, %v", body, obj, err)
	}
	if err := store.Copy(ctx, "a/one.html", "a/sub/two.html"); err != nil {
		t.Fatal(err)
	}
	if st, err := store.Stat(ctx, "a/sub/two.html"); err != nil || st.Size != 3 {
		t.Fatalf("Stat of the copy = %+v, %v", st, err)
	}
	if err := store.Put(ctx, "b/keep.txt", []byte("keep"), "text/plain", nil); err != nil {
		t.Fatal(err)
	}
	if n, err := store.RemovePrefix(ctx, "a/"); err != nil || n != 2 {
		t.Fatalf("RemovePrefix(a/) = %d, %v; want 2", n, err)
	}
	if _, err := store.RemovePrefix(ctx, "a"); err == nil {
		t.Fatal("RemovePrefix took a prefix that is not a folder")
	}
	for _, key := range []string{"a/one.html", "a/sub/two.html"} {
		if _, _, err := store.Get(ctx, key); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("Get(%s) after RemovePrefix: %v, want ErrNotFound", key, err)
		}
		if _, err := store.Stat(ctx, key); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("Stat(%s) after RemovePrefix: %v, want ErrNotFound", key, err)
		}
	}
	if err := store.Copy(ctx, "a/gone", "a/x"); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("Copy of a missing object: %v, want ErrNotFound", err)
	}
	if _, _, err := store.Get(ctx, "b/keep.txt"); err != nil {
		t.Errorf("RemovePrefix(a/) removed b/keep.txt: %v", err)
	}
}
