// undici's Pool without undici's package index. The index also loads fetch, WebSocket, the
// cache and the mock agents, none of which gw serves with (≈ 9 MB of RSS in every gw process;
// bench/README.md, issue 16). gw needs Pool and the request() method, which the index attaches
// to every Dispatcher: the same two modules are loaded here and request() attached the same way.
// The paths are undici 7's (package.json pins the major; the upstream tests fail if they move).
import { createRequire } from 'node:module';
import type { Dispatcher as DispatcherType, Pool as PoolType } from 'undici';

const require = createRequire(import.meta.url);
const Dispatcher = require('undici/lib/dispatcher/dispatcher.js') as typeof DispatcherType;
const api = require('undici/lib/api/index.js') as Record<string, unknown>;
if (typeof (Dispatcher.prototype as { request?: unknown }).request !== 'function')
  Object.assign(Dispatcher.prototype, api);

export const Pool = require('undici/lib/dispatcher/pool.js') as typeof PoolType;
