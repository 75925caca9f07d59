// Shell quoting and listener addresses for `gw curl`: whatever a value holds, sh reads it back.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { listenerBase, shellQuote } from '../../src/ops/curl-command.js';

describe('curl command', () => {
  test('shellQuote: sh reads every value back unchanged', async () => {
    const values = ['plain', "it's", 'a b', '$HOME', '`id`', '{"model":"x"}', 'back\\slash', '!bang'];
    const script = `printf '%s\\n' ${values.map(shellQuote).join(' ')}`;
    const { stdout } = await promisify(execFile)('sh', ['-c', script]);
    assert.deepEqual(stdout.split('\n').slice(0, -1), values);
  });

  test('listener addresses: wildcards become loopback, IPv6 is bracketed', () => {
    assert.equal(listenerBase({ host: '0.0.0.0', port: 3000 }), 'http://127.0.0.1:3000');
    assert.equal(listenerBase({ host: '127.0.0.1', port: 8080 }), 'http://127.0.0.1:8080');
    assert.equal(listenerBase({ host: '::', port: 3000 }), 'http://[::1]:3000');
    assert.equal(listenerBase({ host: 'gw.internal', port: 80 }), 'http://gw.internal:80');
  });
});
