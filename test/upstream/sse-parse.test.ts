import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SseEventTooLarge, SseParser } from '../../src/upstream/sse-parse.js';
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
    assert.deepEqual(
      whole.map((e) => [e.event, e.data]),
      [
        ['delta', '{"a":1}'],
        ['message', '{"b":"ü"}'],
        ['message', '[DONE]'],
      ],
    );
    for (let i = 1; i < bytes.length; i++) {
      assert.deepEqual(feed([bytes.subarray(0, i), bytes.subarray(i)]), whole, `split at ${i}`);
    }
  });

  test('split into three pieces anywhere, characters of 2-4 bytes decode whole; a U+FEFF inside the stream is kept', () => {
    const body = 'data: {"a":"é"}\n\ndata: \ufeffx€y😀\n\ndata: z\n\n';
    const bytes = enc(body);
    const whole = feed([bytes]);
    assert.deepEqual(
      whole.map((e) => e.data),
      ['{"a":"é"}', '\ufeffx€y😀', 'z'],
    );
    for (let i = 1; i < bytes.length; i++) {
      for (let j = i + 1; j < bytes.length; j++) {
        const pieces = [bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)];
        assert.deepEqual(feed(pieces), whole, `split at ${i} and ${j}`);
      }
    }
  });

  test('CRLF split across pieces is one line end, bare CR ends a line too', () => {
    assert.deepEqual(
      feed(['data: a\r', '\n\r', '\ndata: b\r\r']).map((e) => e.data),
      ['a', 'b'],
    );
  });

  test('comments are ignored and multi-line data is joined with newlines', () => {
    const events = feed([': ping\n\ndata: line one\ndata: line two\ndata:nospace\n\n']);
    assert.deepEqual(
      events.map((e) => e.data),
      ['line one\nline two\nnospace'],
    );
  });

  test('events without data are not dispatched; id is remembered; a leading BOM is dropped', () => {
    const events = feed(['\ufeffevent: ping\n\nid: 7\ndata: x\n\n']);
    assert.deepEqual(events, [{ event: 'message', data: 'x', id: '7' }]);
  });

  test('a final event without its blank line is still delivered at end of body', () => {
    assert.deepEqual(
      feed(['data: [DONE]']).map((e) => e.data),
      ['[DONE]'],
    );
  });

  test('nothing is buffered beyond the incomplete line', () => {
    const p = new SseParser();
    assert.deepEqual(p.push('data: {"x":'), []);
    assert.deepEqual(
      p.push('1}\n\n').map((e) => e.data),
      ['{"x":1}'],
    );
  });

  test('a 5 MB line in 64 KiB pieces parses whole', () => {
    const line = 'y'.repeat(5 * 1024 * 1024);
    const body = enc(`data: ${line}\n\ndata: [DONE]\n\n`);
    const pieces: Uint8Array[] = [];
    for (let i = 0; i < body.length; i += 64 * 1024) pieces.push(body.subarray(i, i + 64 * 1024));
    const events = feed(pieces);
    assert.equal(events.length, 2);
    assert.equal(events[0]?.data.length, line.length);
    assert.equal(events[1]?.data, '[DONE]');
  });

  test('a long line is scanned once, not once per piece (linear work, counted without a clock)', () => {
    // Every search of the parser goes through String.prototype.indexOf: count the characters
    // each call may look at. Re-scanning the growing line on every piece makes this quadratic
    // (about 500x the input here); a linear parser stays within a few times the input.
    const size = 1024 * 1024;
    const piece = 'z'.repeat(1024);
    const original = String.prototype.indexOf;
    let scanned = 0;
    String.prototype.indexOf = function (this: string, search: string, from?: number): number {
      scanned += this.length - Math.max(0, Math.min(from ?? 0, this.length));
      return original.call(this, search, from);
    };
    let events: SseEvent[] = [];
    try {
      const p = new SseParser();
      p.push('data: ');
      for (let n = 0; n < size; n += piece.length) p.push(piece);
      events = p.push('\n\n');
    } finally {
      String.prototype.indexOf = original;
    }
    assert.equal(events[0]?.data.length, size);
    assert.ok(scanned <= 4 * size, `scanned ${scanned} characters for a ${size}-character line`);
  });

  test('a line longer than maxEventBytes throws, even before its line end arrives', () => {
    const p = new SseParser(1024);
    p.push('data: ');
    assert.throws(() => {
      for (let i = 0; i < 10; i++) p.push('x'.repeat(200));
    }, SseEventTooLarge);
    assert.throws(() => new SseParser(1024).push(`data: ${'x'.repeat(2000)}\n`), SseEventTooLarge);
  });

  test('an event whose data lines add up past maxEventBytes throws; many small events do not', () => {
    const line = `data: ${'x'.repeat(300)}\n`;
    assert.throws(() => new SseParser(1024).push(line.repeat(5)), SseEventTooLarge);
    const p = new SseParser(1024);
    let n = 0;
    for (let i = 0; i < 50; i++) n += p.push(`${line}\n`).length;
    assert.equal(n, 50);
  });
});
