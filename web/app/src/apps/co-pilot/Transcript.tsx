// The conversation: the co-pilot's opening, then each turn: the owner's
// message (the facts understood highlighted in their own words) and the
// co-pilot's reply (its words, what it understood, its next question).
import { useEffect, useRef, useState } from 'react';
import { formatValue, sectionTitle, fieldTitle } from '../brief/vocab';
import { factsOf, splitReply, type Fact, type Turn } from './conversation';
import { segments, type Span } from './highlight';

const HUES = 4;

export function Transcript({
  opening,
  turns,
  onRetry,
  onDiscard,
}: {
  opening: string;
  turns: Turn[];
  onRetry: (t: Turn) => void;
  onDiscard: (t: Turn) => void;
}) {
  const end = useRef<HTMLDivElement>(null);
  const last = turns[turns.length - 1];
  // Keep the newest words in view as they come.
  useEffect(() => {
    const log = end.current?.parentElement;
    if (log) log.scrollTop = log.scrollHeight;
  }, [turns.length, last?.status]);

  return (
    <div className="cp-log" role="log" aria-label="Conversation" tabIndex={0}>
      <CopilotBubble>
        <p>{opening}</p>
      </CopilotBubble>
      {turns.map((t) => (
        <TurnView key={t.cid} turn={t} onRetry={onRetry} onDiscard={onDiscard} />
      ))}
      <div ref={end} />
    </div>
  );
}

function CopilotBubble({ children, busy }: { children: React.ReactNode; busy?: boolean }) {
  return (
    <div className="cp-row cp-row--copilot" aria-busy={busy || undefined}>
      <span className="cp-avatar" aria-hidden="true">
        ✦
      </span>
      <div className="cp-bubble cp-bubble--copilot">
        <span className="visually-hidden">Co-pilot: </span>
        {children}
      </div>
    </div>
  );
}

function TurnView({ turn, onRetry, onDiscard }: { turn: Turn; onRetry: (t: Turn) => void; onDiscard: (t: Turn) => void }) {
  const [active, setActive] = useState<number | null>(null);
  const facts = factsOf(turn.reply);
  return (
    <>
      <div className={`cp-row cp-row--owner cp-row--${turn.status}`}>
        <div className="cp-bubble cp-bubble--owner">
          <span className="visually-hidden">You{turn.kind === 'voice_transcript' ? ' (voice note transcript)' : ''}: </span>
          {turn.kind === 'voice_transcript' && (
            <span className="cp-kind" aria-hidden="true">
              Voice note transcript
            </span>
          )}
          <p className="cp-owner-text">
            <Highlighted text={turn.text} facts={facts} active={active} />
          </p>
        </div>
        {turn.status === 'sending' && (
          <p className="cp-status" role="status">
            {turn.attempts > 1 ? 'Sending again…' : 'Sending…'}
          </p>
        )}
        {turn.status === 'failed' && (
          <div className="cp-failed" role="alert">
            <p>
              <strong>Not sent.</strong> {turn.error}
            </p>
            <div className="cp-failed__actions">
              <button type="button" className="button" onClick={() => onRetry(turn)}>
                Try again
              </button>
              <button type="button" className="button button--ghost" onClick={() => onDiscard(turn)}>
                Edit message
              </button>
            </div>
          </div>
        )}
      </div>
      {turn.status === 'sending' && (
        <CopilotBubble busy>
          <span className="cp-typing" aria-label="The co-pilot is reading your message">
            <span />
            <span />
            <span />
          </span>
        </CopilotBubble>
      )}
      {turn.reply && <ReplyView turn={turn} facts={facts} onActive={setActive} active={active} />}
    </>
  );
}

/** The owner's words, each span the co-pilot read a fact from marked. */
export function Highlighted({ text, facts, active }: { text: string; facts: Fact[]; active?: number | null }) {
  const spans: Span[] = facts.flatMap((f, key) => f.sources.map((s) => ({ start: s.start ?? 0, end: s.end ?? 0, key, quote: s.quote })));
  return (
    <>
      {segments(text, spans).map((seg, i) => {
        if (seg.keys.length === 0) return <span key={i}>{seg.text}</span>;
        const first = seg.keys[0]!;
        const names = seg.keys.map((k) => facts[k] && fieldTitle(facts[k].section, facts[k].field)).join(', ');
        const cls = [
          'cp-mark',
          `cp-mark--${first % HUES}`,
          seg.keys.length > 1 ? 'cp-mark--overlap' : '',
          active !== null && active !== undefined && seg.keys.includes(active) ? 'cp-mark--active' : '',
        ]
          .filter(Boolean)
          .join(' ');
        return (
          <mark key={i} className={cls} title={names} data-facts={seg.keys.join(' ')}>
            {seg.text}
          </mark>
        );
      })}
    </>
  );
}

function ReplyView({
  turn,
  facts,
  active,
  onActive,
}: {
  turn: Turn;
  facts: Fact[];
  active: number | null;
  onActive: (k: number | null) => void;
}) {
  const { text, question } = splitReply(turn.reply!);
  return (
    <CopilotBubble>
      {text && <p>{text}</p>}
      {facts.length > 0 && (
        <ul className="cp-facts" aria-label="What I understood">
          {facts.map((f, k) => (
            <li
              key={k}
              className={`cp-fact${active === k ? ' cp-fact--active' : ''}`}
              onMouseEnter={() => onActive(k)}
              onMouseLeave={() => onActive(null)}
            >
              <span className={`cp-swatch cp-mark--${k % HUES}`} aria-hidden="true" />
              <span className="cp-fact__name" title={`${f.section}.${f.field}`}>
                {sectionTitle(f.section)} · {fieldTitle(f.section, f.field)}
              </span>
              <span className="cp-fact__value">{formatValue(f.value, undefined, f.section, f.field)}</span>
            </li>
          ))}
        </ul>
      )}
      {question && <p className="cp-question">{question}</p>}
    </CopilotBubble>
  );
}
