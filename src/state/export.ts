// `gw export` / `gw dump`: the live config as manifest files, so a gateway configured by hand
// (or by `gw apply` from files since lost) can be adopted into Git. The manifests are the ones
// the gateway keeps per revision, as written: references stay `${env:…}` / `${file:…}` and are
// never resolved. One file per kind, documents ordered by workspace and name; what was literal
// in the live config (a pasted key) is written as it is, and listed so it can be moved out.
import { stringify } from 'yaml';
import { RESOURCE_KINDS, type Manifest, type ResourceKind } from '../manifest/types.js';
import { isSecretPath } from './mask.js';
import { scanValue } from '../manifest/env.js';
import type { Segment } from './path.js';
import { formatFieldPath } from './path.js';

export const EXPORT_FILES: Readonly<Record<ResourceKind, string>> = {
  Provider: 'providers.yaml',
  Guardrail: 'guardrails.yaml',
  Endpoint: 'endpoints.yaml',
  ApiKey: 'apikeys.yaml',
};

export interface ExportedFile {
  readonly name: string;
  readonly kind: ResourceKind;
  readonly text: string;
  readonly count: number;
}

export interface LiteralSecret {
  readonly file: string;
  readonly resource: string;
  readonly path: string;
}

function sortKey(m: Manifest): string {
  return `${m.metadata.workspace ?? 'default'}\u0000${m.metadata.name}`;
}

/** Credentials written literally (no reference in them): what should move to ${env:…}. */
function literalSecrets(value: unknown, path: Segment[], out: string[]): void {
  if (typeof value === 'string') {
    if (value !== '' && isSecretPath(path) && !scanValue(value).pieces.some((p) => typeof p !== 'string'))
      out.push(formatFieldPath(path));
    return;
  }
  if (Array.isArray(value)) value.forEach((v, i) => literalSecrets(v, [...path, i], out));
  else if (typeof value === 'object' && value !== null)
    for (const [k, v] of Object.entries(value)) literalSecrets(v, [...path, k], out);
}

/** The files for a set of live manifests (Gateway documents are not live config and are left out). */
export function exportManifests(
  manifests: readonly Manifest[],
  header: string,
): { files: ExportedFile[]; literals: LiteralSecret[] } {
  const files: ExportedFile[] = [];
  const literals: LiteralSecret[] = [];
  for (const kind of RESOURCE_KINDS) {
    const docs = manifests.filter((m) => m.kind === kind).sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : 1));
    if (docs.length === 0) continue;
    const name = EXPORT_FILES[kind];
    for (const m of docs) {
      const found: string[] = [];
      literalSecrets(m, [], found);
      for (const path of found)
        literals.push({ file: name, resource: `${kind.toLowerCase()} ${m.metadata.name}`, path });
    }
    const body = docs.map((m) => stringify(m, { lineWidth: 0 })).join('---\n');
    files.push({ name, kind, count: docs.length, text: `${header}${body}` });
  }
  return { files, literals };
}
