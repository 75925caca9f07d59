// Value references in manifests: ${env:NAME}, ${env:NAME:-default}, ${file:./path} (relative to
// the manifest's folder), and $${ for a literal "${". They are checked for form without any
// secret (validate, diff), checked against the environment with --env, and expanded only when
// the gateway loads its config. Expanded values are never written back or logged.
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { formatPath, type Diagnostic } from './diagnostics.js';
import type { Resource, SourceDoc } from './types.js';

export type Reference =
  | { readonly type: 'env'; readonly name: string; readonly fallback: string | undefined; readonly raw: string }
  | { readonly type: 'file'; readonly path: string; readonly raw: string };

type Piece = string | Reference;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Splits a string into literal pieces and references; `error` says what is malformed. */
export function scanValue(value: string): { pieces: Piece[]; error?: string } {
  // Most strings hold no reference; skip the character walk for them.
  if (!value.includes('${')) return { pieces: value ? [value] : [] };
  const pieces: Piece[] = [];
  let literal = '';
  let i = 0;
  while (i < value.length) {
    if (value.startsWith('$${', i)) {
      literal += '${';
      i += 3;
      continue;
    }
    if (!value.startsWith('${', i)) {
      literal += value[i];
      i += 1;
      continue;
    }
    const end = value.indexOf('}', i + 2);
    if (end < 0) return { pieces, error: `unclosed reference at "${value.slice(i, i + 20)}"; close it with "}" (write $\${ for a literal \${)` };
    const raw = value.slice(i, end + 1);
    const body = value.slice(i + 2, end);
    const ref = parseReference(body, raw);
    if (typeof ref === 'string') return { pieces, error: ref };
    if (literal) pieces.push(literal);
    literal = '';
    pieces.push(ref);
    i = end + 1;
  }
  if (literal) pieces.push(literal);
  return { pieces };
}

function parseReference(body: string, raw: string): Reference | string {
  if (body.startsWith('env:')) {
    const rest = body.slice(4);
    const sep = rest.indexOf(':-');
    const name = sep < 0 ? rest : rest.slice(0, sep);
    if (!ENV_NAME.test(name)) return `${raw}: "${name}" is not an environment variable name (letters, digits, _)`;
    return { type: 'env', name, fallback: sep < 0 ? undefined : rest.slice(sep + 2), raw };
  }
  if (body.startsWith('file:')) {
    const path = body.slice(5);
    if (!path) return `${raw}: name a file, e.g. \${file:./secret.txt}`;
    return { type: 'file', path, raw };
  }
  return `${raw} is not a reference gw knows; use \${env:NAME}, \${env:NAME:-default} or \${file:./path}`;
}

export function hasReference(value: string): boolean {
  return scanValue(value).pieces.some((p) => typeof p !== 'string');
}

export interface ReferenceCheckOptions {
  /** Also require every env var to be set and every file to be readable. */
  readonly checkEnv: boolean;
  readonly env: NodeJS.ProcessEnv;
}

/** Checks every reference in every document's spec; with checkEnv also that it resolves. */
export async function checkReferences(resources: readonly Resource[], opts: ReferenceCheckOptions): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  const fileChecks: Promise<void>[] = [];
  for (const r of resources) {
    walkStrings(r.manifest.spec, ['spec'], (value, path) => {
      if (!value.includes('${')) return;
      const { pieces, error } = scanValue(value);
      if (error) out.push(diag(r.source, path, 'GW_ERR_REF_SYNTAX', error));
      if (!opts.checkEnv) return;
      for (const p of pieces) {
        if (typeof p === 'string') continue;
        if (p.type === 'env' && p.fallback === undefined && opts.env[p.name] === undefined) {
          out.push(diag(r.source, path, 'GW_ERR_ENV_UNSET', `${p.raw}: environment variable ${p.name} is not set; set it or give a default with \${env:${p.name}:-default}`));
        }
        if (p.type === 'file') {
          const abs = fileRefPath(r.source, p.path);
          const where = [...path];
          fileChecks.push(
            readFile(abs).then(
              () => undefined,
              (err: NodeJS.ErrnoException) => {
                out.push(diag(r.source, where, 'GW_ERR_FILE_REF_MISSING', `${p.raw}: cannot read ${abs} (${err.code ?? err.message})`));
              },
            ),
          );
        }
      }
    });
  }
  await Promise.all(fileChecks);
  return out;
}

/**
 * Returns copies of the resources with every reference expanded. Unset variables and unreadable
 * files become diagnostics (the caller must not serve a config that has any).
 */
export async function resolveReferences<R extends Resource>(resources: readonly R[], env: NodeJS.ProcessEnv): Promise<{ resources: R[]; diagnostics: Diagnostic[] }> {
  const diagnostics = await checkReferences(resources, { checkEnv: true, env });
  // Read every referenced file once, then expand synchronously.
  const files = new Map<string, string>();
  for (const r of resources) {
    walkStrings(r.manifest.spec, [], (value) => {
      if (!value.includes('${')) return;
      for (const p of scanValue(value).pieces) if (typeof p !== 'string' && p.type === 'file') files.set(fileRefPath(r.source, p.path), '');
    });
  }
  await Promise.all(
    [...files.keys()].map(async (abs) => {
      // A trailing newline in a secret file would corrupt a header value.
      files.set(abs, await readFile(abs, 'utf8').then((t) => t.replace(/\r?\n$/, ''), () => ''));
    }),
  );
  const out = resources.map((r) => {
    const spec = mapStrings(r.manifest.spec, (value) => {
      if (!value.includes('${')) return value;
      const { pieces, error } = scanValue(value);
      if (error) return value;
      return pieces
        .map((p) => (typeof p === 'string' ? p : p.type === 'env' ? (env[p.name] ?? p.fallback ?? '') : (files.get(fileRefPath(r.source, p.path)) ?? '')))
        .join('');
    });
    return { ...r, manifest: { ...r.manifest, spec } } as R;
  });
  return { resources: out, diagnostics };
}

function fileRefPath(source: SourceDoc, path: string): string {
  return isAbsolute(path) ? path : resolve(source.dir, path);
}

function diag(source: SourceDoc, path: (string | number)[], code: Diagnostic['code'], message: string): Diagnostic {
  const { line, col } = source.locate(path);
  return { code, severity: 'error', message, file: source.file, line, col, path: formatPath(path) };
}

/**
 * Calls visit for every string in value. `path` is one array reused for the whole walk (a
 * copy per node made large configs slow): it is valid during the call only; copy it to keep it.
 */
export function walkStrings(value: unknown, path: (string | number)[], visit: (s: string, path: (string | number)[]) => void): void {
  const at = [...path];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') visit(v, at);
    else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        at.push(i);
        walk(v[i]);
        at.pop();
      }
    } else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      for (const k of Object.keys(o)) {
        at.push(k);
        walk(o[k]);
        at.pop();
      }
    }
  };
  walk(value);
}

function mapStrings(value: unknown, fn: (s: string) => unknown): unknown {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = mapStrings(v, fn);
    return out;
  }
  return value;
}
