// Manifest types. The shapes of documents come from the JSON Schemas (types.gen.ts, generated);
// this file only adds what the loader knows about each document: where it came from.
import type { Diagnostic } from './diagnostics.js';
import type { ApiKey, Endpoint, Gateway, Guardrail, Manifest, Provider } from './types.gen.js';

export type * from './types.gen.js';

export type Kind = Manifest['kind'];
export type ResourceKind = Exclude<Kind, 'Gateway'>;
export const RESOURCE_KINDS: readonly ResourceKind[] = ['Provider', 'Guardrail', 'Endpoint', 'ApiKey'];

export interface Position {
  readonly line: number;
  readonly col: number;
}

/** One YAML document as read: its plain value and a way back to line:col for any path in it. */
export interface SourceDoc {
  readonly file: string;
  /** 0-based index of the document inside its file. */
  readonly index: number;
  /** Absolute folder that ${file:./x} references in this document resolve against. */
  readonly dir: string;
  /**
   * Position of the node at path, or of its nearest existing ancestor. With `key: true`, the
   * position of the mapping key itself (for "unknown field" problems).
   */
  locate(path: readonly (string | number)[], opts?: { key?: boolean }): Position;
}

export type ManifestOf<K extends Kind> = Extract<Manifest, { kind: K }>;

/** A schema-valid document, with references still unresolved (as written). */
export interface Resource<M extends Manifest = Manifest> {
  readonly kind: M['kind'];
  readonly name: string;
  readonly workspace: string;
  readonly manifest: M;
  readonly source: SourceDoc;
}

export type ProviderResource = Resource<Provider>;
export type EndpointResource = Resource<Endpoint>;
export type ApiKeyResource = Resource<ApiKey>;
export type GuardrailResource = Resource<Guardrail>;
export type GatewayResource = Resource<Gateway>;

/** A document that failed its schema check but names a kind and a name (reported already). */
export interface BrokenResource {
  readonly kind: string;
  readonly name: string;
  readonly workspace: string;
}

export interface LoadResult {
  /** The Gateway document, when one was read. */
  readonly gateway: GatewayResource | undefined;
  /** Every schema-valid non-Gateway document. */
  readonly resources: readonly Resource[];
  /**
   * Documents with schema errors that still name a kind and a name: their names count as
   * defined, so references to them do not pile "not defined" errors on the schema error.
   */
  readonly broken?: readonly BrokenResource[];
  readonly diagnostics: readonly Diagnostic[];
  /** Every file read, in the order read. */
  readonly files: readonly string[];
}

/** "workspace/name": the identity of a resource of one kind. */
export function resourceId(workspace: string, name: string): string {
  return `${workspace}/${name}`;
}
