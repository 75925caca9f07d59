// Small readers for untyped JSON, shared by the codecs.
import { isObject } from '../util/is-object.js';
import type { Obj } from './types.js';

/** util/is-object's check, under the codecs' short name. */
export const isObj: (v: unknown) => v is Obj = isObject;

/** Length of a string, 0 for anything else. */
export function strLen(v: unknown): number {
  return typeof v === 'string' ? v.length : 0;
}
