// Small readers for untyped JSON: adapters map plain objects and never trust their shape.
import { isObject } from './is-object.js';

export { isObject };

export type Obj = Record<string, unknown>;

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function objects(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter(isObject) : [];
}

/** Tool-call arguments as an object: OpenAI sends a JSON string, Anthropic and Converse take an object. */
export function argumentsObject(args: unknown): Obj {
  if (isObject(args)) return args;
  if (typeof args !== 'string' || args.trim() === '') return {};
  try {
    const v: unknown = JSON.parse(args);
    return isObject(v) ? v : {};
  } catch {
    return {};
  }
}
