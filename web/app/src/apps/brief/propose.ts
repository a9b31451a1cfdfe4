// Asking the co-pilot to propose a section from the owner's words
// (POST /brief/sections/{sectionId}/propose): the engine reads the
// conversation again and makes a pending proposal, or says there is
// nothing new for the section.
import { api, ApiError } from '../../lib/api';
import type { SectionId } from './edit';
import type { Proposal } from './Proposals';

export type ProposeResult =
  /** A proposal to review: a new one, or (existing) an identical one already pending. */
  | { kind: 'proposed'; proposal: Proposal; existing: boolean }
  /** 409: the owner's words hold nothing new for the section; detail says so. */
  | { kind: 'nothing'; detail: string };

export type Proposed = Extract<ProposeResult, { kind: 'proposed' }>;

/** The body of the call: the instruction trimmed, none when empty. */
export function proposeBody(instruction: string): { instruction: string } | undefined {
  const text = instruction.trim();
  return text ? { instruction: text } : undefined;
}

/**
 * proposer returns the owner's "propose" action. Its Idempotency-Key is one
 * per asking: kept for a "Try again" with the same words after a failure the
 * server does not keep (the network, a 5xx such as the engine being
 * unavailable: the key is free again), and new after an answer the server
 * keeps for 24 hours under its key (a proposal, the 409 "nothing new", a
 * 404) or when the words change: asking again later must reach the engine.
 * Anything but the 409 that fails is thrown (an ApiError).
 */
export function proposer(): (section: SectionId, instruction: string) => Promise<ProposeResult> {
  let last: { key: string; instruction: string } | null = null;
  return async (section, instruction) => {
    const body = proposeBody(instruction);
    const text = body?.instruction ?? '';
    if (!last || last.instruction !== text) last = { key: api.newActionKey(), instruction: text };
    try {
      const { data, status } = await api.post('/api/v1/brief/sections/{sectionId}/propose', {
        path: { sectionId: section },
        body,
        idempotencyKey: last.key,
      });
      last = null;
      return { kind: 'proposed', proposal: data as Proposal, existing: status === 200 };
    } catch (e) {
      const retryable = e instanceof ApiError && (e.status === 0 || e.status >= 500);
      if (!retryable) last = null;
      if (e instanceof ApiError && e.status === 409) return { kind: 'nothing', detail: e.detail };
      throw e;
    }
  };
}
