// What a version changed (GET /brief/versions/{n}/diff), for people: the
// changes grouped by section in the Brief's order, each field's before and
// after as the items a person reads, and for a list the entries added,
// removed and kept.
import type { Schemas } from '../../lib/types';
import { findField, formatValue, sectionTitle, valueItems, type FieldKind, type SectionSpec } from './vocab';

export type BriefChange = Schemas['BriefChange'];

export interface DiffItem {
  text: string;
  state: 'added' | 'removed' | 'kept';
}

export interface DiffRow {
  section: string;
  field: string;
  title: string;
  op: 'added' | 'changed' | 'removed';
  kind: FieldKind;
  /** The value before and after, on one line each ('' when absent). */
  from: string;
  to: string;
  /** For a list: its entries, each added, removed or kept (after's order, then what was removed). */
  items?: DiffItem[];
}

export interface DiffGroup {
  section: string;
  title: string;
  rows: DiffRow[];
}

const LIST_KINDS: ReadonlySet<FieldKind> = new Set(['strings', 'integers', 'price_points']);

/** The entries of two lists, each added, removed or kept. */
export function listDiff(before: string[], after: string[]): DiffItem[] {
  const was = new Set(before);
  const is = new Set(after);
  return [
    ...after.map((text): DiffItem => ({ text, state: was.has(text) ? 'kept' : 'added' })),
    ...before.filter((t) => !is.has(t)).map((text): DiffItem => ({ text, state: 'removed' })),
  ];
}

export function diffRows(changes: BriefChange[], specs: SectionSpec[]): DiffGroup[] {
  const groups: DiffGroup[] = [];
  const sectionOrder = (id: string) => {
    const i = specs.findIndex((s) => s.id === id);
    return i === -1 ? specs.length : i;
  };
  const fieldOrder = (section: string, field: string) => {
    const fields = specs.find((s) => s.id === section)?.fields ?? [];
    const i = fields.findIndex((f) => f.id === field);
    return i === -1 ? fields.length : i;
  };
  const sorted = [...changes].sort(
    (a, b) =>
      sectionOrder(a.section ?? '') - sectionOrder(b.section ?? '') ||
      fieldOrder(a.section ?? '', a.field ?? '') - fieldOrder(b.section ?? '', b.field ?? ''),
  );
  for (const c of sorted) {
    const section = c.section ?? '';
    const field = c.field ?? '';
    const spec = findField(specs, section, field);
    const op = c.op ?? 'changed';
    const hasFrom = op !== 'added' && c.from !== undefined && c.from !== null;
    const hasTo = op !== 'removed' && c.to !== undefined && c.to !== null;
    const row: DiffRow = {
      section,
      field,
      title: spec.title,
      op,
      kind: spec.kind,
      from: hasFrom ? formatValue(c.from, spec.kind, section, field) : '',
      to: hasTo ? formatValue(c.to, spec.kind, section, field) : '',
    };
    const listy = LIST_KINDS.has(spec.kind) || Array.isArray(c.from) || Array.isArray(c.to);
    if (listy) row.items = listDiff(hasFrom ? valueItems(c.from, spec.kind) : [], hasTo ? valueItems(c.to, spec.kind) : []);
    let g = groups.find((x) => x.section === section);
    if (!g) groups.push((g = { section, title: sectionTitle(section), rows: [] }));
    g.rows.push(row);
  }
  return groups;
}

/** "3 fields changed in 2 sections". */
export function diffSummary(groups: DiffGroup[]): string {
  const n = groups.reduce((k, g) => k + g.rows.length, 0);
  if (n === 0) return 'No field changed.';
  const fields = n === 1 ? '1 field' : `${n} fields`;
  const sections = groups.length === 1 ? '1 section' : `${groups.length} sections`;
  return `${fields} changed in ${sections}.`;
}

/**
 * changeSummary words a version's changes for people (the server's
 * summary names fields by their ids): "Added business name, industry,
 * products and 6 more; changed team size."
 */
export function changeSummary(changes: BriefChange[], specs: SectionSpec[], max = 3): string {
  const verbs = { added: 'added', changed: 'changed', removed: 'removed' } as const;
  const parts: string[] = [];
  for (const op of ['added', 'changed', 'removed'] as const) {
    const names = changes.filter((c) => c.field && (c.op ?? 'changed') === op).map((c) => findField(specs, c.section ?? '', c.field ?? '').title.toLowerCase());
    if (!names.length) continue;
    const shown = names.length > max + 1 ? [...names.slice(0, max), `${names.length - max} more`] : names;
    const list = shown.length === 1 ? shown[0]! : `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}`;
    parts.push(`${verbs[op]} ${list}`);
  }
  if (!parts.length) return '';
  const s = parts.join('; ');
  return `${s[0]!.toUpperCase()}${s.slice(1)}.`;
}
