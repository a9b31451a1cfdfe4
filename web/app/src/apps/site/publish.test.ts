import { describe, expect, it } from 'vitest';
import {
  initialPublish,
  isWatching,
  MAX_POLL_ERRORS,
  pollDelay,
  publishHeadline,
  publishReducer,
  stepStates,
  type PublishEvent,
  type PublishState,
  type Release,
} from './publish';

const release = (status: Release['status'], extra: Partial<Release> = {}): Release => ({
  id: 'r2',
  site_id: 's1',
  number: 2,
  status,
  live: status === 'live',
  trigger: 'publish',
  author: 'user:u1',
  pages: [],
  changes: [],
  media: [],
  files: 0,
  bytes: 0,
  base_release_id: null,
  workflow_id: 'site-publish/s1',
  run_id: 'run',
  failure: null,
  attempts: 1,
  created_at: '2026-12-04T10:00:00Z',
  rendered_at: null,
  uploaded_at: null,
  activated_at: null,
  updated_at: '2026-12-04T10:00:00Z',
  ...extra,
});

const run = (events: PublishEvent[], from: PublishState = initialPublish) => events.reduce(publishReducer, from);
const started = (queued = false) =>
  ({ type: 'accepted', started: { workflow_id: 'w', run_id: 'r', release_id: 'r2', queued, status_url: '/x', ...(queued ? { queued_behind: 'r1' } : {}) } }) as const;
const marks = (s: PublishState) => stepStates(s).map((x) => x.state);

describe('the publish progress', () => {
  it('goes snapshot → rendered → uploaded → live', () => {
    let s = run([{ type: 'start' }]);
    expect(s.phase).toBe('starting');
    s = publishReducer(s, started());
    expect(s).toMatchObject({ phase: 'waiting', releaseId: 'r2', queuedBehind: null });
    expect(isWatching(s)).toBe(true);
    expect(marks(s)).toEqual(['current', 'todo', 'todo', 'todo']);
    s = publishReducer(s, { type: 'not-yet' });
    expect(s.phase).toBe('waiting');
    s = publishReducer(s, { type: 'polled', release: release('snapshot') });
    expect(marks(s)).toEqual(['done', 'current', 'todo', 'todo']);
    s = publishReducer(s, { type: 'polled', release: release('rendered') });
    expect(marks(s)).toEqual(['done', 'done', 'current', 'todo']);
    expect(publishHeadline(s)).toBe('Publishing release #2: storing the files…');
    s = publishReducer(s, { type: 'polled', release: release('uploaded') });
    expect(marks(s)).toEqual(['done', 'done', 'done', 'current']);
    s = publishReducer(s, { type: 'polled', release: release('live') });
    expect(s.phase).toBe('live');
    expect(isWatching(s)).toBe(false);
    expect(marks(s)).toEqual(['done', 'done', 'done', 'done']);
    expect(publishHeadline(s)).toBe('Release #2 is live.');
    expect(publishReducer(s, { type: 'dismiss' })).toEqual({ phase: 'idle' });
  });

  it('says what it is queued behind, and polls slower meanwhile', () => {
    const s = run([{ type: 'start' }, started(true)]);
    expect(s).toMatchObject({ phase: 'waiting', queuedBehind: 'r1' });
    expect(publishHeadline(s, 1)).toBe('Queued behind release #1, which is being published');
    expect(publishHeadline(s)).toBe('Queued behind a publish that is running');
    expect(pollDelay(s)).toBeGreaterThan(pollDelay(run([{ type: 'start' }, started(false)])));
  });

  it('fails at the step after the last one reached, with the reason', () => {
    const s = run([{ type: 'start' }, started(), { type: 'polled', release: release('failed', { rendered_at: '2026-12-04T10:00:01Z', failure: 'storage unreachable' }) }]);
    expect(s).toMatchObject({ phase: 'failed', reason: 'storage unreachable' });
    expect(marks(s)).toEqual(['done', 'done', 'failed', 'todo']);
    expect(publishHeadline(s)).toBe('Release #2 failed: storage unreachable');
  });

  it('shows a refused publish (no pages) without steps to follow', () => {
    const s = run([{ type: 'start' }, { type: 'refused', reason: 'This site has no pages yet.' }]);
    expect(s).toEqual({ phase: 'failed', releaseId: null, reason: 'This site has no pages yet.' });
  });

  it('bears a few failed polls, then gives up watching', () => {
    let s = run([{ type: 'start' }, started(), { type: 'polled', release: release('rendered') }]);
    for (let i = 1; i < MAX_POLL_ERRORS; i++) {
      s = publishReducer(s, { type: 'poll-failed', reason: 'offline' });
      expect(s.phase).toBe('running');
    }
    expect(pollDelay(s)).toBeGreaterThan(700);
    s = publishReducer(s, { type: 'polled', release: release('rendered') });
    expect(s).toMatchObject({ phase: 'running', pollErrors: 0 });
    for (let i = 0; i < MAX_POLL_ERRORS; i++) s = publishReducer(s, { type: 'poll-failed', reason: 'offline' });
    expect(s.phase).toBe('failed');
    expect(publishHeadline(s)).toContain('We lost track of this publish');
  });

  it('ignores a second click while a publish runs, and answers about another release', () => {
    const s = run([{ type: 'start' }, started()]);
    expect(publishReducer(s, { type: 'start' })).toBe(s);
    expect(publishReducer(s, { type: 'polled', release: release('live', { id: 'other' }) })).toBe(s);
  });

  it('follows a publish found running when the page opened, and not a finished one', () => {
    expect(publishReducer(initialPublish, { type: 'resume', release: release('rendered') })).toMatchObject({ phase: 'running', releaseId: 'r2' });
    expect(publishReducer(initialPublish, { type: 'resume', release: release('live') })).toBe(initialPublish);
  });

  it('counts a release retired before it was seen live as having gone live', () => {
    const s = run([{ type: 'start' }, started(), { type: 'polled', release: release('retired') }]);
    expect(s.phase).toBe('live');
    expect(publishHeadline(s)).toContain('a newer release has replaced it');
  });
});
