// Field errors of a 400 problem, put where the owner can see them. The API
// names a block's field as `blocks[2].data.headline` (or, inside a list,
// `blocks[1].data.items.0.title`), and a missing property at its parent
// with the message "missing property 'href'". The editor keeps errors by
// block (its client key), so they follow the block when it moves.

/** Canonical key: `items[0].title` -> `items.0.title`. */
export function canonicalKey(key: string): string {
  return key.replace(/\[(\d+)\]/g, '.$1').replace(/^\./, '');
}

/** A server message in words for the owner ("minLength: got 0, want 1" -> "is required"). */
export function humanize(message: string): string {
  const m = message.trim();
  let x: RegExpMatchArray | null;
  if ((x = m.match(/^minLength: got \d+, want (\d+)$/))) return x[1] === '1' ? 'is required' : `must be at least ${x[1]} characters`;
  if ((x = m.match(/^maxLength: got \d+, want (\d+)$/))) return `must be at most ${x[1]} characters`;
  if ((x = m.match(/^minItems: got \d+, want (\d+)$/))) return `needs at least ${x[1]}`;
  if ((x = m.match(/^maxItems: got \d+, want (\d+)$/))) return `holds at most ${x[1]}`;
  if (/does not match pattern '\^\(https\?:/.test(m)) return 'must start with https://, /, #, mailto: or tel:';
  if (/does not match pattern '\^\[A-Z\]\{3\}\$'/.test(m)) return 'must be a three-letter code, such as EUR or USD';
  if ((x = m.match(/^got (\w+), want integer$/))) return 'must be a whole number';
  if ((x = m.match(/^minimum: got .+, want (.+)$/))) return `must be at least ${x[1]}`;
  if ((x = m.match(/^maximum: got .+, want (.+)$/))) return `must be at most ${x[1]}`;
  return m;
}

/**
 * The problem's errors with each "missing property" moved onto the property
 * itself (`cta` + "missing property 'href'" -> `cta.href`: "is required").
 */
export function refineMissing(errors: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, msg] of Object.entries(errors)) {
    const m = msg.match(/^missing propert(?:y|ies) (.+)$/);
    if (m?.[1]) {
      for (const [, name] of m[1].matchAll(/'([^']+)'/g)) out[key ? `${key}.${name}` : (name as string)] = 'is required';
      continue;
    }
    out[key] = msg;
  }
  return out;
}

export interface PlacedErrors {
  /** Errors of the page's own fields (title, path, seo.title, blocks), by key. */
  page: Record<string, string>;
  /** Errors of each block, by the block's client key, then by field key ("headline", "items.0.title"; "" for the block as a whole). */
  blocks: Record<string, Record<string, string>>;
}

/**
 * splitProblem sorts a 400's errors between the page and its blocks:
 * `blocks[2].data.headline` goes to the block sent third (blockKeys[2]),
 * field `headline`.
 */
export function splitProblem(errors: Record<string, string>, blockKeys: readonly string[]): PlacedErrors {
  const out: PlacedErrors = { page: {}, blocks: {} };
  for (const [rawKey, rawMsg] of Object.entries(errors)) {
    const m = rawKey.match(/^blocks\[(\d+)\](?:\.(data|type|cites))?(?:\.(.*))?$/);
    const blockKey = m ? blockKeys[Number(m[1])] : undefined;
    if (!m || blockKey === undefined) {
      out.page[canonicalKey(rawKey)] = humanize(rawMsg);
      continue;
    }
    const part = m[2] ?? '';
    const field = part === 'data' ? canonicalKey(m[3] ?? '') : part; // type, cites: the block as a whole
    const refined = refineMissing({ [field === 'type' || field === 'cites' ? '' : field]: rawMsg });
    const into = (out.blocks[blockKey] ??= {});
    for (const [k, msg] of Object.entries(refined)) into[k] = humanize(msg);
  }
  return out;
}

/**
 * placeBlockErrors splits one block's errors into those a field of its
 * form shows (`known`) and the rest, which the block shows at its top.
 */
export function placeBlockErrors(
  errors: Record<string, string> | undefined,
  known: Set<string>,
): { fields: Record<string, string>; rest: string[] } {
  const fields: Record<string, string> = {};
  const rest: string[] = [];
  for (const [k, msg] of Object.entries(errors ?? {})) {
    if (k && known.has(k)) fields[k] = msg;
    else rest.push(k ? `${k} ${msg}` : msg);
  }
  return { fields, rest };
}

/** The id of a block field's input: stable per block, so a label, an error and a focus can find it. */
export function inputId(blockKey: string, fieldKey: string): string {
  return `blk-${blockKey}-${fieldKey.replace(/[^A-Za-z0-9_-]/g, '-')}`;
}
