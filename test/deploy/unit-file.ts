// Readers for the deployment files the tests check: a systemd unit (sections of Key=value lines)
// and a systemd EnvironmentFile (KEY=value lines).

/** Section name → key → every value given for it, in order (systemd allows repeats). */
export type Unit = ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;

export function parseUnit(text: string): Unit {
  const unit = new Map<string, Map<string, string[]>>();
  let section: Map<string, string[]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const head = /^\[(.+)\]$/.exec(line);
    if (head?.[1] !== undefined) {
      section = new Map();
      unit.set(head[1], section);
      continue;
    }
    const eq = line.indexOf('=');
    if (section === undefined || eq < 1) throw new Error(`not a unit file line: ${line}`);
    const key = line.slice(0, eq).trim();
    section.set(key, [...(section.get(key) ?? []), line.slice(eq + 1).trim()]);
  }
  return unit;
}

/** The one value of `key` in `section`; throws when it is missing or repeated. */
export function unitValue(unit: Unit, section: string, key: string): string {
  const values = unit.get(section)?.get(key) ?? [];
  if (values.length !== 1) throw new Error(`[${section}] ${key} is given ${values.length} times`);
  return values[0] as string;
}

/** systemd's time span ("30s", "1min 30s", "2min", a bare number of seconds) in ms. */
export function timeSpanMs(span: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, sec: 1000, min: 60_000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const part of span.trim().split(/\s+/)) {
    const m = /^(\d+)([a-z]*)$/.exec(part);
    const unit = units[m?.[2] || 's'];
    if (m?.[1] === undefined || unit === undefined) throw new Error(`not a time span: ${span}`);
    total += Number(m[1]) * unit;
  }
  return total;
}

/** An EnvironmentFile: KEY=value lines, # comments; the value as written (quotes not needed). */
export function parseEnvironmentFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m?.[1] === undefined || m[2] === undefined) throw new Error(`not an environment file line: ${line}`);
    env[m[1]] = m[2];
  }
  return env;
}
