// An upstream that answers a non-streamed request with an endless body: gw stops reading at
// the default answer cap (64 MiB), answers the caller with an error instead of buffering it
// all, and keeps serving.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { KEYS, echoHandler, startGateway, startUpstream, type FakeUpstream, type TestGateway } from './helpers.js';

const MiB = 1024 * 1024;
const PIECE = Buffer.alloc(256 * 1024, 'x');

let up: FakeUpstream;
let gw: TestGateway;
let floodClosedAfter: Promise<number> | undefined;

before(async () => {
  up = await startUpstream((r, res, req) => {
    if (r.body['model'] !== 'up-smart') return echoHandler(r, res, req);
    res.writeHead(200, { 'content-type': 'application/json' });
    let written = 0;
    let closed = false;
    floodClosedAfter = new Promise((done) =>
      res.on('close', () => {
        closed = true;
        done(written);
      }),
    );
    const pump = (): void => {
      while (!closed && written < 600 * MiB) {
        written += PIECE.length;
        if (!res.write(PIECE)) return void res.once('drain', pump);
      }
      if (!closed) res.end();
    };
    res.write('{"choices":"');
    pump();
  });
  gw = await startGateway(up.url);
});
after(async () => {
  await gw.stop();
  await up.close();
});

async function chat(model: string): Promise<{ status: number; code: string | undefined }> {
  const r = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEYS.app}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'x' }] }),
  });
  const body = (await r.json()) as { error?: { code: string } };
  return { status: r.status, code: body.error?.code };
}

describe('an oversized upstream answer', () => {
  test('a 600 MB answer fails at the cap, the upstream is cut off, and gw still serves', async () => {
    const r = await chat('smart');
    assert.equal(r.status, 502);
    assert.ok(floodClosedAfter);
    const written = await floodClosedAfter;
    assert.ok(written < 200 * MiB, `the upstream was cut off after ${written} bytes, not 600 MB`);
    assert.equal((await chat('fast')).status, 200);
  });
});
