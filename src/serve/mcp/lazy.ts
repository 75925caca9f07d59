// The MCP bridge, loaded on the first MCP request: the MCP SDK (and zod with it) is about
// 25 MB of memory that a gateway without MCP traffic never pays (bench/README.md, issue 16).
import type { McpBridge, McpBridgeOptions } from './bridge.js';

export class LazyMcpBridge {
  #bridge: McpBridge | undefined;
  #loading: Promise<McpBridge> | undefined;
  readonly #options: McpBridgeOptions;

  constructor(options: McpBridgeOptions) {
    this.#options = options;
  }

  /** The bridge, loading the SDK on the first call. */
  get(): Promise<McpBridge> {
    this.#loading ??= import('./bridge.js').then(({ McpBridge }) => (this.#bridge = new McpBridge(this.#options)));
    return this.#loading;
  }

  /** Tells open MCP sessions the tool list changed; nothing to tell before the first request. */
  tableChanged(): void {
    this.#bridge?.tableChanged();
  }

  /** Closes the bridge's sessions, if it was ever loaded. */
  async close(): Promise<void> {
    if (this.#loading !== undefined) await (await this.#loading.catch(() => undefined))?.close();
  }
}
