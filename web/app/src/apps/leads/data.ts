// The leads app's calls to the API (contracts/openapi.yaml, tag leads).
import { api, type ResponseData } from '../../lib/api';
import { filterQuery, type Filters, type Lead, type LeadInput, type LeadStatus } from './model';
import type { Money } from './format';

/** A column's page size. */
export const PAGE = 50;

export type Activity = NonNullable<ResponseData<'/api/v1/leads/{leadID}/activities', 'get'>>[number];
export type FollowUps = NonNullable<ResponseData<'/api/v1/leads/{leadID}/followups', 'get'>>;

export async function listColumn(status: LeadStatus, filters: Filters, cursor: string | null, signal?: AbortSignal) {
  const { data, meta } = await api.get('/api/v1/leads', {
    query: { status, limit: PAGE, ...(cursor ? { cursor } : {}), ...filterQuery(filters) },
    signal,
  });
  return { leads: data ?? [], cursor: meta.next_cursor || null };
}

export async function summary(filters: Filters, signal?: AbortSignal) {
  const { data } = await api.get('/api/v1/leads/summary', { query: filterQuery(filters), signal });
  return (data ?? []).map((c) => ({ status: c.status, leads: c.leads, value: c.value as Money[] }));
}

export async function getLead(id: string, signal?: AbortSignal): Promise<Lead> {
  const { data } = await api.get('/api/v1/leads/{leadID}', { path: { leadID: id }, signal });
  return data;
}

export interface StatusChange {
  status: LeadStatus;
  version?: number;
  note?: string;
  lostReason?: string;
}

export async function setStatus(id: string, c: StatusChange, idempotencyKey?: string): Promise<Lead> {
  const note = c.note?.trim();
  const reason = c.lostReason?.trim();
  const { data } = await api.post('/api/v1/leads/{leadID}/status', {
    path: { leadID: id },
    body: {
      status: c.status,
      ...(c.version ? { version: c.version } : {}),
      ...(note ? { note } : {}),
      ...(c.status === 'lost' && reason ? { lost_reason: reason } : {}),
    },
    idempotencyKey,
  });
  return data;
}

export async function createLead(input: LeadInput, idempotencyKey: string): Promise<Lead> {
  const { data } = await api.post('/api/v1/leads', { body: input, idempotencyKey });
  return data;
}

export async function updateLead(id: string, input: LeadInput, version: number, idempotencyKey?: string): Promise<Lead> {
  const { data } = await api.put('/api/v1/leads/{leadID}', { path: { leadID: id }, body: { ...input, version }, idempotencyKey });
  return data;
}

export async function activities(id: string, cursor: string | null, signal?: AbortSignal) {
  const { data, meta } = await api.get('/api/v1/leads/{leadID}/activities', {
    path: { leadID: id },
    query: { limit: 100, ...(cursor ? { cursor } : {}) },
    signal,
  });
  return { items: data ?? [], cursor: meta.next_cursor || null };
}

export async function followUps(id: string, signal?: AbortSignal): Promise<FollowUps> {
  const { data } = await api.get('/api/v1/leads/{leadID}/followups', { path: { leadID: id }, signal });
  return data ?? {};
}

export async function snooze(id: string, until: Date, idempotencyKey?: string): Promise<void> {
  await api.post('/api/v1/leads/{leadID}/followups/snooze', { path: { leadID: id }, body: { until: until.toISOString() }, idempotencyKey });
}
