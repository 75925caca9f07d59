// `gw keys create`: the ApiKey manifest that admits a fresh caller key. The plaintext is
// passed through for printing once; the manifest holds only its hash. Names, roles and scopes are
// checked against the schemas, so the printed YAML always validates.
import { Document, isSeq, visit } from 'yaml';
import { schemaNode } from '../compile/defaults.js';
import type { ApiKey } from '../manifest/types.js';

const NAME = schemaNode('common.schema.json#/$defs/name');
const NAME_RE = new RegExp(String(NAME?.['pattern'] ?? '^[a-z0-9]([a-z0-9-]*[a-z0-9])?$'));
const NAME_MIN = Number(NAME?.['minLength'] ?? 2);
const NAME_MAX = Number(NAME?.['maxLength'] ?? 63);

function enumAt(ref: string): string[] {
  const node = schemaNode(ref);
  return (node?.enum ?? []).filter((v): v is string => typeof v === 'string');
}

export const ROLES: readonly string[] = enumAt('common.schema.json#/$defs/role');
export const SCOPES: readonly string[] = enumAt('apikey.schema.json#/properties/spec/properties/scopes/items');

/** Why `name` is not a valid metadata name; undefined when it is. */
export function nameProblem(name: string): string | undefined {
  if (name.length < NAME_MIN || name.length > NAME_MAX || !NAME_RE.test(name)) {
    return `'${name}' is not a valid name: use ${NAME_MIN}-${NAME_MAX} lowercase letters, digits and '-', starting and ending with a letter or digit`;
  }
  return undefined;
}

export interface NewKeyOptions {
  readonly name: string;
  readonly workspace?: string | undefined;
  /** Empty or absent: the schema default (editor). */
  readonly roles?: readonly string[] | undefined;
  readonly scopes?: readonly string[] | undefined;
  /** Path of gw.schema.json for the editor modeline. */
  readonly schemaPath: string;
  /** A fresh key from generateCallerKey() (cli/init-template.ts, shared with `gw init`). */
  readonly generated: { readonly plaintext: string; readonly hash: string };
}

export interface NewKey {
  /** The plaintext key: shown once, never stored. */
  readonly key: string;
  /** "sha256:<hex>" */
  readonly keyHash: string;
  readonly manifest: ApiKey;
  /** The manifest as a YAML document with the schema modeline. */
  readonly yaml: string;
}

/** YAML with lists in flow style (`roles: [editor]`), as the docs write them. */
function flowLists(value: unknown): string {
  const doc = new Document(value);
  visit(doc, {
    Seq(_, node) {
      if (isSeq(node)) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

export function newApiKey(o: NewKeyOptions): NewKey {
  const { plaintext, hash } = o.generated;
  const roles = o.roles !== undefined && o.roles.length > 0 ? [...new Set(o.roles)] : ['editor'];
  const scopes = o.scopes !== undefined && o.scopes.length > 0 ? [...new Set(o.scopes)] : ['chat'];
  const metadata: ApiKey['metadata'] =
    o.workspace !== undefined ? { name: o.name, workspace: o.workspace } : { name: o.name };
  const manifest = {
    apiVersion: 'gw/v1',
    kind: 'ApiKey',
    metadata,
    spec: { keyHash: hash, roles, scopes },
  } as ApiKey;
  const yaml =
    `# yaml-language-server: $schema=${o.schemaPath}\n` +
    `# Caller key '${o.name}'. Only the hash is here; the key was printed once by \`gw keys create\`.\n` +
    flowLists(manifest);
  return { key: plaintext, keyHash: hash, manifest, yaml };
}
