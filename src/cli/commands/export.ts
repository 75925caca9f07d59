// `gw export [--out DIR] [--force]` (alias `gw dump`): the running gateway's config written back
// as manifest files (references unresolved, secrets never resolved), one file per kind, so an
// existing gateway can be adopted into Git; without --out, one YAML stream on stdout.
import type { Command } from 'commander';
import type { CliIO } from '../io.js';

interface ExportOptions {
  readonly server?: string;
  readonly config?: string;
  readonly out?: string;
  readonly force?: boolean;
}

async function run(o: ExportOptions, io: CliIO): Promise<number> {
  const [{ createAdminClient, locateAdmin }, { exportManifests }, { GwError, isGwError }, fs, path] = await Promise.all(
    [
      import('../admin-client.js'),
      import('../../state/export.js'),
      import('../../errors.js'),
      import('node:fs/promises'),
      import('node:path'),
    ],
  );
  try {
    const client = createAdminClient({ baseUrl: await locateAdmin(o), key: process.env.GW_ADMIN_KEY });
    const live = await client.config();
    if (live.revision === null) {
      throw new GwError('GW_ERR_CLI_USAGE', `the gateway at ${client.baseUrl} has no config yet; nothing to export`);
    }
    const header = `# Exported by gw export from ${client.baseUrl}, revision ${live.revision} (${live.hash ?? ''}).\n`;
    const { files, literals } = exportManifests(live.manifests, header);
    if (o.out === undefined) {
      io.out(files.map((f) => f.text).join('---\n'));
    } else {
      await fs.mkdir(o.out, { recursive: true });
      for (const f of files) {
        const target = path.join(o.out, f.name);
        try {
          await fs.writeFile(target, f.text, { flag: o.force === true ? 'w' : 'wx' });
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EEXIST')
            throw new GwError(
              'GW_ERR_CLI_USAGE',
              `${target} exists; pass --force to overwrite it, or --out another folder`,
            );
          throw err;
        }
        io.err(`wrote ${target} (${f.count} ${f.kind.toLowerCase()}${f.count === 1 ? '' : 's'})\n`);
      }
      io.err(
        `gw export: revision ${live.revision} written to ${o.out}; check it with gw validate -f ${o.out} and gw diff -f ${o.out}\n`,
      );
    }
    for (const l of literals) {
      io.err(
        `gw export: warning: ${l.file}: ${l.resource} ${l.path} is a literal secret in the live config; replace it with \${env:NAME} before committing\n`,
      );
    }
    return 0;
  } catch (err) {
    if (!isGwError(err)) throw err;
    io.err(`gw export: ${err.code}: ${err.message}\n`);
    return 1;
  }
}

export function registerExport(program: Command, io: CliIO): void {
  program
    .command('export')
    .alias('dump')
    .description(
      'write the live config back as manifest files (references unresolved, secrets never resolved), to adopt a gateway into Git',
    )
    .option(
      '--out <dir>',
      'folder to write providers.yaml, guardrails.yaml, endpoints.yaml, apikeys.yaml into (default: stdout)',
    )
    .option('--force', 'overwrite files that exist in --out', false)
    .option(
      '--server <url>',
      'admin API of the running gateway (default: http://{admin.listen} of gateway.yaml); key from GW_ADMIN_KEY',
    )
    .option('-c, --config <file>', 'gateway.yaml to read admin.listen from (default ./gateway.yaml)')
    .action(async (o: ExportOptions) => {
      io.exit(await run(o, io));
    });
}
