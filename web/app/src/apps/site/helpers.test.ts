import { describe, expect, it } from 'vitest';
import { authorName, fileSize, pathFromTitle, validPagePath } from './format';
import { canonicalOrigin, framedPreview, linkFresh, previewPageUrl, sitemapOrigin } from './preview';
import { parseRoute } from './routes';
import { checkFile, s3Message, safeName, sendUpload, uploadName } from './upload';

describe('routes', () => {
  it('reads ctx.path', () => {
    expect(parseRoute('')).toEqual({ view: 'sites' });
    expect(parseRoute('/s1')).toEqual({ view: 'site', siteId: 's1' });
    expect(parseRoute('/s1/pages/p1')).toEqual({ view: 'page', siteId: 's1', pageId: 'p1' });
    expect(parseRoute('/s1/releases')).toEqual({ view: 'releases', siteId: 's1' });
    expect(parseRoute('/s1/settings/')).toEqual({ view: 'settings', siteId: 's1' });
    expect(parseRoute('/s1/pages')).toEqual({ view: 'not-found' });
    expect(parseRoute('/s1/nope')).toEqual({ view: 'not-found' });
    expect(parseRoute('/s1/releases/x')).toEqual({ view: 'not-found' });
  });
});

describe('words', () => {
  it('names authors', () => {
    const members = new Map([['u2', 'bob@example.com']]);
    expect(authorName('user:u1', 'u1', members)).toBe('You');
    expect(authorName('user:u2', 'u1', members)).toBe('bob@example.com');
    expect(authorName('user:u3', 'u1', members)).toBe('A teammate');
    expect(authorName('job:api-token:t1', 'u1', members)).toBe('An API token');
    expect(authorName('system:n8n', 'u1', members)).toBe('An n8n automation');
  });
  it('makes page paths from titles, as the API takes them', () => {
    expect(pathFromTitle('About us')).toBe('/about-us');
    expect(pathFromTitle('Café & Crème!')).toBe('/cafe-creme');
    expect(validPagePath('/')).toBe(true);
    expect(validPagePath('/services/plumbing')).toBe(true);
    expect(validPagePath('/About')).toBe(false);
    expect(validPagePath('/a--b')).toBe(false);
    expect(validPagePath('about')).toBe(false);
  });
  it('sizes files', () => {
    expect(fileSize(512)).toBe('512 B');
    expect(fileSize(1536)).toBe('1.5 KB');
    expect(fileSize(3 * 1024 * 1024)).toBe('3.0 MB');
  });
});

describe('preview', () => {
  it('addresses a page under the link', () => {
    expect(previewPageUrl('/preview/t/', '/')).toBe('/preview/t/');
    expect(previewPageUrl('/preview/t/', '/about')).toBe('/preview/t/about');
    expect(previewPageUrl('/preview/t', '/services/plumbing')).toBe('/preview/t/services/plumbing');
  });
  it('gives the framed page a base for its relative links', () => {
    const html = '<!doctype html><html><head>\n<meta charset="utf-8"><link rel="stylesheet" href="_r/draft/site.css"></head><body></body></html>';
    const out = framedPreview(html, 'http://127.0.0.1:8120/preview/t/about');
    expect(out).toContain('<head><base href="http://127.0.0.1:8120/preview/t/about" target="_blank">\n<meta charset');
    expect(framedPreview('<p>x</p>', '/a"b')).toBe('<base href="/a&quot;b" target="_blank"><p>x</p>');
  });
  it('finds the public address', () => {
    expect(canonicalOrigin('<link rel="canonical" href="http://probe.sites.localhost:8120/about">')).toBe('http://probe.sites.localhost:8120');
    expect(sitemapOrigin('<urlset><url><loc>http://probe.sites.localhost:8120/</loc></url></urlset>')).toBe('http://probe.sites.localhost:8120');
    expect(sitemapOrigin('<urlset></urlset>')).toBeNull();
  });
  it('knows when a link is about to expire', () => {
    expect(linkFresh('2026-12-04T16:00:00Z', Date.parse('2026-12-04T15:00:00Z'))).toBe(true);
    expect(linkFresh('2026-12-04T15:00:30Z', Date.parse('2026-12-04T15:00:00Z'))).toBe(false);
  });
});

describe('uploads', () => {
  it('checks a file before sending it', () => {
    expect(checkFile({ name: 'a.png', type: 'image/png', size: 10 })).toBeNull();
    expect(checkFile({ name: 'a.svg', type: 'image/svg+xml', size: 10 })).toMatch(/not a PNG/);
    expect(checkFile({ name: 'a.png', type: 'image/png', size: 11 * 1024 * 1024 })).toMatch(/larger than 10 MB/);
  });
  it('names it as the API and the preview want', () => {
    expect(uploadName('photo', 'image/jpeg')).toBe('photo.jpg');
    expect(uploadName('.hidden.png', 'image/png')).toBe('hidden.png');
    expect(uploadName('shop.JPEG', 'image/jpeg')).toBe('shop.JPEG');
    expect(safeName('My Shop (front).JPG')).toBe('My-Shop-front.jpg');
    expect(safeName('!!!.png')).toBe('image.png');
  });
  it('reads an S3 error', () => {
    expect(s3Message('<Error><Code>AccessDenied</Code><Message>Policy expired</Message></Error>')).toBe('Policy expired');
  });

  it('posts the fields, then the file last, and reports progress', async () => {
    const sent: { url?: string; body?: FormData } = {};
    const progress: number[] = [];
    class FakeXHR {
      status = 204;
      responseText = '';
      upload: { onprogress?: (e: { lengthComputable: boolean; loaded: number; total: number }) => void } = {};
      onload?: () => void;
      onerror?: () => void;
      onabort?: () => void;
      open(_m: string, url: string) {
        sent.url = url;
      }
      send(body: FormData) {
        sent.body = body;
        this.upload.onprogress?.({ lengthComputable: true, loaded: 5, total: 10 });
        this.onload?.();
      }
      abort() {}
    }
    await sendUpload({
      url: 'http://s3/xentri/',
      fields: { key: 'orgs/o/media/m/a.png', policy: 'p', 'Content-Type': 'image/png' },
      file: new Blob(['png'], { type: 'image/png' }),
      onProgress: (p) => progress.push(p),
      xhr: () => new FakeXHR() as unknown as XMLHttpRequest,
    });
    expect(sent.url).toBe('http://s3/xentri/');
    expect([...sent.body!.keys()]).toEqual(['key', 'policy', 'Content-Type', 'file']);
    expect(progress).toEqual([0.5, 1]);
  });
});

describe('cites', () => {
  it('names the Brief fields in words', async () => {
    const { citeWords } = await import('./editor');
    expect(citeWords(['identity.business_name', 'offerings.products', 'contact.phone'])).toBe('business name, products, phone');
  });
});
