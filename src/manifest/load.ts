// Inputs (files, folders, globs, '-') -> schema-checked resources + every problem found.
// The only module here that reads files. It never stops at the first problem.
import { readFile, stat, readdir } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { glob } from 'tinyglobby';
import type { Diagnostic } from './diagnostics.js';
import { parseYaml } from './parse.js';
import { validateDocument } from './schema.js';
import type { BrokenResource, GatewayResource, LoadResult, Manifest, Resource } from './types.js';
import { isObject } from '../util/is-object.js';
import { compareText } from '../util/compare-text.js';

/** The kind, name and workspace of a document that failed its schema check, when it names them. */
function brokenIdentity(value: unknown): BrokenResource | undefined {
  if (!isObject(value) || typeof value['kind'] !== 'string' || !isObject(value['metadata'])) return undefined;
  const { name, workspace } = value['metadata'];
  if (typeof name !== 'string') return undefined;
  return { kind: value['kind'], name, workspace: typeof workspace === 'string' ? workspace : 'default' };
}

/** Larger files are refused: manifests are small, and a runaway file must not stall CI. */
export const MAX_FILE_BYTES = 4 * 1024 * 1024;
const READ_CONCURRENCY = 32;
const YAML_FILE = /\.ya?ml$/i;

export interface LoadOptions {
  /** Relative inputs resolve against it; file names in diagnostics are shown relative to it. */
  readonly cwd?: string;
  /** Reads standard input for '-'. */
  readonly readStdin?: () => Promise<string>;
}

export async function loadManifests(inputs: readonly string[], opts: LoadOptions = {}): Promise<LoadResult> {
  const cwd = opts.cwd ?? process.cwd();
  const diagnostics: Diagnostic[] = [];
  const files = await expandInputs(inputs, cwd, diagnostics);
  const texts = await readAll(files, cwd, opts, diagnostics);

  const resources: Resource[] = [];
  const broken: BrokenResource[] = [];
  let gateway: GatewayResource | undefined;
  for (const { display, dir, text } of texts) {
    const parsed = parseYaml(text, display, dir);
    diagnostics.push(...parsed.diagnostics);
    for (const doc of parsed.docs) {
      const problems = validateDocument(doc.value, doc.source);
      if (problems.length > 0) {
        diagnostics.push(...problems);
        const id = brokenIdentity(doc.value);
        if (id !== undefined) broken.push(id);
        continue;
      }
      const manifest = doc.value as Manifest;
      const resource: Resource = {
        kind: manifest.kind,
        name: manifest.metadata.name,
        workspace: manifest.metadata.workspace ?? 'default',
        manifest,
        source: doc.source,
      };
      if (manifest.kind !== 'Gateway') resources.push(resource);
      else if (!gateway) gateway = resource as GatewayResource;
      else {
        const { line, col } = doc.source.locate(['kind']);
        const first = gateway.source;
        diagnostics.push({
          code: 'GW_ERR_GATEWAY_DUPLICATE',
          severity: 'error',
          message: `a second Gateway document; the first is in ${first.file}:${first.locate(['kind']).line}. Keep one gateway.yaml`,
          file: doc.source.file,
          line,
          col,
          path: 'kind',
        });
      }
    }
  }
  return { gateway, resources, broken, diagnostics, files: texts.map((t) => t.display) };
}

/** Expands inputs into absolute file paths, in a stable order, without duplicates. */
async function expandInputs(inputs: readonly string[], cwd: string, diagnostics: Diagnostic[]): Promise<string[]> {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (f: string): void => {
    if (!seen.has(f)) {
      seen.add(f);
      out.push(f);
    }
  };
  for (const input of inputs) {
    if (input === '-') {
      add('-');
      continue;
    }
    const abs = resolve(cwd, input);
    const info = await stat(abs).catch(() => undefined);
    if (info?.isDirectory()) (await listYaml(abs)).forEach(add);
    else if (info) add(abs);
    else if (/[*?[\]{}]/.test(input)) {
      const matches = await glob(input, { cwd, absolute: true, onlyFiles: true });
      if (matches.length === 0) diagnostics.push(notFound(input, 'the glob matches no file'));
      matches.sort().forEach(add);
    } else diagnostics.push(notFound(input, 'no such file or folder'));
  }
  return out;
}

async function listYaml(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries.sort((a, b) => compareText(a.name, b.name))) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listYaml(p)));
    else if (e.isFile() && YAML_FILE.test(e.name)) out.push(p);
  }
  return out;
}

function notFound(input: string, why: string): Diagnostic {
  return {
    code: 'GW_ERR_MANIFEST_NOT_FOUND',
    severity: 'error',
    message: `${input}: ${why}`,
    file: input,
    line: 0,
    col: 0,
    path: '',
  };
}

interface FileText {
  readonly display: string;
  /** Absolute folder of the file (the working folder for stdin). */
  readonly dir: string;
  readonly text: string;
}

async function readAll(
  files: readonly string[],
  cwd: string,
  opts: LoadOptions,
  diagnostics: Diagnostic[],
): Promise<FileText[]> {
  const results: (FileText | undefined)[] = new Array(files.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const i = next++;
      results[i] = await readOne(files[i]!, cwd, opts, diagnostics);
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, files.length) }, worker));
  return results.filter((r): r is FileText => r !== undefined);
}

async function readOne(
  file: string,
  cwd: string,
  opts: LoadOptions,
  diagnostics: Diagnostic[],
): Promise<FileText | undefined> {
  const display = file === '-' ? '-' : displayPath(file, cwd);
  const fail = (code: Diagnostic['code'], message: string): undefined => {
    diagnostics.push({ code, severity: 'error', message, file: display, line: 1, col: 1, path: '' });
    return undefined;
  };
  let buf: Buffer;
  try {
    if (file === '-') buf = Buffer.from(opts.readStdin ? await opts.readStdin() : '', 'utf8');
    else {
      const info = await stat(file);
      if (info.size > MAX_FILE_BYTES)
        return fail(
          'GW_ERR_MANIFEST_TOO_LARGE',
          `the file is ${info.size} bytes; manifests may be at most ${MAX_FILE_BYTES} bytes — split it into several files`,
        );
      buf = await readFile(file);
    }
  } catch (err) {
    return fail(
      'GW_ERR_MANIFEST_READ',
      `cannot read the file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  if (buf.length > MAX_FILE_BYTES)
    return fail(
      'GW_ERR_MANIFEST_TOO_LARGE',
      `the input is ${buf.length} bytes; manifests may be at most ${MAX_FILE_BYTES} bytes`,
    );
  if (buf.subarray(0, 8192).includes(0))
    return fail('GW_ERR_MANIFEST_BINARY', 'the file is binary (it holds NUL bytes), not YAML text');
  const text = buf.toString('utf8');
  if (text.includes('\uFFFD') && !buf.includes(Buffer.from('\uFFFD', 'utf8'))) {
    return fail('GW_ERR_MANIFEST_BINARY', 'the file is not valid UTF-8 text');
  }
  return {
    display,
    dir: file === '-' ? cwd : dirname(file),
    text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text,
  };
}

function displayPath(abs: string, cwd: string): string {
  const rel = relative(cwd, abs);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel.split(sep).join('/') : abs;
}
