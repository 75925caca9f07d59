// Shell quoting and listener addresses for `gw curl`: whatever a value holds, sh reads it back.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { curlCommand, listenerBase, shellQuote } from '../../src/ops/curl-command.js';
import { chatEndpoint, mockProvider, table, to } from '../upstream/helpers.js';

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

  test('a chat endpoint with a prompt or an input schema also gets a simple-API command', () => {
    const m = mockProvider('m');
    const t = table([
      chatEndpoint('bare', [to(m, { a: 'x' })]),
      chatEndpoint('coach', [to(m, { b: 'x' })], { prompt: { system: 'Be kind.', template: undefined } }),
      chatEndpoint('form', [to(m, { c: 'x' })], {
        schemaJson: { input: { type: 'object', required: ['city', 'day'] }, output: undefined },
      }),
    ]);
    const listen = { host: '127.0.0.1', port: 3000 };
    const of = (endpoint: string): ReturnType<typeof curlCommand> => curlCommand(t, listen, { endpoint });
    const bare = of('bare');
    assert.ok(bare.ok);
    assert.equal(bare.curl.simple, null);
    const coach = of('coach');
    assert.ok(coach.ok);
    assert.equal(coach.curl.simple?.url, 'http://127.0.0.1:3000/api/default/coach');
    assert.match(coach.curl.simple?.command ?? '', /-d '\{"message":"Hello!"\}'/);
    const form = of('form');
    assert.ok(form.ok);
    assert.match(form.curl.simple?.command ?? '', /-d '\{"input":\{"city":"...","day":"..."\}\}'/);
  });
});
