import { afterEach, describe, expect, it, vi } from 'vitest';
import { proposeBody, proposer } from './propose';

const json = (status: number, body: unknown, type = 'application/json') => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': type } });
const problem = (status: number, detail: string) => json(status, { type: 'about:blank', title: 'x', status, detail, trace_id: 't' }, 'application/problem+json');
const proposal = { id: 'p1', section: 'identity', kind: 'suggestion', status: 'pending', fields: {} };

/** A fetch that answers in turn, and the Idempotency-Key of each call. */
function serve(...answers: Array<() => Response>) {
  const keys: string[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (_url: string, init: RequestInit) => {
      keys.push((init.headers as Record<string, string>)['Idempotency-Key']!);
      return answers.shift()!();
    }),
  );
  return keys;
}

describe('asking the co-pilot to propose', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('sends the instruction trimmed, and none when empty', () => {
    expect(proposeBody('  Shorter \n')).toEqual({ instruction: 'Shorter' });
    expect(proposeBody('   ')).toBeUndefined();
    expect(proposeBody('')).toBeUndefined();
  });

  it('answers a proposal, new (201) or already pending (200), and a 409 as nothing new', async () => {
    serve(
      () => json(201, { data: proposal, error: null, meta: {} }),
      () => json(200, { data: proposal, error: null, meta: {} }),
      () => problem(409, 'Nothing new to propose for this section'),
    );
    const propose = proposer();
    expect(await propose('identity', '')).toEqual({ kind: 'proposed', proposal, existing: false });
    expect(await propose('identity', '')).toEqual({ kind: 'proposed', proposal, existing: true });
    expect(await propose('identity', '')).toEqual({ kind: 'nothing', detail: 'Nothing new to propose for this section' });
  });

  it('keeps the key for a try again after a server error only, with the same words', async () => {
    const keys = serve(
      () => problem(500, 'Something went wrong on our side.'), // released by the server: try again with the key
      () => problem(404, 'No Brief yet.'), // stored under the key: the next asking is a new one
      () => problem(409, 'Nothing new to propose for this section'),
      () => problem(500, 'Something went wrong on our side.'),
      () => json(201, { data: proposal, error: null, meta: {} }), // other words: another request
      () => json(201, { data: proposal, error: null, meta: {} }),
    );
    const propose = proposer();
    await expect(propose('identity', 'Shorter')).rejects.toMatchObject({ status: 500 });
    await expect(propose('identity', ' Shorter ')).rejects.toMatchObject({ status: 404 });
    expect(await propose('identity', 'Shorter')).toMatchObject({ kind: 'nothing' });
    await expect(propose('identity', 'Shorter')).rejects.toMatchObject({ status: 500 });
    expect(await propose('identity', 'Longer')).toMatchObject({ kind: 'proposed' });
    expect(await propose('identity', 'Longer')).toMatchObject({ kind: 'proposed' });
    expect(keys[1]).toBe(keys[0]);
    expect(new Set([keys[1], keys[2], keys[3], keys[4], keys[5]]).size).toBe(5);
  });
});
