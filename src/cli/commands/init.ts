// `gw init [dir] [--port N] [--force]`: writes a starter gateway.yaml and manifests, gw's JSON
// Schema (so the editor modelines still resolve after a clone) and a .gitignore for the SQLite
// state, and prints the one generated caller key. Refuses to touch existing files unless --force, checking all of them
// before writing any, so a refused init changes nothing.
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { GwError } from '../../errors.js';
import type { CliIO } from '../io.js';
import { DEFAULT_INIT_PORT, generateCallerKey, starterFiles } from '../init-template.js';
import { bundledSchema } from './schema.js';

const stdio: CliIO = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  exit: (c) => void (process.exitCode = c),
};

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** fs failures as values with a code: a stack trace is no help to someone running init. */
function writeError(target: string, e: unknown): GwError {
  const errno = (e as NodeJS.ErrnoException).code;
  if (errno === 'EEXIST') {
    return new GwError('GW_ERR_INIT_EXISTS', `${target} appeared while gw init ran; use --force to overwrite`, {
      file: target,
    });
  }
  const why = errno === 'ENOTDIR' ? 'a parent path is a file, not a folder' : (e as Error).message;
  return new GwError('GW_ERR_INIT_WRITE', `cannot write ${target}: ${why}`, { file: target, errno });
}

export interface InitResult {
  readonly dir: string;
  readonly files: readonly string[];
  readonly key: string;
  readonly port: number;
}

/** Writes the starter files into `dir`; throws GW_ERR_INIT_EXISTS naming every file in the way. */
export async function runInit(dir: string, force: boolean, port = DEFAULT_INIT_PORT): Promise<InitResult> {
  const root = resolve(dir);
  const key = generateCallerKey();
  const files = starterFiles({ keyHash: key.hash, port, schema: await bundledSchema() });
  if (!force) {
    const taken: string[] = [];
    for (const f of files) if (await exists(join(root, f.path))) taken.push(join(root, f.path));
    if (taken.length > 0) {
      const what = taken.length === 1 ? `${taken[0]} already exists` : `these files already exist: ${taken.join(', ')}`;
      throw new GwError('GW_ERR_INIT_EXISTS', `${what}; nothing was written (use --force to overwrite)`, {
        files: taken,
      });
    }
  }
  for (const f of files) {
    const target = join(root, f.path);
    try {
      await mkdir(dirname(target), { recursive: true });
      // 'wx' still guards against a file appearing between the check and the write.
      await writeFile(target, f.content, { encoding: 'utf8', flag: force ? 'w' : 'wx' });
    } catch (e) {
      throw writeError(target, e);
    }
  }
  return { dir: root, files: files.map((f) => f.path), key: key.plaintext, port };
}

/** A folder argument as the shell wants it after `cd`. */
const shellWord = (s: string): string => (/^[\w./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

function report(r: InitResult, dirArg: string): string {
  return [
    `Wrote a starter gw config in ${r.dir}:`,
    ...r.files.map((f) => `  ${f}`),
    '',
    'Caller key (shown only this once; manifests/apikey.yaml holds just its sha256 hash):',
    '',
    `  ${r.key}`,
    '',
    'Warning: store it now (e.g. in a password manager); it cannot be shown again. If it is lost',
    'or leaked, replace the keyHash in manifests/apikey.yaml with one from `gw keys create`.',
    '',
    `Admin API (gw apply, diff, rollback, status): 127.0.0.1:${r.port + 1}, loopback only and without a key;`,
    'it refuses requests from web pages (a foreign Host or Origin, a body that is not JSON). To require',
    'a key (needed to listen beyond loopback), export GW_ADMIN_KEY with at least 32 characters,',
    'e.g. GW_ADMIN_KEY=$(openssl rand -base64 32), for both gw serve and the gw commands.',
    '',
    'Next (with gw on your PATH; see "Install" in the README):',
    ...(dirArg === '.' ? [] : [`  cd ${shellWord(dirArg)}`]),
    '  gw validate',
    '  gw serve',
    `  curl http://127.0.0.1:${r.port}/v1/chat/completions -H "Authorization: Bearer <key>" \\`,
    '    -H "content-type: application/json" -d \'{"model":"fast","messages":[{"role":"user","content":"hi"}]}\'',
    '',
  ].join('\n');
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65534) throw new InvalidArgumentError('a port from 1 to 65534');
  return n;
}

export function registerInit(program: Command, io: CliIO = stdio): void {
  program
    .command('init')
    .description(
      'write a starter gateway.yaml and manifests (mock provider, a new caller key), gw.schema.json and a .gitignore',
    )
    .argument('[dir]', 'folder to write into (created if missing)', '.')
    .option('--port <port>', `proxy port; the admin API takes the next one`, parsePort, DEFAULT_INIT_PORT)
    .option('--force', 'overwrite existing files', false)
    .action(async (dir: string, o: { force: boolean; port: number }) => {
      const r = await runInit(dir, o.force, o.port);
      io.out(report(r, dir));
      io.exit(0);
    });
}
