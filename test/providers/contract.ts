// One behavioural suite every provider adapter runs (as hono runs common.case.test.ts for each
// router). Each subject supplies a rig: providers of its type whose replies follow a scenario,
// served by a fake upstream in the provider's own dialect (or in-process). The suite drives
// them through the real executor and checks what a caller of gw sees, in OpenAI shape.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CompiledProvider } from '../../src/compile/routing-table.js';
import { GwError } from '../../src/errors.js';
import type { ProviderAdapter } from '../../src/providers/types.js';
import { executeChat } from '../../src/upstream/execute.js';
import { PoolRegistry } from '../../src/upstream/pool.js';
import { call, chatEndpoint, table, to } from '../upstream/helpers.js';

/** What the provider should do. reply: {{input}} is the last user message the upstream received. */
export type Scenario = { readonly reply: string } | { readonly failStatus: number; readonly message: string };

export interface ContractRig {
  provider(name: string, scenario: Scenario): CompiledProvider;
  close(): Promise<void>;
}

export interface ContractSubject {
  readonly name: string;
  readonly adapter: ProviderAdapter;
  /** The upstream's own error message reaches the caller's error details. */
  readonly relaysErrorMessage: boolean;
  start(): Promise<ContractRig>;
}

type Obj = Record<string, unknown>;
const messages = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'first question' },
  { role: 'assistant', content: 'first answer' },
  { role: 'user', content: 'what is 2+2?' },
];

export function runProviderContract(subject: ContractSubject): void {
  describe(`provider contract: ${subject.name}`, () => {
    let rig: ContractRig;
    const pools = new PoolRegistry();
    before(async () => {
      rig = await subject.start();
    });
    after(async () => {
      await pools.close();
      await rig.close();
    });

    const single = (scenario: Scenario) => {
      const p = rig.provider('subject', scenario);
      return table([chatEndpoint('ep', [to(p, { exposed: 'upstream-model-1' })])]);
    };
    const body = (stream: boolean): Obj => ({
      model: 'exposed',
      messages,
      max_tokens: 50,
      ...(stream ? { stream: true } : {}),
    });

    test('adapter declares its type and chat capability', () => {
      assert.equal(typeof subject.adapter.type, 'string');
      assert.equal(subject.adapter.capabilities.chat, true);
    });

    test('request and response mapping: the mapped model and the last user message reach the upstream; the answer is a chat.completion', async () => {
      const t = single({ reply: 'you said: {{input}}' });
      const out = await executeChat(call(t, 'ep', 'exposed', { body: body(false) }), { pools });
      const json = out.json as Obj;
      assert.equal(json.object, 'chat.completion');
      assert.equal(json.model, 'upstream-model-1');
      assert.equal(typeof json.id, 'string');
      const choice = (json.choices as Obj[])[0] as Obj;
      assert.deepEqual(choice.message, { role: 'assistant', content: 'you said: what is 2+2?' });
      assert.equal(choice.finish_reason, 'stop');
      const usage = out.usage();
      assert.ok(usage !== undefined && usage.promptTokens > 0 && usage.completionTokens > 0, 'usage is reported');
    });

    test('stream chunks: chat.completion.chunk objects whose deltas add up to the reply, then a finish', async () => {
      const reply = 'a streamed reply long enough to arrive in several chunks';
      const t = single({ reply });
      const out = await executeChat(call(t, 'ep', 'exposed', { stream: true, body: body(true) }), { pools });
      assert.ok(out.stream);
      const chunks: Obj[] = [];
      for await (const c of out.stream) chunks.push(c);
      assert.ok(chunks.length >= 3, 'more than one content chunk');
      assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk'));
      const deltas = chunks.map((c) => ((c.choices as Obj[])[0]?.delta as Obj | undefined)?.content ?? '').join('');
      assert.equal(deltas, reply);
      assert.equal(
        (chunks[0]?.choices as Obj[])[0]?.delta && ((chunks[0]?.choices as Obj[])[0]?.delta as Obj).role,
        'assistant',
      );
      assert.equal((chunks.at(-1)?.choices as Obj[])[0]?.finish_reason, 'stop');
      assert.ok(
        chunks.every((c) => !('usage' in c) || c.usage === undefined),
        'usage chunk stripped: caller did not ask',
      );
      const usage = out.usage();
      assert.ok(usage !== undefined && usage.completionTokens > 0, 'streamed usage is captured');
    });

    test('error mapping: a non-fallback 4xx reaches the caller with the upstream status', async () => {
      const t = single({ failStatus: 400, message: 'the request was malformed' });
      await assert.rejects(executeChat(call(t, 'ep', 'exposed', { body: body(false) }), { pools }), (err: unknown) => {
        assert.ok(err instanceof GwError);
        assert.equal(err.code, 'GW_ERR_UPSTREAM_EXHAUSTED');
        assert.equal(err.details?.upstreamStatus, 400);
        if (subject.relaysErrorMessage) assert.match(String(err.details?.upstreamMessage), /the request was malformed/);
        return true;
      });
    });

    test('error mapping: 5xx and 429 fall back to the next target, stream or not', async () => {
      for (const failStatus of [503, 429]) {
        for (const stream of [false, true]) {
          const t = table([
            chatEndpoint('ep', [
              to(rig.provider('down', { failStatus, message: 'overloaded' }), { exposed: 'm-down' }),
              to(rig.provider('up', { reply: 'recovered' }), { exposed: 'm-up' }),
            ]),
          ]);
          const out = await executeChat(call(t, 'ep', 'exposed', { stream, body: body(stream) }), { pools });
          if (out.stream) for await (const _c of out.stream) void _c;
          assert.deepEqual(
            out.attempts.map((a) => [a.provider, a.status]),
            [
              ['down', failStatus],
              ['up', 200],
            ],
            `${failStatus} stream=${stream}`,
          );
        }
      }
    });
  });
}
