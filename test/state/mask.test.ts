// Which values are credentials, and how they are shown.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isSecretPath, MASK, maskSecret, maskValue } from '../../src/state/mask.js';
import { formatFieldPath, parseFieldPath } from '../../src/state/path.js';

describe('maskSecret', () => {
  test('a literal is [masked]; a reference is shown as written', () => {
    assert.equal(maskSecret('sk-live-123'), MASK);
    assert.equal(maskSecret('${env:OPENAI_API_KEY}'), '${env:OPENAI_API_KEY}');
    assert.equal(maskSecret('${file:./secrets/key.txt}'), '${file:./secrets/key.txt}');
    assert.equal(maskSecret('Bearer ${env:TOKEN}'), 'Bearer ${env:TOKEN}');
    assert.equal(maskSecret(''), '');
  });

  test('a literal hiding next to or inside a reference is masked too', () => {
    assert.equal(maskSecret('${env:KEY:-sk-fallback}'), `\${env:KEY:-${MASK}}`);
    assert.equal(maskSecret('${env:GW_ADMIN_KEY:-}'), '${env:GW_ADMIN_KEY:-}');
    assert.equal(maskSecret('sk-prefix${env:REST}'), `${MASK}\${env:REST}`);
    assert.equal(maskSecret('$${env:NOT_A_REF}'), MASK);
    assert.equal(maskSecret('${env:unclosed'), MASK);
  });
});

describe('isSecretPath', () => {
  test('auth values, credential headers and the admin key; nothing else', () => {
    const yes = [
      ['spec', 'auth', 'bearer'],
      ['spec', 'auth', 'header', 'value'],
      ['spec', 'headers', 'Authorization'],
      ['spec', 'headers', 'proxy-authorization'],
      ['spec', 'headers', 'x-api-key'],
      ['spec', 'headers', 'API-Key'],
      ['spec', 'headers', 'X-Auth-Token'],
      ['spec', 'headers', 'x-client-secret'],
      ['spec', 'admin', 'key'],
      ['spec', 'bedrock', 'credentials', 'secretAccessKey'],
      ['spec', 'bedrock', 'credentials', 'sessionToken'],
    ];
    const no = [
      ['spec', 'keyHash'],
      ['spec', 'bedrock', 'credentials', 'accessKeyId'],
      ['spec', 'bedrock', 'region'],
      ['spec', 'auth', 'header', 'name'],
      ['spec', 'headers', 'OpenAI-Organization'],
      ['spec', 'headers', 'anthropic-version'],
      ['spec', 'baseUrl'],
      ['metadata', 'name'],
    ];
    for (const p of yes) assert.equal(isSecretPath(p), true, p.join('.'));
    for (const p of no) assert.equal(isSecretPath(p), false, p.join('.'));
  });

  test('maskValue masks inside objects given at a parent path, and URL passwords', () => {
    assert.deepEqual(maskValue(['spec', 'auth'], { header: { name: 'x-api-key', value: 'abc' } }), {
      header: { name: 'x-api-key', value: MASK },
    });
    assert.deepEqual(maskValue(['spec'], { headers: { Authorization: 'Bearer x', Accept: 'json' } }), {
      headers: { Authorization: MASK, Accept: 'json' },
    });
    assert.equal(maskValue(['spec', 'baseUrl'], 'https://u:p4ss@h.example/v1'), `https://u:${MASK}@h.example/v1`);
    assert.equal(maskValue(['spec', 'baseUrl'], 'https://h.example/v1'), 'https://h.example/v1');
    assert.equal(
      maskValue(['spec', 'limits', 'url'], 'redis://:${env:REDIS_PASS}@r:6379'),
      'redis://:${env:REDIS_PASS}@r:6379',
    );
  });
});

describe('field paths', () => {
  test('format and parse are inverse, odd keys quoted', () => {
    const cases: (string | number)[][] = [
      ['spec', 'routing', 'targets', 0, 'models', 'fast'],
      ['spec', 'models', 'gpt-4.1', 'inputPer1k'],
      ['spec', 'headers', 'x-api-key'],
      ['spec', 'models', 'org/model "q"'],
      ['spec', 'models', '7'],
      ['spec', 'rules', 12, 'pii'],
    ];
    for (const segs of cases) assert.deepEqual(parseFieldPath(formatFieldPath(segs)), segs);
    assert.equal(
      formatFieldPath(['spec', 'routing', 'targets', 0, 'models', 'fast']),
      'spec.routing.targets[0].models.fast',
    );
    assert.equal(formatFieldPath(['spec', 'models', 'gpt-4.1']), 'spec.models["gpt-4.1"]');
    assert.equal(parseFieldPath('spec..x'), undefined);
    assert.equal(parseFieldPath('spec[x]'), undefined);
  });
});
