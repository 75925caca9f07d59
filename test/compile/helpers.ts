// Hand-built Resources for compile tests: what the loader and resolver would hand over.
import type { Manifest, Resource, SourceDoc } from '../../src/manifest/types.js';

export const SOURCE: SourceDoc = { file: 'x.yaml', index: 0, dir: '.', locate: () => ({ line: 1, col: 1 }) };

export function res(kind: Manifest['kind'], name: string, spec: unknown, workspace = 'default'): Resource {
  const manifest = { apiVersion: 'gw/v1', kind, metadata: { name, workspace }, spec } as Manifest;
  return { kind, name, workspace, manifest, source: SOURCE };
}

export const HASH_A = `sha256:${'a'.repeat(64)}`;
export const HASH_B = `sha256:${'B'.repeat(64)}`;
