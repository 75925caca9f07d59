// A bedrock provider compiles to the region's runtime URL (unless baseUrl overrides it), keeps
// its signing settings, and lists its AWS secrets for scrubbing from upstream error text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileProvider } from '../../src/compile/providers.js';
import type { Provider } from '../../src/manifest/types.js';

const manifest = (spec: Record<string, unknown>): Provider =>
  ({ apiVersion: 'gw/v1', kind: 'Provider', metadata: { name: 'aws' }, spec: { timeout: '60s', ...spec } }) as Provider;

test('no baseUrl: the bedrock-runtime endpoint of the region; static credentials kept, secrets listed', () => {
  const out = compileProvider(
    'default',
    'aws',
    manifest({
      type: 'bedrock',
      bedrock: {
        region: 'eu-west-3',
        credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret-key-value-1234', sessionToken: '' },
      },
    }),
  );
  assert.ok(out);
  const p = out.provider;
  assert.equal(p.baseUrl, 'https://bedrock-runtime.eu-west-3.amazonaws.com');
  assert.equal(p.origin, 'https://bedrock-runtime.eu-west-3.amazonaws.com');
  assert.deepEqual(p.aws, {
    region: 'eu-west-3',
    credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret-key-value-1234', sessionToken: undefined },
  });
  assert.ok(p.secrets?.includes('secret-key-value-1234'), 'the secret key is scrubbed from upstream text');
});

test('baseUrl overrides the default (a VPC endpoint, a proxy); no credentials means the default chain', () => {
  const out = compileProvider(
    'default',
    'aws',
    manifest({
      type: 'bedrock',
      baseUrl: 'https://vpce-0123.bedrock-runtime.us-east-1.vpce.amazonaws.com',
      bedrock: { region: 'us-east-1' },
    }),
  );
  assert.equal(out?.provider.origin, 'https://vpce-0123.bedrock-runtime.us-east-1.vpce.amazonaws.com');
  assert.deepEqual(out?.provider.aws, { region: 'us-east-1', credentials: undefined });
});

test('other provider types carry no AWS settings', () => {
  const out = compileProvider('default', 'oai', manifest({ type: 'openai', baseUrl: 'https://api.openai.com/v1' }));
  assert.equal(out?.provider.aws, undefined);
});
