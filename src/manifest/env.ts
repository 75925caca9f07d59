// Value references in manifests: ${env:NAME}, ${env:NAME:-default}, ${file:./path} (relative to
// the manifest's folder), and $${ for a literal "${". They are checked for form without any
// secret (validate, diff), checked against the environment with --env, and expanded only when
// the gateway loads its config. Expanded values are never written back or logged.
// Whoever can apply manifests must not read the host through them: ${file:} stays inside the
// config folder (no absolute path, no "..", no symbolic link out), and ${env:} in manifests
// reads only what the Gateway's references.env lists (when it has a list).
import { readFile, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { baseUrlProblem } from './base-url.js';
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
    if (end < 0)
      return {
        pieces,
        error: `unclosed reference at "${value.slice(i, i + 20)}"; close it with "}" (write $\${ for a literal \${)`,
      };
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
  /**
   * The config folder (absolute): the folder of gateway.yaml, or the working folder without
   * one (configFolder()). Every ${file:} must stay inside it, symbolic links followed.
   */
  readonly root: string;
}

/** The folder ${file:} references are confined to: gateway.yaml's, or `cwd` when there is none. */
export function configFolder(configPath: string | undefined, cwd: string = process.cwd()): string {
  return configPath !== undefined ? dirname(configPath) : resolve(cwd);
}

/** references.env of the Gateway among `resources`; undefined (no list): any variable. */
export function envAllowList(resources: readonly Resource[]): readonly string[] | undefined {
  const gateway = resources.find((r) => r.kind === 'Gateway');
  const list = (gateway?.manifest.spec as { references?: { env?: unknown } } | undefined)?.references?.env;
  return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : undefined;
}

/** Whether `list` (names, prefixes ending in *, or *) lets manifests read variable `name`. */
export function envAllowed(name: string, list: readonly string[] | undefined): boolean {
  if (list === undefined) return true;
  return list.some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : p === name));
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** A file reference as checked: its content (confined and readable), or why it is refused. */
type FileCheck =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly code: Diagnostic['code']; readonly why: string };

const OUTSIDE = 'stays inside the config folder (the folder of gateway.yaml)';

/** Where a reference would read, checked on the text alone: absolute paths and ".." escapes. */
function lexicalProblem(source: SourceDoc, path: string, root: string): string | undefined {
  if (isAbsolute(path)) return `absolute paths are refused; write a path relative to the manifest that ${OUTSIDE}`;
  if (!inside(root, resolve(source.dir, path)))
    return `the path leads out of the config folder; write one that ${OUTSIDE}`;
  return undefined;
}

/** Follows symbolic links, then reads: a link that leads out of the folder is refused unread. */
async function readConfined(abs: string, rootReal: Promise<string>, root: string): Promise<FileCheck> {
  let real: string;
  try {
    real = await realpath(abs);
  } catch (err) {
    return {
      ok: false,
      code: 'GW_ERR_FILE_REF_MISSING',
      why: `cannot read ./${relative(root, abs).split(sep).join('/')} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`,
    };
  }
  if (!inside(await rootReal, real))
    return {
      ok: false,
      code: 'GW_ERR_FILE_REF_OUTSIDE',
      why: `a symbolic link on the way leads out of the config folder; write a path that ${OUTSIDE}`,
    };
  try {
    return { ok: true, text: await readFile(real, 'utf8') };
  } catch (err) {
    return {
      ok: false,
      code: 'GW_ERR_FILE_REF_MISSING',
      why: `cannot read ./${relative(root, abs).split(sep).join('/')} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`,
    };
  }
}

interface Inspection {
  readonly diagnostics: Diagnostic[];
  /** Content of every ${file:} that may be read, by absolute path (checkEnv only). */
  readonly files: Map<string, string>;
  /**
   * The resources with a string holding "${" or a "__proto__" key (which a copy drops): the
   * others come out of resolveReferences as they are, so they need no second walk.
   */
  readonly toCopy: Set<Resource>;
}

async function inspect(resources: readonly Resource[], opts: ReferenceCheckOptions): Promise<Inspection> {
  const out: Diagnostic[] = [];
  const files = new Map<string, string>();
  const toCopy = new Set<Resource>();
  const reads = new Map<string, Promise<FileCheck>>();
  const pending: Promise<void>[] = [];
  const allow = envAllowList(resources);
  const root = resolve(opts.root);
  const rootReal = realpath(root).catch(() => root);
  for (const r of resources) {
    const visit = (value: string, path: (string | number)[]): void => {
      if (!value.includes('${')) return;
      toCopy.add(r);
      const { pieces, error } = scanValue(value);
      if (error) out.push(diag(r.source, path, 'GW_ERR_REF_SYNTAX', error));
      for (const p of pieces) {
        if (typeof p === 'string') continue;
        if (p.type === 'env') {
          // The Gateway document is the operator's own file and sets the list: not bound by it.
          if (r.kind !== 'Gateway' && !envAllowed(p.name, allow)) {
            out.push(
              diag(
                r.source,
                path,
                'GW_ERR_ENV_NOT_ALLOWED',
                `${p.raw}: manifests may not read environment variable ${p.name}; the Gateway's references.env lists what they may read (${allow?.join(', ') || 'nothing'})`,
              ),
            );
          } else if (opts.checkEnv && p.fallback === undefined && opts.env[p.name] === undefined) {
            out.push(
              diag(
                r.source,
                path,
                'GW_ERR_ENV_UNSET',
                `${p.raw}: environment variable ${p.name} is not set; set it or give a default with \${env:${p.name}:-default}`,
              ),
            );
          }
          continue;
        }
        const lexical = lexicalProblem(r.source, p.path, root);
        if (lexical !== undefined) {
          out.push(diag(r.source, path, 'GW_ERR_FILE_REF_OUTSIDE', `${p.raw}: ${lexical}`));
          continue;
        }
        if (!opts.checkEnv) continue;
        const abs = resolve(r.source.dir, p.path);
        let read = reads.get(abs);
        if (read === undefined) reads.set(abs, (read = readConfined(abs, rootReal, root)));
        const where = [...path];
        pending.push(
          read.then((c) => {
            if (c.ok) files.set(abs, c.text);
            else out.push(diag(r.source, where, c.code, `${p.raw}: ${c.why}`));
          }),
        );
      }
    };
    walkStrings(r.manifest.spec, ['spec'], visit, () => toCopy.add(r));
  }
  await Promise.all(pending);
  return { diagnostics: out, files, toCopy };
}

/** Checks every reference in every document's spec; with checkEnv also that it resolves. */
export async function checkReferences(
  resources: readonly Resource[],
  opts: ReferenceCheckOptions,
): Promise<Diagnostic[]> {
  return (await inspect(resources, opts)).diagnostics;
}

/**
 * Returns copies of the resources with every reference expanded, and every problem: unset
 * variables, refused or unreadable files, and baseUrls that are no URL once expanded (the
 * caller must not serve a config that has any). A file is read only when its reference passed.
 */
export async function resolveReferences<R extends Resource>(
  resources: readonly R[],
  env: NodeJS.ProcessEnv,
  opts: { readonly root: string },
): Promise<{ resources: R[]; diagnostics: Diagnostic[] }> {
  const { diagnostics, files, toCopy } = await inspect(resources, { checkEnv: true, env, root: opts.root });
  const allow = envAllowList(resources);
  // One piece at a time; `ok` turns false when a piece could not be resolved (already reported).
  const expand = (r: Resource, value: string): { text: string; ok: boolean } => {
    if (!value.includes('${')) return { text: value, ok: true };
    const { pieces, error } = scanValue(value);
    if (error) return { text: value, ok: false };
    let ok = true;
    const text = pieces
      .map((p) => {
        if (typeof p === 'string') return p;
        if (p.type === 'env') {
          if (r.kind !== 'Gateway' && !envAllowed(p.name, allow)) return ((ok = false), '');
          const v = env[p.name] ?? p.fallback;
          if (v === undefined) ok = false;
          return v ?? '';
        }
        const content = files.get(resolve(r.source.dir, p.path));
        if (content === undefined) return ((ok = false), '');
        // A trailing newline in a secret file would corrupt a header value.
        return content.replace(/\r?\n$/, '');
      })
      .join('');
    return { text, ok };
  };
  const out = resources.map((r) => {
    // Any other spec would come back as it is (see mapStrings): not walked a second time.
    const spec = toCopy.has(r) ? mapStrings(r.manifest.spec, (value) => expand(r, value).text) : r.manifest.spec;
    checkResolvedBaseUrl(r, diagnostics, (value) => expand(r, value));
    return { ...r, manifest: { ...r.manifest, spec } } as R;
  });
  return { resources: out, diagnostics };
}

/** A baseUrl written with references must still be a URL once they are expanded. */
function checkResolvedBaseUrl(
  r: Resource,
  out: Diagnostic[],
  expand: (value: string) => { text: string; ok: boolean },
): void {
  const spec = r.manifest.spec as { type?: unknown; baseUrl?: unknown };
  const holds = (r.kind === 'Provider' && spec.type !== 'mock') || (r.kind === 'Endpoint' && spec.type === 'proxy');
  if (!holds || typeof spec.baseUrl !== 'string' || !spec.baseUrl.includes('${')) return;
  const { text, ok } = expand(spec.baseUrl);
  if (!ok) return; // the reference itself was reported
  const why = baseUrlProblem(text);
  // The resolved value is never shown: it may come from a file or a secret.
  if (why !== undefined)
    out.push(
      diag(
        r.source,
        ['spec', 'baseUrl'],
        'GW_ERR_BASE_URL',
        `baseUrl of ${r.kind.toLowerCase()} ${r.name}, once its references are resolved, ${why}`,
      ),
    );
}

function diag(source: SourceDoc, path: (string | number)[], code: Diagnostic['code'], message: string): Diagnostic {
  const { line, col } = source.locate(path);
  return { code, severity: 'error', message, file: source.file, line, col, path: formatPath(path) };
}

/**
 * Calls visit for every string in value. `path` is one array reused for the whole walk (a
 * copy per node made large configs slow): it is valid during the call only; copy it to keep it.
 */
export function walkStrings(
  value: unknown,
  path: (string | number)[],
  visit: (s: string, path: (string | number)[]) => void,
  /** Told of each "__proto__" key met (an own property, as JSON and YAML readers make them). */
  onProtoKey?: () => void,
): void {
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
        if (k === '__proto__') onProtoKey?.();
        at.push(k);
        walk(o[k]);
        at.pop();
      }
    }
  };
  walk(value);
}

/**
 * `value` with fn applied to every string. Copy on write: an array or object in which no string
 * changed is returned as it is (shared, not copied); resolved specs are only read (compile
 * copies what it keeps), and most hold no reference at all.
 */
function mapStrings(value: unknown, fn: (s: string) => string): unknown {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      const m = mapStrings(v, fn);
      if (m !== v && out === undefined) out = value.slice(0, i);
      if (out !== undefined) out.push(m);
    }
    return out ?? value;
  }
  if (value && typeof value === 'object') {
    const src = value as Record<string, unknown>;
    let out: Record<string, unknown> | undefined;
    const keys = Object.keys(src);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const v = src[k];
      const m = mapStrings(v, fn);
      // A "__proto__" key is copied as before (by assignment), never kept as an own property.
      if ((m !== v || k === '__proto__') && out === undefined) {
        out = {};
        for (let j = 0; j < i; j++) out[keys[j]!] = src[keys[j]!];
      }
      if (out !== undefined) out[k] = m;
    }
    return out ?? value;
  }
  return value;
}
