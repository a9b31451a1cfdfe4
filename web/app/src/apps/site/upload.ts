// Uploading an image: POST /media/presign promises it and answers a
// presigned POST form; the browser sends the form's fields, then the file
// (field "file"), straight to object storage; POST /media/{id}/complete
// then checks what landed: ready, or failed with the reason.

export const MEDIA_TYPES = {
  'image/png': ['.png'],
  'image/jpeg': ['.jpg', '.jpeg'],
  'image/webp': ['.webp'],
  'image/gif': ['.gif'],
} as const;
export type MediaType = keyof typeof MEDIA_TYPES;
export const MAX_MEDIA_BYTES = 10 * 1024 * 1024;

export function isMediaType(t: string): t is MediaType {
  return Object.hasOwn(MEDIA_TYPES, t);
}

/** What is wrong with a file before anything is sent, or null. */
export function checkFile(file: { name: string; type: string; size: number }): string | null {
  if (!isMediaType(file.type)) return `${file.name || 'This file'} is not a PNG, JPEG, WebP or GIF image.`;
  if (file.size < 1) return `${file.name} is empty.`;
  if (file.size > MAX_MEDIA_BYTES) return `${file.name} is larger than 10 MB.`;
  return null;
}

/** A filename the API takes: no path, no leading dot, an extension of its type. */
export function uploadName(name: string, type: MediaType): string {
  let n = name.replace(/[/\\\u0000-\u001f\u007f]/g, '-').trim().replace(/^\.+/, '');
  if (!n) n = 'image';
  const exts: readonly string[] = MEDIA_TYPES[type];
  const dot = n.lastIndexOf('.');
  const ext = dot > 0 ? n.slice(dot).toLowerCase() : '';
  if (!exts.includes(ext)) n = `${n}${exts[0]}`;
  if (new TextEncoder().encode(n).length > 255) n = `image${exts[0]}`;
  return n;
}

export class UploadError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'UploadError';
  }
}

/** The <Message> of an S3 error document, if it has one. */
export function s3Message(body: string): string | null {
  const m = body.match(/<Message>([^<]*)<\/Message>/);
  return m?.[1]?.trim() || null;
}

export interface UploadRequest {
  url: string;
  fields: Record<string, string>;
  file: Blob;
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
  /** The XMLHttpRequest constructor (tests pass a fake). */
  xhr?: () => XMLHttpRequest;
}

/**
 * sendUpload POSTs the presigned form with XMLHttpRequest (fetch reports
 * no upload progress): every field, then the file, last, as "file".
 */
export function sendUpload(req: UploadRequest): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = req.xhr ? req.xhr() : new XMLHttpRequest();
    xhr.open('POST', req.url);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) req.onProgress?.(e.loaded / e.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        req.onProgress?.(1);
        resolve();
        return;
      }
      const detail = s3Message(typeof xhr.responseText === 'string' ? xhr.responseText : '');
      reject(new UploadError(`The storage refused the file${detail ? `: ${detail}` : ''} (HTTP ${xhr.status}).`, xhr.status));
    };
    xhr.onerror = () =>
      reject(new UploadError("The file could not be sent to the media storage: it is unreachable from this page, or the connection dropped.", 0));
    xhr.onabort = () => reject(new DOMException('The upload was cancelled.', 'AbortError'));
    req.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    const form = new FormData();
    for (const [k, v] of Object.entries(req.fields)) form.append(k, v);
    form.append('file', req.file);
    xhr.send(form);
  });
}

/**
 * The name an asset's file gets in a release (the server's safeName):
 * letters, digits, dot and underscore, runs of anything else one dash, the
 * extension lowercased. Uploading under this name keeps the draft preview
 * able to serve the image (it looks the file up by the name as uploaded).
 */
export function safeName(filename: string): string {
  const slash = filename.lastIndexOf('/');
  const last = filename.slice(slash + 1);
  const dot = last.lastIndexOf('.');
  const ext = dot >= 0 ? last.slice(dot).toLowerCase() : '';
  const base = dot >= 0 ? filename.slice(0, filename.length - (last.length - dot)) : filename;
  let out = '';
  let dash = false;
  for (const ch of base) {
    if (/^[A-Za-z0-9_.]$/.test(ch)) {
      out += ch;
      dash = false;
    } else if (!dash) {
      out += '-';
      dash = true;
    }
    if (out.length >= 100) break;
  }
  const name = out.replace(/^[-.]+|[-.]+$/g, '');
  return (name || 'image') + ext;
}
