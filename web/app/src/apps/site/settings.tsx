// A site's settings: name, theme (colours, fonts, logo), navigation, SEO
// defaults and custom domains. PUT /sites/{id} with If-Match; a 412 means
// someone saved meanwhile: reload.
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { api, ApiError } from '../../lib/api';
import { pushToast } from '../../lib/stores';
import { InlineError, Skeleton, useQuery } from '../../lib/ui';
import { move, removeAt } from './blocks';
import { detailOf, ifMatch, useSite, type Site } from './context';
import { pathLabel } from './format';
import { canonicalKey, humanize } from './problems';
import { Icon, sentence, TextInput } from './ui';

type Colors = Site['theme']['colors'];

interface SettingsForm {
  name: string;
  colors: Colors;
  heading: string;
  body: string;
  logo: string;
  nav: { id: number; label: string; path: string }[];
  seoTitle: string;
  seoDescription: string;
  ogImage: string;
  noindex: boolean;
  domains: string;
}

let navSeq = 0;

export function settingsForm(site: Site): SettingsForm {
  return {
    name: site.name,
    colors: { ...site.theme.colors },
    heading: site.theme.fonts.heading,
    body: site.theme.fonts.body,
    logo: site.theme.logo_url ?? '',
    nav: site.navigation.map((n) => ({ id: ++navSeq, label: n.label, path: n.path })),
    seoTitle: site.seo.title ?? '',
    seoDescription: site.seo.description ?? '',
    ogImage: site.seo.og_image ?? '',
    noindex: site.seo.noindex ?? false,
    domains: site.custom_domains.join('\n'),
  };
}

/** The body of PUT /sites/{id}. */
export function siteInput(site: Site, f: SettingsForm) {
  const seo: Site['seo'] = { ...site.seo };
  const put = (k: 'title' | 'description' | 'og_image', v: string) => {
    if (v.trim()) seo[k] = v.trim();
    else delete seo[k];
  };
  put('title', f.seoTitle);
  put('description', f.seoDescription);
  put('og_image', f.ogImage);
  if (f.noindex) seo.noindex = true;
  else delete seo.noindex;
  const theme: Site['theme'] = {
    ...site.theme,
    colors: {
      primary: f.colors.primary.toLowerCase(),
      accent: f.colors.accent.toLowerCase(),
      background: f.colors.background.toLowerCase(),
      text: f.colors.text.toLowerCase(),
    },
    fonts: { heading: f.heading.trim(), body: f.body.trim() },
  };
  if (f.logo.trim()) theme.logo_url = f.logo.trim();
  else delete theme.logo_url;
  return {
    name: f.name.trim(),
    theme,
    navigation: f.nav.map((n) => ({ label: n.label.trim(), path: n.path.trim() })),
    seo,
    custom_domains: f.domains
      .split(/[\s,]+/)
      .map((d) => d.trim().toLowerCase())
      .filter(Boolean),
  };
}

const FONTS = ['Inter', 'system-ui', 'Georgia', 'Lora', 'Merriweather', 'Playfair Display', 'Source Serif Pro', 'Roboto', 'Open Sans', 'Montserrat', 'Poppins', 'Nunito'];

const SERIF = ['lora', 'merriweather', 'playfair display', 'georgia', 'pt serif', 'libre baskerville', 'source serif pro', 'eb garamond', 'crimson text', 'cormorant garamond', 'noto serif', 'roboto slab', 'times new roman'];

/** The font stack the published site uses for a family name (the server's fontStack). */
export function fontStack(name: string): string {
  const fallback = SERIF.includes(name.trim().toLowerCase())
    ? 'Georgia, Cambria, "Times New Roman", Times, serif'
    : 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
  const clean = name.replace(/[^A-Za-z0-9 -]/g, '').trim();
  return clean ? `"${clean}", ${fallback}` : fallback;
}

const COLOR_LABELS: Record<keyof Colors, string> = {
  primary: 'Primary',
  accent: 'Accent',
  background: 'Background',
  text: 'Text',
};

/** WCAG relative luminance contrast of two #rrggbb colours. */
export function contrast(a: string, b: string): number {
  const lum = (hex: string) => {
    const v = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    return 0.2126 * v[0]! + 0.7152 * v[1]! + 0.0722 * v[2]!;
  };
  if (!/^#[0-9a-f]{6}$/i.test(a) || !/^#[0-9a-f]{6}$/i.test(b)) return 21;
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p) as [number, number];
  return (x + 0.05) / (y + 0.05);
}

export function SettingsView() {
  const { site, setSite, reloadSite } = useSite();
  const [form, setForm] = useState<SettingsForm>(() => settingsForm(site));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [conflict, setConflict] = useState(false);
  const [busy, setBusy] = useState(false);
  const pages = useQuery((signal) => api.get('/api/v1/sites/{siteID}/pages', { path: { siteID: site.id }, query: { limit: 100 }, signal }), [site.id]);

  // A site reloaded (after a conflict): start from it.
  useEffect(() => setForm(settingsForm(site)), [site]);

  const dirty = useMemo(() => JSON.stringify(siteInput(site, form)) !== JSON.stringify(siteInput(site, settingsForm(site))), [site, form]);
  const set = <K extends keyof SettingsForm>(k: K, v: SettingsForm[K]) => setForm((f) => ({ ...f, [k]: v }));
  const err = (key: string, label: string) => (errors[key] ? sentence(label, errors[key]!) : undefined);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const bad: Record<string, string> = {};
    if (!form.name.trim()) bad.name = 'is required';
    form.nav.forEach((n, i) => {
      if (!n.label.trim()) bad[`navigation.${i}.label`] = 'is required';
      if (!n.path.trim()) bad[`navigation.${i}.path`] = 'is required';
    });
    setErrors(bad);
    if (Object.keys(bad).length) return;
    setBusy(true);
    try {
      const { data } = await api.put('/api/v1/sites/{siteID}', { path: { siteID: site.id }, body: siteInput(site, form), headers: ifMatch(site.version) });
      setSite(data);
      pushToast('Settings saved. Publish to show them on the live site.', { tone: 'success' });
    } catch (err) {
      if (err instanceof ApiError && err.status === 412) setConflict(true);
      else if (err instanceof ApiError && Object.keys(err.fields).length) {
        setErrors(Object.fromEntries(Object.entries(err.fields).map(([k, v]) => [canonicalKey(k), humanize(v)])));
        setError(err.detail);
      } else setError(detailOf(err));
    } finally {
      setBusy(false);
    }
  };

  const paths = (pages.data?.data ?? []).map((p) => p.path).sort();
  const lowContrast = contrast(form.colors.text, form.colors.background) < 4.5;

  return (
    <form className="st-settings" onSubmit={submit} noValidate aria-label="Site settings">
      {conflict && (
        <div className="notice notice--error" role="alert">
          <p>
            <strong>These settings were changed somewhere else</strong> since you opened them, so yours were not saved. Load the latest
            settings, then make your change again.
          </p>
          <button
            type="button"
            className="button"
            onClick={() => {
              setConflict(false);
              void reloadSite();
            }}
          >
            Load the latest settings
          </button>
        </div>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}

      <section className="card st-card st-settings__section" aria-labelledby="st-set-general">
        <h3 id="st-set-general">General</h3>
        <TextInput id="st-set-name" label="Site name" value={form.name} onChange={(v) => set('name', v)} error={err('name', 'Site name')} maxLength={200} />
        <div className="field st-field">
          <span className="st-label">Address</span>
          <p className="st-readonly">
            <code>{site.slug}</code> <span className="st-muted st-small">The address cannot change once the site exists.</span>
          </p>
        </div>
      </section>

      <section className="card st-card st-settings__section" aria-labelledby="st-set-theme">
        <h3 id="st-set-theme">Theme</h3>
        <div className="st-colors">
          {(Object.keys(COLOR_LABELS) as (keyof Colors)[]).map((k) => (
            <ColorField
              key={k}
              id={`st-set-color-${k}`}
              label={COLOR_LABELS[k]}
              value={form.colors[k]}
              onChange={(v) => set('colors', { ...form.colors, [k]: v })}
              error={err(`theme.colors.${k}`, `${COLOR_LABELS[k]} colour`)}
            />
          ))}
        </div>
        {lowContrast && (
          <p className="st-warn st-small" role="status">
            The text colour is hard to read on the background (contrast {contrast(form.colors.text, form.colors.background).toFixed(1)}:1; aim for 4.5:1 or more).
          </p>
        )}
        <div className="st-theme-sample" style={{ background: form.colors.background, color: form.colors.text }} aria-hidden="true">
          <strong style={{ color: form.colors.primary, fontFamily: fontStack(form.heading) }}>{form.name || site.name}</strong>
          <span style={{ fontFamily: fontStack(form.body) }}>A line of text in your body font.</span>
          <span className="st-theme-sample__button" style={{ background: form.colors.accent }}>
            Button
          </span>
        </div>
        <datalist id="st-fonts">
          {FONTS.map((f) => (
            <option key={f} value={f} />
          ))}
        </datalist>
        <div className="st-two">
          <TextInput id="st-set-heading" label="Heading font" value={form.heading} onChange={(v) => set('heading', v)} error={err('theme.fonts.heading', 'Heading font')} list="st-fonts" maxLength={100} />
          <TextInput id="st-set-body" label="Body font" value={form.body} onChange={(v) => set('body', v)} error={err('theme.fonts.body', 'Body font')} list="st-fonts" maxLength={100} />
        </div>
        <p className="field-hint st-settings__hint">Fonts are not downloaded: visitors see the font when their device has it, a close system font otherwise.</p>
        <TextInput id="st-set-logo" label="Logo" value={form.logo} onChange={(v) => set('logo', v)} error={err('theme.logo_url', 'Logo')} optional mono placeholder="/media/… or https://…" />
      </section>

      <section className="card st-card st-settings__section" aria-labelledby="st-set-nav">
        <h3 id="st-set-nav">Navigation</h3>
        <p className="st-muted st-small">The links in your site's header, in order.</p>
        {errors.navigation && <p className="field-error">{sentence('Navigation', errors.navigation)}</p>}
        <datalist id="st-page-paths">
          {paths.map((p) => (
            <option key={p} value={p}>
              {pathLabel(p)}
            </option>
          ))}
        </datalist>
        {form.nav.length === 0 && <p className="st-muted">No links yet.</p>}
        <ol className="st-nav-list">
          {form.nav.map((n, i) => (
            <li key={n.id} className="st-nav-item">
              <TextInput
                id={`st-nav-${n.id}-label`}
                label="Label"
                value={n.label}
                onChange={(v) => set('nav', form.nav.map((x) => (x.id === n.id ? { ...x, label: v } : x)))}
                error={err(`navigation.${i}.label`, 'Label')}
                maxLength={80}
              />
              <TextInput
                id={`st-nav-${n.id}-path`}
                label="Goes to"
                value={n.path}
                onChange={(v) => set('nav', form.nav.map((x) => (x.id === n.id ? { ...x, path: v } : x)))}
                error={err(`navigation.${i}.path`, 'Link')}
                list="st-page-paths"
                mono
                placeholder="/about"
              />
              <div className="st-nav-item__actions">
                <button type="button" className="button button--ghost st-icon-button" onClick={() => set('nav', move(form.nav, i, -1))} disabled={i === 0} aria-label={`Move ${n.label || 'link'} up`}>
                  <Icon name="up" />
                </button>
                <button
                  type="button"
                  className="button button--ghost st-icon-button"
                  onClick={() => set('nav', move(form.nav, i, 1))}
                  disabled={i === form.nav.length - 1}
                  aria-label={`Move ${n.label || 'link'} down`}
                >
                  <Icon name="down" />
                </button>
                <button type="button" className="button button--ghost st-icon-button" onClick={() => set('nav', removeAt(form.nav, i))} aria-label={`Remove ${n.label || 'link'}`}>
                  <Icon name="trash" />
                </button>
              </div>
            </li>
          ))}
        </ol>
        <button type="button" className="button" onClick={() => set('nav', [...form.nav, { id: ++navSeq, label: '', path: '' }])} disabled={form.nav.length >= 20}>
          <Icon name="plus" />
          Add a link
        </button>
        {pages.error ? <InlineError error={pages.error} onRetry={pages.retry} /> : pages.loading && !pages.data ? <Skeleton lines={1} label="Loading the pages" /> : null}
      </section>

      <section className="card st-card st-settings__section" aria-labelledby="st-set-seo">
        <h3 id="st-set-seo">Search engines and sharing</h3>
        <p className="st-muted st-small">Defaults for every page; a page's own settings come first.</p>
        <TextInput id="st-set-seo-title" label="Title" value={form.seoTitle} onChange={(v) => set('seoTitle', v)} error={err('seo.title', 'Title')} optional maxLength={200} />
        <TextInput
          id="st-set-seo-description"
          label="Description"
          value={form.seoDescription}
          onChange={(v) => set('seoDescription', v)}
          error={err('seo.description', 'Description')}
          optional
          multiline
          maxLength={500}
        />
        <TextInput id="st-set-seo-image" label="Sharing image" value={form.ogImage} onChange={(v) => set('ogImage', v)} error={err('seo.og_image', 'Sharing image')} optional mono placeholder="/media/…" />
        <label className="st-check">
          <input type="checkbox" checked={form.noindex} onChange={(e) => set('noindex', e.target.checked)} />
          Hide the whole site from search engines
        </label>
      </section>

      <section className="card st-card st-settings__section" aria-labelledby="st-set-domains">
        <h3 id="st-set-domains">Custom domains</h3>
        <TextInput
          id="st-set-domains-input"
          label="Domains"
          value={form.domains}
          onChange={(v) => set('domains', v)}
          error={Object.entries(errors).find(([k]) => k.startsWith('custom_domains'))?.[1] ? sentence('A domain', Object.entries(errors).find(([k]) => k.startsWith('custom_domains'))![1]) : undefined}
          multiline
          rows={2}
          optional
          mono
          placeholder="www.example.com"
          hint="One a line. They are kept for when domain verification arrives: for now the site is served at its own address."
        />
      </section>

      <div className="st-settings__bar">
        <span className="st-muted st-small" aria-live="polite">
          {dirty ? 'Unsaved changes' : 'All changes saved'}
        </span>
        <button type="button" className="button button--ghost" onClick={() => setForm(settingsForm(site))} disabled={!dirty || busy}>
          Discard
        </button>
        <button type="submit" className="button button--primary" disabled={!dirty || busy}>
          {busy ? 'Saving…' : 'Save settings'}
        </button>
      </div>
    </form>
  );
}

function ColorField({ id, label, value, onChange, error }: { id: string; label: string; value: string; onChange: (v: string) => void; error?: string }) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  return (
    <div className="field st-field st-color">
      <label htmlFor={id}>{label}</label>
      <div className="st-color__row">
        <input type="color" value={/^#[0-9a-f]{6}$/i.test(value) ? value.toLowerCase() : '#000000'} onChange={(e) => onChange(e.target.value)} aria-label={`${label} colour picker`} />
        <input
          id={id}
          className="st-mono"
          value={text}
          maxLength={7}
          onChange={(e) => {
            const v = e.target.value.trim();
            setText(v);
            if (/^#[0-9a-fA-F]{6}$/.test(v)) onChange(v.toLowerCase());
          }}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-error` : undefined}
        />
      </div>
      {error && (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}
