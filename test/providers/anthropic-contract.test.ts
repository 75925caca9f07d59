// The provider contract run for the anthropic adapter against a fake Anthropic API.
import { anthropicAdapter } from '../../src/wire/anthropic/upstream/index.js';
import type { Scenario } from './contract.js';
import { runProviderContract } from './contract.js';
import { startUpstream } from '../upstream/helpers.js';
import { anthropicError, anthropicProvider, lastUserText, replyText } from './anthropic-server.js';

runProviderContract({
  name: 'anthropic',
  adapter: anthropicAdapter,
  relaysErrorMessage: true,
  start: async () => {
    const up = await startUpstream((req, res, rec) => {
      const scenario = JSON.parse(String(req.headers['x-contract-scenario'])) as Scenario;
      if ('failStatus' in scenario)
        return anthropicError(scenario.failStatus, 'api_error', scenario.message)(req, res, rec);
      return replyText((r) => scenario.reply.split('{{input}}').join(lastUserText(r)))(req, res, rec);
    });
    return {
      provider: (name, scenario) =>
        anthropicProvider(name, up.url, {
          headers: { 'x-api-key': 'k', 'x-contract-scenario': JSON.stringify(scenario) },
        }),
      close: () => up.close(),
    };
  },
});
