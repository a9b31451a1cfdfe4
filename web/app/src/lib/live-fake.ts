// Tests only: stands in for the shell's event stream. It spies on
// live.onEvent, keeps what subscribes, and emits events on demand.
import { vi } from 'vitest';
import type { SystemEvent } from '../generated/events';
import { live, matches, type Live } from './live';

export function fakeStream() {
  const handlers = new Set<{ pattern: string; fn: (e: SystemEvent) => void }>();
  const onEvent = vi.spyOn(live, 'onEvent').mockImplementation(((pattern: string, fn: (e: SystemEvent) => void) => {
    const h = { pattern, fn };
    handlers.add(h);
    return () => void handlers.delete(h);
  }) as Live['onEvent']);
  const emit = (type: string) => {
    for (const h of [...handlers]) if (matches(h.pattern, type)) h.fn({ type, org_id: 'org-1' } as SystemEvent);
  };
  return { handlers, onEvent, emit };
}
