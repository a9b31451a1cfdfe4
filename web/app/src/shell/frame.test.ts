import { afterEach, describe, expect, it } from 'vitest';
import { $session } from '../lib/stores';
import { guard, safeNext } from './frame';
import { matchRoute } from './router';
import { apps } from '../apps/registry';

const route = (path: string) => matchRoute(path, apps, ['/login', '/signup']);
const at = (path: string) => guard(route(new URL(path, 'http://x').pathname), new URL(path, 'http://x'));

afterEach(() => $session.set({ status: 'unknown' }));

describe('guard', () => {
  it('waits while the session is unknown', () => {
    expect(at('/leads')).toBeNull();
  });

  it('sends a signed-out visitor to log in, remembering where they were going', () => {
    $session.set({ status: 'signed-out' });
    expect(at('/leads/42?tab=notes')).toBe('/login?next=%2Fleads%2F42%3Ftab%3Dnotes');
    expect(at('/')).toBe('/login');
    expect(at('/login')).toBeNull();
    expect(at('/signup')).toBeNull();
  });

  it('sends a signed-in user from the auth views and "/" to where they were going, or the home app', () => {
    $session.set({ status: 'signed-in', user: { id: 'u', email: 'a@b.c' } });
    expect(at('/')).toBe('/co-pilot');
    expect(at('/login?next=%2Fleads%2F42')).toBe('/leads/42');
    expect(at('/login?next=https%3A%2F%2Fevil.example')).toBe('/co-pilot');
    expect(at('/signup')).toBe('/co-pilot');
    expect(at('/leads')).toBeNull();
  });
});

describe('safeNext', () => {
  it.each([
    ['/leads', '/leads'],
    ['//evil.example/x', null],
    ['https://evil.example', null],
    ['/login', null],
    [null, null],
  ])('%s -> %s', (next, want) => expect(safeNext(next)).toBe(want));
});
