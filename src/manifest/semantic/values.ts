// Values that must be well-formed on their own: provider and proxy baseUrls, guardrail regexes,
// endpoint input/output JSON Schemas.
import { createSchemaCompiler } from '../../util/json-validator.js';
import { compileRegex } from '../../util/regex.js';
import { baseUrlProblem } from '../base-url.js';
import type { Resource } from '../types.js';
import { isKind, type Path, type SemanticContext } from './context.js';
import { hasReference } from './secrets.js';

const EXAMPLE_URL: Record<string, string> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com/v1',
  http: 'https://internal.example.com',
  'azure-openai': 'https://NAME.openai.azure.com',
  gemini: 'https://generativelanguage.googleapis.com/v1beta',
  vertex: 'https://LOCATION-aiplatform.googleapis.com/v1/projects/PROJECT/locations/LOCATION',
  'vertex-anthropic': 'https://LOCATION-aiplatform.googleapis.com/v1/projects/PROJECT/locations/LOCATION',
};

function checkUrl(ctx: SemanticContext, r: Resource, path: Path, value: string): void {
  const what = `baseUrl of ${r.kind.toLowerCase()} ${r.name}`;
  const bad = (why: string): void => ctx.report(r, path, 'GW_ERR_BASE_URL', `${what} ${why}`);
  if (value.trim() === '') return bad(baseUrlProblem(value)!);
  if (value.endsWith('/')) {
    return bad('ends with a slash; remove it (gw appends paths such as /chat/completions itself)');
  }
  if (hasReference(value)) return; // checked again once resolved (env.ts)
  const why = baseUrlProblem(value);
  if (why !== undefined) bad(why);
}

function checkBaseUrls(ctx: SemanticContext, r: Resource): void {
  if (isKind(r, 'Provider')) {
    const { type, baseUrl } = r.manifest.spec;
    if (baseUrl !== undefined) checkUrl(ctx, r, ['spec', 'baseUrl'], baseUrl);
    else if (type !== 'mock' && type !== 'bedrock' && r.manifest.spec.preset === undefined) {
      const msg =
        `provider ${r.name} has type ${type} but no spec.baseUrl; add the API root without a trailing slash, ` +
        `e.g. baseUrl: ${EXAMPLE_URL[type] ?? 'https://api.example.com/v1'}`;
      ctx.report(r, ['spec', 'baseUrl'], 'GW_ERR_BASE_URL', msg);
    }
  } else if (isKind(r, 'Endpoint') && r.manifest.spec.type === 'proxy' && r.manifest.spec.baseUrl !== undefined) {
    checkUrl(ctx, r, ['spec', 'baseUrl'], r.manifest.spec.baseUrl);
  }
}

function checkRegexes(ctx: SemanticContext, r: Resource): void {
  if (!isKind(r, 'Guardrail')) return;
  (r.manifest.spec.rules ?? []).forEach((rule, i) => {
    if (typeof rule.regex !== 'string') return;
    try {
      compileRegex(rule.regex);
    } catch (err) {
      const msg =
        `rules[${i}] of guardrail ${r.name} has a regex that does not compile: ${(err as Error).message}; ` +
        'gw runs regexes with RE2 (linear time): no lookarounds or backreferences; flags inline, e.g. (?i)';
      ctx.report(r, ['spec', 'rules', i, 'regex'], 'GW_ERR_REGEX_INVALID', msg);
    }
  });
}

type SchemaCompiler = ReturnType<typeof createSchemaCompiler>;

// The compiler's own schema compiler: a schema validate accepts is one compile accepts.
function checkSchemas(ctx: SemanticContext, r: Resource, compile: SchemaCompiler): void {
  if (!isKind(r, 'Endpoint') || r.manifest.spec.type !== 'chat') return;
  const schema = r.manifest.spec.schema;
  for (const which of ['input', 'output'] as const) {
    const s = schema?.[which];
    if (s === undefined) continue;
    const result = compile(s);
    if (result.ok) continue;
    const msg =
      `schema.${which} of endpoint ${r.name} is not a valid JSON Schema (draft 2020-12): ${result.error}; ` +
      'fix the schema so it compiles';
    ctx.report(r, ['spec', 'schema', which], 'GW_ERR_JSON_SCHEMA_INVALID', msg, { key: true });
  }
}

export function checkValues(ctx: SemanticContext): void {
  const compile = createSchemaCompiler();
  for (const r of ctx.resources) {
    checkBaseUrls(ctx, r);
    checkRegexes(ctx, r);
    checkSchemas(ctx, r, compile);
  }
}
