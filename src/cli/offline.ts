// The config for the operator commands that need no server (route, curl, usage,
// test-connection): built offline, or the diagnostics printed and undefined returned.
import type { CliIO } from './io.js';
import type { OfflineBuild } from '../ops/offline-config.js';

export interface ConfigFlags {
  readonly config?: string | undefined;
  readonly file?: readonly string[] | undefined;
}

export async function offlineConfig(
  command: string,
  o: ConfigFlags,
  io: CliIO,
): Promise<Extract<OfflineBuild, { ok: true }> | undefined> {
  const [{ buildOffline }, { renderDiagnostics, summarize }, { readStdin }] = await Promise.all([
    import('../ops/offline-config.js'),
    import('./render/diagnostics.js'),
    import('./io.js'),
  ]);
  const built = await buildOffline({
    ...(o.config !== undefined ? { configPath: o.config } : {}),
    ...(o.file !== undefined ? { files: o.file } : {}),
    readStdin,
  });
  if (built.ok) return built;
  io.err(renderDiagnostics('pretty', built.diagnostics, summarize(built.diagnostics, 0, 0)));
  io.err(`${command}: the configuration is invalid\n`);
  return undefined;
}
