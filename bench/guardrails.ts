// Guardrail benchmark: the CPU the input and output guardrail stages add to one request, measured
// in this process on the stages themselves (no HTTP, no upstream), beside the same stages on an
// endpoint without guardrails. The set is the typical one: three guardrails, each with all
// six pii kinds, one of them also with a regex, keywords and maxChars; the request is a 4 KB chat
// body and the answer a 4 KB chat.completion. Target (issue 11): at most 0.2 ms per request.
//   npx tsx bench/guardrails.ts [--seconds N]        default 10 s per case; 2 for a smoke run
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { compile } from '../src/compile/compile.js';
import type { CompiledChatEndpoint, RoutingTable } from '../src/compile/routing-table.js';
import type { Resource } from '../src/manifest/types.js';
import type { RequestContext } from '../src/serve/context.js';
import { inputGuardrailsStage, outputGuardrailsStage } from '../src/serve/stages/guardrails.js';
import { machine } from './util.js';

const TARGET_MS = 0.2;
const PII = ['email', 'phone', 'credit_card', 'ssn', 'ipv4', 'iban'];

function resource(kind: string, name: string, spec: Record<string, unknown>): Resource {
  return {
    kind,
    name,
    workspace: 'default',
    manifest: { apiVersion: 'gw/v1', kind, metadata: { name }, spec },
  } as unknown as Resource;
}

function table(): RoutingTable {
  const target = { routing: { targets: [{ provider: 'mock', models: { m: 'm' } }] } };
  return compile([
    resource('Provider', 'mock', { type: 'mock' }),
    resource('Guardrail', 'pii-mask', { stage: 'both', action: 'mask', rules: [{ pii: PII }] }),
    resource('Guardrail', 'pii-log', { stage: 'both', action: 'log', rules: [{ pii: PII }] }),
    resource('Guardrail', 'no-secrets', {
      stage: 'both',
      action: 'block',
      rules: [
        { pii: PII },
        { regex: '(?i)api[_-]?key\\s*[:=]\\s*\\S+' },
        { keywords: ['internal-only'] },
        { maxChars: 20000 },
      ],
    }),
    resource('Endpoint', 'guarded', { type: 'chat', ...target, guardrails: ['pii-mask', 'pii-log', 'no-secrets'] }),
    resource('Endpoint', 'plain', { type: 'chat', ...target }),
  ]);
}

// 4 KB of ordinary prose: what most requests look like (nothing to mask, every rule scans it all).
const SENTENCE = 'The quarterly report covers 12 regions, 340 stores and 2.5 million orders in 2024. ';
const TEXT = SENTENCE.repeat(Math.ceil(4096 / SENTENCE.length)).slice(0, 4096);

function ctxFor(ep: CompiledChatEndpoint): RequestContext {
  return {
    endpoint: ep,
    body: {
      model: 'm',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: TEXT },
      ],
    },
    native: undefined,
    guardrailHits: undefined,
    outcome: {
      provider: undefined,
      upstreamModel: undefined,
      attempts: [],
      ttfbMs: undefined,
      json: { object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: TEXT } }] },
      usage: () => undefined,
    },
  } as unknown as RequestContext;
}

/** CPU ms per request (input + output stage) over `seconds` of repeated runs. */
async function measure(ep: CompiledChatEndpoint, seconds: number): Promise<{ ms: number; runs: number }> {
  const input = inputGuardrailsStage();
  const output = outputGuardrailsStage();
  const next = (): Promise<void> => Promise.resolve();
  const ctx = ctxFor(ep);
  const end = performance.now() + seconds * 1000;
  const c0 = process.cpuUsage();
  let runs = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 100; i++) {
      await input(ctx, next);
      await output(ctx, next);
    }
    runs += 100;
  }
  const c = process.cpuUsage(c0);
  return { ms: (c.user + c.system) / 1000 / runs, runs };
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--seconds');
  const seconds = i >= 0 ? Number(process.argv[i + 1]) : 10;
  const t = table();
  const ws = t.workspaces.get('default');
  const guarded = ws?.endpoints.get('guarded') as CompiledChatEndpoint;
  const plain = ws?.endpoints.get('plain') as CompiledChatEndpoint;
  const m = machine();
  console.log(
    `guardrails bench: ${m.cpu}, ${m.nproc} cores, node ${m.node}, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}; ${seconds} s per case`,
  );
  // Warm both up first, so the JIT has compiled the stages before either is measured.
  await measure(guarded, Math.min(1, seconds / 4));
  const base = await measure(plain, seconds / 2);
  const with3 = await measure(guarded, seconds / 2);
  const added = with3.ms - base.ms;
  console.log(`  without guardrails  ${base.ms.toFixed(4)} ms CPU per request (${base.runs} runs)`);
  console.log(`  three guardrails    ${with3.ms.toFixed(4)} ms CPU per request (${with3.runs} runs)`);
  console.log(
    `  added               ${added.toFixed(4)} ms per request (4 KB in, 4 KB out); target ≤ ${TARGET_MS} ms: ${added <= TARGET_MS ? 'met' : 'NOT met'}`,
  );
}

await main();
