// Large generated configs for the build-off-the-serving-thread tests: `n` resources, mock
// providers only (no upstream needed). Model `m-<i>` answers `<tag>-<i>`; one caller key.
import { stringify } from 'yaml';
import { sha } from '../helpers/gw.js';

export const BIG_CALLER_KEY = 'gw-big-config-caller-key';

/** An ApiKey, then Provider/Endpoint pairs until there are `n` manifests. */
export function bigManifests(n: number, tag: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [
    {
      apiVersion: 'gw/v1',
      kind: 'ApiKey',
      metadata: { name: 'app' },
      spec: { keyHash: sha(BIG_CALLER_KEY), roles: ['editor'], scopes: ['chat'] },
    },
  ];
  for (let i = 0; out.length < n; i++) {
    out.push({
      apiVersion: 'gw/v1',
      kind: 'Provider',
      metadata: { name: `p-${i}` },
      spec: { type: 'mock', mock: { reply: `${tag}-${i}` } },
    });
    if (out.length < n) {
      out.push({
        apiVersion: 'gw/v1',
        kind: 'Endpoint',
        metadata: { name: `e-${i}` },
        spec: { type: 'chat', routing: { targets: [{ provider: `p-${i}`, models: { [`m-${i}`]: 'mock-1' } }] } },
      });
    }
  }
  return out;
}

/** The same as one multi-document YAML file. */
export function bigManifestsYaml(n: number, tag: string): string {
  return bigManifests(n, tag)
    .map((m) => stringify(m))
    .join('---\n');
}

/** The reply of model `model` (or the error code), with the big config's caller key. */
export async function chatBig(proxyUrl: string, model: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${proxyUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${BIG_CALLER_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });
  const body = (await res.json()) as { choices?: { message: { content: string } }[]; error?: { code: string } };
  return { status: res.status, text: body.choices?.[0]?.message.content ?? body.error?.code ?? '' };
}

/**
 * GETs `url` (/healthz) one request after another, paced ~10 ms apart, until `finished()` is true;
 * returns how many were answered (200) while it was still false. Any other answer throws.
 */
export async function probeUntil(url: string, finished: () => boolean): Promise<number> {
  let answered = 0;
  while (!finished()) {
    const res = await fetch(url);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
    if (!finished()) answered++;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return answered;
}
