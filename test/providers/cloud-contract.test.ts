// The provider contract run for azure-openai, gemini, vertex and vertex-anthropic, each against a
// fake of its API on 127.0.0.1 that refuses requests off the real wire format (cloud-fakes.ts).
import { after } from 'node:test';
import assert from 'node:assert/strict';
import type { CompiledProvider } from '../../src/compile/routing-table.js';
import { getAdapter } from '../../src/providers/registry.js';
import type { ProviderAdapter } from '../../src/providers/types.js';
import { httpProvider } from '../upstream/helpers.js';
import {
  startFakeAzure,
  startFakeGemini,
  startFakeVertexAnthropic,
  startTokenEndpoint,
  type Fake,
} from './cloud-fakes.js';
import { runProviderContract, type ContractRig, type Scenario } from './contract.js';

function adapter(type: CompiledProvider['type']): ProviderAdapter {
  const a = getAdapter(type);
  if (a === undefined) throw new Error(`no adapter for ${type}`);
  return a;
}

const VERTEX_BASE = '/v1/projects/example-project/locations/us-central1';
const scenarioHeader = (s: Scenario): Record<string, string> => ({ 'x-contract-scenario': JSON.stringify(s) });

/** The rig over one fake; afterwards the fake must have seen no request off the wire format. */
function rig(
  fake: Fake,
  provider: ContractRig['provider'],
  more: () => Promise<void> = () => Promise.resolve(),
): ContractRig {
  return {
    provider,
    close: async () => {
      await fake.close();
      await more();
      assert.deepEqual(fake.problems, [], 'every request followed the wire format');
    },
  };
}

runProviderContract({
  name: 'azure-openai',
  adapter: adapter('azure-openai'),
  relaysErrorMessage: true,
  start: async () => {
    const fake = await startFakeAzure({
      apiKey: 'azure-key-123456',
      apiVersion: '2024-10-21',
      deployments: ['dep-one', 'm-down', 'm-up'],
    });
    return rig(fake, (name, scenario) =>
      httpProvider(name, fake.origin, {
        type: 'azure-openai',
        headers: { 'api-key': 'azure-key-123456', ...scenarioHeader(scenario) },
        options: { apiVersion: '2024-10-21', deployments: new Map([['upstream-model-1', 'dep-one']]) },
      }),
    );
  },
});

runProviderContract({
  name: 'gemini',
  adapter: adapter('gemini'),
  relaysErrorMessage: true,
  start: async () => {
    const fake = await startFakeGemini({
      modelsPath: '/v1beta/models',
      auth: (r) =>
        r.headers['x-goog-api-key'] === 'gemini-key-123456' ? undefined : 'x-goog-api-key missing or wrong',
    });
    return rig(fake, (name, scenario) =>
      httpProvider(name, `${fake.origin}/v1beta`, {
        type: 'gemini',
        headers: { 'x-goog-api-key': 'gemini-key-123456', ...scenarioHeader(scenario) },
      }),
    );
  },
});

runProviderContract({
  name: 'vertex',
  adapter: adapter('vertex'),
  relaysErrorMessage: true,
  start: async () => {
    const tokens = await startTokenEndpoint();
    const fake = await startFakeGemini({
      modelsPath: `${VERTEX_BASE}/publishers/google/models`,
      auth: tokens.checkBearer,
    });
    return rig(
      fake,
      (name, scenario) =>
        httpProvider(name, `${fake.origin}${VERTEX_BASE}`, {
          type: 'vertex',
          headers: scenarioHeader(scenario),
          options: { googleCredentials: tokens.key },
        }),
      async () => {
        await tokens.close();
        assert.deepEqual(tokens.problems, []);
        assert.equal(tokens.issued.length, 1, 'one token served every request: it is cached');
      },
    );
  },
});

runProviderContract({
  name: 'vertex-anthropic',
  adapter: adapter('vertex-anthropic'),
  relaysErrorMessage: true,
  start: async () => {
    const tokens = await startTokenEndpoint();
    const fake = await startFakeVertexAnthropic({ basePath: VERTEX_BASE, auth: tokens.checkBearer });
    return rig(
      fake,
      (name, scenario) =>
        httpProvider(name, `${fake.origin}${VERTEX_BASE}`, {
          type: 'vertex-anthropic',
          headers: scenarioHeader(scenario),
          options: { googleCredentials: tokens.key },
        }),
      () => tokens.close(),
    );
  },
});

after(() => undefined);
