// The API client: typed by the contract (src/generated/openapi.ts, from
// contracts/openapi.yaml), same-origin with the session in HTTP-only cookies.
//
//   const { data } = await api.get('/api/v1/leads/{leadID}', { path: { leadID } });
//   const { data, meta } = await api.get('/api/v1/leads', { query: { limit: 20 } });
//   await api.post('/api/v1/leads', { body: { name: 'Ada' } });
//
// It sends x-org-id (the $org store) on every call, an Idempotency-Key on the
// operations the contract marks retryable, unwraps the {data, error, meta}
// envelope, throws ApiError for a problem (application/problem+json),
// refreshes the session once on a 401 and retries, and retries GETs (and
// keyed mutations) that failed on the network or a 502/503/504.
import type { paths } from '../generated/openapi';
import { retryable } from '../generated/operations';
import { $org, $session } from './stores';
import type { Meta, Problem, SessionTokens } from './types';

// --- Types derived from the contract ----------------------------------------

export type HttpMethod = 'get' | 'put' | 'post' | 'patch' | 'delete';

type OpOf<P, M extends HttpMethod> = P extends keyof paths
  ? M extends keyof paths[P]
    ? NonNullable<paths[P][M]>
    : never
  : never;

/** The contract's paths that have method M. */
export type PathsWith<M extends HttpMethod> = {
  [P in keyof paths]: [OpOf<P, M>] extends [never] ? never : P;
}[keyof paths];

type Params<O> = O extends { parameters: infer X } ? X : never;
type PathParams<O> = Params<O> extends { path?: infer X } ? NonNullable<X> : never;
type QueryParams<O> = Params<O> extends { query?: infer X } ? NonNullable<X> : never;
type RequestBody<O> = O extends { requestBody?: infer B }
  ? NonNullable<B> extends { content: { 'application/json': infer J } }
    ? J
    : never
  : never;
type BodyRequired<O> = O extends { requestBody: { content: unknown } } ? true : false;

type Responses<O> = O extends { responses: infer R } ? R : never;
type SuccessCode = 200 | 201 | 202 | 204;
type SuccessBody<O> = {
  [C in keyof Responses<O>]: C extends SuccessCode
    ? Responses<O>[C] extends { content: { 'application/json': infer B } }
      ? B
      : undefined
    : never;
}[keyof Responses<O>];
type Unwrap<B> = B extends { data?: infer D } ? D : undefined;

/** The `data` of an operation's success envelope. */
export type DataOf<O> = Unwrap<SuccessBody<O>>;
/** The `data` of path P's method M, e.g. ResponseData<'/api/v1/me', 'get'>. */
export type ResponseData<P extends keyof paths, M extends HttpMethod> = DataOf<OpOf<P, M>>;

/** What a call takes besides its path: path and query parameters, a body. */
export type Options<O> = {
  query?: QueryParams<O>;
  /**
   * The Idempotency-Key of this user action, for operations that take one.
   * Default: a fresh uuid per call (reused by the client's own retries).
   * Keep one key across a user's "Try again" of the same action.
   */
  idempotencyKey?: string;
  signal?: AbortSignal;
  headers?: Record<string, string>;
} & ([PathParams<O>] extends [never] ? { path?: undefined } : { path: PathParams<O> }) &
  ([RequestBody<O>] extends [never]
    ? { body?: undefined }
    : BodyRequired<O> extends true
      ? { body: RequestBody<O> }
      : { body?: RequestBody<O> });

type RequiredKeys<T> = { [K in keyof T]-?: undefined extends T[K] ? never : K }[keyof T];
type Args<O> = [RequiredKeys<Options<O>>] extends [never] ? [opts?: Options<O>] : [opts: Options<O>];

export interface Result<D> {
  data: D;
  meta: Meta;
  status: number;
}

// --- Errors -------------------------------------------------------------------

/**
 * ApiError is a failed call: the server's problem document (detail, and
 * errors per field for a 400), or a network failure (status 0).
 */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(problem.detail || problem.title);
    this.name = 'ApiError';
    this.status = problem.status;
    this.problem = problem;
  }

  /** What to tell the user. */
  get detail(): string {
    return this.problem.detail || this.problem.title;
  }

  /** Each invalid field and why (validation problems). */
  get fields(): Record<string, string> {
    return this.problem.errors ?? {};
  }

  /** The failure was the network's, not the server's answer. */
  get network(): boolean {
    return this.status === 0;
  }
}

const networkProblem = (detail: string): Problem => ({
  type: 'about:blank',
  title: 'Network error',
  status: 0,
  detail,
  trace_id: '',
});

// --- The client ---------------------------------------------------------------

export interface ClientConfig {
  fetch?: typeof fetch;
  /** The org to send as x-org-id (default: none). */
  org?: () => string | null;
  /** Called when the session is gone for good (a refresh was refused). */
  onSignedOut?: () => void;
  /** Where the access token's expiry is kept, shared by the tabs. */
  storage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null;
  /** Waits between retries (tests make it instant). */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** Serialises refreshes across tabs (navigator.locks in browsers). */
  lock?: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
  uuid?: () => string;
  /** Backoff of the retries, in ms; its length is how many retries. */
  backoff?: number[];
}

export const EXPIRES_KEY = 'xentri.session.expires_at';
const AUTH_PREFIX = '/api/v1/auth/';

export type Client = ReturnType<typeof createClient>;

export function createClient(cfg: ClientConfig = {}) {
  const doFetch = cfg.fetch ?? ((...a: Parameters<typeof fetch>) => globalThis.fetch(...a));
  const sleep = cfg.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = cfg.now ?? Date.now;
  const lock = cfg.lock ?? ((_name, fn) => fn());
  const uuid = cfg.uuid ?? (() => crypto.randomUUID());
  const backoff = cfg.backoff ?? [300, 1200];
  const store = cfg.storage ?? null;

  let refreshing: Promise<boolean> | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;

  function url(template: string, path?: Record<string, unknown>, query?: Record<string, unknown>): string {
    const p = template.replace(/\{([^}]+)\}/g, (_, name: string) => {
      const v = path?.[name];
      if (v === undefined || v === null || v === '') throw new Error(`api: ${template} needs the path parameter ${name}`);
      return encodeURIComponent(String(v));
    });
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v === undefined || v === null) continue;
      for (const item of Array.isArray(v) ? v : [v]) q.append(k, String(item));
    }
    const s = q.toString();
    return s ? `${p}?${s}` : p;
  }

  async function send(method: HttpMethod, template: string, opts: Record<string, any> = {}): Promise<Result<any>> {
    const target = url(template, opts.path, opts.query);
    const headers: Record<string, string> = { Accept: 'application/json, application/problem+json', ...opts.headers };
    const org = cfg.org?.();
    if (org) headers['x-org-id'] = org;
    if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
    const keyed = method !== 'get' && retryable.has(`${method.toUpperCase()} ${template}`);
    if (keyed) headers['Idempotency-Key'] = opts.idempotencyKey ?? uuid();
    const init: RequestInit = {
      method: method.toUpperCase(),
      headers,
      credentials: 'same-origin',
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
    };
    // GETs are safe to repeat; a keyed mutation is deduplicated by the server.
    const canRetry = method === 'get' || keyed;
    const isAuthCall = template.startsWith(AUTH_PREFIX);

    let refreshed = false;
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await doFetch(target, init);
      } catch (err) {
        if (opts.signal?.aborted) throw err;
        if (canRetry && attempt < backoff.length) {
          await sleep(backoff[attempt]!);
          continue;
        }
        throw new ApiError(networkProblem("We couldn't reach Xentri. Check your connection and try again."));
      }
      if (res.status === 401 && !isAuthCall && !refreshed) {
        refreshed = true;
        if (await refresh()) {
          attempt--; // the retry after a refresh is not a network retry
          continue;
        }
      }
      if (canRetry && attempt < backoff.length && (res.status === 502 || res.status === 503 || res.status === 504)) {
        await sleep(backoff[attempt]!);
        continue;
      }
      return read(res);
    }
  }

  async function read(res: Response): Promise<Result<any>> {
    const type = res.headers.get('Content-Type') ?? '';
    if (!res.ok) {
      let problem: Problem | null = null;
      if (type.includes('json')) {
        try {
          problem = (await res.json()) as Problem;
        } catch {
          problem = null;
        }
      }
      if (!problem || typeof problem !== 'object') {
        problem = {
          type: 'about:blank',
          title: res.statusText || `HTTP ${res.status}`,
          status: res.status,
          detail: res.status >= 500 ? 'Something went wrong on our side. Please try again.' : `The request failed (HTTP ${res.status}).`,
          trace_id: '',
        };
      }
      problem.status ||= res.status;
      throw new ApiError(problem);
    }
    if (res.status === 204 || !type.includes('json')) return { data: undefined, meta: {}, status: res.status };
    const body = (await res.json()) as { data?: unknown; error?: unknown; meta?: Meta };
    if (body && typeof body === 'object' && 'data' in body) {
      if (body.error) throw new ApiError({ type: 'about:blank', title: 'Error', status: res.status, detail: String(body.error), trace_id: '' });
      return { data: body.data, meta: body.meta ?? {}, status: res.status };
    }
    return { data: body, meta: {}, status: res.status }; // not an envelope (e.g. /readyz)
  }

  // --- Session lifetime ---------------------------------------------------

  function expiry(): number | null {
    const v = store?.getItem(EXPIRES_KEY);
    const t = v ? Date.parse(v) : NaN;
    return Number.isFinite(t) ? t : null;
  }

  /**
   * noteSession records when the access token expires (the login, sign-up
   * or refresh answer says) and schedules a refresh ahead of it: a minute
   * before, or a quarter of the time left if that is shorter.
   */
  function noteSession(session: Pick<SessionTokens, 'expires_at'> | null | undefined): void {
    if (!session) return;
    store?.setItem(EXPIRES_KEY, session.expires_at);
    schedule();
  }

  function schedule(): void {
    clearTimeout(timer);
    const at = expiry();
    if (at === null) return;
    const left = at - now();
    const delay = Math.min(Math.max(0, left - Math.min(60_000, left / 4)), 2 ** 31 - 1);
    timer = setTimeout(() => void refresh(), delay);
  }

  /** forget drops what the client knows of the session (on sign-out). */
  function forget(): void {
    clearTimeout(timer);
    store?.removeItem(EXPIRES_KEY);
  }

  /**
   * refresh trades the refresh cookie for a new session. One refresh at a
   * time in this tab, and across tabs: refresh tokens are single-use, and a
   * used one revokes the session, so a tab that waited for another's
   * refresh uses its result instead of refreshing again. Returns whether
   * there is a session; when not, onSignedOut runs.
   */
  function refresh(): Promise<boolean> {
    if (refreshing) return refreshing;
    const before = store?.getItem(EXPIRES_KEY) ?? null;
    refreshing = lock('xentri-refresh', async () => {
      const current = store?.getItem(EXPIRES_KEY) ?? null;
      const at = expiry();
      if (current !== before && at !== null && at > now()) {
        schedule(); // another tab refreshed while this one waited
        return true;
      }
      let res: Response;
      try {
        res = await doFetch('/api/v1/auth/refresh', {
          method: 'POST',
          credentials: 'same-origin',
          headers: { Accept: 'application/json, application/problem+json' },
        });
      } catch {
        return false; // offline: keep the session, the next call tries again
      }
      if (res.status === 401 || res.status === 403) {
        forget(); // the refresh token is gone, used or revoked
        cfg.onSignedOut?.();
        return false;
      }
      if (!res.ok) return false; // the server is in trouble: keep the session, try again later
      const body = (await res.json()) as { data?: { session?: SessionTokens | null } };
      noteSession(body.data?.session);
      return true;
    }).finally(() => {
      refreshing = null;
    });
    return refreshing;
  }

  // --- The typed surface --------------------------------------------------

  return {
    get: <P extends PathsWith<'get'>>(path: P, ...[opts]: Args<OpOf<P, 'get'>>) =>
      send('get', path, opts) as Promise<Result<DataOf<OpOf<P, 'get'>>>>,
    post: <P extends PathsWith<'post'>>(path: P, ...[opts]: Args<OpOf<P, 'post'>>) =>
      send('post', path, opts) as Promise<Result<DataOf<OpOf<P, 'post'>>>>,
    put: <P extends PathsWith<'put'>>(path: P, ...[opts]: Args<OpOf<P, 'put'>>) =>
      send('put', path, opts) as Promise<Result<DataOf<OpOf<P, 'put'>>>>,
    patch: <P extends PathsWith<'patch'>>(path: P, ...[opts]: Args<OpOf<P, 'patch'>>) =>
      send('patch', path, opts) as Promise<Result<DataOf<OpOf<P, 'patch'>>>>,
    delete: <P extends PathsWith<'delete'>>(path: P, ...[opts]: Args<OpOf<P, 'delete'>>) =>
      send('delete', path, opts) as Promise<Result<DataOf<OpOf<P, 'delete'>>>>,
    /** A key for one user action, to reuse when the user retries it. */
    newActionKey: uuid,
    noteSession,
    schedule,
    refresh,
    forget,
  };
}

// --- The shell's client -------------------------------------------------------

function browserStorage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

/**
 * api is the client every app uses: x-org-id from $org, and a refusal to
 * refresh signs the shell out ($session), which shows the login view.
 */
export const api = createClient({
  org: () => $org.get(),
  onSignedOut: () => $session.set({ status: 'signed-out', reason: 'Your session has ended. Log in again to continue.' }),
  storage: browserStorage(),
  lock: <T>(name: string, fn: () => Promise<T>) =>
    typeof navigator !== 'undefined' && navigator.locks ? (navigator.locks.request(name, fn) as Promise<T>) : fn(),
});
