import { describe, expect, it } from 'vitest';
import {
  currentQuestion,
  factsOf,
  failedTurn,
  forming,
  inFlight,
  initialState,
  reducer,
  splitReply,
  turnsOf,
  type Action,
  type Reply,
  type State,
} from './conversation';
import type { SectionSpec } from '../brief/vocab';

const reply = (cid: string, over: Partial<Reply> = {}): Reply => ({
  message_id: `m-${cid}`,
  client_message_id: cid,
  turn: 1,
  understood: [],
  missing: [],
  next_question: 'Where is your business based?',
  text: 'Thanks. Where is your business based?',
  ...over,
});

const run = (actions: Action[], from: State = initialState) => actions.reduce(reducer, from);

describe('the message send state machine', () => {
  it('shows a sent message at once, as sending, and waits for its reply', () => {
    const s = run([{ type: 'send', cid: 'c1', text: '  We bake bread.  ', kind: 'text' }]);
    expect(s.turns).toEqual([{ cid: 'c1', text: 'We bake bread.', kind: 'text', status: 'sending', attempts: 1 }]);
    expect(inFlight(s)).toBe(true);
  });

  it('sending → replied', () => {
    const r = reply('c1', { missing: [{ section: 'identity', field: 'location', question: 'Where?' }] });
    const s = run([
      { type: 'send', cid: 'c1', text: 'We bake bread.', kind: 'text' },
      { type: 'replied', cid: 'c1', reply: r },
    ]);
    expect(s.turns[0]).toMatchObject({ cid: 'c1', status: 'replied', reply: r });
    expect(s.missing).toEqual(r.missing);
    expect(s.missingKnown).toBe(true);
    expect(inFlight(s)).toBe(false);
  });

  it('sending → failed → retry keeps the client_message_id, then replied', () => {
    let s = run([
      { type: 'send', cid: 'c1', text: 'Hello', kind: 'voice_transcript' },
      { type: 'failed', cid: 'c1', error: "We couldn't reach Xentri." },
    ]);
    expect(s.turns[0]).toMatchObject({ cid: 'c1', status: 'failed', error: "We couldn't reach Xentri.", kind: 'voice_transcript' });
    expect(failedTurn(s)?.cid).toBe('c1');
    expect(inFlight(s)).toBe(false);

    s = reducer(s, { type: 'retry', cid: 'c1' });
    expect(s.turns).toHaveLength(1);
    expect(s.turns[0]).toMatchObject({ cid: 'c1', status: 'sending', attempts: 2, text: 'Hello' });
    expect(s.turns[0]!.error).toBeUndefined();

    s = reducer(s, { type: 'replied', cid: 'c1', reply: reply('c1') });
    expect(s.turns[0]).toMatchObject({ cid: 'c1', status: 'replied', attempts: 2 });
  });

  it('refuses a second message while one is in flight or one failed', () => {
    const sending = run([{ type: 'send', cid: 'c1', text: 'one', kind: 'text' }]);
    expect(reducer(sending, { type: 'send', cid: 'c2', text: 'two', kind: 'text' })).toBe(sending);
    const failed = reducer(sending, { type: 'failed', cid: 'c1', error: 'x' });
    expect(reducer(failed, { type: 'send', cid: 'c2', text: 'two', kind: 'text' })).toBe(failed);
  });

  it('ignores an empty message and a duplicate id', () => {
    expect(run([{ type: 'send', cid: 'c1', text: '   ', kind: 'text' }])).toBe(initialState);
    const s = run([
      { type: 'send', cid: 'c1', text: 'a', kind: 'text' },
      { type: 'replied', cid: 'c1', reply: reply('c1') },
    ]);
    expect(reducer(s, { type: 'send', cid: 'c1', text: 'b', kind: 'text' })).toBe(s);
  });

  it('a late failure does not undo a reply, and a retry only applies to a failed turn', () => {
    const replied = run([
      { type: 'send', cid: 'c1', text: 'a', kind: 'text' },
      { type: 'replied', cid: 'c1', reply: reply('c1') },
    ]);
    expect(reducer(replied, { type: 'failed', cid: 'c1', error: 'late' }).turns[0]!.status).toBe('replied');
    expect(reducer(replied, { type: 'retry', cid: 'c1' }).turns[0]!.status).toBe('replied');
  });

  it('discarding a failed turn frees the composer', () => {
    const s = run([
      { type: 'send', cid: 'c1', text: 'a', kind: 'text' },
      { type: 'failed', cid: 'c1', error: 'x' },
      { type: 'discard', cid: 'c1' },
    ]);
    expect(s.turns).toEqual([]);
    expect(failedTurn(s)).toBeUndefined();
  });
});

describe('the transcript and the replies', () => {
  it('turns a transcript into replied turns in order', () => {
    const turns = turnsOf([
      { id: 'm2', turn: 2, client_message_id: 'c2', kind: 'voice_transcript', text: 'two', reply: reply('c2') },
      { id: 'm1', turn: 1, client_message_id: 'c1', kind: 'text', text: 'one', reply: reply('c1') },
    ]);
    expect(turns.map((t) => [t.cid, t.kind, t.status])).toEqual([
      ['c1', 'text', 'replied'],
      ['c2', 'voice_transcript', 'replied'],
    ]);
  });

  it('splits the next question off the reply', () => {
    expect(splitReply(reply('c1'))).toEqual({ text: 'Thanks.', question: 'Where is your business based?' });
    expect(splitReply(reply('c1', { text: 'All done.', next_question: '' }))).toEqual({ text: 'All done.', question: '' });
  });

  it('keeps only the sources in the message the reply answers', () => {
    const facts = factsOf(
      reply('c1', {
        understood: [
          {
            section: 'identity',
            field: 'business_name',
            value: 'Café Rosé',
            sources: [
              { message_id: 'm-c1', start: 0, end: 9, quote: 'Café Rosé' },
              { message_id: 'other', start: 3, end: 4, quote: 'x' },
              { nonsense: true },
            ] as never,
          },
        ],
      }),
    );
    expect(facts).toEqual([{ section: 'identity', field: 'business_name', value: 'Café Rosé', sources: [{ message_id: 'm-c1', start: 0, end: 9, quote: 'Café Rosé' }] }]);
  });

  it('asks the last reply’s question, else the first missing field’s', () => {
    const s: State = { ...initialState, missing: [{ section: 'identity', field: 'business_name', question: 'What is it called?' }] };
    expect(currentQuestion(s)).toBe('What is it called?');
    expect(currentQuestion(run([{ type: 'send', cid: 'c1', text: 'a', kind: 'text' }, { type: 'replied', cid: 'c1', reply: reply('c1') }], s))).toBe(
      'Where is your business based?',
    );
  });
});

describe('the Brief, forming', () => {
  const specs: SectionSpec[] = [
    {
      id: 'identity',
      title: 'Identity',
      fields: [
        { id: 'business_name', title: 'Business name', kind: 'string' },
        { id: 'location', title: 'Location', kind: 'location' },
        { id: 'team_size', title: 'Team size', kind: 'integer' },
      ],
    },
    { id: 'offerings', title: 'Offerings', fields: [{ id: 'products', title: 'Products', kind: 'strings' }] },
  ];

  it('groups by section: heard (latest wins), missing with its question, known', () => {
    const s = run([
      { type: 'loaded', turns: [], missing: [] },
      { type: 'send', cid: 'c1', text: 'a', kind: 'text' },
      {
        type: 'replied',
        cid: 'c1',
        reply: reply('c1', {
          understood: [{ section: 'identity', field: 'business_name', value: 'Rosa', sources: [] }],
          missing: [{ section: 'identity', field: 'location', question: 'Where?' }],
        }),
      },
      { type: 'send', cid: 'c2', text: 'b', kind: 'text' },
      {
        type: 'replied',
        cid: 'c2',
        reply: reply('c2', {
          understood: [
            { section: 'identity', field: 'business_name', value: 'Café Rosé', sources: [] },
            { section: 'offerings', field: 'products', value: ['bread'], sources: [] },
          ],
          missing: [{ section: 'identity', field: 'location', question: 'Where?' }],
        }),
      },
    ]);
    const f = forming(s, specs);
    expect(f.sections.map((x) => x.id)).toEqual(['identity', 'offerings']);
    expect(f.sections[0]!.fields.map((x) => [x.field, x.status, x.value ?? x.question])).toEqual([
      ['business_name', 'heard', 'Café Rosé'],
      ['location', 'missing', 'Where?'],
      ['team_size', 'known', undefined],
    ]);
    expect(f.sections[0]!.fields[0]!.turn).toBe(2);
    expect(f.sections[1]!.fields[0]).toMatchObject({ status: 'heard', value: ['bread'] });
    expect([f.filled, f.total]).toEqual([3, 4]);
  });

  it('before the server says what is missing, nothing unheard counts as known', () => {
    const f = forming(initialState, specs);
    expect(f.sections.flatMap((x) => x.fields).every((x) => x.status === 'missing')).toBe(true);
    expect(f.filled).toBe(0);
  });

  it('without a schema, lists what was heard and what is missing', () => {
    const s = run([
      { type: 'send', cid: 'c1', text: 'a', kind: 'text' },
      {
        type: 'replied',
        cid: 'c1',
        reply: reply('c1', {
          understood: [{ section: 'contact', field: 'email', value: 'a@b.c', sources: [] }],
          missing: [{ section: 'contact', field: 'phone', question: 'Phone?' }],
        }),
      },
    ]);
    const f = forming(s, []);
    expect(f.sections).toHaveLength(1);
    expect(f.sections[0]!.fields.map((x) => [x.title, x.status])).toEqual([
      ['Email', 'heard'],
      ['Phone', 'missing'],
    ]);
  });
});
