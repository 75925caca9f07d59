// Provider manifests → CompiledProvider: URL split for connection pooling, ready-to-send headers.
import type { BedrockSettings, Provider, ProviderSpec, Tls, UpstreamAuth } from '../manifest/types.js';
import { defaultAt, defaultsOf } from './defaults.js';
import { parseDuration } from '../util/duration.js';
import { splitBaseUrl, type UpstreamUrl } from '../util/upstream-url.js';
import type {
  AwsSigning,
  CompiledProvider,
  MockBehaviour,
  ModelPrice,
  ProviderOptions,
  TlsSettings,
} from './routing-table.js';
import { PRESETS } from './presets.js';
import { credentialSecrets } from '../util/credentials.js';

const SPEC = 'provider.schema.json#/properties/spec/properties';
/** Fallbacks for values withDefaults() normally fills; read from the schema once, on first use. */
let fallbacks: { readonly timeoutMs: number; readonly probePath: string } | undefined;
function providerFallbacks(): { readonly timeoutMs: number; readonly probePath: string } {
  fallbacks ??= {
    timeoutMs: parseDuration(defaultAt(`${SPEC}/timeout`)) ?? 0,
    probePath: String(defaultAt(`${SPEC}/probe/properties/path`) ?? '/'),
  };
  return fallbacks;
}
const MOCK_DEFAULTS = `${SPEC}/mock`;
const AZURE_DEFAULTS = `${SPEC}/azure`;

/** Custom headers with lower-cased names; later sources win. */
export function mergeHeaders(
  ...sources: (Readonly<Record<string, string | undefined>> | undefined)[]
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const src of sources) {
    if (src === undefined) continue;
    for (const [name, value] of Object.entries(src)) if (typeof value === 'string') out[name.toLowerCase()] = value;
  }
  return out;
}

/** The headers an auth block sends: bearer → authorization, header → that header, none → nothing. */
export function authHeaders(auth: UpstreamAuth | undefined): Record<string, string> {
  if (auth === undefined) return {};
  if (typeof auth.bearer === 'string') return { authorization: `Bearer ${auth.bearer}` };
  if (auth.header !== undefined && typeof auth.header.name === 'string' && typeof auth.header.value === 'string') {
    return { [auth.header.name.toLowerCase()]: auth.header.value };
  }
  return {};
}

/** `tls` must carry its schema defaults when present; absent takes the schema defaults. */
export function compileTls(tls: Tls | undefined): TlsSettings {
  const t = (tls ?? defaultsOf('common.schema.json#/$defs/tls')) as Tls;
  const out: TlsSettings = { rejectUnauthorized: t.rejectUnauthorized !== false, ca: t.ca };
  // A client certificate only as a pair (the schema requires both or neither).
  return t.cert !== undefined && t.key !== undefined ? { ...out, cert: t.cert, key: t.key } : out;
}

function compileMock(spec: ProviderSpec): MockBehaviour {
  const mock = { ...defaultsOf(MOCK_DEFAULTS), ...spec.mock };
  return {
    reply: String(mock['reply'] ?? ''),
    latencyMs: parseDuration(mock['latency']) ?? 0,
    chunkSize: typeof mock['chunkSize'] === 'number' ? mock['chunkSize'] : 1,
    failStatus: typeof mock['failStatus'] === 'number' ? mock['failStatus'] : undefined,
  };
}

/** The Bedrock runtime of a region, when the manifest names no baseUrl. */
export function bedrockBaseUrl(region: string): string {
  return `https://bedrock-runtime.${region}.amazonaws.com`;
}

function compileAws(b: BedrockSettings): AwsSigning {
  const c = b.credentials;
  const credentials =
    c === undefined
      ? undefined
      : {
          accessKeyId: c.accessKeyId,
          secretAccessKey: c.secretAccessKey,
          // An empty reference (${env:AWS_SESSION_TOKEN:-}) means long-term keys: no token.
          sessionToken: c.sessionToken === undefined || c.sessionToken === '' ? undefined : c.sessionToken,
        };
  return { region: b.region, credentials };
}

function compilePricing(models: ProviderSpec['models']): ReadonlyMap<string, ModelPrice> {
  const out = new Map<string, ModelPrice>();
  for (const [model, p] of Object.entries(models ?? {})) {
    if (p === undefined) continue;
    out.set(model, { inputPer1k: p.inputPer1k ?? 0, outputPer1k: p.outputPer1k ?? 0 });
  }
  return out;
}

/** What the type-specific blocks (azure, vertex, preset) add; undefined when nothing. */
function compileOptions(spec: ProviderSpec): ProviderOptions | undefined {
  if (spec.type === 'azure-openai') {
    const azure = { ...defaultsOf(AZURE_DEFAULTS), ...spec.azure };
    const deployments = new Map(
      Object.entries(spec.azure?.deployments ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
    return { apiVersion: String(azure['apiVersion'] ?? ''), deployments };
  }
  if (spec.type === 'vertex' || spec.type === 'vertex-anthropic') {
    const credentials = spec.vertex?.credentials;
    return typeof credentials === 'string' && credentials.trim() !== '' ? { googleCredentials: credentials } : {};
  }
  const preset = spec.preset !== undefined ? PRESETS[spec.preset] : undefined;
  if (preset === undefined) return undefined;
  return {
    ...(preset.dropFields !== undefined ? { dropFields: preset.dropFields } : {}),
    ...(preset.renameFields !== undefined ? { renameFields: preset.renameFields } : {}),
  };
}

function optionsOf(spec: ProviderSpec): { options?: ProviderOptions } {
  const options = compileOptions(spec);
  return options !== undefined ? { options } : {};
}

/** Provider fields that proxy endpoints rebuild their headers from (auth can be replaced). */
export interface ProviderParts {
  readonly custom: Record<string, string>;
  readonly auth: UpstreamAuth | undefined;
}

/**
 * `manifest` must carry its schema defaults. Undefined when its baseUrl is not a URL, which a
 * validated config never has: the validator refuses, before and after reference resolution,
 * every value splitBaseUrl refuses (manifest/base-url.ts calls it), so no provider is dropped
 * silently. compile() itself stays total: odd input is skipped, never thrown.
 */
export function compileProvider(
  workspace: string,
  name: string,
  manifest: Provider,
): { provider: CompiledProvider; parts: ProviderParts } | undefined {
  const spec = manifest.spec;
  const isMock = spec.type === 'mock';
  const aws = spec.type === 'bedrock' && spec.bedrock !== undefined ? compileAws(spec.bedrock) : undefined;
  const url: UpstreamUrl | undefined = isMock
    ? { baseUrl: '', origin: 'mock:', basePath: '' }
    : splitBaseUrl(
        spec.baseUrl ??
          (aws !== undefined
            ? bedrockBaseUrl(aws.region)
            : spec.preset !== undefined
              ? PRESETS[spec.preset].baseUrl
              : ''),
      );
  if (url === undefined) return undefined;
  const parts: ProviderParts = { custom: mergeHeaders(spec.headers), auth: spec.auth };
  // openai/anthropic/mock probe their model list (relative to baseUrl); http providers spec.probe.path.
  const probePath = spec.type === 'http' ? (spec.probe?.path ?? providerFallbacks().probePath) : '/models';
  const provider: CompiledProvider = {
    id: `${workspace}/${name}`,
    name,
    workspace,
    type: spec.type,
    ...url,
    headers: { ...parts.custom, ...authHeaders(spec.auth) },
    tls: compileTls(spec.tls),
    timeoutMs: parseDuration(spec.timeout) ?? providerFallbacks().timeoutMs,
    pricing: compilePricing(spec.models),
    mock: isMock ? compileMock(spec) : undefined,
    ...(aws !== undefined ? { aws } : {}),
    probePath,
    secrets: credentialSecrets(parts.custom, spec.auth, [
      aws?.credentials?.secretAccessKey,
      aws?.credentials?.sessionToken,
    ]),
    ...optionsOf(spec),
  };
  return { provider, parts };
}
