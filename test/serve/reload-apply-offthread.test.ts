// A large admin apply (5,001 resources) is built off the serving thread: /healthz requests sent
// after the whole apply was handed to the gateway are answered before the apply answers (before
// this, the build held the event loop and nothing else was answered until it was done), and the
// apply still goes into service. Through the real `gw serve` binary (needs dist/).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_KEY, startGateway, type RunningGateway } from '../e2e/control-plane-helpers.js';
import { bigManifests, chatBig, probeUntil } from '../config/helpers.js';

let dir: string;
let gw: RunningGateway;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gw-apply-offthread-'));
  gw = await startGateway(dir);
});
after(async () => {
  await gw?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** POSTs `body`; resolves `sent` once the body is handed to the socket, `answer` with the reply. */
function post(
  url: string,
  body: string,
): { sent: Promise<void>; answer: Promise<{ status: number; json: Record<string, unknown> }> } {
  let sent!: () => void;
  const sentP = new Promise<void>((resolve) => (sent = resolve));
  const answer = new Promise<{ status: number; json: Record<string, unknown> }>((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${ADMIN_KEY}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => (text += d));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> }),
        );
      },
    );
    req.on('error', reject);
    req.end(body, () => sent());
  });
  return { sent: sentP, answer };
}

test('an apply of 5,001 resources: /healthz keeps answering while it is built, then the new config serves', async () => {
  const body = JSON.stringify({ manifests: bigManifests(5001, 'big') });
  const apply = post(`${gw.adminUrl}/admin/v1/apply`, body);
  let answered = false;
  const result = apply.answer.finally(() => (answered = true));
  await apply.sent;
  const probes = await probeUntil(`${gw.proxyUrl}/healthz`, () => answered);
  const out = await result;
  assert.equal(out.status, 200, JSON.stringify(out.json).slice(0, 500));
  assert.equal(out.json['applied'], true);
  assert.ok(probes >= 10, `only ${probes} /healthz answers came before the apply answered`);
  assert.deepEqual(await chatBig(gw.proxyUrl, 'm-2499'), { status: 200, text: 'big-2499' });
  assert.equal(gw.child.exitCode, null, 'gw is still running');
});
