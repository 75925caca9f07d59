import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults, defaultAt, schemaFor, schemaNode, withDefaults } from '../../src/compile/defaults.js';
import type { Endpoint } from '../../src/manifest/types.js';

test('withDefaults follows $ref, items and the endpoint discriminator, and leaves the input alone', () => {
  const input = {
    apiVersion: 'gw/v1',
    kind: 'Endpoint',
    metadata: { name: 'px' },
    spec: { type: 'proxy', provider: 'up', tls: {} },
  } as Endpoint;
  const out = withDefaults(input);
  assert.equal(out.metadata.workspace, 'default');
  assert.deepEqual(out.spec, { type: 'proxy', provider: 'up', tls: { rejectUnauthorized: true }, enabled: true });
  assert.deepEqual(input.spec, { type: 'proxy', provider: 'up', tls: {} });
  const chat = withDefaults({
    ...input,
    spec: { type: 'chat', routing: { targets: [{ provider: 'p' }] } },
  } as Endpoint);
  assert.equal(chat.spec.type === 'chat' && chat.spec.routing.targets[0].weight, 1);
  assert.equal(chat.spec.type === 'chat' && chat.spec.sessions, undefined); // absent objects stay absent
});

test('defaults are copies: changing one result never changes the schema or the next result', () => {
  const routing = schemaNode('endpoint.schema.json#/$defs/routing');
  assert.ok(routing);
  const a = applyDefaults(routing, { targets: [] }) as { fallbackOn: string[] };
  a.fallbackOn.push('4xx');
  const b = applyDefaults(routing, { targets: [] }) as { fallbackOn: string[] };
  assert.deepEqual(b.fallbackOn, ['timeout', 'connect', '429', '5xx']);
  assert.equal(defaultAt('provider.schema.json#/properties/spec/properties/timeout'), '60s');
  assert.ok(schemaFor('ApiKey'));
});

test('the result shares no object with the input, even parts the schema does not describe', () => {
  const input = {
    apiVersion: 'gw/v1',
    kind: 'Endpoint',
    metadata: { name: 'bot', labels: { team: 'a' } },
    spec: {
      type: 'chat',
      routing: { targets: [{ provider: 'p' }] },
      schema: { input: { type: 'object', properties: {} } },
    },
  } as Endpoint;
  const out = withDefaults(input);
  assert.deepEqual(out.metadata.labels, { team: 'a' });
  assert.notEqual(out.metadata.labels, input.metadata.labels);
  const inSchema = input.spec.type === 'chat' ? input.spec.schema?.input : undefined;
  const outSchema = out.spec.type === 'chat' ? out.spec.schema?.input : undefined;
  assert.deepEqual(outSchema, inSchema);
  assert.notEqual(outSchema, inSchema);
});
