// One Ajv instance; every schema in schemas/ (from util/schemas.ts) compiled once, on first use.
// Ajv errors become Diagnostics located at the offending YAML node (the key itself for unknown fields).
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { createRequire } from 'node:module';
import { SCHEMA_FILE_OF_KIND, schemaFile } from '../util/schemas.js';
import { formatPath, type Diagnostic } from './diagnostics.js';
import type { Kind, SourceDoc } from './types.js';
import { closest } from './semantic/names.js';

/** "did you mean X? " for a typo of one of `candidates` (case-insensitive), else ''. */
function suggest(got: string, candidates: readonly string[]): string {
  const exact = candidates.find((c) => c.toLowerCase() === got.toLowerCase());
  const c = exact ?? closest(got, candidates);
  return c === undefined || c === got ? '' : `did you mean ${c}? `;
}

// ajv-formats is CommonJS with a default export that NodeNext typing does not see as callable.
const addFormats = createRequire(import.meta.url)('ajv-formats') as (a: Ajv2020, formats: string[]) => void;

export const KIND_SCHEMA_FILES: Readonly<Record<Kind, string>> = SCHEMA_FILE_OF_KIND;
export const KINDS = Object.keys(KIND_SCHEMA_FILES) as Kind[];

// Compiled on first use, not at import: commands that never validate should not pay for it.
let validators: Map<Kind, ValidateFunction> | undefined;
function validatorFor(kind: Kind): ValidateFunction | undefined {
  if (!validators) {
    const ajv = new Ajv2020({
      allErrors: true,
      strict: true,
      strictRequired: false,
      discriminator: true,
      verbose: true,
    });
    addFormats(ajv, ['date-time']);
    ajv.addSchema(schemaFile('common.schema.json'));
    validators = new Map();
    for (const k of KINDS) {
      const schema = schemaFile(KIND_SCHEMA_FILES[k]);
      ajv.addSchema(schema);
      validators.set(k, ajv.getSchema(schema.$id as string)!);
    }
  }
  return validators.get(kind);
}

/** Compiles the validators now (the build worker does so as it starts). */
export function prepareValidators(): void {
  validatorFor('Provider');
}

/** Checks one document against its kind's schema; returns located diagnostics. */
export function validateDocument(value: unknown, source: SourceDoc): Diagnostic[] {
  const at = (
    path: (string | number)[],
    message: string,
    opts?: { key?: boolean; code?: Diagnostic['code'] },
  ): Diagnostic => {
    const { line, col } = source.locate(path, opts);
    return {
      code: opts?.code ?? 'GW_ERR_SCHEMA',
      severity: 'error',
      message,
      file: source.file,
      line,
      col,
      path: formatPath(path),
    };
  };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return [
      at([], 'a manifest document must be a mapping with apiVersion, kind, metadata and spec', {
        code: 'GW_ERR_MANIFEST_NOT_OBJECT',
      }),
    ];
  }
  const kind = (value as { kind?: unknown }).kind;
  const validate =
    typeof kind === 'string' && (KINDS as string[]).includes(kind) ? validatorFor(kind as Kind) : undefined;
  if (!validate) {
    const got = kind === undefined ? 'kind is missing' : `kind ${JSON.stringify(kind)} is unknown`;
    const hint = typeof kind === 'string' ? suggest(kind, KINDS) : '';
    return [at(['kind'], `${got}; ${hint}use one of ${KINDS.join(', ')}`, { code: 'GW_ERR_SCHEMA_UNKNOWN_KIND' })];
  }
  if (validate(value)) return [];
  return dedupe(validate.errors ?? []).map((e) => {
    const path = pointerToPath(e.instancePath);
    if (e.keyword === 'additionalProperties') {
      const field = String(e.params.additionalProperty);
      const allowed = allowedFields(e);
      const hint = suggest(field, allowed);
      return at(
        [...path, field],
        `unknown field "${field}"${where(path)}; ${hint}allowed: ${allowed.length > 0 ? allowed.join(', ') : '(none)'}`,
        { key: true },
      );
    }
    if (e.keyword === 'required') {
      return at(path, `missing required field "${String(e.params.missingProperty)}"${where(path)}`, { key: true });
    }
    return at(path, `${formatPath(path) || 'document'} ${describe(e)}`);
  });
}

function where(path: (string | number)[]): string {
  return path.length ? ` in ${formatPath(path)}` : '';
}

function pointerToPath(pointer: string): (string | number)[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function allowedFields(e: ErrorObject): string[] {
  const props = (e.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
  return props ? Object.keys(props) : [];
}

function describe(e: ErrorObject): string {
  const schema = e.parentSchema as { description?: string } | undefined;
  switch (e.keyword) {
    case 'type':
      return `must be ${String(e.params.type)}, got ${typeOf(e.data)}`;
    case 'enum': {
      const allowed = e.params.allowedValues as unknown[];
      const hint =
        typeof e.data === 'string'
          ? suggest(
              e.data,
              allowed.filter((v): v is string => typeof v === 'string'),
            )
          : '';
      return `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}, got ${JSON.stringify(e.data)}${hint === '' ? '' : `; ${hint.trim()}`}`;
    }
    case 'const':
      return `must be ${JSON.stringify(e.params.allowedValue)}, got ${JSON.stringify(e.data)}`;
    case 'pattern':
      return `${JSON.stringify(e.data)} is not valid${schema?.description ? `: ${schema.description}` : ` (pattern ${String(e.params.pattern)})`}`;
    case 'discriminator':
      return `type must be one of the allowed types (chat, proxy), got ${JSON.stringify(e.params.tagValue)}`;
    case 'minProperties':
    case 'maxProperties':
      return schema?.description ? `is invalid: ${schema.description}` : (e.message ?? 'is invalid');
    case 'format':
      return `must be a ${String(e.params.format)} (e.g. 2027-06-30T00:00:00Z), got ${JSON.stringify(e.data)}`;
    default:
      return e.message ?? 'is invalid';
  }
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'object' ? 'object' : `${typeof v} ${JSON.stringify(v)}`;
}

/** With discriminator, Ajv reports one branch; drop exact repeats (same path, keyword, params). */
function dedupe(errors: readonly ErrorObject[]): ErrorObject[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    if (e.keyword === 'if' || e.keyword === 'oneOf') return false;
    const id = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
