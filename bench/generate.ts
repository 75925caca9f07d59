// Writes N valid resources as YAML manifests for the benchmarks. Each file is one workspace of
// at most 1,000 documents (the loader refuses files over 4 MiB). Every block of 20 resources
// holds 2 providers, 11 chat endpoints with 2 targets each, 5 caller keys and 2 guardrails,
// so names and references resolve inside the workspace and exposed models never collide.
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const BLOCK = 20;
export const PER_FILE = 1000;

export interface GenerateOptions {
  /** Base URL of generated providers; `{i}` is replaced by the provider index. */
  readonly providerBaseUrl?: string;
}

export interface Generated {
  readonly files: readonly string[];
  readonly counts: { providers: number; endpoints: number; keys: number; guardrails: number };
}

const pad = (n: number, w = 4): string => String(n).padStart(w, '0');

function providerDoc(ws: string, i: number, base: string): string {
  const anthropic = i % 2 === 1;
  const url = base.replace('{i}', String(i));
  return `apiVersion: gw/v1
kind: Provider
metadata:
  name: p-${i}
  workspace: ${ws}
  labels: { team: team-${i % 7}, vendor: ${anthropic ? 'anthropic' : 'openai'} }
spec:
  type: ${anthropic ? 'anthropic' : 'openai'}
  baseUrl: ${anthropic ? url.replace('/v1', '/anthropic/v1') : url}
  auth:
${anthropic ? `    header: { name: x-api-key, value: "\${env:GW_BENCH_ANTHROPIC_KEY:-bench}" }` : `    bearer: "\${env:GW_BENCH_OPENAI_KEY:-bench}"`}
  timeout: 60s
  models:
    model-a-${i}: { inputPer1k: 0.00015, outputPer1k: 0.0006 }
    model-b-${i}: { inputPer1k: 0.0025, outputPer1k: 0.01 }
`;
}

function endpointDoc(ws: string, i: number, p0: number, p1: number, guard: number | undefined): string {
  const lines = [
    'apiVersion: gw/v1',
    'kind: Endpoint',
    'metadata:',
    `  name: e-${i}`,
    `  workspace: ${ws}`,
    `  labels: { team: team-${i % 7} }`,
    'spec:',
    '  type: chat',
    `  description: Generated endpoint ${i}`,
    '  routing:',
    `    strategy: ${i % 3 === 0 ? 'loadbalance' : 'fallback'}`,
    '    retries: { attempts: 1, backoff: 200ms }',
    '    fallbackOn: [timeout, connect, "429", 5xx]',
    '    targets:',
    `      - provider: p-${p0}`,
    `        models: { e${i}-fast: model-a-${p0}, e${i}-smart: model-b-${p0} }`,
    `        weight: 3`,
    `      - provider: p-${p1}`,
    `        models: { e${i}-fast: model-a-${p1}, e${i}-smart: model-b-${p1} }`,
    `  defaultModel: e${i}-fast`,
    '  params: { temperature: 0.2, max_tokens: 1024 }',
  ];
  if (i % 4 === 0) lines.push('  prompt:', `    system: You are assistant number ${i}. Answer briefly.`);
  if (i % 2 === 0) lines.push('  limits: { rpm: 600, tpm: 200000, maxInputTokens: 8000 }');
  if (guard !== undefined) lines.push(`  guardrails: [g-${guard}]`);
  return `${lines.join('\n')}\n`;
}

function keyDoc(ws: string, i: number, endpoints: readonly number[]): string {
  const hash = createHash('sha256').update(`gw-bench-${ws}-${i}`).digest('hex');
  return `apiVersion: gw/v1
kind: ApiKey
metadata:
  name: k-${i}
  workspace: ${ws}
spec:
  keyHash: sha256:${hash}
  description: Generated caller key ${i}
  roles: [editor]
  scopes: [chat]
  allow:
    endpoints: [${endpoints.map((e) => `e-${e}`).join(', ')}]
  limits: { rpm: 120, monthlyBudgetUsd: 50 }
`;
}

function guardrailDoc(ws: string, i: number): string {
  const rules =
    i % 2 === 0
      ? '    - pii: [email, phone, credit_card]'
      : `    - regex: '(?i)api[_-]?key\\s*[:=]\\s*\\S+'\n    - keywords: [internal-only-${i}, do-not-share]\n    - maxChars: 20000`;
  return `apiVersion: gw/v1
kind: Guardrail
metadata:
  name: g-${i}
  workspace: ${ws}
spec:
  stage: ${i % 2 === 0 ? 'both' : 'input'}
  action: ${i % 2 === 0 ? 'mask' : 'block'}
  rules:
${rules}
`;
}

/** One block of 20 documents with indices starting at `b` * per-kind count. */
function block(ws: string, b: number, base: string): string[] {
  const p0 = b * 2;
  const docs = [providerDoc(ws, p0, base), providerDoc(ws, p0 + 1, base)];
  docs.push(guardrailDoc(ws, b * 2), guardrailDoc(ws, b * 2 + 1));
  const eps: number[] = [];
  for (let j = 0; j < 11; j++) {
    const e = b * 11 + j;
    eps.push(e);
    const guard = j % 3 === 0 ? b * 2 + (j % 2) : undefined;
    docs.push(endpointDoc(ws, e, j % 2 === 0 ? p0 : p0 + 1, j % 2 === 0 ? p0 + 1 : p0, guard));
  }
  for (let j = 0; j < 5; j++) docs.push(keyDoc(ws, b * 5 + j, eps.slice(j * 2, j * 2 + 3)));
  return docs;
}

/** Writes `count` resources (rounded up to a block of 20) into `dir`. */
export async function generateManifests(dir: string, count: number, opts: GenerateOptions = {}): Promise<Generated> {
  const base = opts.providerBaseUrl ?? 'https://llm-{i}.bench.invalid/v1';
  await mkdir(dir, { recursive: true });
  const blocks = Math.ceil(count / BLOCK);
  const perFile = PER_FILE / BLOCK;
  const files: string[] = [];
  for (let f = 0; f * perFile < blocks; f++) {
    const ws = `ws-${pad(f)}`;
    const docs: string[] = [];
    for (let b = 0; b < perFile && f * perFile + b < blocks; b++) docs.push(...block(ws, b, base));
    const file = join(dir, `${ws}.yaml`);
    await writeFile(file, docs.join('---\n'));
    files.push(file);
  }
  return { files, counts: { providers: blocks * 2, endpoints: blocks * 11, keys: blocks * 5, guardrails: blocks * 2 } };
}
