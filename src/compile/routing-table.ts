// The compiled, immutable routing table: what `gw serve` holds and swaps in one step on reload.
// Built by compile.ts from resolved manifests (references already expanded), deep-frozen.
// serve/ depends on these types only, never on manifest/.

export type Role = 'admin' | 'reviewer' | 'editor' | 'auditor';
export type Scope = 'chat' | 'admin' | 'mcp';
export type ProviderType =
  'openai' | 'anthropic' | 'http' | 'mock' | 'bedrock' | 'azure-openai' | 'gemini' | 'vertex' | 'vertex-anthropic';
/** Failure classes that move on to the next target. */
export type FailureClass = 'timeout' | 'connect' | '429' | '5xx' | '4xx';

export interface ModelPrice {
  readonly inputPer1k: number;
  readonly outputPer1k: number;
}

export interface MockBehaviour {
  readonly reply: string;
  readonly latencyMs: number;
  readonly chunkSize: number;
  readonly failStatus: number | undefined;
}

/** AWS request signing of a bedrock provider (SigV4, service bedrock). */
export interface AwsSigning {
  readonly region: string;
  /** Static credentials; undefined: the AWS default chain, looked up on first use. */
  readonly credentials:
    | {
        readonly accessKeyId: string;
        readonly secretAccessKey: string;
        readonly sessionToken: string | undefined;
      }
    | undefined;
}

/** Settings only some provider types read; each adapter reads its own and ignores the rest. */
export interface ProviderOptions {
  /** azure-openai: the api-version query parameter. */
  readonly apiVersion?: string;
  /** azure-openai: upstream model -> deployment name (unlisted models are their own deployment). */
  readonly deployments?: ReadonlyMap<string, string>;
  /** vertex, vertex-anthropic: a service-account key's JSON text; absent: Application Default Credentials. */
  readonly googleCredentials?: string;
  /** openai presets: request fields the vendor refuses, removed before sending. */
  readonly dropFields?: readonly string[];
  /** openai presets: request fields the vendor names otherwise (OpenAI name -> vendor name). */
  readonly renameFields?: Readonly<Record<string, string>>;
}

export interface TlsSettings {
  readonly rejectUnauthorized: boolean;
  readonly ca: string | undefined;
  /** Client certificate and its key (PEM), both or neither. */
  readonly cert?: string | undefined;
  readonly key?: string | undefined;
}

export interface CompiledProvider {
  /** "workspace/name" */
  readonly id: string;
  readonly name: string;
  readonly workspace: string;
  readonly type: ProviderType;
  /** API root without trailing slash, e.g. http://127.0.0.1:8000/v1; '' for mock. */
  readonly baseUrl: string;
  /** scheme://host:port of baseUrl: one connection pool per origin + TLS settings. */
  readonly origin: string;
  /** Path part of baseUrl without trailing slash, e.g. /v1. */
  readonly basePath: string;
  /** Auth and custom headers, lower-cased names, ready to send. */
  readonly headers: Readonly<Record<string, string>>;
  readonly tls: TlsSettings;
  readonly timeoutMs: number;
  /** Pricing by upstream model name. */
  readonly pricing: ReadonlyMap<string, ModelPrice>;
  readonly mock: MockBehaviour | undefined;
  /** Set for bedrock providers; absent on every other type. */
  readonly aws?: AwsSigning | undefined;
  /** Path `gw test-connection` probes, relative to baseUrl. */
  readonly probePath: string;
  /** Type-specific settings (azure, vertex, preset quirks); absent when there are none. */
  readonly options?: ProviderOptions;
  /**
   * Credential values (auth and secret-looking custom headers, 8+ characters, longest first)
   * scrubbed from upstream error text. Set by compile; absent on hand-built providers, which
   * fall back to what their headers reveal.
   */
  readonly secrets?: readonly string[];
}

export type CompiledTarget =
  | {
      readonly kind: 'provider';
      readonly provider: CompiledProvider;
      /** exposed model -> upstream model */
      readonly models: ReadonlyMap<string, string>;
      readonly weight: number;
    }
  | {
      readonly kind: 'endpoint';
      /** Name of a chat endpoint in the same workspace; looked up in the table at request time. */
      readonly endpoint: string;
      /** exposed model -> the referenced endpoint's exposed model */
      readonly models: ReadonlyMap<string, string>;
      readonly weight: number;
    };

export interface ChatParams {
  readonly temperature?: number;
  readonly top_p?: number;
  readonly max_tokens?: number;
  readonly presence_penalty?: number;
  readonly frequency_penalty?: number;
  readonly seed?: number;
  readonly stop?: readonly string[];
}

export interface EndpointLimits {
  readonly rpm: number | undefined;
  readonly rph: number | undefined;
  readonly tpm: number | undefined;
  readonly maxInputTokens: number | undefined;
  readonly monthlyBudgetUsd: number | undefined;
}

/** A JSON Schema compiled once; returns the error messages, empty when valid. */
export type CompiledValidator = (value: unknown) => readonly string[];

export type PiiKind = 'email' | 'phone' | 'credit_card' | 'ssn' | 'ipv4' | 'iban';

export type CompiledRule =
  /** gw's own patterns (pii kinds, keywords): JS RegExp written so a caller's text cannot make them backtrack. */
  | {
      readonly kind: 'pattern';
      readonly label: string;
      readonly regex: RegExp;
      readonly luhn: boolean;
      /** The longest text a match can cover: how much a stream holds back for this rule. */
      readonly span: number;
      /** A character every match contains (a cheap pre-check), when there is one. */
      readonly requires: string | undefined;
    }
  /** An operator's regex, run by a linear-time engine (RE2); closures, so the frozen table never reaches the engine's state. */
  | {
      readonly kind: 'linear';
      readonly label: 'regex';
      readonly test: (text: string) => boolean;
      /** [start, end) of every match, flattened. */
      readonly find: (text: string) => number[];
      readonly span: number;
    }
  | { readonly kind: 'maxChars'; readonly maxChars: number };

export interface CompiledGuardrail {
  readonly name: string;
  readonly stage: 'input' | 'output' | 'both';
  readonly action: 'block' | 'mask' | 'log';
  readonly message: string | undefined;
  /** Regexes are compiled here once, global flag set, never per request. */
  readonly rules: readonly CompiledRule[];
}

export interface CompiledChatEndpoint {
  readonly type: 'chat';
  readonly id: string;
  readonly name: string;
  readonly workspace: string;
  readonly enabled: boolean;
  readonly description: string | undefined;
  readonly allowedRoles: ReadonlySet<Role>;
  /** Per attempt; undefined: each provider's own timeout. */
  readonly timeoutMs: number | undefined;
  readonly strategy: 'fallback' | 'loadbalance';
  readonly retries: { readonly attempts: number; readonly backoffMs: number };
  readonly fallbackOn: ReadonlySet<FailureClass>;
  readonly targets: readonly CompiledTarget[];
  /** Every exposed model name, in the order first seen in targets. */
  readonly models: readonly string[];
  readonly defaultModel: string | undefined;
  readonly params: ChatParams;
  readonly lockParams: boolean;
  readonly prompt: { readonly system: string | undefined; readonly template: string | undefined };
  readonly inputSchema: CompiledValidator | undefined;
  readonly outputSchema: CompiledValidator | undefined;
  /** The schemas as written: listed by GET /api/{ws}/endpoints, sent upstream as structured-output requests. */
  readonly schemaJson: {
    readonly input: Readonly<Record<string, unknown>> | undefined;
    readonly output: Readonly<Record<string, unknown>> | undefined;
  };
  readonly limits: EndpointLimits;
  readonly guardrails: readonly CompiledGuardrail[];
  readonly streaming: boolean;
  readonly sessions:
    { readonly ttlMs: number; readonly maxMessages: number; readonly maxTokens: number | undefined } | undefined;
  readonly mcp: { readonly expose: boolean; readonly description: string | undefined };
}

export interface CompiledProxyEndpoint {
  readonly type: 'proxy';
  readonly id: string;
  readonly name: string;
  readonly workspace: string;
  readonly enabled: boolean;
  readonly description: string | undefined;
  readonly allowedRoles: ReadonlySet<Role>;
  readonly provider: CompiledProvider;
  /** Effective upstream: endpoint overrides applied over the provider's. */
  readonly baseUrl: string;
  readonly origin: string;
  readonly basePath: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly tls: TlsSettings;
  readonly timeoutMs: number;
  readonly limits: { readonly rpm: number | undefined; readonly rph: number | undefined };
  /** Tries again (bodiless requests of these methods only); attempts 0: never. */
  readonly retries: { readonly attempts: number; readonly backoffMs: number; readonly methods: ReadonlySet<string> };
}

export type CompiledEndpoint = CompiledChatEndpoint | CompiledProxyEndpoint;

export interface CompiledKey {
  readonly name: string;
  readonly workspace: string;
  /** Lower-case hex sha256 of the plaintext key (without the "sha256:" prefix). */
  readonly hash: string;
  readonly roles: ReadonlySet<Role>;
  readonly scopes: ReadonlySet<Scope>;
  /** undefined: every endpoint / model the roles allow. */
  readonly allowEndpoints: ReadonlySet<string> | undefined;
  readonly allowModels: ReadonlySet<string> | undefined;
  readonly limits: {
    readonly rpm: number | undefined;
    readonly rph: number | undefined;
    readonly tpm: number | undefined;
    readonly monthlyBudgetUsd: number | undefined;
  };
  /** Epoch ms; undefined: never expires. */
  readonly expiresAt: number | undefined;
  readonly enabled: boolean;
}

export interface CompiledWorkspace {
  readonly name: string;
  readonly endpoints: ReadonlyMap<string, CompiledEndpoint>;
  /** exposed model name -> the chat endpoint that exposes it (names are unique per workspace). */
  readonly models: ReadonlyMap<string, CompiledChatEndpoint>;
}

export interface RoutingTable {
  /** sha256 of the canonical manifests the table was compiled from. */
  readonly hash: string;
  readonly workspaces: ReadonlyMap<string, CompiledWorkspace>;
  /** "workspace/name" -> provider */
  readonly providers: ReadonlyMap<string, CompiledProvider>;
  /** hex sha256 -> key */
  readonly keys: ReadonlyMap<string, CompiledKey>;
  readonly counts: {
    readonly providers: number;
    readonly endpoints: number;
    readonly keys: number;
    readonly guardrails: number;
  };
}
