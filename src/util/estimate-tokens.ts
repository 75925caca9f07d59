// The one token estimator of the project: 4 characters a token. Used before the upstream
// answers (maxInputTokens, budgets, rate limits by tokens), for count_tokens, by the mock
// provider, and for usage rows when an upstream reports no usage.
/**
 * A rough token count: one token per 4 characters (UTF-16 code units), rounded up.
 * An estimate, not a tokenizer: real counts differ by model and language. Input text is a
 * codec's requestText() (system, messages, tool calls, tool definitions; embeddings input).
 */
export function estimateTokens(text: string): number {
  return tokensOfChars(text.length);
}

/** estimateTokens() of a text of `chars` characters, when only the length is at hand. */
export function tokensOfChars(chars: number): number {
  return chars > 0 ? Math.ceil(chars / 4) : 0;
}
