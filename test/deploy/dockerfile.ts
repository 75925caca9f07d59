// Readers for the Dockerfile and .dockerignore: no Docker engine runs here or in CI, so the tests
// lint the files and run their commands (the entrypoint, the health check) against the real binary.

export interface Instruction {
  readonly keyword: string;
  /** The rest of the line, continuation lines joined, ARG defaults substituted. */
  readonly args: string;
}

export interface Stage {
  readonly from: string;
  readonly name: string | undefined;
  readonly instructions: readonly Instruction[];
}

export function parseDockerfile(text: string): Stage[] {
  const lines: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    lines.push(`${pending}${line}`.trim());
    pending = '';
  }
  const argDefaults = new Map<string, string>();
  const stages: { from: string; name: string | undefined; instructions: Instruction[] }[] = [];
  for (const line of lines) {
    if (line === '') continue;
    const sp = line.search(/\s/);
    const keyword = (sp < 0 ? line : line.slice(0, sp)).toUpperCase();
    const args = (sp < 0 ? '' : line.slice(sp + 1).trim()).replace(
      /\$\{(\w+)\}/g,
      (whole, name: string) => argDefaults.get(name) ?? whole,
    );
    if (keyword === 'ARG' && stages.length === 0) {
      const [name, value] = args.split('=');
      if (name !== undefined && value !== undefined) argDefaults.set(name, value);
      continue;
    }
    if (keyword === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (m?.[1] === undefined) throw new Error(`FROM without an image: ${line}`);
      stages.push({ from: m[1], name: m[2], instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (stage === undefined) throw new Error(`${keyword} before the first FROM`);
    stage.instructions.push({ keyword, args });
  }
  return stages;
}

/** An exec-form argument list (`["a", "b"]`); undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  const list = JSON.parse(args) as unknown;
  if (!Array.isArray(list) || !list.every((a) => typeof a === 'string')) return undefined;
  return list as string[];
}

export interface Copy {
  readonly from: string | undefined;
  readonly sources: readonly string[];
  readonly dest: string;
}

export function parseCopy(args: string): Copy {
  const words = args.split(/\s+/);
  let from: string | undefined;
  while (words[0]?.startsWith('--')) {
    const flag = words.shift() as string;
    if (flag.startsWith('--from=')) from = flag.slice('--from='.length);
  }
  const dest = words.pop();
  if (dest === undefined || words.length === 0) throw new Error(`COPY needs a source and a destination: ${args}`);
  return { from, sources: words, dest };
}

/**
 * A .dockerignore as Docker reads it: patterns in order, `!` re-includes, the last matching
 * pattern wins, and a pattern that matches a folder covers what is inside it.
 */
export function dockerignore(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const keep = l.startsWith('!');
      const pattern = (keep ? l.slice(1) : l).replace(/^\/+|\/+$/g, '');
      let re = '';
      for (let i = 0; i < pattern.length; i++) {
        const c = pattern[i] as string;
        if (pattern.startsWith('**/', i)) {
          re += '(?:.*/)?';
          i += 2;
        } else if (pattern.startsWith('**', i)) {
          re += '.*';
          i += 1;
        } else if (c === '*') re += '[^/]*';
        else if (c === '?') re += '[^/]';
        else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
      }
      return { keep, re: new RegExp(`^${re}$`) };
    });
  /** True when `path` (relative, with /) is left out of the build context. */
  return (path) => {
    const parts = path.split('/');
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let excluded = false;
    for (const rule of rules) {
      if (prefixes.some((p) => rule.re.test(p))) excluded = !rule.keep;
    }
    return excluded;
  };
}
