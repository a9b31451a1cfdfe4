// A value of the Brief that shows, on hover or keyboard focus, the owner's
// words it was read from: a tooltip (role="tooltip", referenced by
// aria-describedby, so a screen reader says it too), dismissed with Escape.
import { useId, useState, type ReactNode } from 'react';
import { confidenceLabel, originLabel, type BriefField, type Source } from './vocab';

export function SourceValue({ field, children }: { field: BriefField; children: ReactNode }) {
  const id = useId();
  const [open, setOpen] = useState(false);
  const sources: Source[] = (field.sources ?? []).filter((s) => s.quote);
  if (sources.length === 0) return <span className="bf-value">{children}</span>;
  return (
    <span className="bf-source" onMouseEnter={() => setOpen(true)} onMouseLeave={() => setOpen(false)}>
      <span
        className="bf-value bf-value--sourced"
        tabIndex={0}
        aria-describedby={id}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        onKeyDown={(e) => {
          if (e.key === 'Escape' && open) {
            e.stopPropagation();
            setOpen(false);
          }
        }}
      >
        {children}
      </span>
      <span role="tooltip" id={id} className="bf-tip" hidden={!open}>
        <span className="bf-tip__label">
          {sources.length === 1 ? 'In your words' : `In your words (${sources.length} places)`}
        </span>
        {sources.slice(0, 4).map((s, i) => (
          <q key={i} className="bf-tip__quote">
            {s.quote}
          </q>
        ))}
        {sources.length > 4 && <span className="bf-tip__more">and {sources.length - 4} more</span>}
        <span className="bf-tip__meta">
          {originLabel(field.origin)}
          {field.confidence !== undefined && ` · ${confidenceLabel(field.confidence)}`}
        </span>
      </span>
    </span>
  );
}
