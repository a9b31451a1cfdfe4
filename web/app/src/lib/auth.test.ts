import { afterEach, describe, expect, it, vi } from 'vitest';
import { createClient } from './api';
import { loadSession, logIn, logOut, signUp } from './auth';
import { $org, $orgs, $session } from './stores';

const ok = (data: unknown, status = 200, meta = {}) =>
  new Response(JSON.stringify({ data, error: null, meta }), { status, headers: { 'Content-Type': 'application/json' } });
const problem = (status: number, detail: string) =>
  new Response(JSON.stringify({ type: 'x', title: 'T', status, detail, trace_id: '' }), {
    status,
    headers: { 'Content-Type': 'application/problem+json' },
  });

const user = { id: 'u1', email: 'ada@example.com' };
const org = (id: string) => ({ id, name: id.toUpperCase(), role: 'owner', created_at: '2025-01-01T00:00:00Z' });
const session = { access_token: 't', token_type: 'bearer', expires_in: 900, expires_at: '2999-01-01T00:00:00Z', refresh_token: 'r' };

/** A client whose fetch answers by "METHOD path". */
function clientFor(routes: Record<string, (url: string) => Response>) {
  const seen: string[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = String(input);
    const key = `${init.method ?? 'GET'} ${url.split('?')[0]}`;
    seen.push(`${init.method ?? 'GET'} ${url}`);
    const route = routes[key];
    if (!route) throw new Error(`unexpected ${key}`);
    return route(url);
  });
  const storage = new Map<string, string>();
  const client = createClient({
    fetch: fetch as unknown as typeof globalThis.fetch,
    sleep: async () => {},
    org: () => $org.get(),
    storage: { getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => void storage.set(k, v), removeItem: (k) => void storage.delete(k) },
  });
  return { client, seen };
}

afterEach(() => {
  $session.set({ status: 'unknown' });
  $orgs.set([]);
  $org.set(null);
});

describe('loadSession', () => {
  it('sets the user, every page of orgs, and keeps the stored org', async () => {
    $org.set('b');
    const { client, seen } = clientFor({
      'GET /api/v1/me': () => ok({ user, orgs: [] }),
      'GET /api/v1/orgs': (url) => (url.includes('cursor=') ? ok([org('b')]) : ok([org('a')], 200, { next_cursor: 'p2' })),
    });
    await loadSession(client);
    expect($session.get()).toEqual({ status: 'signed-in', user });
    expect($orgs.get().map((o) => o.id)).toEqual(['a', 'b']);
    expect($org.get()).toBe('b');
    expect(seen).toContain('GET /api/v1/orgs?limit=200&cursor=p2');
  });

  it('picks the first org when the stored one is not theirs', async () => {
    $org.set('someone-elses');
    const { client } = clientFor({ 'GET /api/v1/me': () => ok({ user }), 'GET /api/v1/orgs': () => ok([org('a')]) });
    await loadSession(client);
    expect($org.get()).toBe('a');
  });

  it('is signed out on a 401 that a refresh cannot fix', async () => {
    const { client } = clientFor({
      'GET /api/v1/me': () => problem(401, 'Sign in first'),
      'GET /api/v1/orgs': () => problem(401, 'Sign in first'),
      'POST /api/v1/auth/refresh': () => problem(401, 'no refresh token'),
    });
    await loadSession(client);
    expect($session.get().status).toBe('signed-out');
  });

  it('throws other failures, for the frame to show with a retry', async () => {
    const { client } = clientFor({ 'GET /api/v1/me': () => problem(500, 'boom'), 'GET /api/v1/orgs': () => ok([]) });
    await expect(loadSession(client)).rejects.toThrow('boom');
    expect($session.get().status).toBe('unknown');
  });
});

describe('logIn, signUp, logOut', () => {
  it('logIn posts the credentials, then loads the session', async () => {
    const { client, seen } = clientFor({
      'POST /api/v1/auth/login': () => ok({ user, session }),
      'GET /api/v1/me': () => ok({ user }),
      'GET /api/v1/orgs': () => ok([org('a')]),
    });
    await logIn('ada@example.com', 'correct horse', client);
    expect(seen[0]).toBe('POST /api/v1/auth/login');
    expect($session.get().status).toBe('signed-in');
  });

  it('signUp acts in the new org', async () => {
    const { client } = clientFor({
      'POST /api/v1/auth/signup': () => ok({ user, org: org('new'), session, confirmation_required: false }, 201),
      'GET /api/v1/me': () => ok({ user }),
      'GET /api/v1/orgs': () => ok([org('old'), org('new')]),
    });
    expect(await signUp({ email: 'ada@example.com', password: 'correct horse' }, client)).toBe('signed-in');
    expect($org.get()).toBe('new');
  });

  it('signUp reports when the provider wants the address confirmed first', async () => {
    const { client } = clientFor({
      'POST /api/v1/auth/signup': () => ok({ user, org: org('new'), session: null, confirmation_required: true }, 201),
    });
    expect(await signUp({ email: 'ada@example.com', password: 'correct horse' }, client)).toBe('confirm');
    expect($session.get().status).toBe('unknown');
  });

  it('logOut signs the shell out, even when the session had already ended', async () => {
    $session.set({ status: 'signed-in', user });
    const { client } = clientFor({ 'POST /api/v1/auth/logout': () => problem(401, 'Sign in first') });
    await logOut(client);
    expect($session.get()).toEqual({ status: 'signed-out' });
  });
});
