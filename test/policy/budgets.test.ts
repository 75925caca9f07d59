// policy/budgets.ts: the worst-case input a budget holds adds the endpoint's prompt (its system
// and template text, and another copy of the input per further {{input}} in the template).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CompiledChatEndpoint } from '../../src/compile/routing-table.js';
import { worstInputTokens } from '../../src/policy/budgets.js';

const ep = (system?: string, template?: string): CompiledChatEndpoint =>
  ({ prompt: { system, template } }) as unknown as CompiledChatEndpoint;

test('worstInputTokens: the input alone without a prompt, plus the prompt text and input copies with one', () => {
  assert.equal(worstInputTokens(ep(), 10), 10);
  // "House rules." (12) + "Q: " (3) = 15 characters: 4 tokens.
  assert.equal(worstInputTokens(ep('House rules.', 'Q: {{input}}'), 10), 14);
  // Two placeholders: the input is sent twice; "A:" "\nB:" = 5 characters, 2 tokens.
  assert.equal(worstInputTokens(ep(undefined, 'A:{{input}}\nB:{{input}}'), 10), 22);
  // No placeholder: the template text replaces the input; the input still counts (an upper bound).
  assert.equal(worstInputTokens(ep(undefined, 'fixed'), 10), 12);
});
