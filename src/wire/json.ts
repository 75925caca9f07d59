// Small readers for untyped JSON, shared by the codecs.
import type { Obj } from './types.js';

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Length of a string, 0 for anything else. */
export function strLen(v: unknown): number {
  return typeof v === 'string' ? v.length : 0;
}
