// The real `gw serve` binary for the guardrail tests, in front of one fake upstream that speaks
// both OpenAI chat completions and Anthropic Messages. The upstream answers what the last user
// text asks for: "reply:a|b" answers "ab", streamed as the chunks "a" and "b", so a test decides
// exactly where a stream is split; anything else is answered "ok".
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ServerResponse } from 'node:http';
import BetterSqlite3 from 'better-sqlite3';
import { freePort, sha, waitForLine } from '../helpers/gw.js';
import { startUpstream, type FakeUpstream, type Recorded } from '../serve/helpers.js';

type Obj = Record<string, unknown>;

export const KEY = 'gw-guardrails-test-key';
/** In the operator's own system prompt: a keyword the input guardrail blocks, never checked there. */
export const HOUSE_PROMPT = 'House rules: internal-only notes stay here.';

function lastUserText(body: Obj): string {
  const msgs = (body['messages'] as Obj[] | undefined) ?? [];
  for (let i = msgs.length - 1; i >= 0; i--) {
    const m = msgs[i] as Obj;
    if (m['role'] !== 'user') continue;
    const c = m['content'];
    if (typeof c === 'string') return c;
    if (Array.isArray(c))
      return (c as Obj[])
        .filter((p) => p['type'] === 'text')
        .map((p) => String(p['text']))
        .join(' ');
  }
  return '';
}

const sse = (res: ServerResponse, data: Obj | string, event?: string): void => {
  res.write(
    `${event !== undefined ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`,
  );
};

function handler(r: Recorded, res: ServerResponse): void {
  const asked = lastUserText(r.body);
  const chunks = asked.startsWith('reply:') ? asked.slice(6).split('|') : ['ok'];
  const text = chunks.join('');
  const model = String(r.body['model']);
  const stream = r.body['stream'] === true;
  if (r.url.endsWith('/messages')) {
    const usage = { input_tokens: 10, output_tokens: 5 };
    if (!stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'msg_g',
          type: 'message',
          role: 'assistant',
          model,
          content: [{ type: 'text', text }],
          stop_reason: 'end_turn',
          stop_sequence: null,
          usage,
        }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const ev = (data: Obj): void => sse(res, data, String(data['type']));
    ev({
      type: 'message_start',
      message: { id: 'msg_g', type: 'message', role: 'assistant', model, content: [], stop_reason: null, usage },
    });
    ev({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    for (const c of chunks) ev({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: c } });
    ev({ type: 'content_block_stop', index: 0 });
    ev({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 5 } });
    ev({ type: 'message_stop' });
    res.end();
    return;
  }
  const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
  if (!stream) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id: 'chatcmpl-g',
        object: 'chat.completion',
        created: 1,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
        usage,
      }),
    );
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const chunk = (delta: Obj, finish: string | null = null): Obj => ({
    id: 'chatcmpl-g',
    object: 'chat.completion.chunk',
    created: 1,
    model,
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  sse(res, chunk({ role: 'assistant', content: '' }));
  for (const c of chunks) sse(res, chunk({ content: c }));
  sse(res, chunk({}, 'stop'));
  sse(res, '[DONE]');
  res.end();
}

function manifests(upstream: string): string {
  return `apiVersion: gw/v1
kind: Provider
metadata: { name: oai }
spec: { type: openai, baseUrl: ${upstream}/v1, auth: { bearer: sk-test-upstream-secret-1 }, timeout: 5s }
---
apiVersion: gw/v1
kind: Provider
metadata: { name: ant }
spec:
  type: anthropic
  baseUrl: ${upstream}/v1
  auth: { header: { name: x-api-key, value: sk-test-upstream-secret-2 } }
  timeout: 5s
---
apiVersion: gw/v1
kind: Guardrail
metadata: { name: in-block }
spec:
  stage: input
  action: block
  message: Remove secrets before sending.
  rules:
    - regex: '(?i)api[_-]?key\\s*[:=]\\s*\\S+'
    - keywords: [internal-only]
    - maxChars: 3000
---
apiVersion: gw/v1
kind: Guardrail
metadata: { name: in-mask }
spec:
  stage: input
  action: mask
  rules: [ { pii: [email, phone, credit_card, ssn, ipv4, iban] } ]
---
apiVersion: gw/v1
kind: Guardrail
metadata: { name: in-log }
spec: { stage: input, action: log, rules: [ { keywords: [confidential] } ] }
---
apiVersion: gw/v1
kind: Guardrail
metadata: { name: out-mask }
spec: { stage: output, action: mask, rules: [ { pii: [email, credit_card] } ] }
---
apiVersion: gw/v1
kind: Guardrail
metadata: { name: out-block }
spec: { stage: output, action: block, rules: [ { keywords: [forbidden] } ] }
---
apiVersion: gw/v1
kind: Guardrail
metadata: { name: out-log }
spec: { stage: output, action: log, rules: [ { regex: 'secret[0-9]+' } ] }
---
apiVersion: gw/v1
kind: Guardrail
metadata: { name: both-short }
spec: { stage: both, action: block, rules: [ { maxChars: 20000 } ] }
---
apiVersion: gw/v1
kind: Guardrail
metadata: { name: redos }
spec: { stage: both, action: block, rules: [ { regex: '(a+)+$' } ] }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: guarded }
spec:
  type: chat
  routing:
    targets:
      - provider: oai
        models: { g: gpt-up }
      - provider: ant
        models: { ga: claude-up }
  prompt: { system: "${HOUSE_PROMPT}" }
  guardrails: [in-block, in-mask, in-log, out-mask, out-block, out-log, both-short]
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: catastrophic }
spec:
  type: chat
  routing: { targets: [ { provider: oai, models: { redos: gpt-up } } ] }
  guardrails: [redos]
---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: app }
spec: { keyHash: "${sha(KEY)}", roles: [editor], scopes: [chat] }
`;
}

export interface GuardrailGateway {
  readonly url: string;
  readonly upstream: FakeUpstream;
  /** The usage row of one request (id, status, error_code, guardrails), once gw has written it. */
  row(requestId: string | null): Promise<{ status: number; error_code: string | null; guardrails: string | null }>;
  stop(): Promise<void>;
}

export async function startGuardrailGateway(): Promise<GuardrailGateway> {
  const upstream = await startUpstream(handler);
  const dir = await mkdtemp(join(tmpdir(), 'gw-guardrails-'));
  await mkdir(join(dir, 'manifests'));
  await writeFile(join(dir, 'manifests', 'all.yaml'), manifests(upstream.url));
  const port = await freePort();
  await writeFile(
    join(dir, 'gateway.yaml'),
    `apiVersion: gw/v1
kind: Gateway
metadata: { name: guardrails }
spec:
  proxy: { listen: 127.0.0.1:${port}, maxBodyBytes: 262144 }
  admin: { listen: 127.0.0.1:${await freePort()} }
  manifests: [manifests]
  storage: { sqlite: ./gw.db, flushInterval: 20ms }
  log: { level: warn }
  shutdown: { drainTimeout: 2s }
`,
  );
  const child: ChildProcess = spawn(process.execPath, [resolve('bin/gw'), 'serve', '-c', join(dir, 'gateway.yaml')], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  try {
    await waitForLine(child, /listening on http/);
  } catch (err) {
    await upstream.close();
    throw new Error(`gw serve did not start: ${String(err)}\n${stderr}`);
  }
  let db: BetterSqlite3.Database | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    upstream,
    async row(requestId) {
      // Rows are written in batches off the request path: poll the file until this one is in.
      for (let i = 0; i < 400; i++) {
        db ??= new BetterSqlite3(join(dir, 'gw.db'), { readonly: true, fileMustExist: true });
        const row = db
          .prepare('SELECT status, error_code, guardrails FROM requests WHERE request_id = ?')
          .get(requestId) as { status: number; error_code: string | null; guardrails: string | null } | undefined;
        if (row !== undefined) return row;
        await new Promise((done) => setTimeout(done, 10));
      }
      throw new Error(`no usage row for request ${String(requestId)}`);
    },
    async stop() {
      db?.close();
      child.kill('SIGTERM');
      const code = await exited;
      await upstream.close();
      await rm(dir, { recursive: true, force: true });
      if (code !== 0) throw new Error(`gw serve exited ${String(code)}: ${stderr}`);
    },
  };
}
