// What makes a baseUrl usable: an absolute http(s) URL that the compiler can split into origin
// and path. Checked on the value as written (semantic/values.ts) and again after ${env:} and
// ${file:} resolution (env.ts), so a value that only turns bad once resolved is a located
// error too — never a provider silently left out of the table (its models would all be 404).
import { splitBaseUrl } from '../util/upstream-url.js';

/** Why `value` is not a usable API root, or undefined when it is. Never repeats the value. */
export function baseUrlProblem(value: string): string | undefined {
  if (value.trim() === '') return 'is empty; write the API root, e.g. https://api.openai.com/v1';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a URL; write an absolute http:// or https:// URL, e.g. https://api.openai.com/v1';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return `uses ${url.protocol.slice(0, -1)}; gw speaks only http:// and https://`;
  // The compiler's own judge: whatever it would drop is refused here first.
  if (splitBaseUrl(value) === undefined) return 'is not an http(s) URL gw can send to';
  return undefined;
}
