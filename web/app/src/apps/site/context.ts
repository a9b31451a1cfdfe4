// What the views of one site share: the site, publishing, the preview link.
import { createContext, useContext } from 'react';
import { ApiError } from '../../lib/api';
import type { Schemas } from '../../lib/types';
import type { PublishState } from './publish';

export type Site = Schemas['Site'];
export type Page = Schemas['Page'];
export type Block = Schemas['Block'];
export type PreviewLink = Schemas['PreviewLink'];
export type Schedule = Schemas['Schedule'];
export type MediaAsset = Schemas['MediaAsset'];
export type PageVersion = Schemas['PageVersion'];

export interface SiteCtx {
  site: Site;
  setSite: (s: Site) => void;
  reloadSite: () => Promise<Site | null>;
  navigate: (to: string) => void;
  publish: PublishState;
  startPublish: () => void;
  dismissPublish: () => void;
  /** The preview link, made (or remade, when it expires) on demand; rejects when previews are off. */
  previewLink: () => Promise<PreviewLink>;
  /** The current preview link, once made. */
  preview: PreviewLink | null;
  /** The site's public origin (http://{slug}.{domain}), once known from the drafts' sitemap. */
  publicOrigin: string | null;
  /** Record the public origin found elsewhere (a preview page's canonical link). */
  notePublicOrigin: (origin: string) => void;
  /** Find the public origin from the drafts' sitemap (call once the site has pages). */
  learnAddress: () => void;
  /** Bumped when releases change (a publish went live, a rollback): views that list them reload. */
  releasesTick: number;
  bumpReleases: () => void;
  /** The page editor says whether it holds unsaved changes (a publish would leave them out). */
  setUnsaved: (unsaved: boolean) => void;
  /** Who an author ("user:{id}") is, in words. */
  author: (a: string) => string;
}

export const SiteContext = createContext<SiteCtx | null>(null);

export function useSite(): SiteCtx {
  const ctx = useContext(SiteContext);
  if (!ctx) throw new Error('useSite outside a SiteContext');
  return ctx;
}

/** What to tell the owner about a failure. */
export function detailOf(err: unknown): string {
  if (err instanceof ApiError) return err.detail;
  if (err instanceof Error && err.message) return err.message;
  return 'Something went wrong. Please try again.';
}

/** The If-Match header of a resource at a version. */
export const ifMatch = (version: number) => ({ 'If-Match': `"v${version}"` });

/** The live site on this host: /sites/{id}/ (always served, whatever the sites domain). */
export const liveHref = (siteId: string) => `/sites/${encodeURIComponent(siteId)}/`;
