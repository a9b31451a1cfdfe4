import { afterEach, describe, expect, it, vi } from 'vitest';
import { $currentOrg, $org, $orgs, $session, $toasts, $user, chooseOrg, dismissToast, ORG_KEY, pushToast } from './stores';
import type { Org } from './types';

const org = (id: string, name = id): Org => ({ id, name, role: 'owner', created_at: '2025-01-01T00:00:00Z' });

afterEach(() => {
  $session.set({ status: 'unknown' });
  $orgs.set([]);
  $org.set(null);
  for (const t of $toasts.get()) dismissToast(t.id);
  vi.useRealTimers();
});

describe('$session', () => {
  it('starts unknown; $user follows it', () => {
    expect($session.get()).toEqual({ status: 'unknown' });
    expect($user.get()).toBeNull();
    $session.set({ status: 'signed-in', user: { id: 'u1', email: 'ada@example.com' } });
    expect($user.get()).toEqual({ id: 'u1', email: 'ada@example.com' });
    $session.set({ status: 'signed-out' });
    expect($user.get()).toBeNull();
  });
});

describe('$org', () => {
  it('persists the current org in localStorage', () => {
    $org.set('org-a');
    expect(localStorage.getItem(ORG_KEY)).toBe('org-a');
    $org.set(null);
    expect(localStorage.getItem(ORG_KEY)).toBeNull();
  });

  it('$currentOrg is the org of $org among $orgs', () => {
    $orgs.set([org('a', 'Acme'), org('b', 'Bolt')]);
    $org.set('b');
    expect($currentOrg.get()?.name).toBe('Bolt');
    $org.set('gone');
    expect($currentOrg.get()).toBeNull();
  });

  it('chooseOrg keeps a stored org the user still belongs to, else the first', () => {
    const orgs = [org('a'), org('b')];
    expect(chooseOrg(orgs, 'b')).toBe('b');
    expect(chooseOrg(orgs, 'left-it')).toBe('a');
    expect(chooseOrg(orgs, null)).toBe('a');
    expect(chooseOrg([], 'a')).toBeNull();
  });
});

describe('$toasts', () => {
  it('pushes and dismisses', () => {
    const a = pushToast('Saved.', { tone: 'success' });
    const b = pushToast('Heads up.');
    expect($toasts.get().map((t) => [t.message, t.tone])).toEqual([
      ['Saved.', 'success'],
      ['Heads up.', 'info'],
    ]);
    dismissToast(a);
    expect($toasts.get().map((t) => t.id)).toEqual([b]);
    dismissToast(a); // twice is fine
    expect($toasts.get()).toHaveLength(1);
  });

  it('goes by itself after its timeout, unless the timeout is 0', () => {
    vi.useFakeTimers();
    pushToast('brief');
    pushToast('sticky', { timeout: 0 });
    vi.advanceTimersByTime(6000);
    expect($toasts.get().map((t) => t.message)).toEqual(['sticky']);
  });
});
