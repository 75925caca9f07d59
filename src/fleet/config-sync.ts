// Config across a fleet run from `gw apply` (README: Fleet (Redis)). The instance that applies
// (or rolls back) stores the revision's manifests, as written, under `<prefix>config` and
// announces its hash on the `<prefix>config` channel, in one script. Every other instance then
// reads the stored config and applies it through its own control plane (the same build, lock
// and commit as a local apply), so all converge on what Redis holds last. An instance that
// starts, or reconnects after an outage, catches up from the stored config. Fleets run from
// files (--watch on each VM) do not use this.
import { Redis } from 'ioredis';
import type { Logger } from '../telemetry/logger.js';
import { Script, type RedisLink } from './redis-link.js';

/** The stored config of a fleet: what `gw apply` last put in service on any instance. */
export interface FleetConfig {
  readonly hash: string;
  readonly manifests: readonly unknown[];
  /**
   * Its revision number, the same on every instance: the applying instance numbers a new
   * revision above every one the fleet published (ControlPlane revisionFloor), the others
   * record it under that number.
   */
  readonly revision: number;
  readonly source: string;
  readonly appliedAt: number;
}

/** What a stored value must be before it is read as a FleetConfig (anyone with Redis access may have written it). */
function isFleetConfig(v: unknown): v is FleetConfig {
  if (typeof v !== 'object' || v === null) return false;
  const c = v as Record<string, unknown>;
  return typeof c['hash'] === 'string' && Array.isArray(c['manifests']) && Number.isSafeInteger(c['revision']);
}

/**
 * KEYS: config key, its revision key; ARGV: channel, JSON, hash, revision. Stores and announces
 * in one step, unless the fleet already holds a newer revision (two applies racing on two
 * instances: the higher number wins everywhere, the other instance converges on it). Returns
 * 1 when stored, 0 when a newer one is there.
 */
const PUBLISH = new Script(`
local held = tonumber(redis.call('GET', KEYS[2]) or '0')
if held > tonumber(ARGV[4]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[4])
redis.call('PUBLISH', ARGV[1], ARGV[3])
return 1
`);

/** Wait before reading the stored config again after a failed read. */
const RETRY_MS = 500;

/** The source of a commit that came from the fleet (not published again; the admin API's source labels cannot spell it). */
export const FLEET_SOURCE = 'fleet/redis';

export interface ConfigSyncOptions {
  readonly link: RedisLink;
  readonly url: string;
  readonly logger: Logger;
  /** The revision in service (undefined: none yet). */
  readonly current: () => FleetConfig | undefined;
  /**
   * Applies manifests through the control plane with source FLEET_SOURCE, recorded as revision
   * `revision` when that number is free here; resolves with the hash in service after.
   */
  readonly apply: (
    manifests: readonly unknown[],
    revision: number,
  ) => Promise<{ ok: boolean; hash: string | undefined }>;
}

export class ConfigSync {
  readonly #o: ConfigSyncOptions;
  readonly #key: string;
  readonly #revKey: string;
  readonly #sub: Redis;
  /** Catch-ups in a row fold into one follow-up run. */
  #running: Promise<void> | undefined;
  #again = false;
  #closed = false;
  #lastHash: string | undefined;
  /** The newest revision number the fleet published, as far as this instance has seen. */
  #fleetRevision = 0;
  /** A config applied here that could not be published (Redis down): published on reconnect. */
  #pending: FleetConfig | undefined;

  constructor(o: ConfigSyncOptions) {
    this.#o = o;
    this.#key = `${o.link.prefix}config`;
    this.#revKey = `${o.link.prefix}config:revision`;
    this.#lastHash = o.current()?.hash;
    // A connection of its own: a subscribed connection runs no other command. It resubscribes
    // after a reconnect; each (re)subscription catches up, so an outage misses nothing.
    this.#sub = new Redis(o.url, { lazyConnect: true, retryStrategy: (n) => Math.min(50 * n, 500) });
    this.#sub.on('error', () => undefined);
    this.#sub.on('message', (_channel: string, hash: string) => {
      if (hash !== o.current()?.hash) void this.catchUp();
    });
    this.#sub.on('ready', () => void this.catchUp());
  }

  /** Subscribes (waiting at most `waitMs`), then brings this instance to the stored config. */
  async start(waitMs: number): Promise<void> {
    await Promise.race([
      this.#sub
        .connect()
        .then(() => this.#sub.subscribe(this.#key))
        .catch(() => undefined),
      new Promise((r) => setTimeout(r, waitMs).unref()),
    ]);
    await this.catchUp();
  }

  /** Applies the stored config when it differs from the one in service. Never rejects: a failure is logged. */
  catchUp(): Promise<void> {
    if (this.#running !== undefined) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        try {
          await this.#once();
        } catch (err) {
          // Called from Redis events and timers: a rejection here would end the process.
          this.#o.logger.error(
            { reason: err instanceof Error ? err.message : String(err) },
            'fleet config: could not bring this instance to the stored config; the config in service stays',
          );
        }
      } while (this.#again && !this.#closed);
    })().finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #once(): Promise<void> {
    if (this.#closed) return;
    let text: string | null;
    try {
      text = await this.#o.link.client.get(this.#key);
    } catch (err) {
      this.#o.logger.warn(
        { reason: err instanceof Error ? err.message : String(err) },
        'fleet config: cannot read it from redis',
      );
      // The subscription can come back before the command connection: read again shortly
      // (while subscribed; when Redis is down, the next subscription catches up).
      if (this.#sub.status === 'ready') setTimeout(() => void this.catchUp(), RETRY_MS).unref();
      return;
    }
    let stored: FleetConfig | undefined;
    if (text !== null) {
      try {
        stored = JSON.parse(text) as FleetConfig;
      } catch {
        stored = undefined;
      }
      if (!isFleetConfig(stored)) {
        this.#o.logger.error('fleet config: what redis holds is not a config gw wrote; the config in service stays');
        return;
      }
      this.#fleetRevision = Math.max(this.#fleetRevision, stored.revision);
    }
    // Applied here while Redis was down: publish it now, unless the fleet moved on meanwhile.
    const pending = this.#pending;
    this.#pending = undefined;
    const current = this.#o.current();
    if (pending !== undefined && (stored === undefined || pending.revision > stored.revision)) {
      if (pending.hash === current?.hash) this.#publish(pending);
      return;
    }
    if (stored === undefined) {
      // Redis lost it (restarted empty): put back what this instance serves, so an instance
      // that starts now gets the fleet's config (every instance does so; the same revision).
      if (current !== undefined) this.#publish(current);
      return;
    }
    if (stored.hash === current?.hash) return;
    const r = await this.#o.apply(stored.manifests, stored.revision);
    if (r.ok)
      this.#o.logger.info(
        { revision: stored.revision, config: r.hash },
        'fleet config: applied what another instance applied',
      );
    else
      this.#o.logger.error(
        { config: stored.hash },
        'fleet config: the stored config is invalid here; the config in service stays',
      );
  }

  /**
   * A table went into service here, `rev` being the revision in service: publishes it when its
   * config is new here and did not come from the fleet (a reload of the same config, or a
   * fleet apply, publishes nothing).
   */
  swapped(
    hash: string,
    rev: { number: number; hash: string; manifests: readonly unknown[]; source: string; appliedAt: number } | undefined,
  ): void {
    if (hash === this.#lastHash) return;
    this.#lastHash = hash;
    if (rev === undefined || rev.hash !== hash) return;
    this.committed({
      hash,
      manifests: rev.manifests,
      revision: rev.number,
      source: rev.source,
      appliedAt: rev.appliedAt,
    });
  }

  /** The lowest number a revision applied here may take: above every one the fleet published. */
  revisionFloor(): number {
    return this.#fleetRevision + 1;
  }

  /**
   * Publishes a config unless it came from the fleet. When Redis does not answer, it is kept and
   * published once Redis is back (unless another instance published a newer one meanwhile).
   */
  committed(c: FleetConfig): void {
    if (c.source === FLEET_SOURCE) return;
    this.#publish(c);
  }

  #publish(c: FleetConfig): void {
    if (this.#closed) return;
    this.#fleetRevision = Math.max(this.#fleetRevision, c.revision);
    const body = JSON.stringify(c);
    this.#o.link.eval(PUBLISH, [this.#key, this.#revKey], [this.#key, body, c.hash, c.revision]).then(
      (stored) => {
        // A newer revision is in Redis already: converge on it.
        if (stored === 0) void this.catchUp();
      },
      (err: unknown) => {
        this.#pending = c;
        this.#o.logger.error(
          { reason: err instanceof Error ? err.message : String(err), revision: c.revision },
          'fleet config: could not publish the applied config; it is published when redis answers again',
        );
      },
    );
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#sub.disconnect();
    await this.#running;
  }
}
