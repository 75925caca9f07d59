// A dialect is how one family of client SDKs expects answers to look. The core pipeline speaks
// OpenAI-shaped objects; a dialect only shapes what leaves the gateway (errors, listings), so
// adding Anthropic or the simple API is adding a file here, not touching the stages.
import type { GwError } from '../../errors.js';

export interface ErrorAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}

export interface Dialect {
  readonly name: string;
  /** The one mapping from a GwError to this dialect's HTTP answer. */
  error(err: GwError): ErrorAnswer;
  /** The SSE bytes that tell a streaming client the stream broke (no clean end follows). */
  streamError(err: GwError): string;
  /** The body of a model listing. */
  modelList(names: readonly string[], created: number): unknown;
}
