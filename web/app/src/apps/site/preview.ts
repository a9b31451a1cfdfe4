// The live preview. POST /sites/{id}/preview gives a signed link,
// /preview/{token}/, to the drafts. The preview's own answers forbid being
// framed (Content-Security-Policy frame-ancestors 'none'), so the editor
// fetches the page's HTML and shows it in a sandboxed srcdoc <iframe> (no
// scripts, an opaque origin), with a <base> at the page's preview address so
// its stylesheet and images load, and links open in a new tab.

/** The preview address of a page path: "/preview/t/" + "/about" -> "/preview/t/about". */
export function previewPageUrl(link: string, path: string): string {
  const root = link.endsWith('/') ? link : `${link}/`;
  return root + path.replace(/^\/+/, '');
}

const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/**
 * The preview HTML with a <base> for its relative links: href is the page's
 * absolute preview address; links open in a new tab (target _blank).
 */
export function framedPreview(html: string, base: string): string {
  const tag = `<base href="${escapeAttr(base)}" target="_blank">`;
  const head = html.match(/<head[^>]*>/i);
  if (head && head.index !== undefined) {
    const at = head.index + head[0].length;
    return html.slice(0, at) + tag + html.slice(at);
  }
  return tag + html;
}

/** The site's public address, from the preview page's canonical link (http://{slug}.{domain}/). */
export function canonicalOrigin(html: string): string | null {
  const m = html.match(/<link\s+rel="canonical"\s+href="([^"]+)"/i);
  if (!m?.[1]) return null;
  try {
    return new URL(m[1]).origin;
  } catch {
    return null;
  }
}

/** Whether a link (expires_at) is still good for a while. */
export function linkFresh(expiresAt: string, now: number = Date.now()): boolean {
  const t = Date.parse(expiresAt);
  return Number.isFinite(t) && t - now > 60_000;
}

/** The site's public origin from a sitemap (its first <loc>), or null. */
export function sitemapOrigin(xml: string): string | null {
  const m = xml.match(/<loc>\s*([^<\s]+)\s*<\/loc>/);
  if (!m?.[1]) return null;
  try {
    return new URL(m[1]).origin;
  } catch {
    return null;
  }
}
