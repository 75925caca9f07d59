// gw's JSON Schemas (schemas/*.schema.json), the one registry: read from disk once, on first use
// (never at import), parsed and deep-frozen, and shared by the manifest validator
// (manifest/schema.ts, Ajv) and the schema defaults (compile/defaults.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { deepFreeze } from './freeze.js';

/** One schema document as parsed from its file (frozen). */
export type SchemaDocument = Readonly<Record<string, unknown>>;

const SCHEMA_DIR = new URL('../../schemas/', import.meta.url);

/** The schema file of each manifest kind. */
export const SCHEMA_FILE_OF_KIND = Object.freeze({
  Gateway: 'gateway.schema.json',
  Provider: 'provider.schema.json',
  Endpoint: 'endpoint.schema.json',
  ApiKey: 'apikey.schema.json',
  Guardrail: 'guardrail.schema.json',
} as const);

let files: ReadonlyMap<string, SchemaDocument> | undefined;

/** Every schemas/*.schema.json by file name, in file-name order; read on the first call. */
export function schemaFiles(): ReadonlyMap<string, SchemaDocument> {
  if (files === undefined) {
    const read = new Map<string, SchemaDocument>();
    for (const file of readdirSync(SCHEMA_DIR)
      .filter((f) => f.endsWith('.schema.json'))
      .sort()) {
      read.set(file, deepFreeze(JSON.parse(readFileSync(new URL(file, SCHEMA_DIR), 'utf8')) as SchemaDocument));
    }
    files = read;
  }
  return files;
}

/** One schema file by name, e.g. 'common.schema.json'. Throws when there is no such file. */
export function schemaFile(file: string): SchemaDocument {
  const doc = schemaFiles().get(file);
  if (doc === undefined) throw new Error(`no schema file ${file} in schemas/`);
  return doc;
}
