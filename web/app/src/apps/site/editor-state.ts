// The page editor's state, apart from React: a page as the editor holds it
// (title, SEO, blocks as drafts with client keys), what a save sends, and
// whether anything changed.
import { BLOCK_SPECS, deserialize, isBlockType, newDraft, serialize, validate, type BlockType, type DraftObject } from './blocks';
import type { Page } from './context';
import type { Schemas } from '../../lib/types';
import type { PlacedErrors } from './problems';

export type SEO = Schemas['SEO'];

export interface EditorBlock {
  /** A client key: stable while the block moves, for React, ids and errors. */
  key: string;
  type: BlockType;
  draft: DraftObject;
  /** The Brief fields a drafted block cites; kept as they are. */
  cites?: string[];
}

export interface EditorPage {
  title: string;
  seo: { title: string; description: string; og_image: string; canonical: string; noindex: boolean };
  blocks: EditorBlock[];
}

let seq = 0;
export const newKey = () => `b${++seq}`;

export function editorPage(page: Pick<Page, 'title' | 'seo' | 'blocks'>, keys: readonly string[] = []): EditorPage {
  return {
    title: page.title,
    seo: {
      title: page.seo.title ?? '',
      description: page.seo.description ?? '',
      og_image: page.seo.og_image ?? '',
      canonical: page.seo.canonical ?? '',
      noindex: page.seo.noindex ?? false,
    },
    blocks: page.blocks
      .filter((b) => isBlockType(b.type))
      .map((b, i) => ({
        key: keys[i] ?? newKey(),
        type: b.type,
        draft: deserialize(b.type, b.data),
        ...(b.cites?.length ? { cites: b.cites } : {}),
      })),
  };
}

export function newBlock(type: BlockType): EditorBlock {
  return { key: newKey(), type, draft: newDraft(type) };
}

/** The body of PUT /pages/{id}. */
export function pageInput(p: EditorPage): Schemas['PageInput'] {
  const seo: SEO = {};
  if (p.seo.title.trim()) seo.title = p.seo.title.trim();
  if (p.seo.description.trim()) seo.description = p.seo.description.trim();
  if (p.seo.og_image.trim()) seo.og_image = p.seo.og_image.trim();
  if (p.seo.canonical.trim()) seo.canonical = p.seo.canonical.trim();
  if (p.seo.noindex) seo.noindex = true;
  return {
    title: p.title.trim(),
    seo,
    blocks: p.blocks.map((b) => ({
      type: b.type,
      data: serialize(b.type, b.draft) as Record<string, never>,
      ...(b.cites?.length ? { cites: b.cites } : {}),
    })),
  };
}

/** Whether two editor pages would save the same. */
export function samePage(a: EditorPage, b: EditorPage): boolean {
  return JSON.stringify(pageInput(a)) === JSON.stringify(pageInput(b));
}

const URLISH = /^(https?:\/\/[^\s<>"]+|\/[^\s<>"]*)$/;

/** The editor's own check before a save, with the server's keys; empty when it would pass. */
export function checkPage(p: EditorPage): PlacedErrors {
  const out: PlacedErrors = { page: {}, blocks: {} };
  if (!p.title.trim()) out.page.title = 'is required';
  else if ([...p.title].length > 200) out.page.title = 'must be at most 200 characters';
  if ([...p.seo.title].length > 200) out.page['seo.title'] = 'must be at most 200 characters';
  if ([...p.seo.description].length > 500) out.page['seo.description'] = 'must be at most 500 characters';
  for (const k of ['og_image', 'canonical'] as const) {
    const v = p.seo[k].trim();
    if (v && !URLISH.test(v)) out.page[`seo.${k}`] = 'must be an http(s) address or a path';
  }
  if (p.blocks.length > 50) out.page.blocks = 'A page holds at most 50 blocks.';
  for (const b of p.blocks) {
    const errs = validate(b.type, b.draft);
    if (Object.keys(errs).length) out.blocks[b.key] = errs;
  }
  return out;
}

export const errorCount = (e: PlacedErrors) =>
  Object.keys(e.page).length + Object.values(e.blocks).reduce((n, b) => n + Object.keys(b).length, 0);

/** Labels of the page fields, for the error summary. */
export const PAGE_FIELD_LABELS: Record<string, string> = {
  title: 'Title',
  path: 'Path',
  'seo.title': 'Search title',
  'seo.description': 'Search description',
  'seo.og_image': 'Sharing image',
  'seo.canonical': 'Canonical address',
  blocks: 'Blocks',
};

export const blockName = (t: BlockType) => BLOCK_SPECS[t].name;
