// An endpoint's settings applied to a request, in one place for every wire format: params as
// defaults (forced with lockParams), prompt.template around the text of the last user message
// that has text, prompt.system before the caller's own. The format's codec says where each
// lives. The caller's body is copied, never changed: the usage log and the access line see
// what was asked.
import type { Obj, RequestShaping, WireCodec } from './types.js';

const INPUT = '{{input}}';

function setParam(out: Obj, field: string, value: unknown, lock: boolean): void {
  if (value === undefined) return;
  if (lock || out[field] === undefined || out[field] === null) out[field] = value;
}

export function applyEndpoint(ep: RequestShaping, body: Obj, codec: WireCodec): Obj {
  // Object.assign, not `{ ...body }`: V8 (Node 20) takes a slow path when fields are added to
  // a spread copy, which the params below may do.
  const out: Obj = Object.assign({}, body);
  const params = ep.params as Readonly<Record<string, unknown>>;
  if (codec.params === undefined) {
    for (const name in params) setParam(out, name, params[name], ep.lockParams);
  } else {
    for (const [param, field] of codec.params) setParam(out, field, params[param], ep.lockParams);
  }
  const { system, template } = ep.prompt;
  if (template !== undefined) {
    const given = codec.readMessages(out);
    if (given !== undefined) {
      const messages = given.slice();
      const wrap = (text: string): string => template.split(INPUT).join(text);
      for (let i = messages.length - 1; i >= 0; i--) {
        const m = messages[i] as Obj;
        if (m['role'] !== 'user') continue;
        const wrapped = codec.wrapUserText(m, wrap);
        if (wrapped === undefined) continue;
        messages[i] = wrapped;
        break;
      }
      codec.replaceMessages(out, messages);
    }
  }
  if (system !== undefined) codec.prependSystem(out, system);
  return out;
}
