// The live preview beside the editor: the page being edited, as a publish
// would render it, refreshed after each save (see preview.ts for why it is
// a srcdoc frame), at desktop width scaled to fit or at phone width.
import { useEffect, useRef, useState } from 'react';
import { detailOf, useSite } from './context';
import { canonicalOrigin, framedPreview, previewPageUrl } from './preview';
import { Icon } from './ui';

const DESKTOP = 1100;
const MOBILE = 390;

type Load = { phase: 'loading' } | { phase: 'ready'; html: string } | { phase: 'error'; message: string };

export function PreviewPane({ path, title, tick }: { path: string; title: string; tick: number }) {
  const { previewLink, preview, notePublicOrigin } = useSite();
  const [load, setLoad] = useState<Load>({ phase: 'loading' });
  const [device, setDevice] = useState<'desktop' | 'mobile'>('desktop');
  const [attempt, setAttempt] = useState(0);
  const [size, setSize] = useState({ width: 0, height: 0 });
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const abort = new AbortController();
    setLoad((l) => (l.phase === 'ready' ? l : { phase: 'loading' }));
    previewLink()
      .then(async (link) => {
        const url = previewPageUrl(link.url, path);
        const res = await fetch(url, { credentials: 'omit', signal: abort.signal });
        const body = await res.text();
        if (res.status === 422 || res.status >= 500) throw new Error(body.trim() || `The preview could not be made (HTTP ${res.status}).`);
        const origin = canonicalOrigin(body);
        if (origin) notePublicOrigin(origin);
        setLoad({ phase: 'ready', html: framedPreview(body, new URL(url, location.href).href) });
      })
      .catch((err) => {
        if (abort.signal.aborted) return;
        const message =
          err && typeof err === 'object' && 'status' in err && (err as { status: number }).status === 503
            ? 'Previews are not set up on this server.'
            : detailOf(err);
        setLoad({ phase: 'error', message });
      });
    return () => abort.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [path, tick, attempt, previewLink]);

  useEffect(() => {
    const el = box.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(([entry]) => entry && setSize({ width: entry.contentRect.width, height: entry.contentRect.height }));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const frameWidth = device === 'desktop' ? DESKTOP : MOBILE;
  const width = size.width;
  const scale = width > 0 ? Math.min(1, width / frameWidth) : 1;
  // The stage's height comes from the stylesheet; the desktop frame is taller by the scale, so it fills it.
  const height = size.height || 640;

  return (
    <section className="st-preview" aria-label="Preview">
      <div className="st-preview__bar">
        <span className="st-preview__label">Preview</span>
        <div className="st-segmented" role="group" aria-label="Preview width">
          <button type="button" aria-pressed={device === 'desktop'} onClick={() => setDevice('desktop')} title="Desktop">
            <Icon name="desktop" label="Desktop" />
          </button>
          <button type="button" aria-pressed={device === 'mobile'} onClick={() => setDevice('mobile')} title="Phone">
            <Icon name="mobile" label="Phone" />
          </button>
        </div>
        <button type="button" className="button button--ghost st-icon-button" onClick={() => setAttempt((n) => n + 1)} aria-label="Refresh the preview" title="Refresh">
          <Icon name="refresh" />
        </button>
        {preview && (
          <a className="button button--ghost st-icon-button" href={previewPageUrl(preview.url, path)} target="_blank" rel="noopener noreferrer" aria-label="Open the preview in a new tab" title="Open in a new tab">
            <Icon name="external" />
          </a>
        )}
      </div>
      <div className="st-preview__stage" ref={box}>
        {load.phase === 'error' ? (
          <div className="st-preview__message" role="alert">
            <p>{load.message}</p>
            <button type="button" className="button" onClick={() => setAttempt((n) => n + 1)}>
              Try again
            </button>
          </div>
        ) : load.phase === 'loading' ? (
          <div className="st-preview__message" role="status">
            <p className="st-muted">Rendering the preview…</p>
          </div>
        ) : (
          <iframe
            title={`Preview of ${title || path}`}
            srcDoc={load.html}
            sandbox="allow-popups allow-popups-to-escape-sandbox"
            referrerPolicy="no-referrer"
            style={
              device === 'desktop'
                ? { width: DESKTOP, height: height / scale, transform: `scale(${scale})`, transformOrigin: '0 0' }
                : { width: Math.min(MOBILE, width || MOBILE), height, margin: '0 auto', display: 'block' }
            }
          />
        )}
      </div>
    </section>
  );
}
