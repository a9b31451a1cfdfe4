package brand

import (
	"bytes"
	"compress/gzip"
	"container/list"
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
)

// fileCache keeps release files in memory, up to max bytes (gzipped copies
// included). Release files never change, so nothing is ever invalidated;
// the least recently used go first, approximately: a hit only sets a flag
// (under the read lock), and eviction gives flagged files a second chance.
type fileCache struct {
	mu      sync.RWMutex
	max     int64
	used    int64
	items   map[string]*cachedFile
	order   list.List // oldest first
	flights flightGroup[*cachedFile]
}

// cachedFile is a file's bytes, and their gzip when that is smaller, with
// the Content-Length of each.
type cachedFile struct {
	body, gz []byte
	bodyLen  []string
	gzLen    []string
	used     atomic.Bool // read since eviction last passed it
	elem     *list.Element
	key      string
	cost     int64
}

func newFileCache(max int64) *fileCache {
	return &fileCache{max: max, items: map[string]*cachedFile{}}
}

// get returns f's bytes, from memory or else from the store (once for
// all the callers that want them at the same time).
func (c *fileCache) get(ctx context.Context, objects ObjectReader, f *servedFile) (*cachedFile, error) {
	c.mu.RLock()
	cf := c.items[f.key]
	c.mu.RUnlock()
	if cf != nil {
		if !cf.used.Load() {
			cf.used.Store(true)
		}
		return cf, nil
	}
	return c.flights.do(ctx, f.key, func(ctx context.Context) (*cachedFile, error) {
		body, _, err := objects.Get(ctx, f.key)
		if err != nil {
			return nil, fmt.Errorf("read release file: %w", err)
		}
		cf := newCachedFile(f.key, body, f.compressible)
		c.put(cf)
		return cf, nil
	})
}

func newCachedFile(key string, body []byte, compress bool) *cachedFile {
	cf := &cachedFile{key: key, body: body, bodyLen: []string{strconv.Itoa(len(body))}}
	if compress && len(body) > 256 {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // compressed once, served many times
		_, _ = zw.Write(body)
		if zw.Close() == nil && buf.Len() < len(body) {
			cf.gz = buf.Bytes()
			cf.gzLen = []string{strconv.Itoa(len(cf.gz))}
		}
	}
	cf.cost = int64(len(cf.body) + len(cf.gz) + len(key) + 200)
	return cf
}

// put keeps cf unless it alone would take more than an eighth of the
// cache (it is then served, and read again next time).
func (c *fileCache) put(cf *cachedFile) {
	if cf.cost > c.max/8 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[cf.key]; ok {
		return
	}
	for c.used+cf.cost > c.max {
		oldest := c.order.Front()
		if oldest == nil {
			break
		}
		victim := oldest.Value.(*cachedFile)
		if victim.used.Load() {
			victim.used.Store(false)
			c.order.MoveToBack(oldest)
			continue
		}
		c.order.Remove(oldest)
		delete(c.items, victim.key)
		c.used -= victim.cost
	}
	cf.elem = c.order.PushBack(cf)
	c.items[cf.key] = cf
	c.used += cf.cost
}
