// The config as `gw serve` would build it, for commands that do not need every upstream
// secret (route, curl, usage; test-connection probes only what is set): an unset ${env:NAME} without a default (an upstream credential, usually) gets a
// placeholder instead of failing the build, so these commands work without production secrets.
// Everything else (schema, references, files) is checked as strictly as for serve.
import { buildConfig, type BuildResult } from '../config/build.js';
import { scanValue, walkStrings } from '../manifest/env.js';
import { validateConfig, type ValidateOptions } from '../manifest/validate.js';

/** The stand-in value of an unset variable; recognisable so probes can refuse to send it. */
export function placeholderFor(name: string): string {
  return `unset-${name}`;
}

export type OfflineBuild = BuildResult & {
  /** Environment variables that were unset and replaced by a placeholder. */
  readonly placeholders: readonly string[];
};

/** Stdin can be read once only; both passes get the same text. */
function onceStdin(read: (() => Promise<string>) | undefined): (() => Promise<string>) | undefined {
  if (read === undefined) return undefined;
  let text: Promise<string> | undefined;
  return () => (text ??= read());
}

export async function buildOffline(opts: ValidateOptions): Promise<OfflineBuild> {
  const env = opts.env ?? process.env;
  const readStdin = onceStdin(opts.readStdin);
  const shared: ValidateOptions = { ...opts, env, ...(readStdin !== undefined ? { readStdin } : {}) };
  const v = await validateConfig({ ...shared, checkEnv: false });
  const missing = new Set<string>();
  const all = v.gateway ? [v.gateway, ...v.resources] : v.resources;
  for (const r of all) {
    walkStrings(r.manifest.spec, [], (value) => {
      for (const p of scanValue(value).pieces) {
        if (typeof p !== 'string' && p.type === 'env' && p.fallback === undefined && env[p.name] === undefined)
          missing.add(p.name);
      }
    });
  }
  const filled: NodeJS.ProcessEnv = { ...env };
  for (const name of missing) filled[name] = placeholderFor(name);
  const built = await buildConfig({ ...shared, env: filled });
  return { ...built, placeholders: [...missing].sort() };
}
