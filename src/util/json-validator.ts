// User JSON Schemas (endpoint input/output) → validators; the compiler builds them once per
// routing table and the manifest checks use it to reject a schema that does not compile.
// One Ajv instance per compiler (not per module): Ajv caches every schema it compiles, so a
// process-wide instance would grow with every reload; this one is dropped with its table.
import { createRequire } from 'node:module';
import type { Ajv2020, ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';

// Ajv is loaded with the first schema (about 10 MB of memory): a gateway whose endpoints have no
// schemas never loads it. Both packages are CommonJS, so require() keeps compiling synchronous.
const require = createRequire(import.meta.url);

function newAjv(): Ajv2020 {
  const { Ajv2020: Ajv } = require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
  const addFormats = require('ajv-formats') as { default: (ajv: Ajv2020) => unknown };
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats.default(ajv);
  return ajv;
}

/** The failures of one value as messages; empty when it is valid (compile's CompiledValidator). */
export type JsonValidator = (value: unknown) => readonly string[];

export type SchemaCompileResult =
  { readonly ok: true; readonly validator: JsonValidator } | { readonly ok: false; readonly error: string };

/** One message per failure, e.g. "/field must be string", "/ must have required property 'x'". */
function messages(errors: readonly ErrorObject[] | null | undefined): readonly string[] {
  if (errors === null || errors === undefined) return Object.freeze([]);
  return Object.freeze(
    errors.map((e) => {
      const extra = e.keyword === 'additionalProperties' ? ` (${String(e.params['additionalProperty'])})` : '';
      return `${e.instancePath === '' ? '/' : e.instancePath} ${e.message ?? 'is invalid'}${extra}`;
    }),
  );
}

function wrap(validate: ValidateFunction): JsonValidator {
  const valid: readonly string[] = Object.freeze([]);
  return (value: unknown) => (validate(value) ? valid : messages(validate.errors));
}

/**
 * A compiler of user JSON Schemas (draft 2020-12, all errors, common formats). Identical schemas
 * share one validator. A `$schema` naming another draft is ignored: gw reads schemas as 2020-12.
 */
export function createSchemaCompiler(): (schema: unknown) => SchemaCompileResult {
  let ajv: Ajv2020 | undefined;
  const byText = new Map<string, SchemaCompileResult>();
  return (schema) => {
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
      return { ok: false, error: 'a JSON Schema must be an object' };
    }
    const { $schema: _ignored, ...rest } = schema as Record<string, unknown>;
    const text = JSON.stringify(rest);
    const cached = byText.get(text);
    if (cached !== undefined) return cached;
    // Created on first use: most tables have no schemas and should not pay for an Ajv.
    ajv ??= newAjv();
    let result: SchemaCompileResult;
    try {
      result = { ok: true, validator: wrap(ajv.compile(rest)) };
    } catch (e) {
      result = { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
    byText.set(text, result);
    return result;
  };
}
