// The page editor: title, SEO and the ordered blocks, each with a form of
// its type; save (PUT with If-Match), errors next to their fields, the
// page's versions with restore, and the live preview beside it.
import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import { api, ApiError } from '../../lib/api';
import { pushToast } from '../../lib/stores';
import { InlineError, Skeleton } from '../../lib/ui';
import { BlockForm } from './block-form';
import { BLOCK_SPECS, BLOCK_TYPES, blockSummary, fieldKeys, insertAt, move, setIn, type BlockType, type Draft, type PathPart } from './blocks';
import { detailOf, ifMatch, useSite, type Page, type PageVersion } from './context';
import {
  blockName,
  checkPage,
  editorPage,
  errorCount,
  newBlock,
  PAGE_FIELD_LABELS,
  pageInput,
  samePage,
  type EditorBlock,
  type EditorPage,
} from './editor-state';
import { pathLabel, relativeTime } from './format';
import { ThumbRefresh } from './media';
import { PreviewPane } from './preview-pane';
import { inputId, placeBlockErrors, splitProblem, type PlacedErrors } from './problems';
import { href } from './routes';
import { Confirm, Icon, Modal, sentence, TextInput } from './ui';

const NO_ERRORS: PlacedErrors = { page: {}, blocks: {} };

export function PageEditor({ pageId }: { pageId: string }) {
  const { site } = useSite();
  const [page, setPage] = useState<Page | null>(null);
  const [loads, setLoads] = useState(0);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  const [siblings, setSiblings] = useState<Page[]>([]);

  useEffect(() => {
    const abort = new AbortController();
    setLoadError(null);
    api
      .get('/api/v1/pages/{pageID}', { path: { pageID: pageId }, signal: abort.signal })
      .then(({ data }) => {
        setPage(data);
        setLoads((n) => n + 1);
      })
      .catch((err) => !abort.signal.aborted && setLoadError(err));
    api
      .get('/api/v1/sites/{siteID}/pages', { path: { siteID: site.id }, query: { limit: 100 }, signal: abort.signal })
      .then(({ data }) => setSiblings(data ?? []))
      .catch(() => {});
    return () => abort.abort();
  }, [pageId, site.id, attempt]);

  if (loadError) {
    const gone = loadError instanceof ApiError && (loadError.status === 404 || loadError.status === 400);
    return gone ? (
      <div className="notice" role="alert">
        <p>This page does not exist any more.</p>
        <a className="button" href={href.site(site.id)}>
          Back to the pages
        </a>
      </div>
    ) : (
      <InlineError error={loadError} onRetry={() => setAttempt((n) => n + 1)} />
    );
  }
  if (!page || page.id !== pageId) return <Skeleton lines={6} label="Loading the page" />;
  // Keyed by load: loading the latest (after a conflict) starts the editor afresh.
  return <Editor key={`${page.id}#${loads}`} initial={page} siblings={siblings} onReload={() => setAttempt((n) => n + 1)} />;
}

function Editor({ initial, siblings, onReload }: { initial: Page; siblings: Page[]; onReload: () => void }) {
  const { site, setUnsaved } = useSite();
  const [page, setPage] = useState<Page>(initial);
  const [baseline, setBaseline] = useState<EditorPage>(() => editorPage(initial));
  const [state, setState] = useState<EditorPage>(baseline);
  const [errors, setErrors] = useState<PlacedErrors>(NO_ERRORS);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [conflict, setConflict] = useState(false);
  const [expanded, setExpanded] = useState<Set<string>>(() => new Set(baseline.blocks.length <= 2 ? baseline.blocks.map((b) => b.key) : []));
  const [adding, setAdding] = useState(false);
  const [history, setHistory] = useState(false);
  const [removing, setRemoving] = useState<EditorBlock | null>(null);
  const [focusAfter, setFocusAfter] = useState<string | null>(null);
  const [previewTick, setPreviewTick] = useState(0);
  const summaryRef = useRef<HTMLDivElement>(null);
  const pathsId = useId();

  const dirty = useMemo(() => !samePage(state, baseline), [state, baseline]);

  // The site's Publish button warns that unsaved changes would not be in it.
  useEffect(() => {
    setUnsaved(dirty);
    return () => setUnsaved(false);
  }, [dirty, setUnsaved]);

  // Move the focus once the DOM has what it should land on.
  useEffect(() => {
    if (!focusAfter) return;
    document.getElementById(focusAfter)?.focus();
    setFocusAfter(null);
  }, [focusAfter]);

  // Leaving with unsaved changes: ask (a reload or a link out of the editor).
  useEffect(() => {
    if (!dirty) return;
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      e.returnValue = '';
    };
    const onClick = (e: MouseEvent) => {
      const a = (e.target as Element | null)?.closest?.('a[href]') as HTMLAnchorElement | null;
      if (!a || a.target === '_blank' || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey) return;
      const url = new URL(a.href, location.href);
      if (url.origin !== location.origin || url.pathname === location.pathname) return;
      if (!window.confirm('This page has unsaved changes. Leave without saving them?')) {
        e.preventDefault();
        e.stopPropagation();
      }
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    document.addEventListener('click', onClick, true);
    return () => {
      window.removeEventListener('beforeunload', onBeforeUnload);
      document.removeEventListener('click', onClick, true);
    };
  }, [dirty]);

  const clearError = (blockKey: string | null, key: string) =>
    setErrors((e) => {
      if (blockKey === null) {
        if (!(key in e.page)) return e;
        const { [key]: _, ...page } = e.page;
        return { ...e, page };
      }
      const be = e.blocks[blockKey];
      if (!be || !(key in be)) return e;
      const { [key]: _, ...rest } = be;
      return { ...e, blocks: { ...e.blocks, [blockKey]: rest } };
    });

  const setBlockField = (blockKey: string, path: PathPart[], value: Draft) => {
    setState((s) => ({ ...s, blocks: s.blocks.map((b) => (b.key === blockKey ? { ...b, draft: setIn(b.draft, path, value) } : b)) }));
    clearError(blockKey, path.join('.'));
  };

  const moveBlock = (i: number, d: number) => {
    const b = state.blocks[i];
    setState((s) => ({ ...s, blocks: move(s.blocks, i, d) }));
    // The focus stays on the button pressed, or on the other one when that one is now disabled (at an end).
    const to = i + d;
    const dir = (d < 0 && to > 0) || (d > 0 && to >= state.blocks.length - 1) ? 'up' : 'down';
    if (b) setFocusAfter(`${b.key}-move-${dir}`);
  };

  const removeBlock = (key: string) => {
    const i = state.blocks.findIndex((b) => b.key === key);
    const next = state.blocks[i + 1] ?? state.blocks[i - 1];
    setState((s) => ({ ...s, blocks: s.blocks.filter((b) => b.key !== key) }));
    setRemoving(null);
    setFocusAfter(next ? `${next.key}-toggle` : 'st-add-block');
  };

  const addBlock = (type: BlockType) => {
    const b = newBlock(type);
    setState((s) => ({ ...s, blocks: insertAt(s.blocks, s.blocks.length, b) }));
    setExpanded((x) => new Set(x).add(b.key));
    setAdding(false);
    const first = BLOCK_SPECS[type].fields[0];
    setFocusAfter(first ? inputId(b.key, first.key) : `${b.key}-toggle`);
  };

  const toggle = (key: string) =>
    setExpanded((x) => {
      const n = new Set(x);
      if (n.has(key)) n.delete(key);
      else n.add(key);
      return n;
    });

  /** Show errors: open the blocks that have some, and take the focus to the summary. */
  const showErrors = (e: PlacedErrors) => {
    setErrors(e);
    setExpanded((x) => new Set([...x, ...Object.keys(e.blocks).filter((k) => Object.keys(e.blocks[k] ?? {}).length)]));
    requestAnimationFrame(() => summaryRef.current?.focus());
  };

  const save = async () => {
    if (saving) return;
    setSaveError(null);
    const local = checkPage(state);
    if (errorCount(local) > 0) {
      showErrors(local);
      return;
    }
    setErrors(NO_ERRORS);
    setSaving(true);
    const sent = state;
    try {
      const { data } = await api.put('/api/v1/pages/{pageID}', { path: { pageID: page.id }, body: pageInput(sent), headers: ifMatch(page.version) });
      const saved = editorPage(data, sent.blocks.map((b) => b.key));
      setPage(data);
      setBaseline(saved);
      // Keep what was typed while the save ran.
      setState((now) => (now === sent ? saved : now));
      setPreviewTick((n) => n + 1);
      pushToast(`Saved as version ${data.version}.`, { tone: 'success', timeout: 3000 });
    } catch (err) {
      if (err instanceof ApiError && err.status === 412) setConflict(true);
      else if (err instanceof ApiError && err.status === 400 && Object.keys(err.fields).length) {
        showErrors(splitProblem(err.fields, sent.blocks.map((b) => b.key)));
        setSaveError(err.detail);
      } else setSaveError(detailOf(err));
    } finally {
      setSaving(false);
    }
  };

  // Ctrl/Cmd+S saves.
  const saveRef = useRef(save);
  saveRef.current = save;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.metaKey || e.ctrlKey) && e.key.toLowerCase() === 's') {
        e.preventDefault();
        void saveRef.current();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const restored = (data: Page, from: number) => {
    const fresh = editorPage(data);
    setPage(data);
    setBaseline(fresh);
    setState(fresh);
    setErrors(NO_ERRORS);
    setExpanded(new Set(fresh.blocks.length <= 2 ? fresh.blocks.map((b) => b.key) : []));
    setHistory(false);
    setPreviewTick((n) => n + 1);
    pushToast(`Version ${from} restored as version ${data.version}.`, { tone: 'success' });
  };

  const count = errorCount(errors);
  const summary = useMemo(() => errorSummary(errors, state), [errors, state]);
  const paths = siblings.map((p) => p.path);

  return (
    <div className="st-editor">
      <div className="st-editor__bar">
        <a href={href.site(site.id)} className="st-back">
          <Icon name="back" size={14} />
          Pages
        </a>
        <div className="st-editor__title">
          <h3>{state.title || page.title}</h3>
          <span className="st-muted st-small">
            <code className="st-path">{page.path}</code> · version {page.version}
          </span>
        </div>
        <span className={`st-save-state${dirty ? ' st-save-state--dirty' : ''}`} aria-live="polite">
          {saving ? 'Saving…' : dirty ? 'Unsaved changes' : `Saved ${relativeTime(page.updated_at)}`}
        </span>
        <button type="button" className="button" onClick={() => setHistory(true)}>
          <Icon name="history" />
          History
        </button>
        <button type="button" className="button button--primary" onClick={() => void save()} disabled={saving || !dirty} aria-keyshortcuts="Control+S">
          {saving ? 'Saving…' : 'Save'}
        </button>
      </div>

      {conflict && (
        <div className="notice notice--error" role="alert">
          <p>
            <strong>This page was changed somewhere else</strong> (another tab, or a teammate) since you opened it, so your save was
            not applied. Load the latest version to carry on; your unsaved changes here will be lost.
          </p>
          <button type="button" className="button" onClick={onReload}>
            Load the latest version
          </button>
        </div>
      )}
      {saveError && count === 0 && (
        <p className="form-error" role="alert">
          {saveError}
        </p>
      )}
      {count > 0 && (
        <div className="st-error-summary" role="alert" tabIndex={-1} ref={summaryRef}>
          <p>
            <strong>
              {count === 1 ? 'One field needs' : `${count} fields need`} your attention before this page can be saved.
            </strong>
          </p>
          <ul>
            {summary.map((s) => (
              <li key={s.id}>
                <a
                  href={`#${s.id}`}
                  onClick={(e) => {
                    e.preventDefault();
                    const el = document.getElementById(s.id);
                    el?.focus();
                    el?.scrollIntoView({ block: 'center', behavior: 'smooth' });
                  }}
                >
                  {s.text}
                </a>
              </li>
            ))}
          </ul>
        </div>
      )}

      <div className="st-editor__grid">
        <div className="st-editor__form">
          <section className="card st-card" aria-label="Page details">
            <TextInput
              id="st-page-title"
              label="Title"
              value={state.title}
              onChange={(v) => {
                setState((s) => ({ ...s, title: v }));
                clearError(null, 'title');
              }}
              error={errors.page.title ? sentence('Title', errors.page.title) : undefined}
              hint="In the browser tab and in search results."
              maxLength={200}
            />
            <details className="st-details" open={Object.keys(errors.page).some((k) => k.startsWith('seo.')) || undefined}>
              <summary>Search engines and sharing</summary>
              <SeoFields state={state} setState={setState} errors={errors.page} clearError={(k) => clearError(null, k)} />
            </details>
          </section>

          <datalist id={pathsId}>
            {paths.map((p) => (
              <option key={p} value={p}>
                {pathLabel(p)}
              </option>
            ))}
          </datalist>

          <h3 className="st-h3">Blocks</h3>
          {state.blocks.length === 0 && <p className="st-muted">No blocks yet. Add a hero to open the page, then text, features, a contact form…</p>}
          <ThumbRefresh.Provider value={previewTick}>
            <ol className="st-blocks">
              {state.blocks.map((b, i) => (
                <BlockCard
                  key={b.key}
                  block={b}
                  index={i}
                  total={state.blocks.length}
                  expanded={expanded.has(b.key)}
                  errors={errors.blocks[b.key]}
                  pathsList={pathsId}
                  onToggle={() => toggle(b.key)}
                  onMove={(d) => moveBlock(i, d)}
                  onRemove={() => setRemoving(b)}
                  onChange={(path, v) => setBlockField(b.key, path, v)}
                />
              ))}
            </ol>
          </ThumbRefresh.Provider>
          <div className="st-add-block">
            <button type="button" id="st-add-block" className="button" aria-expanded={adding} aria-controls="st-block-types" onClick={() => setAdding((a) => !a)} disabled={state.blocks.length >= 50}>
              <Icon name="plus" />
              Add a block
            </button>
            {adding && (
              <ul className="st-block-types" id="st-block-types" aria-label="Block types">
                {BLOCK_TYPES.map((t) => (
                  <li key={t}>
                    <button type="button" className="st-block-type" onClick={() => addBlock(t)}>
                      <strong>{BLOCK_SPECS[t].name}</strong>
                      <span className="st-muted st-small">{BLOCK_SPECS[t].description}</span>
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </div>
        </div>
        <PreviewPane path={page.path} title={state.title} tick={previewTick} />
      </div>

      <Confirm
        open={removing !== null}
        title="Remove this block?"
        confirmLabel="Remove block"
        danger
        onConfirm={() => removing && removeBlock(removing.key)}
        onCancel={() => setRemoving(null)}
      >
        <p>
          The {removing ? blockName(removing.type).toLowerCase() : ''} block leaves this page when you save. Until then, nothing is lost;
          earlier versions stay in History.
        </p>
      </Confirm>
      <Modal open={history} onClose={() => setHistory(false)} title="Versions of this page" wide>
        {history && <Versions page={page} dirty={dirty} onRestored={restored} />}
      </Modal>
    </div>
  );
}

function SeoFields({
  state,
  setState,
  errors,
  clearError,
}: {
  state: EditorPage;
  setState: (f: (s: EditorPage) => EditorPage) => void;
  errors: Record<string, string>;
  clearError: (k: string) => void;
}) {
  const set = (k: 'title' | 'description' | 'og_image' | 'canonical') => (v: string) => {
    setState((s) => ({ ...s, seo: { ...s.seo, [k]: v } }));
    clearError(`seo.${k}`);
  };
  const err = (k: string) => (errors[`seo.${k}`] ? sentence(PAGE_FIELD_LABELS[`seo.${k}`] ?? k, errors[`seo.${k}`]!) : undefined);
  return (
    <div className="st-fields">
      <TextInput id="st-seo-title" label="Search title" value={state.seo.title} onChange={set('title')} error={err('title')} optional maxLength={200} hint="Defaults to the page title." />
      <TextInput
        id="st-seo-description"
        label="Search description"
        value={state.seo.description}
        onChange={set('description')}
        error={err('description')}
        optional
        multiline
        maxLength={500}
        hint="One or two sentences shown under the title in search results."
      />
      <TextInput id="st-seo-og_image" label="Sharing image" value={state.seo.og_image} onChange={set('og_image')} error={err('og_image')} optional mono placeholder="/media/…" />
      <TextInput id="st-seo-canonical" label="Canonical address" value={state.seo.canonical} onChange={set('canonical')} error={err('canonical')} optional mono />
      <label className="st-check">
        <input type="checkbox" checked={state.seo.noindex} onChange={(e) => setState((s) => ({ ...s, seo: { ...s.seo, noindex: e.target.checked } }))} />
        Hide this page from search engines
      </label>
    </div>
  );
}

function BlockCard({
  block,
  index,
  total,
  expanded,
  errors,
  pathsList,
  onToggle,
  onMove,
  onRemove,
  onChange,
}: {
  block: EditorBlock;
  index: number;
  total: number;
  expanded: boolean;
  errors?: Record<string, string>;
  pathsList: string;
  onToggle: () => void;
  onMove: (d: number) => void;
  onRemove: () => void;
  onChange: (path: PathPart[], v: Draft) => void;
}) {
  const spec = BLOCK_SPECS[block.type];
  const known = useMemo(() => fieldKeys(block.type, block.draft), [block.type, block.draft]);
  const placed = placeBlockErrors(errors, known);
  const bad = Object.keys(errors ?? {}).length > 0;
  const summary = blockSummary(block.type, block.draft);
  const bodyId = `${block.key}-body`;
  return (
    <li className={`st-block${bad ? ' st-block--invalid' : ''}`} aria-label={`Block ${index + 1} of ${total}: ${spec.name}`}>
      <div className="st-block__head">
        <button type="button" id={`${block.key}-toggle`} className="st-block__toggle" aria-expanded={expanded} aria-controls={bodyId} onClick={onToggle}>
          <span className={`st-chevron${expanded ? ' st-chevron--open' : ''}`} aria-hidden="true">
            <Icon name="chevron" size={14} />
          </span>
          <span className="st-block__type">{spec.name}</span>
          <span className="st-block__summary">{summary || <em>Empty</em>}</span>
          {bad && <span className="st-badge st-badge--error">Needs attention</span>}
        </button>
        <div className="st-block__actions">
          <button type="button" id={`${block.key}-move-up`} className="button button--ghost st-icon-button" onClick={() => onMove(-1)} disabled={index === 0} aria-label={`Move ${spec.name} block up`}>
            <Icon name="up" />
          </button>
          <button
            type="button"
            id={`${block.key}-move-down`}
            className="button button--ghost st-icon-button"
            onClick={() => onMove(1)}
            disabled={index === total - 1}
            aria-label={`Move ${spec.name} block down`}
          >
            <Icon name="down" />
          </button>
          <button type="button" className="button button--ghost st-icon-button" onClick={onRemove} aria-label={`Remove ${spec.name} block`}>
            <Icon name="trash" />
          </button>
        </div>
      </div>
      <div id={bodyId} className="st-block__body" hidden={!expanded}>
        {placed.rest.length > 0 && (
          <div className="form-error">
            {placed.rest.map((r) => (
              <p key={r}>{r}</p>
            ))}
          </div>
        )}
        {block.cites && block.cites.length > 0 && (
          <p className="st-cites st-small" title={block.cites.join(', ')}>
            <Icon name="sparkles" size={14} /> Drafted from your Brief: {citeWords(block.cites)}
          </p>
        )}
        <BlockForm blockKey={block.key} type={block.type} draft={block.draft} errors={placed.fields} onChange={onChange} pathsList={pathsList} />
      </div>
    </li>
  );
}

/** "identity.business_name", "offerings.products" -> "business name, products". */
export function citeWords(cites: string[]): string {
  return [...new Set(cites.map((c) => (c.split('.').pop() ?? c).replace(/_/g, ' ')))].join(', ');
}

/** The summary's lines, in the page's order: each links to its input. */
function errorSummary(errors: PlacedErrors, state: EditorPage): { id: string; text: string }[] {
  const out: { id: string; text: string }[] = [];
  for (const [k, msg] of Object.entries(errors.page)) {
    const label = PAGE_FIELD_LABELS[k] ?? k;
    out.push({ id: k === 'title' ? 'st-page-title' : k.startsWith('seo.') ? `st-seo-${k.slice(4)}` : 'st-add-block', text: sentence(label, msg) });
  }
  state.blocks.forEach((b, i) => {
    const errs = errors.blocks[b.key];
    if (!errs) return;
    const known = fieldKeys(b.type, b.draft);
    for (const [k, msg] of Object.entries(errs)) {
      const where = `${BLOCK_SPECS[b.type].name} (block ${i + 1})`;
      out.push({
        id: k && known.has(k) ? inputId(b.key, k) : `${b.key}-toggle`,
        text: `${where}: ${sentence(fieldLabel(b.type, k), msg)}`,
      });
    }
  });
  return out;
}

/** "items.0.title" of a features block -> "Feature 1 title". */
function fieldLabel(type: BlockType, key: string): string {
  if (!key) return 'This block';
  const parts = key.split('.');
  let fields = BLOCK_SPECS[type].fields;
  const words: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const f = fields.find((x) => x.key === parts[i]);
    if (!f) return key;
    if (f.kind === 'list') {
      const n = parts[i + 1];
      if (n !== undefined && /^\d+$/.test(n)) {
        words.push(`${f.itemName} ${Number(n) + 1}`);
        i++;
      } else words.push(f.label);
      fields = f.fields;
    } else if (f.kind === 'group') {
      words.push(f.label);
      fields = f.fields;
    } else words.push(words.length ? f.label.toLowerCase() : f.label);
  }
  return words.join(' ');
}

function Versions({ page, dirty, onRestored }: { page: Page; dirty: boolean; onRestored: (p: Page, from: number) => void }) {
  const { author } = useSite();
  const [versions, setVersions] = useState<PageVersion[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  const [asking, setAsking] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [restoreError, setRestoreError] = useState<string | null>(null);

  useEffect(() => {
    const abort = new AbortController();
    setError(null);
    api
      .get('/api/v1/pages/{pageID}/versions', { path: { pageID: page.id }, query: { limit: 50 }, signal: abort.signal })
      .then(({ data }) => setVersions(data ?? []))
      .catch((err) => !abort.signal.aborted && setError(err));
    return () => abort.abort();
  }, [page.id, page.version, attempt]);

  const restore = useCallback(
    async (n: number) => {
      setBusy(true);
      setRestoreError(null);
      try {
        const { data } = await api.post('/api/v1/pages/{pageID}/versions/{n}/restore', { path: { pageID: page.id, n } });
        onRestored(data, n);
      } catch (err) {
        setRestoreError(detailOf(err));
      } finally {
        setBusy(false);
      }
    },
    [page.id, onRestored],
  );

  if (error) return <InlineError error={error} onRetry={() => setAttempt((n) => n + 1)} />;
  if (!versions) return <Skeleton lines={4} label="Loading the versions" />;
  return (
    <div className="st-versions">
      <p className="st-muted st-small">Every save is kept. Restoring saves an old version again as the newest draft; it publishes nothing.</p>
      {restoreError && (
        <p className="form-error" role="alert">
          {restoreError}
        </p>
      )}
      <ol className="st-version-list">
        {versions.map((v) => (
          <li key={v.number} className="st-version">
            <div>
              <strong>Version {v.number}</strong>
              {v.number === page.version && <span className="st-badge st-badge--live">Current</span>}
              <div className="st-muted st-small">
                {author(v.author)} · <time dateTime={v.created_at}>{relativeTime(v.created_at)}</time> · {v.blocks.length}{' '}
                {v.blocks.length === 1 ? 'block' : 'blocks'}
                {v.restored_from ? ` · restored from version ${v.restored_from}` : ''}
              </div>
            </div>
            {v.number !== page.version &&
              (asking === v.number ? (
                <div className="st-inline-confirm">
                  <span className="st-small">{dirty ? 'Your unsaved changes will be lost. Restore?' : 'Restore this version?'}</span>
                  <button type="button" className="button button--primary" onClick={() => void restore(v.number)} disabled={busy} autoFocus>
                    {busy ? 'Restoring…' : 'Restore'}
                  </button>
                  <button type="button" className="button button--ghost" onClick={() => setAsking(null)} disabled={busy}>
                    Cancel
                  </button>
                </div>
              ) : (
                <button type="button" className="button" onClick={() => setAsking(v.number)} aria-label={`Restore version ${v.number}`}>
                  Restore
                </button>
              ))}
          </li>
        ))}
      </ol>
    </div>
  );
}

