// ApiKey manifests → CompiledKey, indexed by the hex digest callers' keys hash to.
import type { ApiKeySpec } from '../manifest/types.js';
import type { CompiledKey, Role, Scope } from './routing-table.js';

const HASH = /^sha256:([0-9a-fA-F]{64})$/;

/** The lower-case hex of "sha256:<hex>", or undefined when keyHash has another shape. */
export function keyHashHex(keyHash: string): string | undefined {
  return HASH.exec(keyHash)?.[1]?.toLowerCase();
}

/**
 * `spec` must carry its schema defaults (roles, scopes, enabled). Undefined for a key that could
 * not be enforced as written (bad hash, unreadable expiresAt): such a key is left out, so it
 * answers 401 rather than living forever.
 */
export function compileKey(workspace: string, name: string, spec: ApiKeySpec): CompiledKey | undefined {
  const hash = keyHashHex(spec.keyHash);
  if (hash === undefined) return undefined;
  let expiresAt: number | undefined;
  if (spec.expiresAt !== undefined) {
    expiresAt = Date.parse(spec.expiresAt);
    if (Number.isNaN(expiresAt)) return undefined;
  }
  return {
    name,
    workspace,
    hash,
    roles: new Set<Role>(spec.roles ?? []),
    scopes: new Set<Scope>(spec.scopes ?? []),
    allowEndpoints: spec.allow?.endpoints === undefined ? undefined : new Set(spec.allow.endpoints),
    allowModels: spec.allow?.models === undefined ? undefined : new Set(spec.allow.models),
    limits: {
      rpm: spec.limits?.rpm,
      rph: spec.limits?.rph,
      tpm: spec.limits?.tpm,
      monthlyBudgetUsd: spec.limits?.monthlyBudgetUsd,
    },
    expiresAt,
    enabled: spec.enabled !== false,
  };
}
