// Small readers for untyped JSON, shared by the codecs.
import { isObject } from '../util/is-object.js';
import type { Obj } from './types.js';

/** util/is-object's check, under the codecs' short name. */
export const isObj: (v: unknown) => v is Obj = isObject;

/** Length of a string, 0 for anything else. */
export function strLen(v: unknown): number {
  return typeof v === 'string' ? v.length : 0;
}

/**
 * Rewrites every string inside a JSON value (object values and array items, never keys),
 * in place where it can; returns the value to store back. Depth is bounded by the body reader.
 */
export function mapStrings(v: unknown, fn: (s: string) => string): unknown {
  if (typeof v === 'string') return fn(v);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = mapStrings(v[i], fn);
  } else if (isObj(v)) {
    for (const k of Object.keys(v)) v[k] = mapStrings(v[k], fn);
  }
  return v;
}
