package cache

// OnChannel makes the cache publish and listen on channel instead of
// SitePurgeChannel, so a test that breaks its connection touches no one
// else's listeners.
func (c *SiteCache) OnChannel(channel string) *SiteCache {
	c.channel = channel
	return c
}
