// `gw schema [--write <file>]`: the bundled JSON Schema for every manifest kind (one
// self-contained file), for editors. `gw init` writes it into the project so the `$schema`
// modelines keep working after the folder is committed and cloned; rerun after upgrading gw.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { GwError } from '../../errors.js';
import type { CliIO } from '../io.js';

// dist/cli/commands/schema.js and src/cli/commands/schema.ts both sit three levels below the root.
const SCHEMA_FILE = fileURLToPath(new URL('../../../schemas/gw.schema.json', import.meta.url));

export function bundledSchema(): Promise<string> {
  return readFile(SCHEMA_FILE, 'utf8');
}

export function registerSchema(program: Command, io: CliIO): void {
  program
    .command('schema')
    .description("print gw's manifest JSON Schema (for editors' yaml-language-server), or --write it to a file")
    .option('--write <file>', 'write it to this file instead of stdout')
    .action(async (o: { write?: string }) => {
      const text = await bundledSchema();
      if (o.write === undefined) io.out(text);
      else {
        await writeFile(o.write, text, 'utf8').catch((e: NodeJS.ErrnoException) => {
          throw new GwError('GW_ERR_INIT_WRITE', `cannot write ${o.write}: ${e.message}`, { file: o.write });
        });
        io.err(`wrote ${o.write}\n`);
      }
      io.exit(0);
    });
}
