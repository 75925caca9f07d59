// A fake Bedrock runtime on 127.0.0.1: it recomputes every request's SigV4 signature with the
// test's credentials (the AWS SDK's signer, fed only what arrived on the wire) and refuses a
// mismatch with 403 as AWS does; it answers Converse with JSON and ConverseStream with binary
// event-stream messages encoded by the AWS SDK's codec, cut into pieces that straddle message
// boundaries. What it answers follows a Scenario (a reply template, a failure, or a tool call
// when the request offers tools).
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventStreamCodec } from '@smithy/core/event-streams';
import { fromUtf8, Hash, toUtf8 } from '@smithy/core/serde';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsSigning, CompiledProvider } from '../../src/compile/routing-table.js';
import { httpProvider } from '../upstream/helpers.js';

type Obj = Record<string, unknown>;

export const REGION = 'us-east-1';
export const CREDENTIALS = Object.freeze({
  accessKeyId: 'AKIAGWTESTBEDROCK01',
  secretAccessKey: 'gw-test-secret-access-key/0123456789abcdef',
  sessionToken: 'gw-test-session-token-0123456789',
});
/** Token counts every answer reports. */
export const USAGE = Object.freeze({ inputTokens: 21, outputTokens: 9, totalTokens: 34, cacheReadInputTokens: 4 });
/** The arguments of the tool call the fake makes. */
export const TOOL_INPUT = Object.freeze({ location: 'Paris', unit: 'celsius' });

export type Scenario =
  | { readonly reply: string }
  | { readonly failStatus: number; readonly message: string }
  /** Streams: a throttlingException message after the first text. */
  | { readonly streamException: string };

export interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Obj;
}

export interface FakeBedrock {
  /** The provider baseUrl: http://127.0.0.1:port */
  readonly url: string;
  readonly requests: Received[];
  /** Requests refused because their signature did not verify. */
  readonly refused: string[];
  close(): Promise<void>;
}

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const AUTH =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/;

/** Undefined when the signature verifies; otherwise why not. */
async function verify(
  method: string,
  path: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
): Promise<string | undefined> {
  const auth = headers.authorization;
  const m = auth === undefined ? null : AUTH.exec(auth);
  if (m === null) return `not a SigV4 authorization header: ${String(auth)}`;
  const [, keyId, , region, service, signedHeaders] = m;
  if (keyId !== CREDENTIALS.accessKeyId) return `unknown access key ${keyId}`;
  if (region !== REGION || service !== 'bedrock') return `wrong scope ${region}/${service}`;
  const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(String(headers['x-amz-date']));
  if (date === null) return 'no x-amz-date';
  const signingDate = new Date(Date.UTC(+date[1]!, +date[2]! - 1, +date[3]!, +date[4]!, +date[5]!, +date[6]!));
  const toSign: Record<string, string> = {};
  for (const name of (signedHeaders ?? '').split(';')) {
    // The payload hash is recomputed from the body that arrived, never taken from the header.
    if (name === 'x-amz-content-sha256') continue;
    const v = headers[name];
    if (typeof v !== 'string') return `signed header ${name} did not arrive`;
    toSign[name] = v;
  }
  const host = String(headers.host);
  const signer = new SignatureV4({
    service: 'bedrock',
    region: REGION,
    credentials: CREDENTIALS,
    sha256: Hash.bind(null, 'sha256'),
  });
  const signed = await signer.sign(
    {
      method,
      protocol: 'http:',
      hostname: host.split(':')[0] ?? '',
      port: Number(host.split(':')[1]),
      path,
      query: {},
      headers: toSign,
      body,
    },
    { signingDate },
  );
  return signed.headers['authorization'] === auth ? undefined : 'the signature does not match';
}

function lastUser(body: Obj): Obj[] {
  const msgs = (body.messages as { role: string; content: Obj[] }[] | undefined) ?? [];
  return [...msgs].reverse().find((m) => m.role === 'user')?.content ?? [];
}

type Block = { text: string } | { toolUse: { toolUseId: string; name: string; input: Obj } };

/** What the model answers: a tool call when tools are offered and no result came back yet. */
function answerOf(scenario: Scenario, body: Obj): { blocks: Block[]; stopReason: string } {
  const content = lastUser(body);
  const result = content.find((b) => b.toolResult !== undefined)?.toolResult as
    { content: { text: string }[] } | undefined;
  if (result !== undefined)
    return { blocks: [{ text: `tool said: ${result.content.map((c) => c.text).join('')}` }], stopReason: 'end_turn' };
  const tools = ((body.toolConfig as Obj | undefined)?.tools as { toolSpec: { name: string } }[] | undefined) ?? [];
  const tool = tools[0];
  if (tool !== undefined)
    return {
      blocks: [
        { text: 'Let me check.' },
        { toolUse: { toolUseId: 'tooluse_fake01', name: tool.toolSpec.name, input: { ...TOOL_INPUT } } },
      ],
      stopReason: 'tool_use',
    };
  const input = content.map((b) => (typeof b.text === 'string' ? b.text : '')).join('');
  const template = 'reply' in scenario ? scenario.reply : 'hello';
  return { blocks: [{ text: template.split('{{input}}').join(input) }], stopReason: 'end_turn' };
}

function frame(eventType: string, payload: Obj): Uint8Array {
  return codec.encode({
    headers: {
      ':message-type': { type: 'string', value: 'event' },
      ':event-type': { type: 'string', value: eventType },
      ':content-type': { type: 'string', value: 'application/json' },
    },
    // Real answers pad every event with a "p" field; gw must ignore it.
    body: fromUtf8(JSON.stringify({ ...payload, p: 'abcdef' })),
  });
}

function exceptionFrame(type: string, message: string): Uint8Array {
  return codec.encode({
    headers: {
      ':message-type': { type: 'string', value: 'exception' },
      ':exception-type': { type: 'string', value: type },
      ':content-type': { type: 'string', value: 'application/json' },
    },
    body: fromUtf8(JSON.stringify({ message })),
  });
}

function streamFrames(scenario: Scenario, blocks: Block[], stopReason: string): Uint8Array[] {
  const out = [frame('messageStart', { role: 'assistant' })];
  blocks.forEach((b, i) => {
    if ('text' in b) {
      for (let at = 0; at < b.text.length; at += 10)
        out.push(frame('contentBlockDelta', { contentBlockIndex: i, delta: { text: b.text.slice(at, at + 10) } }));
      if ('streamException' in scenario) out.push(exceptionFrame('throttlingException', scenario.streamException));
    } else {
      const { toolUseId, name, input } = b.toolUse;
      out.push(frame('contentBlockStart', { contentBlockIndex: i, start: { toolUse: { toolUseId, name } } }));
      const json = JSON.stringify(input);
      const half = Math.floor(json.length / 2);
      out.push(
        frame('contentBlockDelta', { contentBlockIndex: i, delta: { toolUse: { input: json.slice(0, half) } } }),
      );
      out.push(frame('contentBlockDelta', { contentBlockIndex: i, delta: { toolUse: { input: json.slice(half) } } }));
    }
    out.push(frame('contentBlockStop', { contentBlockIndex: i }));
  });
  out.push(frame('messageStop', { stopReason }));
  out.push(frame('metadata', { usage: USAGE, metrics: { latencyMs: 12 } }));
  return out;
}

function answer(res: ServerResponse, scenario: Scenario, stream: boolean, body: Obj): void {
  if ('failStatus' in scenario) {
    res.writeHead(scenario.failStatus, {
      'content-type': 'application/json',
      'x-amzn-errortype': 'ValidationException',
    });
    res.end(JSON.stringify({ message: scenario.message }));
    return;
  }
  const { blocks, stopReason } = answerOf(scenario, body);
  if (!stream) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        output: { message: { role: 'assistant', content: blocks } },
        stopReason,
        usage: USAGE,
        metrics: { latencyMs: 12 },
      }),
    );
    return;
  }
  res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' });
  // Pieces of 37 bytes: messages arrive split, and several may share one piece.
  const all = Buffer.concat(streamFrames(scenario, blocks, stopReason));
  for (let at = 0; at < all.length; at += 37) res.write(all.subarray(at, at + 37));
  res.end();
}

const PATH = /^\/model\/([^/]+)\/(converse|converse-stream)$/;

export async function startFakeBedrock(
  defaultScenario: Scenario = { reply: 'bedrock heard: {{input}}' },
): Promise<FakeBedrock> {
  const requests: Received[] = [];
  const refused: string[] = [];
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(parts);
      const path = req.url ?? '';
      void (async () => {
        const why = req.headers.authorization?.startsWith('Bearer ')
          ? undefined // a Bedrock API key: no signature to check
          : await verify(req.method ?? '', path, req.headers, raw);
        if (why !== undefined) {
          refused.push(why);
          res.writeHead(403, { 'content-type': 'application/json', 'x-amzn-errortype': 'InvalidSignatureException' });
          res.end(
            JSON.stringify({
              message: `The request signature we calculated does not match the signature you provided (${why})`,
            }),
          );
          return;
        }
        const m = PATH.exec(path);
        if (req.method !== 'POST' || m === null) {
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ message: `no route ${req.method} ${path}` }));
          return;
        }
        const body = JSON.parse(raw.toString('utf8')) as Obj;
        requests.push({ path, headers: req.headers, body });
        const header = req.headers['x-contract-scenario'];
        const scenario = typeof header === 'string' ? (JSON.parse(header) as Scenario) : defaultScenario;
        answer(res, scenario, m[2] === 'converse-stream', body);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    refused,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A compiled bedrock provider pointed at the fake. */
export function bedrockProvider(
  name: string,
  url: string,
  aws: Partial<AwsSigning> = {},
  extra: Partial<CompiledProvider> = {},
): CompiledProvider {
  return httpProvider(name, url, {
    type: 'bedrock',
    aws: { region: REGION, credentials: { ...CREDENTIALS }, ...aws },
    headers: {},
    ...extra,
  });
}
