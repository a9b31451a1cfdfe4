// A small JSON Schema -> TypeScript generator for the event contracts
// (contracts/events/*.schema.json). It knows the subset those schemas use and
// refuses anything else, so a schema that grows a new construct fails
// `make generate` loudly instead of producing a wrong type.

// Keywords that only constrain values and do not change the TypeScript type.
const VALUE_ONLY = new Set([
  '$schema', '$id', 'title', 'description', 'format', 'pattern', 'minLength', 'maxLength',
  'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf',
  'minItems', 'maxItems', 'uniqueItems', 'minProperties', 'maxProperties', 'default', 'examples',
]);
const STRUCTURAL = new Set(['type', 'enum', 'const', 'properties', 'required', 'additionalProperties', 'items']);

const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const key = (k) => (identifier.test(k) ? k : JSON.stringify(k));
const indent = (text, by) => text.split('\n').map((l) => (l ? by + l : l)).join('\n');

function doc(schema, pad) {
  const lines = [];
  if (schema.description) lines.push(...schema.description.split('\n'));
  const facts = [];
  if (schema.format) facts.push(`format: ${schema.format}`);
  if (schema.pattern) facts.push(`pattern: ${schema.pattern}`);
  if (facts.length) lines.push(`(${facts.join('; ')})`);
  if (!lines.length) return '';
  if (lines.length === 1) return `${pad}/** ${lines[0].replaceAll('*/', '*\\/')} */\n`;
  return `${pad}/**\n${lines.map((l) => `${pad} * ${l.replaceAll('*/', '*\\/')}`).join('\n')}\n${pad} */\n`;
}

/** typeOf returns the TypeScript type of a schema, as source text. */
export function typeOf(schema, where) {
  if (schema === true || (typeof schema === 'object' && Object.keys(schema).length === 0)) return 'unknown';
  for (const k of Object.keys(schema)) {
    if (!VALUE_ONLY.has(k) && !STRUCTURAL.has(k) && !k.startsWith('x-')) {
      throw new Error(`${where}: the events generator does not support the keyword "${k}"`);
    }
  }
  if ('const' in schema) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types[0] === undefined) throw new Error(`${where}: a schema without "type"`);
  return types.map((t) => single(t, schema, where)).join(' | ');
}

function single(t, schema, where) {
  switch (t) {
    case 'string':
      return 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array': {
      const item = schema.items ? typeOf(schema.items, `${where}.items`) : 'unknown';
      return /^[\w.]+$/.test(item) ? `${item}[]` : `Array<${item}>`;
    }
    case 'object':
      return objectType(schema, where);
    default:
      throw new Error(`${where}: unknown type "${t}"`);
  }
}

function objectType(schema, where) {
  const props = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const extra = schema.additionalProperties;
  const lines = [];
  for (const [name, sub] of Object.entries(props)) {
    lines.push(doc(sub, '') + `${key(name)}${required.has(name) ? '' : '?'}: ${typeOf(sub, `${where}.${name}`)};`);
  }
  if (extra !== false) {
    const value = extra === undefined || extra === true ? 'unknown' : typeOf(extra, `${where}[*]`);
    if (!lines.length) return `Record<string, ${value}>`;
    lines.push(`[key: string]: ${value};`);
  }
  if (!lines.length) return 'Record<string, never>';
  return `{\n${indent(lines.join('\n'), '  ')}\n}`;
}

/** pascal turns "xentri.lead.created.v1" into "LeadCreatedV1". */
export function pascal(type) {
  return type
    .replace(/^xentri\./, '')
    .split(/[._-]/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

/** eventsModule renders src/generated/events.ts from the parsed schema files. */
export function eventsModule(files) {
  const envelope = files.find((f) => f.file === 'envelope.schema.json');
  if (!envelope) throw new Error('contracts/events/envelope.schema.json is missing');
  const events = files.filter((f) => f !== envelope);
  let out = '';
  out += doc(envelope.schema, '');
  out += `export interface Envelope ${typeOf(envelope.schema, 'envelope')}\n\n`;
  const entries = [];
  for (const { file, schema } of events) {
    const type = schema.title;
    if (!type || `${type}.schema.json` !== file) throw new Error(`${file}: its title must be the event type (${file.replace('.schema.json', '')})`);
    if (schema.type !== 'object') throw new Error(`${file}: a payload must be an object`);
    const name = `${pascal(type)}Payload`;
    out += doc(schema, '');
    out += `export interface ${name} ${typeOf(schema, file)}\n\n`;
    entries.push({ type, name, payloadSchema: schema['x-payload-schema'] });
  }
  out += '/** Every event type, with the payload it carries. */\n';
  out += `export interface EventPayloads {\n${entries.map((e) => `  ${JSON.stringify(e.type)}: ${e.name};`).join('\n')}\n}\n\n`;
  out += 'export type EventType = keyof EventPayloads;\n\n';
  out += '/** Every event type, in order. */\n';
  out += `export const eventTypes = [\n${entries.map((e) => `  ${JSON.stringify(e.type)},`).join('\n')}\n] as const satisfies readonly EventType[];\n\n`;
  out += '/** The payload_schema each event type carries (its x-payload-schema). */\n';
  out += `export const payloadSchemas = {\n${entries.map((e) => `  ${JSON.stringify(e.type)}: ${JSON.stringify(e.payloadSchema)},`).join('\n')}\n} as const satisfies Record<EventType, string>;\n\n`;
  out += '/** A SystemEvent (ADR-002) of one type, or of any type: a union discriminated by `type`. */\n';
  out += "export type SystemEvent<T extends EventType = EventType> = T extends EventType\n";
  out += "  ? Omit<Envelope, 'type' | 'payload'> & { type: T; payload: EventPayloads[T] }\n";
  out += '  : never;\n';
  return out;
}
