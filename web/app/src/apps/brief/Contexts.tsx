// The category contexts derived from the Brief (GET /brief/contexts/{category}):
// what the website, the CRM and the writing tools take from it, as cards.
import { ApiError, api } from '../../lib/api';
import { Skeleton, useQuery } from '../../lib/ui';
import { fieldTitle, listing } from './vocab';

type Category = 'brand_voice' | 'sales_pipeline' | 'website';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);

export interface BrandVoice {
  tone: string[];
  use: string[];
  avoid: string[];
  readingLevel: string;
}
export interface Pipeline {
  stages: Array<{ id: string; name: string }>;
  cadence: number[];
}
export interface Website {
  pages: Array<{ slug: string; title: string; purpose: string; drawsOn: string[] }>;
}

/** The contexts' data, typed loosely by the contract, read defensively. */
export function readBrandVoice(d: unknown): BrandVoice {
  const o = isObject(d) ? d : {};
  return { tone: strings(o.tone), use: strings(o.use), avoid: strings(o.avoid), readingLevel: typeof o.reading_level === 'string' ? o.reading_level : '' };
}
export function readPipeline(d: unknown): Pipeline {
  const o = isObject(d) ? d : {};
  const stages = (Array.isArray(o.stages) ? o.stages : []).filter(isObject).map((s) => ({ id: String(s.id ?? s.name ?? ''), name: String(s.name ?? s.id ?? '') }));
  const cadence = (Array.isArray(o.follow_up_cadence_days) ? o.follow_up_cadence_days : []).filter((n): n is number => typeof n === 'number');
  return { stages, cadence };
}
export function readWebsite(d: unknown): Website {
  const o = isObject(d) ? d : {};
  const pages = (Array.isArray(o.pages) ? o.pages : []).filter(isObject).map((p) => ({
    slug: String(p.slug ?? ''),
    title: String(p.title ?? p.slug ?? ''),
    purpose: String(p.purpose ?? ''),
    drawsOn: strings(p.draws_on),
  }));
  return { pages };
}

function useCategoryContext(category: Category, version: number | undefined) {
  return useQuery(
    (signal) =>
      api.get('/api/v1/brief/contexts/{category}', { path: { category }, signal }).then(
        (r) => r.data?.data as unknown,
        (e) => {
          if (e instanceof ApiError && e.status === 404) return null;
          throw e;
        },
      ),
    [category, version],
  );
}

export function Contexts({ version }: { version: number | undefined }) {
  return (
    <section className="bf-contexts" aria-labelledby="bf-contexts-title">
      <div className="bf-contexts__head">
        <h2 id="bf-contexts-title">How your apps use your Brief</h2>
        <p className="bf-muted">Worked out from the Brief each time it changes.</p>
      </div>
      <div className="bf-contexts__grid">
        <VoiceCard version={version} />
        <PipelineCard version={version} />
        <WebsiteCard version={version} />
      </div>
    </section>
  );
}

function ContextCard({
  title,
  kicker,
  q,
  children,
}: {
  title: string;
  kicker: string;
  q: { data: unknown; error: unknown; loading: boolean; retry: () => void };
  children: (data: unknown) => React.ReactNode;
}) {
  return (
    <article className="card bf-context" aria-label={title}>
      <p className="bf-kicker">{kicker}</p>
      <h3>{title}</h3>
      {q.loading && q.data === undefined ? (
        <Skeleton lines={3} label={`Loading ${title.toLowerCase()}`} />
      ) : q.error ? (
        <div className="bf-context__error" role="alert">
          <p>{q.error instanceof ApiError ? q.error.detail : 'Could not load this.'}</p>
          <button type="button" className="button" onClick={q.retry}>
            Try again
          </button>
        </div>
      ) : q.data === null ? (
        <p className="bf-muted">Not worked out yet.</p>
      ) : (
        children(q.data)
      )}
    </article>
  );
}

function Chips({ items, tone }: { items: string[]; tone?: 'avoid' }) {
  return (
    <ul className="bf-chips" role="list">
      {items.map((t) => (
        <li key={t} className={`bf-chip${tone ? ` bf-chip--${tone}` : ''}`}>
          {t}
        </li>
      ))}
    </ul>
  );
}

function VoiceCard({ version }: { version?: number }) {
  const q = useCategoryContext('brand_voice', version);
  return (
    <ContextCard title="Brand voice" kicker="Writing" q={q}>
      {(d) => {
        const v = readBrandVoice(d);
        return (
          <dl className="bf-ctx-list">
            <div>
              <dt>Tone</dt>
              <dd>{v.tone.length ? <Chips items={v.tone} /> : <span className="bf-muted">Not set</span>}</dd>
            </div>
            {v.use.length > 0 && (
              <div>
                <dt>Words to use</dt>
                <dd>
                  <Chips items={v.use} />
                </dd>
              </div>
            )}
            <div>
              <dt>Words to avoid</dt>
              <dd>{v.avoid.length ? <Chips items={v.avoid} tone="avoid" /> : <span className="bf-muted">None</span>}</dd>
            </div>
            {v.readingLevel && (
              <div>
                <dt>Reading level</dt>
                <dd>{v.readingLevel}</dd>
              </div>
            )}
          </dl>
        );
      }}
    </ContextCard>
  );
}

function PipelineCard({ version }: { version?: number }) {
  const q = useCategoryContext('sales_pipeline', version);
  return (
    <ContextCard title="Sales pipeline" kicker="Leads" q={q}>
      {(d) => {
        const p = readPipeline(d);
        return (
          <>
            <ol className="bf-stages" aria-label="Stages">
              {p.stages.map((s) => (
                <li key={s.id}>{s.name}</li>
              ))}
            </ol>
            <p className="bf-cadence">
              <span className="bf-cadence__label">Follow-up</span>
              {p.cadence.length ? (
                <>
                  Day {listing(p.cadence.map(String))} after a lead arrives
                </>
              ) : (
                <span className="bf-muted">No cadence yet. Tell the co-pilot when you follow up.</span>
              )}
            </p>
          </>
        );
      }}
    </ContextCard>
  );
}

function WebsiteCard({ version }: { version?: number }) {
  const q = useCategoryContext('website', version);
  return (
    <ContextCard title="Website" kicker="Pages" q={q}>
      {(d) => {
        const w = readWebsite(d);
        if (!w.pages.length) return <p className="bf-muted">No pages yet.</p>;
        return (
          <ol className="bf-pages">
            {w.pages.map((p) => (
              <li key={p.slug}>
                <span className="bf-page__title">
                  {p.title} <span className="bf-page__slug">/{p.slug === 'home' ? '' : p.slug}</span>
                </span>
                <span className="bf-page__purpose">{p.purpose}</span>
                {p.drawsOn.length > 0 && (
                  <span className="bf-page__uses">
                    Uses{' '}
                    {listing(
                      p.drawsOn.map((k) => {
                        const [s, f] = k.split('.');
                        return fieldTitle(s ?? '', f ?? '').toLowerCase();
                      }),
                    )}
                  </span>
                )}
              </li>
            ))}
          </ol>
        );
      }}
    </ContextCard>
  );
}
