// util/clock.ts: Date.now() unless GW_TEST_CLOCK_FILE names a file, whose offset (ms) is read at
// start and followed as the file changes; a file that is not a number keeps the last offset.
// Each test file runs in its own process, so setting the env var before importing is enough.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/** Polls until now() is `offset` ms ahead of Date.now() (within 1 s); fails after 3 s. */
async function seen(now: () => number, offset: number): Promise<void> {
  const end = Date.now() + 3000;
  while (Math.abs(now() - Date.now() - offset) > 1000) {
    assert.ok(Date.now() < end, `the clock never moved to +${offset} ms (at ${now() - Date.now()})`);
    await delay(10);
  }
}

test('GW_TEST_CLOCK_FILE: the offset is read at start and followed when the file changes', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gw-clock-'));
  const file = join(dir, 'clock');
  try {
    await writeFile(file, '90000');
    process.env['GW_TEST_CLOCK_FILE'] = file;
    const { now } = await import('../../src/util/clock.js');
    const ahead = now() - Date.now();
    assert.ok(ahead >= 90_000 && ahead < 91_000, `read at start: ${ahead}`);
    await writeFile(file, '3600000');
    await seen(now, 3_600_000);
    await writeFile(file, 'not a number');
    await delay(300); // the fallback re-read runs every 250 ms: it must keep the last offset
    await seen(now, 3_600_000);
    await writeFile(file, '0\n');
    await seen(now, 0);
  } finally {
    delete process.env['GW_TEST_CLOCK_FILE'];
    await rm(dir, { recursive: true, force: true });
  }
});
