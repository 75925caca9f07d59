// Session history trimming (serve/stages/session.ts): maxMessages and maxTokens drop the oldest
// messages, the new turn is always kept, and what is kept starts with a user message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trimHistory } from '../../src/serve/stages/session.js';

const u = (c: string): { role: string; content: string } => ({ role: 'user', content: c });
const a = (c: string): { role: string; content: string } => ({ role: 'assistant', content: c });
const contents = (ms: readonly Readonly<Record<string, unknown>>[]): unknown[] => ms.map((m) => m['content']);

test('maxMessages keeps the newest messages, starting at a user message', () => {
  const all = [u('1'), a('1'), u('2'), a('2'), u('3')];
  assert.deepEqual(contents(trimHistory(all, { maxMessages: 10, maxTokens: undefined })), ['1', '1', '2', '2', '3']);
  // 4 would start at an assistant message: it is dropped too.
  assert.deepEqual(contents(trimHistory(all, { maxMessages: 4, maxTokens: undefined })), ['2', '2', '3']);
  assert.deepEqual(contents(trimHistory(all, { maxMessages: 1, maxTokens: undefined })), ['3']);
});

test('the new turn is kept whole even beyond the limits', () => {
  const all = [u('old'), a('old'), u('new 1'), u('new 2')];
  assert.deepEqual(contents(trimHistory(all, { maxMessages: 1, maxTokens: undefined }, 2)), ['new 1', 'new 2']);
  assert.deepEqual(contents(trimHistory(all, { maxMessages: 50, maxTokens: 1 }, 2)), ['new 1', 'new 2']);
});

test('maxTokens drops the oldest messages first (4 characters a token, +1 per message)', () => {
  const ten = 'x'.repeat(40); // 10 tokens + 1
  const all = [u(ten), a(ten), u(ten), a(ten)];
  assert.equal(trimHistory(all, { maxMessages: 50, maxTokens: 44 }).length, 4);
  assert.equal(trimHistory(all, { maxMessages: 50, maxTokens: 43 }).length, 2);
  assert.equal(trimHistory(all, { maxMessages: 50, maxTokens: 10 }).length, 0);
});
