// The event-stream framer of the bedrock adapter on bytes as a socket may deliver them: messages
// split anywhere or several to a piece, a corrupted CRC, a message over the size limit, and a
// body that ends mid-message. Messages are encoded with the AWS SDK's codec.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventStreamCodec } from '@smithy/core/event-streams';
import { fromUtf8, toUtf8 } from '@smithy/core/serde';
import { EventStreamFramer } from '../../src/providers/bedrock/framing.js';

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const event = (type: string, payload: object): Uint8Array =>
  codec.encode({
    headers: {
      ':message-type': { type: 'string', value: 'event' },
      ':event-type': { type: 'string', value: type },
      ':content-type': { type: 'string', value: 'application/json' },
    },
    body: fromUtf8(JSON.stringify(payload)),
  });

const stream = Buffer.concat([
  event('messageStart', { role: 'assistant' }),
  event('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'héllo wörld' } }),
  codec.encode({
    headers: {
      ':message-type': { type: 'string', value: 'exception' },
      ':exception-type': { type: 'string', value: 'throttlingException' },
    },
    body: fromUtf8('{"message":"slow down"}'),
  }),
]);
const expected = [
  { event: 'messageStart', data: '{"role":"assistant"}', id: undefined },
  { event: 'contentBlockDelta', data: '{"contentBlockIndex":0,"delta":{"text":"héllo wörld"}}', id: undefined },
  { event: 'exception:throttlingException', data: '{"message":"slow down"}', id: undefined },
];

test('messages come out whole however the bytes are cut: one byte at a time, odd pieces, all at once', () => {
  for (const size of [1, 3, 7, 16, 50, stream.length]) {
    const framer = new EventStreamFramer(1024);
    const out = [];
    for (let at = 0; at < stream.length; at += size) out.push(...framer.push(stream.subarray(at, at + size)));
    out.push(...framer.end());
    assert.deepEqual(out, expected, `pieces of ${size} bytes`);
  }
});

test('a corrupted message fails with the codec checksum error', () => {
  const bad = Buffer.from(event('messageStart', { role: 'assistant' }));
  const at = bad.length - 6; // a payload byte: the message CRC no longer matches
  bad[at] = (bad[at] ?? 0) ^ 0xff;
  assert.throws(() => new EventStreamFramer(1024).push(bad), /malformed event-stream message: .*checksum/i);
});

test('a message declared larger than upstream.maxEventBytes fails before it is buffered', () => {
  const big = event('contentBlockDelta', { delta: { text: 'x'.repeat(500) } });
  assert.throws(() => new EventStreamFramer(100).push(big.subarray(0, 4)), /larger than 100 bytes/);
});

test('a body that ends mid-message is an error; a clean end is not', () => {
  const framer = new EventStreamFramer(1024);
  framer.push(stream.subarray(0, 30));
  assert.throws(() => framer.end(), /ended in the middle/);
  assert.deepEqual(new EventStreamFramer(1024).end(), []);
});
