package cache_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/xentri/xentri/internal/cache"
	"github.com/xentri/xentri/internal/testenv"
)

func TestRateLimiterCountsPerKeyAndWindow(t *testing.T) {
	t.Parallel()
	l := cache.NewRateLimiter(testenv.Redis(t), "test:"+uuid.NewString()+":")
	ctx := context.Background()
	for i := range 3 {
		ok, _, err := l.Allow(ctx, "a", 3, time.Minute)
		if err != nil || !ok {
			t.Fatalf("hit %d refused: %v", i+1, err)
		}
	}
	ok, retry, err := l.Allow(ctx, "a", 3, time.Minute)
	if err != nil || ok || retry <= 0 || retry > time.Minute {
		t.Fatalf("4th hit: ok=%v retry=%s err=%v; want refused with a retry within the window", ok, retry, err)
	}
	if ok, _, _ := l.Allow(ctx, "b", 3, time.Minute); !ok {
		t.Fatal("another key shares the count")
	}
	// A short window ends and the count starts again.
	for range 2 {
		l.Allow(ctx, "c", 1, 50*time.Millisecond)
	}
	time.Sleep(80 * time.Millisecond)
	if ok, _, _ := l.Allow(ctx, "c", 1, 50*time.Millisecond); !ok {
		t.Fatal("the window did not reset")
	}
}
