// Fake cloud APIs on 127.0.0.1 that check the wire format each real API requires and answer in
// it: Azure OpenAI (deployment path, api-version query, api-key header), the Gemini API
// (generateContent / streamGenerateContent?alt=sse, x-goog-api-key), Vertex AI (the same body on
// publishers/google/models, Claude on publishers/anthropic/models:rawPredict, a bearer token),
// and a Google OAuth token endpoint that checks the signed JWT assertion of a service-account
// key and issues short-lived tokens. A request off the format is answered 400 with what is
// wrong (and recorded in `problems`), so a test fails on it. Every fake calls the get_weather
// tool when the request offers tools and no tool result came back yet, and otherwise echoes the
// last user text ("echo: …") or follows the scenario in the x-contract-scenario header.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { generateKeyPairSync, verify } from 'node:crypto';
import type { AddressInfo } from 'node:net';

type Obj = Record<string, unknown>;

export const TOOL_ARGS = Object.freeze({ location: 'Paris', unit: 'celsius' });
export const FAKE_USAGE = Object.freeze({ prompt: 31, completion: 7 });

export interface FakeRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Obj;
}

export interface Fake {
  /** http://127.0.0.1:PORT */
  readonly origin: string;
  readonly requests: FakeRequest[];
  /** Wire-format problems the fake found (each was answered 400). */
  readonly problems: string[];
  close(): Promise<void>;
}

type Handle = (r: FakeRequest, res: ServerResponse, fake: Fake) => void;

async function serve(handle: Handle): Promise<Fake> {
  const requests: FakeRequest[] = [];
  const problems: string[] = [];
  const fake = { origin: '', requests, problems, close: (): Promise<void> => Promise.resolve() };
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const text = Buffer.concat(parts).toString('utf8');
      let body: Obj = {};
      try {
        body = text === '' ? {} : (JSON.parse(text) as Obj);
      } catch {
        body = { _form: text };
      }
      const r: FakeRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      requests.push(r);
      handle(r, res, fake);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function refuse(res: ServerResponse, fake: Fake, problem: string, status = 400): void {
  fake.problems.push(problem);
  json(res, status, { error: { code: status, message: `fake: ${problem}`, status: 'INVALID_ARGUMENT' } });
}

type Scenario = { reply?: string; failStatus?: number; message?: string } | undefined;

function scenarioOf(r: FakeRequest): Scenario {
  const raw = r.headers['x-contract-scenario'];
  return typeof raw === 'string' ? (JSON.parse(raw) as Scenario) : undefined;
}

function replyFor(scenario: Scenario, lastUser: string): string {
  return scenario?.reply !== undefined ? scenario.reply.split('{{input}}').join(lastUser) : `echo: ${lastUser}`;
}

const pieces = (text: string, size = 10): string[] => {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
};

const sse = (res: ServerResponse, data: Obj, event?: string): boolean =>
  res.write(`${event !== undefined ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`);

// --- Azure OpenAI ---------------------------------------------------------------------------

export interface AzureOptions {
  readonly apiKey: string;
  readonly apiVersion: string;
  /** Deployments the resource has; others answer 404 DeploymentNotFound. */
  readonly deployments: readonly string[];
  /** Accepted instead of the api-key (Microsoft Entra ID). */
  readonly bearer?: string;
}

const AZURE_PATH = /^\/openai\/deployments\/([^/?]+)\/(chat\/completions|embeddings)\?(.*)$/;

function lastOpenAIUser(body: Obj): string {
  const msgs = Array.isArray(body.messages) ? (body.messages as Obj[]) : [];
  const last = [...msgs].reverse().find((m) => m.role === 'user');
  if (typeof last?.content === 'string') return last.content;
  return Array.isArray(last?.content) ? (last.content as Obj[]).map((p) => String(p.text ?? '')).join('') : '';
}

export function startFakeAzure(o: AzureOptions): Promise<Fake> {
  return serve((r, res, fake) => {
    if (r.method === 'GET' && r.url === `/openai/models?api-version=${o.apiVersion}`) {
      if (r.headers['api-key'] !== o.apiKey) return refuse(res, fake, 'api-key header missing or wrong', 401);
      return json(res, 200, { data: o.deployments.map((id) => ({ id, object: 'model' })), object: 'list' });
    }
    const m = AZURE_PATH.exec(r.url);
    if (r.method !== 'POST' || m === null) return refuse(res, fake, `not an Azure deployment path: ${r.url}`, 404);
    const [, deployment = '', op, query = ''] = m;
    if (new URLSearchParams(query).get('api-version') !== o.apiVersion)
      return refuse(res, fake, `api-version is not ${o.apiVersion}: ${query}`);
    const keyOk = r.headers['api-key'] === o.apiKey;
    const bearerOk = o.bearer !== undefined && r.headers.authorization === `Bearer ${o.bearer}`;
    if (!keyOk && !bearerOk)
      return json(res, 401, { error: { code: '401', message: 'Access denied due to invalid subscription key.' } });
    if (!o.deployments.includes(deployment))
      return json(res, 404, {
        error: { code: 'DeploymentNotFound', message: `The API deployment ${deployment} does not exist.` },
      });
    const scenario = scenarioOf(r);
    if (scenario?.failStatus !== undefined)
      return json(res, scenario.failStatus, {
        error: { message: scenario.message, type: null, param: null, code: String(scenario.failStatus) },
      });
    if (op === 'embeddings')
      return json(res, 200, {
        object: 'list',
        data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2, 0.3] }],
        model: deployment,
        usage: { prompt_tokens: 3, total_tokens: 3 },
      });
    const lastUser = lastOpenAIUser(r.body);
    if (lastUser.includes('forbidden'))
      return json(res, 400, {
        error: {
          message: "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
          type: null,
          param: 'prompt',
          code: 'content_filter',
          status: 400,
          innererror: {
            code: 'ResponsibleAIPolicyViolation',
            content_filter_result: { violence: { filtered: true, severity: 'high' } },
          },
        },
      });
    openAIAnswer(r, res, String(r.body.model ?? deployment), replyFor(scenario, lastUser));
  });
}

function openAIAnswer(r: FakeRequest, res: ServerResponse, model: string, text: string): void {
  const msgs = Array.isArray(r.body.messages) ? (r.body.messages as Obj[]) : [];
  const tool = Array.isArray(r.body.tools) && msgs.at(-1)?.role !== 'tool';
  const usage = {
    prompt_tokens: FAKE_USAGE.prompt,
    completion_tokens: FAKE_USAGE.completion,
    total_tokens: FAKE_USAGE.prompt + FAKE_USAGE.completion,
  };
  const call = {
    id: 'call_az1',
    type: 'function',
    function: { name: 'get_weather', arguments: JSON.stringify(TOOL_ARGS) },
  };
  if (r.body.stream !== true) {
    const message: Obj = { role: 'assistant', content: tool ? null : text };
    if (tool) message.tool_calls = [call];
    return json(res, 200, {
      id: 'chatcmpl-az',
      object: 'chat.completion',
      created: 1,
      model,
      prompt_filter_results: [{ prompt_index: 0, content_filter_results: {} }],
      choices: [{ index: 0, message, finish_reason: tool ? 'tool_calls' : 'stop', content_filter_results: {} }],
      usage,
    });
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const base = { id: 'chatcmpl-az', object: 'chat.completion.chunk', created: 1, model };
  // Azure opens a stream with the prompt's filter results and no choices.
  sse(res, {
    ...base,
    model: '',
    choices: [],
    prompt_filter_results: [{ prompt_index: 0, content_filter_results: {} }],
  });
  sse(res, { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
  if (tool)
    sse(res, { ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, ...call }] }, finish_reason: null }] });
  else
    for (const p of pieces(text))
      sse(res, { ...base, choices: [{ index: 0, delta: { content: p }, finish_reason: null }] });
  sse(res, { ...base, choices: [{ index: 0, delta: {}, finish_reason: tool ? 'tool_calls' : 'stop' }] });
  if ((r.body.stream_options as Obj | undefined)?.include_usage === true) sse(res, { ...base, choices: [], usage });
  res.end('data: [DONE]\n\n');
}

// --- Gemini API and Vertex AI (Gemini) ------------------------------------------------------

export interface GeminiOptions {
  /** Path before the model id: /v1beta/models (Gemini API) or /v1/projects/P/locations/L/publishers/google/models. */
  readonly modelsPath: string;
  /** The auth the request must carry: a problem, or undefined when it is right. */
  readonly auth: (r: FakeRequest) => string | undefined;
}

const ROLES = new Set(['user', 'model']);

/** What is wrong with a generateContent body, if anything. */
function geminiBodyProblem(body: Obj): string | undefined {
  if ('model' in body || 'messages' in body) return 'an OpenAI field (model/messages) in a Gemini body';
  if (!Array.isArray(body.contents) || body.contents.length === 0) return 'contents must be a non-empty array';
  for (const c of body.contents as Obj[]) {
    if (!ROLES.has(String(c.role))) return `content role ${String(c.role)} is not user or model`;
    if (!Array.isArray(c.parts) || c.parts.length === 0) return 'a content without parts';
    for (const p of c.parts as Obj[]) {
      const keys = Object.keys(p);
      if (!keys.some((k) => ['text', 'inlineData', 'fileData', 'functionCall', 'functionResponse'].includes(k)))
        return `a part of unknown kind: ${JSON.stringify(p)}`;
    }
  }
  const sys = body.systemInstruction as Obj | undefined;
  if (sys !== undefined && (!Array.isArray(sys.parts) || typeof (sys.parts[0] as Obj).text !== 'string'))
    return 'systemInstruction must be {parts: [{text}]}';
  if (body.tools !== undefined) {
    for (const t of body.tools as Obj[]) {
      if (!Array.isArray(t.functionDeclarations)) return 'a tool without functionDeclarations';
      for (const d of t.functionDeclarations as Obj[])
        if (JSON.stringify(d.parameters ?? {}).includes('additionalProperties'))
          return 'Invalid JSON payload: Unknown name "additionalProperties"';
    }
  }
  return undefined;
}

function lastGeminiUser(body: Obj): { text: string; toolResult: Obj | undefined } {
  const contents = (body.contents as Obj[]).filter((c) => c.role === 'user');
  const last = contents.at(-1);
  const parts = (last?.parts as Obj[] | undefined) ?? [];
  const response = parts.find((p) => p.functionResponse !== undefined)?.functionResponse as Obj | undefined;
  return { text: parts.map((p) => (typeof p.text === 'string' ? p.text : '')).join(''), toolResult: response };
}

export function startFakeGemini(o: GeminiOptions): Promise<Fake> {
  const path = new RegExp(
    `^${o.modelsPath.replace(/[/.]/g, '\\$&')}/([^/:?]+):(generateContent|streamGenerateContent)(\\?.*)?$`,
  );
  return serve((r, res, fake) => {
    const m = path.exec(r.url);
    if (r.method === 'GET' && r.url.startsWith('/v1beta1/publishers/google/models')) {
      const problem = o.auth(r);
      if (problem !== undefined) return refuse(res, fake, problem, 401);
      return json(res, 200, { publisherModels: [{ name: 'publishers/google/models/gemini-2.0-flash' }] });
    }
    if (r.method === 'GET' && r.url.startsWith(`${o.modelsPath}?`)) {
      const problem = o.auth(r);
      if (problem !== undefined) return refuse(res, fake, problem, 401);
      return json(res, 200, { models: [{ name: 'models/gemini-2.0-flash' }, { name: 'models/gemini-1.5-pro' }] });
    }
    if (r.method !== 'POST' || m === null) return refuse(res, fake, `not a generateContent path: ${r.url}`, 404);
    const [, model = '', method, query = ''] = m;
    const stream = method === 'streamGenerateContent';
    if (stream && query !== '?alt=sse') return refuse(res, fake, 'streamGenerateContent without alt=sse');
    if (!stream && query !== '') return refuse(res, fake, `unexpected query ${query}`);
    const authProblem = o.auth(r);
    if (authProblem !== undefined) {
      fake.problems.push(authProblem);
      return json(res, 401, { error: { code: 401, message: authProblem, status: 'UNAUTHENTICATED' } });
    }
    const problem = geminiBodyProblem(r.body);
    if (problem !== undefined) return refuse(res, fake, problem);
    const scenario = scenarioOf(r);
    if (scenario?.failStatus !== undefined)
      return json(res, scenario.failStatus, {
        error: { code: scenario.failStatus, message: scenario.message, status: 'UNAVAILABLE' },
      });
    const { text: lastUser, toolResult } = lastGeminiUser(r.body);
    const usageMetadata = {
      promptTokenCount: FAKE_USAGE.prompt,
      candidatesTokenCount: FAKE_USAGE.completion,
      totalTokenCount: FAKE_USAGE.prompt + FAKE_USAGE.completion,
    };
    if (lastUser.includes('forbidden')) {
      const blocked = {
        promptFeedback: {
          blockReason: 'SAFETY',
          safetyRatings: [{ category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH', blocked: true }],
        },
        usageMetadata: { promptTokenCount: 8, totalTokenCount: 8 },
        modelVersion: model,
      };
      if (!stream) return json(res, 200, blocked);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      sse(res, blocked);
      return void res.end();
    }
    const tool = Array.isArray(r.body.tools) && toolResult === undefined;
    const text =
      toolResult !== undefined ? `tool said: ${JSON.stringify(toolResult.response)}` : replyFor(scenario, lastUser);
    const base = { modelVersion: model, responseId: 'fake-response-1' };
    const call = { functionCall: { name: 'get_weather', args: TOOL_ARGS } };
    if (!stream) {
      return json(res, 200, {
        ...base,
        candidates: [{ content: { role: 'model', parts: tool ? [call] : [{ text }] }, finishReason: 'STOP', index: 0 }],
        usageMetadata,
      });
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const parts = tool ? [[call]] : pieces(text).map((p) => [{ text: p }]);
    parts.forEach((p, i) => {
      const last = i === parts.length - 1;
      sse(res, {
        ...base,
        candidates: [{ content: { role: 'model', parts: p }, index: 0, ...(last ? { finishReason: 'STOP' } : {}) }],
        usageMetadata: last
          ? usageMetadata
          : { promptTokenCount: FAKE_USAGE.prompt, totalTokenCount: FAKE_USAGE.prompt },
      });
    });
    res.end();
  });
}

// --- Vertex AI: Claude through rawPredict ---------------------------------------------------

export interface VertexAnthropicOptions {
  /** /v1/projects/P/locations/L */
  readonly basePath: string;
  readonly auth: (r: FakeRequest) => string | undefined;
}

function lastAnthropicUser(body: Obj): { text: string; toolResult: boolean } {
  const msgs = (body.messages as Obj[] | undefined) ?? [];
  const last = [...msgs].reverse().find((m) => m.role === 'user');
  if (typeof last?.content === 'string') return { text: last.content, toolResult: false };
  const blocks = (last?.content as Obj[] | undefined) ?? [];
  return {
    text: blocks.map((b) => (b.type === 'text' ? String(b.text) : '')).join(''),
    toolResult: blocks.some((b) => b.type === 'tool_result'),
  };
}

export function startFakeVertexAnthropic(o: VertexAnthropicOptions): Promise<Fake> {
  const path = new RegExp(
    `^${o.basePath.replace(/[/.]/g, '\\$&')}/publishers/anthropic/models/([^/:?]+):(rawPredict|streamRawPredict)$`,
  );
  return serve((r, res, fake) => {
    const m = path.exec(r.url);
    if (r.method === 'GET' && r.url.startsWith('/v1beta1/publishers/google/models')) {
      const problem = o.auth(r);
      if (problem !== undefined) return refuse(res, fake, problem, 401);
      return json(res, 200, { publisherModels: [] });
    }
    if (r.method !== 'POST' || m === null) return refuse(res, fake, `not a rawPredict path: ${r.url}`, 404);
    const [, model = '', method] = m;
    const authProblem = o.auth(r);
    if (authProblem !== undefined) return refuse(res, fake, authProblem, 401);
    if (r.body.anthropic_version !== 'vertex-2023-10-16')
      return refuse(res, fake, `anthropic_version is ${String(r.body.anthropic_version)}, not vertex-2023-10-16`);
    if ('model' in r.body) return refuse(res, fake, 'model must be in the path, not the body');
    if (r.headers['anthropic-version'] !== undefined) return refuse(res, fake, 'anthropic-version header on Vertex');
    if (!Array.isArray(r.body.messages) || typeof r.body.max_tokens !== 'number')
      return refuse(res, fake, 'not a Messages body (messages, max_tokens)');
    const stream = method === 'streamRawPredict';
    if (stream !== (r.body.stream === true)) return refuse(res, fake, 'stream flag does not match the method');
    const scenario = scenarioOf(r);
    if (scenario?.failStatus !== undefined)
      return json(res, scenario.failStatus, { type: 'error', error: { type: 'api_error', message: scenario.message } });
    const user = lastAnthropicUser(r.body);
    const tool = Array.isArray(r.body.tools) && !user.toolResult;
    const text = user.toolResult ? 'tool result received' : replyFor(scenario, user.text);
    const usage = { input_tokens: FAKE_USAGE.prompt, output_tokens: FAKE_USAGE.completion };
    const toolUse = { type: 'tool_use', id: 'toolu_vx1', name: 'get_weather', input: TOOL_ARGS };
    const content = tool ? [toolUse] : [{ type: 'text', text }];
    const stop = tool ? 'tool_use' : 'end_turn';
    const message = { id: 'msg_vx', type: 'message', role: 'assistant', model, content, stop_reason: stop, usage };
    if (!stream) return json(res, 200, message);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const ev = (d: Obj): boolean => sse(res, d, String(d.type));
    ev({
      type: 'message_start',
      message: { ...message, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } },
    });
    if (tool) {
      ev({ type: 'content_block_start', index: 0, content_block: { ...toolUse, input: {} } });
      ev({
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'input_json_delta', partial_json: JSON.stringify(TOOL_ARGS) },
      });
    } else {
      ev({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
      for (const p of pieces(text))
        ev({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: p } });
    }
    ev({ type: 'content_block_stop', index: 0 });
    ev({ type: 'message_delta', delta: { stop_reason: stop }, usage: { output_tokens: FAKE_USAGE.completion } });
    ev({ type: 'message_stop' });
    res.end();
  });
}

// --- Google OAuth token endpoint ------------------------------------------------------------

export interface TokenEndpoint extends Fake {
  /** A service-account key whose token_uri is this endpoint. */
  readonly key: string;
  /** Tokens issued so far, oldest first. */
  readonly issued: string[];
  /** Lifetimes (seconds) of the next tokens, used in order; then 3600. */
  readonly lifetimes: number[];
  /** undefined when `authorization` carries the latest token issued. */
  checkBearer(r: FakeRequest): string | undefined;
}

function b64url(text: string): Obj {
  return JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Obj;
}

export async function startTokenEndpoint(): Promise<TokenEndpoint> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const email = 'gw-test@example-project.iam.gserviceaccount.com';
  const issued: string[] = [];
  const lifetimes: number[] = [];
  const fake = await serve((r, res, f) => {
    if (r.method !== 'POST' || r.url !== '/token') return refuse(res, f, `not the token path: ${r.url}`, 404);
    const form = new URLSearchParams(String(r.body._form ?? ''));
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer')
      return refuse(res, f, 'grant_type is not jwt-bearer');
    const [head = '', claims = '', sig = ''] = (form.get('assertion') ?? '').split('.');
    const signed = verify('RSA-SHA256', Buffer.from(`${head}.${claims}`), publicKey, Buffer.from(sig, 'base64url'));
    if (!signed) return refuse(res, f, 'the assertion is not signed by the service-account key');
    const c = b64url(claims);
    if (c.iss !== email) return refuse(res, f, `assertion iss is ${String(c.iss)}`);
    if (!String(c.scope).includes('https://www.googleapis.com/auth/cloud-platform'))
      return refuse(res, f, 'assertion scope lacks cloud-platform');
    const token = `ya29.fake-token-${issued.length + 1}`;
    issued.push(token);
    json(res, 200, { access_token: token, expires_in: lifetimes.shift() ?? 3600, token_type: 'Bearer' });
  });
  const key = JSON.stringify({
    type: 'service_account',
    project_id: 'example-project',
    private_key_id: 'key-1',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: email,
    client_id: '1',
    token_uri: `${fake.origin}/token`,
  });
  return Object.assign(fake, {
    key,
    issued,
    lifetimes,
    checkBearer: (r: FakeRequest): string | undefined => {
      const latest = issued.at(-1);
      if (latest === undefined) return 'no token was issued yet';
      return r.headers.authorization === `Bearer ${latest}`
        ? undefined
        : `authorization is ${String(r.headers.authorization)}, not the latest token`;
    },
  });
}
