// The caller link stands in for an AbortSignal on the request path: what the executor and any
// stage that asks for a real AbortSignal see when the caller goes away.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallerLink } from '../../src/serve/caller-link.js';
import { pause } from '../../src/util/pause.js';

test('abort runs each listener once, and not the removed ones', () => {
  const link = new CallerLink();
  const calls: string[] = [];
  const a = (): void => void calls.push('a');
  const b = (): void => void calls.push('b');
  link.addEventListener('abort', a);
  link.addEventListener('abort', a);
  link.addEventListener('abort', b);
  link.removeEventListener('abort', b);
  link.abort();
  link.abort();
  assert.deepEqual(calls, ['a']);
  assert.equal(link.aborted, true);
  assert.equal((link.reason as DOMException).name, 'AbortError');
});

test('the AbortSignal is made on demand and follows the link, before or after it aborted', () => {
  const early = new CallerLink();
  const signal = early.signal;
  assert.equal(signal.aborted, false);
  assert.equal(early.signal, signal, 'one signal per link');
  early.abort();
  assert.equal(signal.aborted, true);
  assert.equal(signal.reason, early.reason);
  const late = new CallerLink();
  late.abort();
  assert.equal(late.signal.aborted, true);
});

test('a backoff pause ends with the caller', async () => {
  const link = new CallerLink();
  const p = pause(60_000, link);
  link.abort();
  await assert.rejects(p, (e: unknown) => (e as DOMException).name === 'AbortError');
  await assert.rejects(pause(10, link), 'an aborted caller is not waited for');
  await pause(1, new CallerLink());
});
