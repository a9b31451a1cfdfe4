// Tests only: a fake API on the global fetch. Routes "METHOD /path" (the
// query left out) to handlers; a list of handlers is answered in order.
// Every call is recorded, its JSON body parsed.
import { vi } from 'vitest';

export interface Call {
  method: string;
  url: string;
  headers: Record<string, string>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body?: any;
}
export type Handler = (c: Call) => Response | Promise<Response>;

export const ok = (data: unknown, status = 200) =>
  new Response(JSON.stringify({ data, error: null, meta: {} }), { status, headers: { 'Content-Type': 'application/json' } });
export const problem = (status: number, detail: string) =>
  new Response(JSON.stringify({ type: 'about:blank', title: 'x', status, detail, trace_id: 't' }), {
    status,
    headers: { 'Content-Type': 'application/problem+json' },
  });

/**
 * fakeApi stubs fetch with routes and returns the calls made. A call no
 * route answers throws; so does one past the end of a list, unless
 * repeatLast keeps answering with its last handler.
 */
export function fakeApi(routes: Record<string, Handler | Handler[]>, { repeatLast = false } = {}): Call[] {
  const calls: Call[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: string, init: RequestInit = {}) => {
      const call: Call = {
        method: init.method ?? 'GET',
        url: String(input),
        headers: (init.headers ?? {}) as Record<string, string>,
        body: init.body ? JSON.parse(String(init.body)) : undefined,
      };
      calls.push(call);
      const key = `${call.method} ${call.url.split('?')[0]}`;
      const r = routes[key];
      const h = Array.isArray(r) ? (repeatLast && r.length === 1 ? r[0] : r.shift()) : r;
      if (!h) throw new Error(`unexpected ${key}`);
      return h(call);
    }),
  );
  return calls;
}
