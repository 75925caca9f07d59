// A rough token count from text (4 characters a token); the rule stages/usage.ts applies to counts.
/**
 * A rough token count: one token per 4 characters (UTF-16 code units), rounded up.
 * An estimate, not a tokenizer: real counts differ by model and language. Used before the
 * upstream answers (maxInputTokens, tpm) and when an upstream reports no usage.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** estimateTokens() for a count of characters (a codec's promptChars), without joining the text. */
export function estimateTokensFromChars(chars: number): number {
  return Math.ceil(chars / 4);
}
