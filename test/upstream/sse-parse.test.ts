import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SseParser } from '../../src/upstream/sse-parse.js';
import type { SseEvent } from '../../src/providers/types.js';

function feed(pieces: (string | Uint8Array)[]): SseEvent[] {
  const p = new SseParser();
  const out: SseEvent[] = [];
  for (const piece of pieces) out.push(...p.push(piece));
  out.push(...p.end());
  return out;
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('SseParser', () => {
  test('events split at every possible byte give the same result', () => {
    const body = 'event: delta\ndata: {"a":1}\n\ndata: {"b":"ü"}\r\n\r\ndata: [DONE]\n\n';
    const bytes = enc(body);
    const whole = feed([bytes]);
    assert.deepEqual(whole.map((e) => [e.event, e.data]), [['delta', '{"a":1}'], ['message', '{"b":"ü"}'], ['message', '[DONE]']]);
    for (let i = 1; i < bytes.length; i++) {
      assert.deepEqual(feed([bytes.subarray(0, i), bytes.subarray(i)]), whole, `split at ${i}`);
    }
  });

  test('CRLF split across pieces is one line end, bare CR ends a line too', () => {
    assert.deepEqual(feed(['data: a\r', '\n\r', '\ndata: b\r\r']).map((e) => e.data), ['a', 'b']);
  });

  test('comments are ignored and multi-line data is joined with newlines', () => {
    const events = feed([': ping\n\ndata: line one\ndata: line two\ndata:nospace\n\n']);
    assert.deepEqual(events.map((e) => e.data), ['line one\nline two\nnospace']);
  });

  test('events without data are not dispatched; id is remembered; a leading BOM is dropped', () => {
    const events = feed(['\ufeffevent: ping\n\nid: 7\ndata: x\n\n']);
    assert.deepEqual(events, [{ event: 'message', data: 'x', id: '7' }]);
  });

  test('a final event without its blank line is still delivered at end of body', () => {
    assert.deepEqual(feed(['data: [DONE]']).map((e) => e.data), ['[DONE]']);
  });

  test('nothing is buffered beyond the incomplete line', () => {
    const p = new SseParser();
    assert.deepEqual(p.push('data: {"x":'), []);
    assert.deepEqual(p.push('1}\n\n').map((e) => e.data), ['{"x":1}']);
  });
});
