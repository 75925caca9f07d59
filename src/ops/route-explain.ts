// `gw route`: the decision of access-decision.ts plus what the request would meet once routed
// (targets in order, retries, fallback, policies), as plain data that prints as text or JSON.
// Nothing is sent anywhere.
import type {
  CompiledChatEndpoint,
  CompiledGuardrail,
  CompiledKey,
  CompiledProvider,
  CompiledTarget,
  RoutingTable,
} from '../compile/routing-table.js';
import { decideChatRoute } from './access-decision.js';
import { getAdapter } from '../providers/registry.js';

export type KeyStatus = 'valid' | 'expired' | 'disabled' | 'unknown';

export interface ExplainedKey {
  readonly name: string;
  readonly workspace: string;
  readonly status: KeyStatus;
  readonly roles: readonly string[];
  readonly scopes: readonly string[];
  /** null: every endpoint / model the roles allow. */
  readonly allowEndpoints: readonly string[] | null;
  readonly allowModels: readonly string[] | null;
  readonly expiresAt: string | null;
  readonly limits: CompiledKey['limits'];
}

export type ExplainedTarget =
  | {
      readonly kind: 'provider';
      readonly provider: string;
      readonly type: string;
      readonly baseUrl: string;
      readonly upstreamModel: string;
      /** Where a chat request for the model goes (the adapter's own path scheme); null for in-process providers. */
      readonly url: string | null;
      readonly weight: number;
      /** Per attempt: the endpoint's timeout, else the provider's. */
      readonly timeoutMs: number;
      /** Extra tries on this target before moving on. */
      readonly retries: number;
    }
  | {
      readonly kind: 'endpoint';
      readonly endpoint: string;
      /** The referenced endpoint's exposed model this target asks for. */
      readonly model: string;
      readonly weight: number;
      readonly retries: number;
      /** The referenced endpoint's own targets for that model. */
      readonly targets: readonly ExplainedTarget[];
      /** Why the reference cannot serve (missing, disabled, cycle); null when it can. */
      readonly problem: string | null;
    };

export interface ExplainedPolicies {
  readonly limits: CompiledChatEndpoint['limits'];
  readonly guardrails: readonly {
    readonly name: string;
    readonly stage: string;
    readonly action: string;
    /** 'pii email, phone', 'regex', 'keywords', 'maxChars 20000', in the manifest's order. */
    readonly rules: readonly string[];
  }[];
  readonly prompt: { readonly system: string | null; readonly template: string | null };
  readonly params: CompiledChatEndpoint['params'];
  readonly lockParams: boolean;
  readonly streaming: boolean;
  readonly inputSchema: boolean;
  readonly outputSchema: boolean;
  readonly sessions: NonNullable<CompiledChatEndpoint['sessions']> | null;
}

export interface RouteExplanation {
  readonly model: string;
  /** "sha256:<hex>" of the key asked about; never the key itself. */
  readonly keyHash: string;
  readonly key: ExplainedKey | null;
  readonly allowed: boolean;
  /** What the server would answer instead of routing; null when allowed. */
  readonly refusal: { readonly code: string; readonly status: number; readonly message: string } | null;
  readonly endpoint: {
    readonly name: string;
    readonly workspace: string;
    readonly description: string | null;
    readonly enabled: boolean;
  } | null;
  /** The exposed model the request runs as; differs from `model` when that named an endpoint. */
  readonly resolvedModel: string | null;
  readonly routing: {
    readonly strategy: 'fallback' | 'loadbalance';
    readonly retries: { readonly attempts: number; readonly backoffMs: number };
    readonly fallbackOn: readonly string[];
    readonly timeoutMs: number | null;
  } | null;
  readonly targets: readonly ExplainedTarget[];
  readonly policies: ExplainedPolicies | null;
}

function keyStatus(key: CompiledKey | undefined, nowMs: number): KeyStatus {
  if (key === undefined) return 'unknown';
  if (!key.enabled) return 'disabled';
  if (key.expiresAt !== undefined && key.expiresAt <= nowMs) return 'expired';
  return 'valid';
}

function explainKey(key: CompiledKey, nowMs: number): ExplainedKey {
  return {
    name: key.name,
    workspace: key.workspace,
    status: keyStatus(key, nowMs),
    roles: [...key.roles],
    scopes: [...key.scopes],
    allowEndpoints: key.allowEndpoints === undefined ? null : [...key.allowEndpoints],
    allowModels: key.allowModels === undefined ? null : [...key.allowModels],
    expiresAt: key.expiresAt === undefined ? null : new Date(key.expiresAt).toISOString(),
    limits: key.limits,
  };
}

/** Targets that serve `model`, in declared order; endpoint refs expanded (cycle-guarded). */
/** "POST {url}" of a chat request for `model` on `p`, as its adapter builds it (Azure deployments, Gemini paths…). */
function chatUrl(p: CompiledProvider, model: string): string | null {
  const adapter = getAdapter(p.type);
  if (adapter?.kind !== 'http') return null;
  const spec = adapter.buildChatRequest(p, { model, messages: [] }, false);
  return `${spec.method} ${p.origin}${spec.path}`;
}

function explainTargets(
  table: RoutingTable,
  ep: CompiledChatEndpoint,
  model: string,
  inheritedTimeout: number | undefined,
  visited: ReadonlySet<string>,
): ExplainedTarget[] {
  const timeout = ep.timeoutMs ?? inheritedTimeout;
  return ep.targets
    .filter((t: CompiledTarget) => t.models.has(model))
    .map((t): ExplainedTarget => {
      const mapped = t.models.get(model) ?? model;
      if (t.kind === 'provider') {
        const p = t.provider;
        return {
          kind: 'provider',
          provider: p.name,
          type: p.type,
          baseUrl: p.type === 'mock' ? '(built-in mock)' : p.baseUrl,
          upstreamModel: mapped,
          url: chatUrl(p, mapped),
          weight: t.weight,
          timeoutMs: timeout ?? p.timeoutMs,
          retries: ep.retries.attempts,
        };
      }
      const ref = table.workspaces.get(ep.workspace)?.endpoints.get(t.endpoint);
      let problem: string | null = null;
      if (ref === undefined || ref.type !== 'chat')
        problem = `endpoint ${t.endpoint} is not a chat endpoint of workspace ${ep.workspace}`;
      else if (!ref.enabled) problem = `endpoint ${t.endpoint} is disabled`;
      else if (visited.has(ref.id)) problem = `endpoint ${t.endpoint} refers back to itself (cycle)`;
      const inner =
        problem === null && ref?.type === 'chat'
          ? explainTargets(table, ref, mapped, timeout, new Set([...visited, ref.id]))
          : [];
      return {
        kind: 'endpoint',
        endpoint: t.endpoint,
        model: mapped,
        weight: t.weight,
        retries: ep.retries.attempts,
        targets: inner,
        problem,
      };
    });
}

const PII_KINDS: ReadonlySet<string> = new Set(['email', 'phone', 'credit_card', 'ssn', 'ipv4', 'iban']);

/** A guardrail's rules in words; the pii kinds of one rule become one entry. */
function ruleNames(g: CompiledGuardrail): string[] {
  const out: string[] = [];
  let pii: string[] | undefined;
  for (const r of g.rules) {
    if (r.kind === 'pattern' && PII_KINDS.has(r.label)) {
      if (pii === undefined) out.push('');
      (pii ??= []).push(r.label);
      out[out.length - 1] = `pii ${pii.join(', ')}`;
      continue;
    }
    pii = undefined;
    out.push(r.kind === 'maxChars' ? `maxChars ${r.maxChars}` : r.label);
  }
  return out;
}

function explainPolicies(ep: CompiledChatEndpoint): ExplainedPolicies {
  return {
    limits: ep.limits,
    guardrails: ep.guardrails.map((g) => ({ name: g.name, stage: g.stage, action: g.action, rules: ruleNames(g) })),
    prompt: { system: ep.prompt.system ?? null, template: ep.prompt.template ?? null },
    params: ep.params,
    lockParams: ep.lockParams,
    streaming: ep.streaming,
    inputSchema: ep.inputSchema !== undefined,
    outputSchema: ep.outputSchema !== undefined,
    sessions: ep.sessions ?? null,
  };
}

/** `hashHex`: lower-case hex sha256 of the caller key. */
export function explainRoute(table: RoutingTable, hashHex: string, model: string, nowMs: number): RouteExplanation {
  const d = decideChatRoute(table, hashHex, model, nowMs);
  const r = d.resolution;
  const ep = r?.endpoint;
  const resolvedModel = r?.ok === true ? r.model : null;
  return {
    model,
    keyHash: `sha256:${hashHex.toLowerCase()}`,
    key: d.key === undefined ? null : explainKey(d.key, nowMs),
    allowed: d.error === undefined,
    refusal: d.error === undefined ? null : { code: d.error.code, status: d.error.status, message: d.error.message },
    endpoint:
      ep === undefined
        ? null
        : { name: ep.name, workspace: ep.workspace, description: ep.description ?? null, enabled: ep.enabled },
    resolvedModel,
    routing:
      ep === undefined
        ? null
        : {
            strategy: ep.strategy,
            retries: ep.retries,
            fallbackOn: [...ep.fallbackOn],
            timeoutMs: ep.timeoutMs ?? null,
          },
    targets:
      ep !== undefined && resolvedModel !== null
        ? explainTargets(table, ep, resolvedModel, undefined, new Set([ep.id]))
        : [],
    policies: ep === undefined ? null : explainPolicies(ep),
  };
}
