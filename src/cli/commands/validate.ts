import { Option, type Command } from 'commander';
import { hasErrors } from '../../manifest/diagnostics.js';
import { renderDiagnostics, summarize, type OutputFormat } from '../render/diagnostics.js';
import { readStdin, type CliIO } from '../io.js';

export function registerValidate(program: Command, io: CliIO): void {
  program
    .command('validate')
    .description('check manifests: schema, references, cross-references; exit 0 valid, 1 invalid')
    .option('-c, --config <file>', 'gateway.yaml to read', undefined)
    .option('-f, --file <path...>', "files, folders, globs or '-' (replaces gateway.yaml's manifests)")
    .addOption(
      new Option('-o, --output <format>', 'output format').choices(['pretty', 'json', 'github']).default('pretty'),
    )
    .option('--env', 'also require every ${env:…} to be set and every ${file:…} to exist', false)
    .option('--strict', 'treat warnings as errors', false)
    .action(async (o: { config?: string; file?: string[]; output: OutputFormat; env: boolean; strict: boolean }) => {
      // Loaded here, not with the CLI: `gw serve` never needs the checks on its serving thread.
      const { validateConfig } = await import('../../manifest/validate.js');
      const v = await validateConfig({
        ...(o.config ? { configPath: o.config } : {}),
        ...(o.file ? { files: o.file } : {}),
        checkEnv: o.env,
        strict: o.strict,
        readStdin,
      });
      const resources = v.resources.length + (v.gateway ? 1 : 0);
      io.out(renderDiagnostics(o.output, v.diagnostics, summarize(v.diagnostics, resources, v.files.length)));
      io.exit(hasErrors(v.diagnostics) ? 1 : 0);
    });
}
