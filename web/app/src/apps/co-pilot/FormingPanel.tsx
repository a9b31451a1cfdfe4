// "Your Brief is forming": every field of the Brief by section, filling
// as the co-pilot understands the owner, with the questions still open.
import { formatValue } from '../brief/vocab';
import type { Forming } from './conversation';

export function FormingPanel({ forming, latestTurn }: { forming: Forming; latestTurn: number }) {
  const { sections, filled, total } = forming;
  const pct = total ? Math.round((filled / total) * 100) : 0;
  return (
    // It scrolls on its own: focusable, so a keyboard can scroll it too.
    <aside className="cp-panel card" aria-labelledby="cp-panel-title" tabIndex={0}>
      <div className="cp-panel__head">
        <h2 id="cp-panel-title">Your Brief is forming</h2>
        {total > 0 && (
          <>
            <p className="cp-panel__count" aria-live="polite">
              {filled} of {total} answered
            </p>
            <div className="cp-meter" role="progressbar" aria-label="Brief filled" aria-valuemin={0} aria-valuemax={total} aria-valuenow={filled}>
              <span style={{ width: `${pct}%` }} />
            </div>
          </>
        )}
      </div>
      {sections.length === 0 ? (
        <p className="cp-muted">What you tell the co-pilot appears here, section by section.</p>
      ) : (
        <div className="cp-panel__sections">
          {sections.map((s) => (
            <section key={s.id} className="cp-panel__section" aria-labelledby={`cp-sec-${s.id}`}>
              <h3 id={`cp-sec-${s.id}`}>{s.title}</h3>
              <ul>
                {s.fields.map((f) => (
                  <li
                    key={f.field}
                    className={`cp-pf cp-pf--${f.status}${f.status === 'heard' && f.turn === latestTurn ? ' cp-pf--new' : ''}`}
                  >
                    <span className="cp-pf__icon" aria-hidden="true">
                      {f.status === 'missing' ? '' : '✓'}
                    </span>
                    <span className="cp-pf__body">
                      <span className="cp-pf__title">
                        {f.title}
                        <span className="visually-hidden">
                          {f.status === 'missing' ? ' (not answered yet)' : f.status === 'known' ? ' (already in your Brief)' : ''}
                        </span>
                      </span>
                      {f.status === 'heard' && <span className="cp-pf__value">{formatValue(f.value, f.kind, f.section, f.field)}</span>}
                      {f.status === 'missing' && f.question && <span className="cp-pf__question">{f.question}</span>}
                      {f.status === 'known' && <span className="cp-pf__question">Already in your Brief</span>}
                    </span>
                  </li>
                ))}
              </ul>
            </section>
          ))}
        </div>
      )}
    </aside>
  );
}
