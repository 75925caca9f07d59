// The process logger batches its stdout writes: a line still shows up promptly when nothing else
// is logged, and nothing logged before an exit is lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const LOGGER = fileURLToPath(new URL('../../src/telemetry/logger.ts', import.meta.url));

/** Runs a child that builds the stdout logger and runs `body`; collects its stdout. */
function child(body: string): {
  lines: () => string[];
  firstLine: Promise<number>;
  exited: Promise<number | null>;
  stop: () => void;
} {
  const code = `import { createLogger } from ${JSON.stringify(LOGGER)};\nconst log = createLogger({ level: 'info' });\n${body}\n`;
  const started = Date.now();
  const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  let onFirst: (ms: number) => void = () => undefined;
  const firstLine = new Promise<number>((resolve) => (onFirst = resolve));
  p.stdout.on('data', (b: Buffer) => {
    out += b.toString('utf8');
    if (out.includes('\n')) onFirst(Date.now() - started);
  });
  const exited = new Promise<number | null>((resolve) => p.on('exit', (c) => resolve(c)));
  return { lines: () => out.split('\n').filter((l) => l !== ''), firstLine, exited, stop: () => p.stdin.end() };
}

test('a lone line reaches stdout while the process keeps running', async () => {
  const c = child(`log.info('alone'); process.stdin.resume(); process.stdin.on('end', () => process.exit(0));`);
  const timeout = new Promise<number>((resolve) => setTimeout(() => resolve(-1), 10_000).unref());
  const ms = await Promise.race([c.firstLine, timeout]);
  c.stop();
  await c.exited;
  assert.notEqual(ms, -1, 'the line never arrived while the process ran');
  assert.equal(JSON.parse(c.lines()[0] ?? '{}').msg, 'alone');
});

test('every line logged before process.exit() is written', async () => {
  const c = child(`for (let i = 0; i < 500; i++) log.info({ i }, 'line'); process.exit(3);`);
  assert.equal(await c.exited, 3);
  const got = c.lines().map((l) => (JSON.parse(l) as { i: number }).i);
  assert.deepEqual(
    got,
    Array.from({ length: 500 }, (_, i) => i),
  );
});
