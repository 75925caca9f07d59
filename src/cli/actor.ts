// Who is applying, recorded with the revision (`gw revisions` shows it): GW_ACTOR when set,
// else the CI's actor (GitHub Actions: GITHUB_ACTOR), else user@host.
import { hostname, userInfo } from 'node:os';

export function currentActor(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env['GW_ACTOR'];
  if (explicit !== undefined && explicit.trim() !== '') return explicit.trim().slice(0, 64);
  const github = env['GITHUB_ACTOR'];
  if (github !== undefined && github !== '') return `${github} (github actions)`.slice(0, 64);
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers): keep "unknown".
  }
  return `${user}@${hostname()}`.slice(0, 64);
}
