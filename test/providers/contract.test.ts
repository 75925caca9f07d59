// Runs the provider contract for every built-in adapter.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getAdapter } from '../../src/providers/registry.js';
import type { ProviderAdapter } from '../../src/providers/types.js';
import { httpProvider, mockProvider } from '../upstream/helpers.js';
import { runProviderContract, type ContractRig, type Scenario } from './contract.js';

function adapter(type: 'openai' | 'mock'): ProviderAdapter {
  const a = getAdapter(type);
  if (a === undefined) throw new Error(`no adapter for ${type}`);
  return a;
}

type Obj = Record<string, unknown>;

/** A fake OpenAI-compatible server: the scenario travels in a header configured on the provider. */
async function startFakeOpenAI(): Promise<ContractRig> {
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const scenario = JSON.parse(String(req.headers['x-contract-scenario'])) as Scenario;
      const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as Obj;
      answer(res, scenario, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return {
    provider: (name, scenario) =>
      httpProvider(name, url, {
        headers: { authorization: 'Bearer k', 'x-contract-scenario': JSON.stringify(scenario) },
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function answer(res: ServerResponse, scenario: Scenario, body: Obj): void {
  if ('failStatus' in scenario) {
    res.writeHead(scenario.failStatus, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: scenario.message, type: 'invalid_request_error', code: null } }));
    return;
  }
  const msgs = body.messages as { role: string; content: string }[];
  const lastUser = [...msgs].reverse().find((m) => m.role === 'user')?.content ?? '';
  const reply = scenario.reply.split('{{input}}').join(lastUser);
  const usage = { prompt_tokens: 11, completion_tokens: 5, total_tokens: 16 };
  if (body.stream !== true) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id: 'chatcmpl-f',
        object: 'chat.completion',
        created: 1,
        model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content: reply }, finish_reason: 'stop' }],
        usage,
      }),
    );
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const base = { id: 'chatcmpl-f', object: 'chat.completion.chunk', created: 1, model: body.model };
  const send = (o: Obj): boolean => res.write(`data: ${JSON.stringify(o)}\n\n`);
  send({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
  for (let i = 0; i < reply.length; i += 10)
    send({ ...base, choices: [{ index: 0, delta: { content: reply.slice(i, i + 10) }, finish_reason: null }] });
  send({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
  if ((body.stream_options as Obj | undefined)?.include_usage === true) send({ ...base, choices: [], usage });
  res.end('data: [DONE]\n\n');
}

runProviderContract({
  name: 'openai',
  adapter: adapter('openai'),
  relaysErrorMessage: true,
  start: startFakeOpenAI,
});

runProviderContract({
  name: 'mock',
  adapter: adapter('mock'),
  relaysErrorMessage: false,
  start: () =>
    Promise.resolve({
      provider: (name: string, s: Scenario) =>
        'failStatus' in s
          ? mockProvider(name, { failStatus: s.failStatus })
          : mockProvider(name, { reply: s.reply, chunkSize: 7 }),
      close: () => Promise.resolve(),
    }),
});
