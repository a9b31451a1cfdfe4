// Package blob is Xentri's object storage: the application always speaks the
// S3 API through minio-go, to MinIO or S3 in production and, in `xentri dev`,
// to an embedded S3-compatible server backed by files in the data dir.
package blob

import (
	"context"
	"fmt"

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
