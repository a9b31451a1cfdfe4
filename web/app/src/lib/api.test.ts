import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import type { Org, User } from './types';
import { ApiError, createClient, EXPIRES_KEY, type ClientConfig } from './api';

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: unknown;
  credentials?: RequestCredentials;
}

const json = (status: number, body: unknown, type = 'application/json') =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': type } });
const envelope = (data: unknown, meta = {}) => json(200, { data, error: null, meta });
const problem = (status: number, detail: string, errors?: Record<string, string>) =>
  json(status, { type: 'https://xentri.app/problems/x', title: 'T', status, detail, trace_id: 'abc', errors }, 'application/problem+json');

/** A fake fetch that answers from a script, in order, and records the calls. */
function fakeFetch(...answers: Array<Response | Error | ((c: Call) => Response)>) {
  const calls: Call[] = [];
  const fn = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const call: Call = {
      url: String(input),
      method: init.method ?? 'GET',
      headers: (init.headers ?? {}) as Record<string, string>,
      body: init.body ? JSON.parse(String(init.body)) : undefined,
      credentials: init.credentials,
    };
    calls.push(call);
    const a = answers.shift();
    if (!a) throw new Error(`unexpected call ${call.method} ${call.url}`);
    if (a instanceof Error) throw a;
    return typeof a === 'function' ? a(call) : a;
  });
  return { fn: fn as unknown as typeof fetch, calls };
}

function memoryStorage() {
  const m = new Map<string, string>();
  return {
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, v),
    removeItem: (k: string) => void m.delete(k),
  };
}

const client = (f: typeof fetch, extra: ClientConfig = {}) =>
  createClient({ fetch: f, sleep: async () => {}, uuid: () => 'key-1', storage: memoryStorage(), org: () => 'org-1', ...extra });

const sessionBody = (expires_at: string) => ({
  data: { user: { id: 'u', email: 'a@b.c' }, session: { access_token: 't', token_type: 'bearer', expires_in: 900, expires_at, refresh_token: 'r' } },
  error: null,
  meta: {},
});

describe('api client: envelope and problems', () => {
  it('unwraps {data, error, meta} and sends x-org-id with the cookie credentials', async () => {
    const f = fakeFetch(envelope([{ id: 'l1' }], { next_cursor: 'c2' }));
    const api = client(f.fn);
    const { data, meta } = await api.get('/api/v1/leads', { query: { limit: 20, cursor: undefined } });
    expect(data).toEqual([{ id: 'l1' }]);
    expect(meta.next_cursor).toBe('c2');
    expect(f.calls[0]).toMatchObject({ url: '/api/v1/leads?limit=20', method: 'GET', credentials: 'same-origin' });
    expect(f.calls[0]!.headers['x-org-id']).toBe('org-1');
  });

  it('sends no x-org-id without a current org', async () => {
    const f = fakeFetch(envelope({ user: { id: 'u', email: 'a@b.c' }, orgs: [] }));
    await client(f.fn, { org: () => null }).get('/api/v1/me');
    expect(f.calls[0]!.headers).not.toHaveProperty('x-org-id');
  });

  it('fills path parameters, escaped, and refuses a missing one', async () => {
    const f = fakeFetch(envelope({ id: 'a/b' }));
    const api = client(f.fn);
    await api.get('/api/v1/leads/{leadID}', { path: { leadID: 'a/b' } });
    expect(f.calls[0]!.url).toBe('/api/v1/leads/a%2Fb');
    // @ts-expect-error: the contract says leadID is required
    await expect(api.get('/api/v1/leads/{leadID}', { path: {} })).rejects.toThrow(/needs the path parameter leadID/);
  });

  it('throws a typed ApiError with the detail and the errors per field', async () => {
    const f = fakeFetch(problem(400, 'The lead is invalid.', { email: 'must be an e-mail address' }));
    const err = await client(f.fn)
      .post('/api/v1/leads', { body: { name: 'Ada', email: 'nope' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    expect(e.status).toBe(400);
    expect(e.detail).toBe('The lead is invalid.');
    expect(e.fields).toEqual({ email: 'must be an e-mail address' });
    expect(e.problem.trace_id).toBe('abc');
  });

  it('turns an answer that is no problem document into an ApiError too', async () => {
    const f = fakeFetch(new Response('<html>bad gateway</html>', { status: 500, headers: { 'Content-Type': 'text/html' } }));
    const e = (await client(f.fn).get('/api/v1/me').catch((x: unknown) => x)) as ApiError;
    expect(e.status).toBe(500);
    expect(e.detail).toMatch(/on our side/);
  });

  it('answers a 204 with undefined data', async () => {
    const f = fakeFetch(new Response(null, { status: 204 }));
    const { data, status } = await client(f.fn).post('/api/v1/auth/logout');
    expect(data).toBeUndefined();
    expect(status).toBe(204);
  });
});

describe('api client: Idempotency-Key', () => {
  it('sends one on the operations the contract marks retryable, none elsewhere', async () => {
    const f = fakeFetch(json(201, { data: { id: 'l1' }, error: null, meta: {} }), envelope({ user: {}, session: null }));
    const api = client(f.fn);
    await api.post('/api/v1/leads', { body: { name: 'Ada' } });
    expect(f.calls[0]!.headers['Idempotency-Key']).toBe('key-1');
    expect(f.calls[0]!.headers['Content-Type']).toBe('application/json');
    expect(f.calls[0]!.body).toEqual({ name: 'Ada' });
    await api.post('/api/v1/auth/login', { body: { email: 'a@b.c', password: 'x' } });
    expect(f.calls[1]!.headers).not.toHaveProperty('Idempotency-Key');
  });

  it("uses the caller's key for a user action, and the same key when the network fails and it retries", async () => {
    const f = fakeFetch(new TypeError('offline'), json(201, { data: { id: 'l1' }, error: null, meta: {} }));
    await client(f.fn).post('/api/v1/leads', { body: { name: 'Ada' }, idempotencyKey: 'action-7' });
    expect(f.calls.map((c) => c.headers['Idempotency-Key'])).toEqual(['action-7', 'action-7']);
  });

  it('does not repeat a mutation without a key', async () => {
    const f = fakeFetch(new TypeError('offline'));
    const e = (await client(f.fn).post('/api/v1/auth/login', { body: { email: 'ada@example.com', password: 'x' } }).catch((x: unknown) => x)) as ApiError;
    expect(f.calls).toHaveLength(1);
    expect(e.network).toBe(true);
  });
});

describe('api client: retries of GETs', () => {
  it('retries a GET on a 503 with backoff, then succeeds', async () => {
    const sleeps: number[] = [];
    const f = fakeFetch(problem(503, 'busy'), envelope({ ok: 1 }));
    const { data } = await client(f.fn, { sleep: async (ms) => void sleeps.push(ms), backoff: [10, 20] }).get('/api/v1/brief');
    expect(data).toEqual({ ok: 1 });
    expect(sleeps).toEqual([10]);
  });

  it('gives up after the backoff runs out, with the last problem', async () => {
    const f = fakeFetch(problem(503, 'busy'), problem(503, 'busy'), problem(503, 'still busy'));
    const e = (await client(f.fn, { backoff: [1, 1] }).get('/api/v1/brief').catch((x: unknown) => x)) as ApiError;
    expect(f.calls).toHaveLength(3);
    expect(e.detail).toBe('still busy');
  });
});

describe('api client: the session', () => {
  it('on a 401 refreshes once and retries the call', async () => {
    const f = fakeFetch(problem(401, 'expired'), json(200, sessionBody('2030-01-01T00:00:00Z')), envelope({ id: 'l1' }));
    const storage = memoryStorage();
    const { data } = await client(f.fn, { storage }).get('/api/v1/leads/{leadID}', { path: { leadID: 'l1' } });
    expect(data).toEqual({ id: 'l1' });
    expect(f.calls.map((c) => `${c.method} ${c.url}`)).toEqual(['GET /api/v1/leads/l1', 'POST /api/v1/auth/refresh', 'GET /api/v1/leads/l1']);
    expect(f.calls[1]!.credentials).toBe('same-origin');
    expect(storage.getItem(EXPIRES_KEY)).toBe('2030-01-01T00:00:00Z');
  });

  it('signs out when the refresh is refused, and throws the 401', async () => {
    const onSignedOut = vi.fn();
    const storage = memoryStorage();
    storage.setItem(EXPIRES_KEY, '2020-01-01T00:00:00Z');
    const f = fakeFetch(problem(401, 'expired'), problem(401, 'refresh token revoked'));
    const e = (await client(f.fn, { onSignedOut, storage }).get('/api/v1/me').catch((x: unknown) => x)) as ApiError;
    expect(e.status).toBe(401);
    expect(onSignedOut).toHaveBeenCalledOnce();
    expect(storage.getItem(EXPIRES_KEY)).toBeNull();
  });

  it('keeps the session when the refresh fails on the server side', async () => {
    const onSignedOut = vi.fn();
    const f = fakeFetch(problem(401, 'expired'), problem(503, 'down'));
    const e = (await client(f.fn, { onSignedOut }).get('/api/v1/me').catch((x: unknown) => x)) as ApiError;
    expect(e.status).toBe(401);
    expect(onSignedOut).not.toHaveBeenCalled();
  });

  it('retries only once: a second 401 is the answer', async () => {
    const f = fakeFetch(problem(401, 'a'), json(200, sessionBody('2030-01-01T00:00:00Z')), problem(401, 'b'));
    const e = (await client(f.fn).get('/api/v1/me').catch((x: unknown) => x)) as ApiError;
    expect(e.detail).toBe('b');
    expect(f.calls).toHaveLength(3);
  });

  it('shares one refresh between calls that fail together', async () => {
    let refreshes = 0;
    const route = (c: Call) => {
      if (c.url === '/api/v1/auth/refresh') {
        refreshes++;
        return json(200, sessionBody('2030-01-01T00:00:00Z'));
      }
      return refreshes ? envelope({ url: c.url }) : problem(401, 'expired');
    };
    const f = fakeFetch(route, route, route, route, route);
    const api = client(f.fn);
    const [a, b] = await Promise.all([api.get('/api/v1/me'), api.get('/api/v1/orgs')]);
    expect([a.data, b.data]).toEqual([{ url: '/api/v1/me' }, { url: '/api/v1/orgs' }]);
    expect(refreshes).toBe(1);
  });

  it('does not refresh on a 401 of the auth calls themselves', async () => {
    const f = fakeFetch(problem(401, 'Wrong e-mail or password.'));
    const e = (await client(f.fn).post('/api/v1/auth/login', { body: { email: 'a@b.c', password: 'x' } }).catch((x: unknown) => x)) as ApiError;
    expect(e.detail).toBe('Wrong e-mail or password.');
    expect(f.calls).toHaveLength(1);
  });

  it('refreshes ahead of the expiry the login answer gave', async () => {
    vi.useFakeTimers();
    try {
      const t0 = Date.parse('2025-06-01T12:00:00Z');
      vi.setSystemTime(t0);
      const f = fakeFetch(json(200, sessionBody('2025-06-01T12:30:00Z')));
      const api = client(f.fn, { now: () => Date.now() });
      api.noteSession({ expires_at: '2025-06-01T12:15:00Z' }); // 15 minutes
      vi.advanceTimersByTime(13 * 60_000 + 59_000);
      expect(f.calls).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(1_000); // a minute before expiry
      expect(f.calls.map((c) => c.url)).toEqual(['/api/v1/auth/refresh']);
      api.forget();
    } finally {
      vi.useRealTimers();
    }
  });

  it('uses the refresh another tab made while this one waited for the lock', async () => {
    const storage = memoryStorage();
    storage.setItem(EXPIRES_KEY, '2020-01-01T00:00:00Z');
    // The lock is held by "another tab", which refreshes before letting go.
    const lock = async <T,>(_: string, fn: () => Promise<T>) => {
      storage.setItem(EXPIRES_KEY, '2999-01-01T00:00:00Z');
      return fn();
    };
    const f = fakeFetch(problem(401, 'expired'), envelope({ ok: true }));
    const { data } = await client(f.fn, { storage, lock }).get('/api/v1/me');
    expect(data).toEqual({ ok: true });
    expect(f.calls.map((c) => c.url)).toEqual(['/api/v1/me', '/api/v1/me']); // no refresh of its own
  });
});

describe('api client: types from the contract', () => {
  it('types paths, parameters, bodies and data by contracts/openapi.yaml', () => {
    const api = client(fakeFetch().fn);
    const me = () => api.get('/api/v1/me');
    expectTypeOf<Awaited<ReturnType<typeof me>>['data']>().toEqualTypeOf<{ user?: User; orgs?: Org[] }>();
    const orgs = () => api.get('/api/v1/orgs', { query: { limit: 10 } });
    expectTypeOf<Awaited<ReturnType<typeof orgs>>['data']>().toEqualTypeOf<Org[]>();
    // @ts-expect-error: not a path of the contract
    void (() => api.get('/api/v1/nope'));
    // @ts-expect-error: createLead takes a body
    void (() => api.post('/api/v1/leads'));
    // @ts-expect-error: limit is a number
    void (() => api.get('/api/v1/orgs', { query: { limit: 'ten' } }));
  });
});
