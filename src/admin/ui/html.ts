// The one escaping helper of the status page. Every page is built with the `markup` tag: each
// interpolated value is escaped unless it is itself the output of `markup` (SafeHtml); arrays are
// joined. So a value from a manifest, the usage log or a query string can only ever be text.

/** Markup built by `markup` (or `raw`): trusted, inserted as is. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Text for an element's content or a quoted attribute value: & < > " ' ` as entities. */
export function escapeHtml(value: unknown): string {
  const s = value === undefined || value === null ? '' : String(value);
  return s.replace(/[&<>"'`]/g, (c) => ENTITIES[c] ?? c);
}

function part(v: unknown): string {
  if (v instanceof SafeHtml) return v.value;
  if (Array.isArray(v)) return v.map(part).join('');
  if (v === false || v === undefined || v === null) return '';
  return escapeHtml(v);
}

/** A template tag: literal parts as written, interpolations escaped (SafeHtml and arrays of it kept). */
export function markup(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += part(values[i]) + (strings[i + 1] ?? '');
  return new SafeHtml(out);
}

/** Markup produced by code, not data (the SVG chart's numbers); never pass data here. */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}
