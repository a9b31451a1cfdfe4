// Package blob is Xentri's object storage: the application always speaks the
// S3 API through minio-go, to MinIO or S3 in production and, in `xentri dev`,
// to an embedded S3-compatible server backed by files in the data dir.
package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Config says where the store is.
type Config struct {
	Endpoint  string // host:port
	AccessKey string
	SecretKey string
	Region    string
	Bucket    string
	UseSSL    bool
}

// Store is a bucket in an S3-compatible store.
type Store struct {
	client *minio.Client
	bucket string
	region string
}

// New returns a store for cfg; it does not contact the server.
func New(cfg Config) (*Store, error) {
	c, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: cfg.UseSSL,
		Region: cfg.Region,
	})
	if err != nil {
		return nil, fmt.Errorf("s3 client: %w", err)
	}
	return &Store{client: c, bucket: cfg.Bucket, region: cfg.Region}, nil
}

// EnsureBucket creates the bucket when it does not exist.
func (s *Store) EnsureBucket(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("check bucket %s: %w", s.bucket, err)
	}
	if ok {
		return nil
	}
	if err := s.client.MakeBucket(ctx, s.bucket, minio.MakeBucketOptions{Region: s.region}); err != nil {
		return fmt.Errorf("create bucket %s: %w", s.bucket, err)
	}
	return nil
}

// Ping checks that the store answers and the bucket exists.
func (s *Store) Ping(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("bucket %s does not exist", s.bucket)
	}
	return nil
}

// Client exposes the minio-go client for adapters built on this store
// (presigned uploads, site releases).
func (s *Store) Client() *minio.Client { return s.client }

// Bucket is the bucket this store writes to.
func (s *Store) Bucket() string { return s.bucket }

// ErrNotFound is the answer for an object that is not in the bucket.
var ErrNotFound = errors.New("no such object")

// Object is what the store knows of an object.
type Object struct {
	Key         string
	Size        int64
	ContentType string
	ETag        string
	Metadata    map[string]string // user metadata (x-amz-meta-*), keys lowercase
}

// Put stores body at key.
func (s *Store) Put(ctx context.Context, key string, body []byte, contentType string, meta map[string]string) error {
	_, err := s.client.PutObject(ctx, s.bucket, key, bytes.NewReader(body), int64(len(body)),
		minio.PutObjectOptions{ContentType: contentType, UserMetadata: meta, DisableMultipart: true})
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	return nil
}

// Get reads the object at key whole (ErrNotFound when absent). For the
// small files of sites and releases; stream larger ones with Client.
func (s *Store) Get(ctx context.Context, key string) ([]byte, Object, error) {
	o, err := s.client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, Object{}, notFound(key, err)
	}
	defer o.Close()
	body, err := io.ReadAll(o)
	if err != nil {
		return nil, Object{}, notFound(key, err)
	}
	info, err := o.Stat()
	if err != nil {
		return nil, Object{}, notFound(key, err)
	}
	return body, objectOf(info), nil
}

// Stat describes the object at key (ErrNotFound when absent).
func (s *Store) Stat(ctx context.Context, key string) (Object, error) {
	info, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return Object{}, notFound(key, err)
	}
	return objectOf(info), nil
}

// Copy copies the object at src to dst inside the bucket, on the server.
func (s *Store) Copy(ctx context.Context, src, dst string) error {
	_, err := s.client.CopyObject(ctx, minio.CopyDestOptions{Bucket: s.bucket, Object: dst},
		minio.CopySrcOptions{Bucket: s.bucket, Object: src})
	if err != nil {
		return notFound(src, err)
	}
	return nil
}

// RemovePrefix deletes every object under prefix and says how many.
func (s *Store) RemovePrefix(ctx context.Context, prefix string) (int, error) {
	if prefix == "" || !strings.HasSuffix(prefix, "/") {
		return 0, fmt.Errorf("remove prefix %q: must name a folder (end with /)", prefix)
	}
	n := 0
	for o := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			return n, fmt.Errorf("list %s: %w", prefix, o.Err)
		}
		if err := s.client.RemoveObject(ctx, s.bucket, o.Key, minio.RemoveObjectOptions{}); err != nil {
			return n, fmt.Errorf("remove %s: %w", o.Key, err)
		}
		n++
	}
	return n, nil
}

func objectOf(info minio.ObjectInfo) Object {
	meta := map[string]string{}
	for k, v := range info.UserMetadata {
		meta[strings.ToLower(k)] = v
	}
	return Object{Key: info.Key, Size: info.Size, ContentType: info.ContentType, ETag: info.ETag, Metadata: meta}
}

// notFound turns the store's "no such key" into ErrNotFound.
func notFound(key string, err error) error {
	if resp := minio.ToErrorResponse(err); resp.Code == "NoSuchKey" || resp.StatusCode == 404 {
		return fmt.Errorf("%s: %w", key, ErrNotFound)
	}
	return fmt.Errorf("%s: %w", key, err)
}
