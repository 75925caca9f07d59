import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createLogger, logAccess, REDACTED, type AccessLine } from '../../src/telemetry/logger.js';

/** A stream that keeps every JSON line written to it. */
function sink(): { stream: Writable; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  const lines = (): Array<Record<string, unknown>> =>
    chunks
      .join('')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { stream, lines };
}

test('secrets in headers and credential fields never reach the log', () => {
  const { stream, lines } = sink();
  const log = createLogger({ level: 'info', destination: stream });
  log.info(
    {
      req: {
        method: 'POST',
        headers: {
          authorization: 'Bearer gw-caller-secret',
          'x-api-key': 'gw-other',
          cookie: 'sid=1',
          'content-type': 'application/json',
        },
      },
      res: { statusCode: 200, headers: { 'set-cookie': 'sid=2' } },
      provider: {
        name: 'openai-prod',
        bearer: 'sk-upstream-secret',
        password: 'p',
        token: 't',
        apiKey: 'a',
        key: 'k',
        keyHash: 'sha256:ab',
      },
    },
    'debug dump',
  );
  const [line] = lines();
  const text = JSON.stringify(line);
  for (const secret of ['gw-caller-secret', 'gw-other', 'sid=1', 'sid=2', 'sk-upstream-secret', 'sha256:ab']) {
    assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
  }
  const req = line?.req as { headers: Record<string, string> };
  assert.equal(req.headers.authorization, REDACTED);
  assert.equal(req.headers['x-api-key'], REDACTED);
  assert.equal(req.headers['content-type'], 'application/json', 'harmless headers stay');
  const provider = line?.provider as Record<string, string>;
  assert.equal(provider.bearer, REDACTED);
  assert.equal(provider.name, 'openai-prod');
});

test('the access line carries the key name (not redacted) and the routing fields', () => {
  const { stream, lines } = sink();
  const log = createLogger({ level: 'info', destination: stream });
  logAccess(log, {
    reqId: 'r-1',
    key: 'support-app',
    endpoint: 'support-bot',
    model: 'fast',
    provider: 'openai-prod',
    upstreamModel: 'gpt-4o-mini',
    attempts: 2,
    status: 200,
    ms: 12.5,
    ttfbMs: 3,
  });
  logAccess(log, { reqId: 'r-2', key: null, status: 502, ms: 40, code: 'GW_ERR_UPSTREAM_EXHAUSTED' });
  const [ok, failed] = lines();
  assert.equal(ok?.msg, 'request');
  assert.equal(ok?.key, 'support-app');
  assert.equal(ok?.upstreamModel, 'gpt-4o-mini');
  assert.equal(ok?.attempts, 2);
  assert.equal(ok?.level, 30);
  assert.equal(failed?.level, 40, '5xx logged as warn');
  assert.equal(failed?.code, 'GW_ERR_UPSTREAM_EXHAUSTED');
});

test('the level filters lines', () => {
  const { stream, lines } = sink();
  const log = createLogger({ level: 'warn', destination: stream });
  log.info('hidden');
  log.warn('shown');
  assert.deepEqual(
    lines().map((l) => l.msg),
    ['shown'],
  );
});

test('the access line skips redaction, yet the same logger still redacts every other line', () => {
  const { stream, lines } = sink();
  const log = createLogger({ level: 'info', destination: stream });
  logAccess(log, { reqId: 'r-3', key: 'support-app', status: 200, ms: 1 });
  log.info(
    {
      req: { headers: { authorization: 'Bearer gw-caller-secret', 'x-api-key': 'gw-other' } },
      apiKey: 'sk-a',
      token: 't',
    },
    'after the access line',
  );
  logAccess(log, { reqId: 'r-4', key: 'support-app', status: 200, ms: 1 });
  log.warn({ headers: { authorization: 'Bearer gw-caller-secret' } }, 'top-level headers');
  const [access, dump, access2, warn] = lines();
  assert.equal(access?.key, 'support-app');
  assert.equal(access2?.reqId, 'r-4');
  assert.equal(access?.pid, process.pid, 'the access line keeps the base fields');
  const text = JSON.stringify([dump, warn]);
  assert.ok(!text.includes('gw-caller-secret') && !text.includes('gw-other') && !text.includes('sk-a'), text);
  assert.equal((dump?.req as { headers: Record<string, string> }).headers.authorization, REDACTED);
  assert.equal(dump?.token, REDACTED);
  assert.equal((warn?.headers as Record<string, string>).authorization, REDACTED);
});

test('the access line follows a level changed at runtime (a reload)', () => {
  const { stream, lines } = sink();
  const log = createLogger({ level: 'info', destination: stream });
  logAccess(log, { reqId: 'shown-1', status: 200, ms: 1 });
  log.level = 'warn';
  logAccess(log, { reqId: 'hidden', status: 200, ms: 1 });
  logAccess(log, { reqId: 'shown-5xx', status: 502, ms: 1 });
  log.level = 'info';
  logAccess(log, { reqId: 'shown-2', status: 200, ms: 1 });
  assert.deepEqual(
    lines().map((l) => l.reqId),
    ['shown-1', 'shown-5xx', 'shown-2'],
  );
});

test('the access line is byte for byte the line pino itself writes for the same fields', () => {
  const lines: string[] = [];
  const dest = { write: (s: string) => void lines.push(s) };
  // A fixed time, so both lines can be compared whole.
  const log = pino({ base: { pid: 4242 }, timestamp: () => ',"time":1700000000000' }, dest);
  const cases: AccessLine[] = [
    { reqId: 'r-1', key: 'app', endpoint: 'bot', model: 'fast', attempts: 1, status: 200, ms: 12.25, ttfbMs: 3 },
    { reqId: 'r-2', key: null, status: 502, ms: 40, code: 'GW_ERR_UPSTREAM_EXHAUSTED', ttfbMs: null },
    { reqId: 'r-3', model: 'say "hi"\\\n\u0001 é 漢字 😀', status: 200, ms: Number.NaN, attempts: undefined },
    { reqId: 'r-4', method: 'POST', path: '/v1/x', status: 404, ms: 0.5, bytesIn: 10, bytesOut: 0 },
  ];
  for (const line of cases) {
    logAccess(log, line);
    log.child({}, { redact: [] })[line.status >= 500 ? 'warn' : 'info'](line, 'request');
    const [mine, theirs] = lines.splice(0);
    assert.equal(mine, theirs);
    assert.doesNotThrow(() => JSON.parse(mine as string));
  }
  // Below the logger's level, nothing is written.
  log.level = 'error';
  logAccess(log, { reqId: 'r-5', status: 200, ms: 1 });
  assert.deepEqual(lines, []);
});
