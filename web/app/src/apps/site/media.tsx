// The media library in the editor: upload an image (presign, POST the form
// to storage with progress, complete), pick a ready one; an image block
// refers to it as "/media/{id}".
import { createContext, useContext, useEffect, useRef, useState, type ChangeEvent, type DragEvent } from 'react';
import { api } from '../../lib/api';
import { InlineError, Skeleton, useQuery } from '../../lib/ui';
import { detailOf, useSite, type MediaAsset } from './context';
import { fileSize } from './format';
import { checkFile, isMediaType, safeName, sendUpload, uploadName } from './upload';
import { Icon, Modal } from './ui';

const MEDIA_REF = /^\/media\/([0-9a-f-]{36})$/i;

/** Bumped by the editor after a save: an image the drafts did not use before may be servable now. */
export const ThumbRefresh = createContext(0);

// What this tab knows of assets: the records, and a local picture of what it uploaded.
const assets = new Map<string, MediaAsset>();
const localPictures = new Map<string, string>();

async function assetOf(id: string): Promise<MediaAsset> {
  const have = assets.get(id);
  if (have) return have;
  const { data } = await api.get('/api/v1/media/{mediaID}', { path: { mediaID: id } });
  assets.set(id, data);
  return data;
}

/**
 * A thumbnail of an image reference. An image the drafts use is served by
 * the preview (/preview/{token}/_r/draft/media/{id}/{name}); one uploaded
 * from this tab shows from the file itself; anything else is an icon (the
 * shell's Content-Security-Policy loads no image from other hosts).
 */
export function MediaThumb({ src, asset }: { src: string; asset?: MediaAsset }) {
  const { preview } = useSite();
  const refresh = useContext(ThumbRefresh);
  const id = asset?.id ?? src.match(MEDIA_REF)?.[1];
  const [url, setUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    setFailed(false);
    setUrl(null);
    if (!id) return;
    const local = localPictures.get(id);
    if (local) {
      setUrl(local);
      return;
    }
    if (!preview) return;
    let live = true;
    (asset ? Promise.resolve(asset) : assetOf(id))
      .then((a) => live && setUrl(`${preview.url}_r/draft/media/${a.id}/${safeName(a.filename)}`))
      .catch(() => live && setFailed(true));
    return () => {
      live = false;
    };
  }, [id, asset, preview, refresh]);
  return (
    <span className="st-thumb" aria-hidden="true">
      {url && !failed ? <img src={url} alt="" onError={() => setFailed(true)} /> : <Icon name="image" size={20} />}
    </span>
  );
}

type UploadState =
  | { phase: 'idle' }
  | { phase: 'sending'; name: string; progress: number }
  | { phase: 'checking'; name: string }
  | { phase: 'failed'; name: string; reason: string };

export function MediaPicker({ open, onClose, onPick }: { open: boolean; onClose: () => void; onPick: (a: MediaAsset) => void }) {
  return (
    <Modal open={open} onClose={onClose} title="Choose an image" wide>
      {open && <Library onPick={onPick} />}
    </Modal>
  );
}

function Library({ onPick }: { onPick: (a: MediaAsset) => void }) {
  const [tick, setTick] = useState(0);
  const list = useQuery((signal) => api.get('/api/v1/media', { query: { status: 'ready', limit: 100 }, signal }), [tick]);
  const [upload, setUpload] = useState<UploadState>({ phase: 'idle' });
  const [dragging, setDragging] = useState(false);
  const abort = useRef<AbortController | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  useEffect(() => () => abort.current?.abort(), []);

  const start = async (file: File) => {
    const bad = checkFile(file);
    if (bad) {
      setUpload({ phase: 'failed', name: file.name, reason: bad });
      return;
    }
    if (!isMediaType(file.type)) return;
    const name = uploadName(safeName(file.name), file.type);
    abort.current?.abort();
    const ctl = new AbortController();
    abort.current = ctl;
    setUpload({ phase: 'sending', name: file.name, progress: 0 });
    try {
      const { data } = await api.post('/api/v1/media/presign', { body: { filename: name, content_type: file.type, size: file.size } });
      // The page's Content-Security-Policy may not allow sending to the storage's address: say so, not "network error".
      let blocked = false;
      const target = new URL(data.upload.url, location.href).origin;
      const onViolation = (e: SecurityPolicyViolationEvent) => {
        if (e.blockedURI.startsWith(target)) blocked = true;
      };
      document.addEventListener('securitypolicyviolation', onViolation);
      try {
        await sendUpload({
          url: data.upload.url,
          fields: data.upload.fields,
          file,
          signal: ctl.signal,
          onProgress: (p) => setUpload({ phase: 'sending', name: file.name, progress: p }),
        });
      } catch (err) {
        // The violation event is queued as a task: let it arrive.
        await new Promise((r) => setTimeout(r, 0));
        if (blocked) {
          throw new Error(
            `This page is not allowed to send files to the media storage at ${target} (the server's Content-Security-Policy, connect-src, does not list it). Ask whoever runs Xentri to allow it.`,
          );
        }
        throw err;
      } finally {
        document.removeEventListener('securitypolicyviolation', onViolation);
      }
      setUpload({ phase: 'checking', name: file.name });
      const { data: asset } = await api.post('/api/v1/media/{mediaID}/complete', { path: { mediaID: data.asset.id } });
      if (asset.status !== 'ready') {
        setUpload({ phase: 'failed', name: file.name, reason: asset.failure || 'The file did not pass the image check.' });
        return;
      }
      assets.set(asset.id, asset);
      localPictures.set(asset.id, URL.createObjectURL(file));
      setUpload({ phase: 'idle' });
      setTick((n) => n + 1);
      onPick(asset);
    } catch (err) {
      if (ctl.signal.aborted) return;
      setUpload({ phase: 'failed', name: file.name, reason: detailOf(err) });
    }
  };

  const onFile = (e: ChangeEvent<HTMLInputElement>) => {
    const f = e.target.files?.[0];
    e.target.value = '';
    if (f) void start(f);
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    const f = e.dataTransfer.files?.[0];
    if (f) void start(f);
  };

  const busy = upload.phase === 'sending' || upload.phase === 'checking';
  const ready = list.data?.data ?? [];

  return (
    <div className="st-library">
      <div
        className={`st-drop${dragging ? ' st-drop--over' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <Icon name="upload" size={20} />
        <div>
          <label htmlFor="st-upload" className="st-drop__label">
            Upload an image
          </label>
          <p className="st-muted st-small">PNG, JPEG, WebP or GIF, up to 10 MB. Drop it here or choose a file.</p>
        </div>
        <input ref={fileInput} id="st-upload" type="file" accept="image/png,image/jpeg,image/webp,image/gif" onChange={onFile} disabled={busy} className="visually-hidden" />
        <button type="button" className="button" onClick={() => fileInput.current?.click()} disabled={busy}>
          Choose a file
        </button>
      </div>
      <div aria-live="polite" className="st-upload-status">
        {upload.phase === 'sending' && (
          <div className="st-progress-row">
            <span>
              Uploading {upload.name}… {Math.round(upload.progress * 100)}%
            </span>
            <progress max={1} value={upload.progress} aria-label={`Uploading ${upload.name}`} />
            <button type="button" className="button button--ghost" onClick={() => {
                abort.current?.abort();
                setUpload({ phase: 'idle' });
              }}>
              Cancel
            </button>
          </div>
        )}
        {upload.phase === 'checking' && <p>Checking {upload.name}…</p>}
        {upload.phase === 'failed' && (
          <div className="notice notice--error" role="alert">
            <p>
              <strong>{upload.name || 'The file'} was not uploaded.</strong> {upload.reason}
            </p>
          </div>
        )}
      </div>
      {list.loading && !list.data ? (
        <Skeleton lines={3} label="Loading your images" />
      ) : list.error ? (
        <InlineError error={list.error} onRetry={list.retry} />
      ) : ready.length === 0 ? (
        <p className="st-muted">No images yet: upload your first one above.</p>
      ) : (
        <ul className="st-media-grid" aria-label="Your images">
          {ready.map((a) => (
            <li key={a.id}>
              <button type="button" className="st-media-tile" onClick={() => onPick(a)}>
                <MediaThumb src={`/media/${a.id}`} asset={a} />
                <span className="st-media-tile__name">{a.filename}</span>
                <span className="st-muted st-small">{fileSize(a.size)}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
