// `gw init [dir] [--force]`: writes a starter gateway.yaml and manifests, and prints the one
// generated caller key. Refuses to touch existing files unless --force, checking all of them
// before writing any, so a refused init changes nothing.
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { GwError } from '../../errors.js';
import type { CliIO } from '../io.js';
import { generateCallerKey, starterFiles } from '../init-template.js';

// dist/cli/commands/init.js and src/cli/commands/init.ts both sit three levels below the root.
const SCHEMA_FILE = fileURLToPath(new URL('../../../schemas/gw.schema.json', import.meta.url));

const stdio: CliIO = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  exit: (c) => void (process.exitCode = c),
};

/** The modeline path from `fromDir` to the bundled schema, with forward slashes. */
function schemaRef(fromDir: string): string {
  const rel = relative(fromDir, SCHEMA_FILE);
  return isAbsolute(rel) ? rel : rel.split(sep).join('/');
}

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
}

/** Writes the starter files into `dir`; throws GW_ERR_INIT_EXISTS naming every file in the way. */
export async function runInit(dir: string, force: boolean): Promise<InitResult> {
  const root = resolve(dir);
  const key = generateCallerKey();
  const files = starterFiles({
    keyHash: key.hash,
    schemaPath: schemaRef(root),
    nestedSchemaPath: schemaRef(join(root, 'manifests')),
  });
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
  return { dir: root, files: files.map((f) => f.path), key: key.plaintext };
}

function report(r: InitResult, dirArg: string): string {
  const cfg = dirArg === '.' ? 'gateway.yaml' : join(dirArg, 'gateway.yaml');
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
    'Admin API (gw apply, diff, rollback, status): 127.0.0.1:3001, loopback only and without a key;',
    'it refuses requests from web pages (a foreign Host or Origin, a body that is not JSON). To require',
    'a key (needed to listen beyond loopback), export GW_ADMIN_KEY with at least 32 characters,',
    'e.g. GW_ADMIN_KEY=$(openssl rand -base64 32), for both gw serve and the gw commands.',
    '',
    'Next:',
    `  gw validate -c ${cfg}`,
    `  gw serve -c ${cfg}`,
    '  curl http://127.0.0.1:3000/v1/chat/completions -H "Authorization: Bearer <key>" \\',
    '    -H "content-type: application/json" -d \'{"model":"fast","messages":[{"role":"user","content":"hi"}]}\'',
    '',
  ].join('\n');
}

export function registerInit(program: Command, io: CliIO = stdio): void {
  program
    .command('init')
    .description('write a starter gateway.yaml and manifests (mock provider, a new caller key)')
    .argument('[dir]', 'folder to write into (created if missing)', '.')
    .option('--force', 'overwrite existing files', false)
    .action(async (dir: string, o: { force: boolean }) => {
      const r = await runInit(dir, o.force);
      io.out(report(r, dir));
      io.exit(0);
    });
}
