// Finds Debian's chromium (or the browser named by GW_CHROMIUM) for the playwright-core tests
// and the screenshot script; undefined when none is installed (`.ci/run` installs chromium).
import { existsSync } from 'node:fs';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export function findChromium(): string | undefined {
  const given = process.env['GW_CHROMIUM'];
  if (given !== undefined && given !== '') return existsSync(given) ? given : undefined;
  return CANDIDATES.find((p) => existsSync(p));
}

export const NO_CHROMIUM =
  'no chromium binary found (looked at GW_CHROMIUM, ' +
  CANDIDATES.join(', ') +
  '): install it with `apt-get install -y chromium` to run the browser tests';

/** Flags for a headless chromium in a container (root has no sandbox). */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'];
