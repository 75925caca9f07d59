// Manifests from YAML strings (no loader needed), snapshots from them, and golden files.
import { readFile, writeFile } from 'node:fs/promises';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import type { Manifest } from '../../src/manifest/types.js';
import { buildSnapshot, type Snapshot } from '../../src/state/snapshot.js';

export function manifests(text: string): Manifest[] {
  return parseAllDocuments(text).map((d) => {
    if (d.errors.length > 0) throw new Error(`bad test YAML: ${d.errors[0]?.message}`);
    return d.toJS() as Manifest;
  });
}

export function snap(...texts: string[]): Snapshot {
  return buildSnapshot(texts.flatMap(manifests));
}

export const HASH = `sha256:${'ab'.repeat(32)}`;

/** Four resources, one of each planned kind, written tersely (defaults omitted). */
export const BASE = `
apiVersion: gw/v1
kind: Provider
metadata: { name: openai-prod, labels: { team: platform } }
spec:
  type: openai
  baseUrl: https://api.openai.com/v1
  auth:
    bearer: \${env:OPENAI_API_KEY}
  timeout: 60s
---
apiVersion: gw/v1
kind: Guardrail
metadata: { name: pii-mask }
spec:
  action: mask
  rules:
    - pii: [email, phone]
    - keywords: [internal-only, confidential]
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: support-bot, labels: { team: support } }
spec:
  type: chat
  routing:
    targets:
      - provider: openai-prod
        models: { fast: gpt-4o-mini, smart: gpt-4o }
  guardrails: [pii-mask]
---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: support-app, labels: { team: support } }
spec:
  keyHash: ${HASH}
  roles: [editor, admin]
  allow: { endpoints: [support-bot], models: [smart, fast] }
`;

const GOLDEN_DIR = new URL('../golden/plan/', import.meta.url);

/** Compares text with test/golden/plan/<name>; UPDATE_GOLDEN=1 rewrites the file instead. */
export async function assertGolden(name: string, actual: string): Promise<void> {
  const url = new URL(name, GOLDEN_DIR);
  if (process.env.UPDATE_GOLDEN === '1') {
    await writeFile(url, actual);
    return;
  }
  const expected = await readFile(url, 'utf8');
  assert.equal(actual, expected, `output differs from test/golden/plan/${name} (UPDATE_GOLDEN=1 rewrites it)`);
}
