// Which gw instances share this Redis, and what each serves (README: Fleet (Redis)). Every
// instance writes a heartbeat into one hash (`<prefix>instances`, a field per instance) every
// HEARTBEAT_MS; `gw status` on any of them lists the fields seen within the last few beats. An
// instance that stops cleanly removes its field; one that dies drops out of the list once its
// heartbeat is stale (and the field is removed by the next reader).
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { RedisLink } from './redis-link.js';
import { compareText } from '../util/compare-text.js';

/** One live instance, as `GET /admin/v1/status` lists it. */
export interface FleetInstance {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  /** The proxy and admin listeners, as the instance bound them. */
  readonly proxy: string;
  readonly admin: string;
  /** The revision in service there (null: none yet) and its config hash. */
  readonly revision: number | null;
  readonly hash: string | null;
  readonly startedAt: string;
  readonly seenAt: string;
  /** The instance that answered this status request. */
  readonly self: boolean;
}

type Beat = Omit<FleetInstance, 'self' | 'seenAt'> & { readonly seenAtMs: number };

export const HEARTBEAT_MS = 1000;
/** A heartbeat older than this is an instance gone. */
const STALE_MS = 5 * HEARTBEAT_MS;
/** When the whole fleet is gone, the hash expires too. */
const HASH_TTL_MS = 60_000;

export interface RosterSelf {
  readonly proxy: string;
  readonly admin: string;
  /** The revision in service now. */
  readonly current: () => { readonly number: number; readonly hash: string } | undefined;
}

export class FleetRoster {
  readonly id: string;
  readonly #link: RedisLink;
  readonly #key: string;
  readonly #self: RosterSelf;
  readonly #startedAt = new Date().toISOString();
  #timer: NodeJS.Timeout | undefined;

  constructor(link: RedisLink, self: RosterSelf) {
    this.#link = link;
    this.#key = `${link.prefix}instances`;
    this.#self = self;
    this.id = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  }

  /** Beats now and every HEARTBEAT_MS until close(). */
  start(): void {
    void this.beat();
    this.#timer = setInterval(() => void this.beat(), HEARTBEAT_MS);
    this.#timer.unref();
  }

  #me(now: number): Beat {
    const cur = this.#self.current();
    return {
      id: this.id,
      host: hostname(),
      pid: process.pid,
      proxy: this.#self.proxy,
      admin: this.#self.admin,
      revision: cur?.number ?? null,
      hash: cur?.hash ?? null,
      startedAt: this.#startedAt,
      seenAtMs: now,
    };
  }

  /** Writes this instance's heartbeat (also right after a revision changes). Failures are the link's to report. */
  async beat(): Promise<void> {
    try {
      await this.#link.client
        .multi()
        .hset(this.#key, this.id, JSON.stringify(this.#me(Date.now())))
        .pexpire(this.#key, HASH_TTL_MS)
        .exec();
    } catch {
      // Redis is down: the link's state and metric say so; the next beat tries again.
    }
  }

  /**
   * The live instances, this one first; `shared` is false when Redis could not be read (then
   * only this instance is listed).
   */
  async list(now = Date.now()): Promise<{ shared: boolean; instances: FleetInstance[] }> {
    const selfEntry = (b: Beat): FleetInstance => view(b, this.id);
    let all: Record<string, string>;
    try {
      all = await this.#link.client.hgetall(this.#key);
    } catch {
      return { shared: false, instances: [selfEntry(this.#me(now))] };
    }
    const live: Beat[] = [];
    const stale: string[] = [];
    for (const [id, text] of Object.entries(all)) {
      const b = parseBeat(text);
      if (b === undefined || now - b.seenAtMs > STALE_MS) stale.push(id);
      else if (id !== this.id) live.push(b);
    }
    if (stale.length > 0) this.#link.client.hdel(this.#key, ...stale).catch(() => undefined);
    live.sort((a, b) => compareText(a.id, b.id));
    return { shared: true, instances: [this.#me(now), ...live].map(selfEntry) };
  }

  async close(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    await this.#link.client.hdel(this.#key, this.id).catch(() => undefined);
  }
}

function view(b: Beat, selfId: string): FleetInstance {
  const { seenAtMs, ...rest } = b;
  return { ...rest, seenAt: new Date(seenAtMs).toISOString(), self: b.id === selfId };
}

function parseBeat(text: string): Beat | undefined {
  try {
    const b = JSON.parse(text) as Partial<Beat>;
    if (typeof b.id !== 'string' || typeof b.seenAtMs !== 'number') return undefined;
    return b as Beat;
  } catch {
    return undefined;
  }
}
