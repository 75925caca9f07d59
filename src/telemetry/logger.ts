// The process logger: pino, JSON lines, secrets redacted by path. The redaction paths are
// compiled once when the logger is built, never per line.
import { pino } from 'pino';
import type { DestinationStream, Logger as PinoLogger } from 'pino';
import { stdoutLog } from './log-output.js';

export type Logger = PinoLogger;
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

const SECRET_HEADERS = ['authorization', '["x-api-key"]', 'cookie', '["set-cookie"]', '["proxy-authorization"]'];
// `headers` at the top level and one level down (req.headers, res.headers, upstream.headers...).
const HEADER_HOLDERS = ['headers', '*.headers'];
const SECRET_FIELDS = ['apiKey', 'key', 'keyHash', 'bearer', 'password', 'secret', 'token'];

/**
 * Every path the logger censors, as pino redact paths (a `*` spans exactly one level).
 * Secret fields are censored at the top level and one level down, except a top-level `key`:
 * the access line uses it for the ApiKey's name, which is not a secret.
 */
export const REDACT_PATHS: readonly string[] = [
  ...HEADER_HOLDERS.flatMap((h) =>
    SECRET_HEADERS.map((name) => (name.startsWith('[') ? `${h}${name}` : `${h}.${name}`)),
  ),
  ...SECRET_FIELDS.filter((f) => f !== 'key'),
  ...SECRET_FIELDS.map((f) => `*.${f}`),
];

export const REDACTED = '[redacted]';

export interface LoggerOptions {
  readonly level: LogLevel;
  /** json (default): a JSON object per line. pretty: `12:00:00.000 INFO  message key=value…` for a terminal. */
  readonly format?: 'json' | 'pretty';
  /** A stream to write JSON lines to (tests pass a sink); default: stdout, batched (log-output.ts). */
  readonly destination?: DestinationStream;
}

const LEVEL_NAMES: Readonly<Record<number, string>> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};
const PRETTY_SKIP: ReadonlySet<string> = new Set(['level', 'time', 'pid', 'msg']);

/** One pino JSON line (already redacted) as one readable line. */
export function prettyLine(json: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const t = typeof o.time === 'number' ? new Date(o.time).toISOString().slice(11, 23) : '';
  const level = LEVEL_NAMES[o.level as number] ?? String(o.level);
  const fields: string[] = [];
  for (const [k, v] of Object.entries(o)) {
    if (PRETTY_SKIP.has(k) || v === undefined) continue;
    fields.push(`${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`);
  }
  return `${t} ${level} ${typeof o.msg === 'string' ? o.msg : ''}${fields.length > 0 ? ` ${fields.join(' ')}` : ''}\n`;
}

/** A destination that rewrites each JSON line as a pretty one before `out` gets it. */
function prettyDestination(
  out: DestinationStream & { flush?: (cb?: (err?: Error) => void) => void },
): DestinationStream {
  return {
    write: (line: string) => out.write(prettyLine(line)),
    // logger.flush() before exit reaches the batched stdout stream underneath.
    ...(typeof out.flush === 'function' ? { flush: out.flush.bind(out) } : {}),
  } as DestinationStream;
}

export function createLogger(opts: LoggerOptions): Logger {
  const base = opts.destination ?? stdoutLog();
  const destination = opts.format === 'pretty' ? prettyDestination(base) : base;
  return pino(
    {
      level: opts.level,
      base: { pid: process.pid },
      redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    },
    destination,
  );
}

/**
 * Fields of the one access line per request. `key` is the ApiKey's name, never the key.
 * Absent values are left out of the line.
 */
export interface AccessLine {
  readonly reqId: string;
  readonly key?: string | null;
  readonly endpoint?: string | null;
  /** The model the caller asked for. */
  readonly model?: string | null;
  readonly provider?: string | null;
  readonly upstreamModel?: string | null;
  readonly attempts?: number;
  readonly status: number;
  readonly ms: number;
  readonly ttfbMs?: number | null;
  /** GW_ERR_* code when the request failed. */
  readonly code?: string | null;
  /** Transparent proxy requests: method, path below the baseUrl (never the query), body bytes each way. */
  readonly method?: string;
  readonly path?: string;
  readonly bytesIn?: number;
  readonly bytesOut?: number;
}

/** Children of a logger with redaction off, one per logger, for the access line only. */
const accessLoggers = new WeakMap<Logger, Logger>();

/**
 * The logger the access line goes through: a child with no redact paths. pino's redaction runs
 * its wildcard paths over every field of a line, which was most of the access line's cost; the
 * access line needs none of it, because its fields are flat strings and numbers that hold
 * no secret (the key's name, never the key). Every other line keeps redaction. The child
 * follows the parent's level, which a reload may change.
 */
function accessLogger(logger: Logger): Logger {
  let child = accessLoggers.get(logger);
  if (child === undefined) {
    child = logger.child({}, { redact: [] });
    accessLoggers.set(logger, child);
  }
  if (child.level !== logger.level) child.level = logger.level;
  return child;
}

// pino's own parts of a line, read from the logger so the access line below stays what pino
// would write: the level's opening, the time field, the bindings (pid).
const { lsCacheSym, timeSym, chindingsSym, streamSym, needsMetadataGsym, hooksSym, formattersSym } = pino.symbols;

/** One of those parts of a logger (pino types its symbols as plain `symbol`). */
function part<T>(logger: Logger, sym: symbol): T {
  return (logger as unknown as Record<symbol, T>)[sym] as T;
}

/**
 * The access line's fields as pino serialises them: strings as JSON strings, a number that is
 * not finite as null, null as null, undefined left out. Its field names are plain identifiers
 * (AccessLine), so they need no escaping.
 */
function accessFields(line: AccessLine): string {
  let out = '';
  for (const name in line) {
    const v = line[name as keyof AccessLine];
    if (typeof v === 'string') out += `,"${name}":${JSON.stringify(v)}`;
    else if (typeof v === 'number') out += `,"${name}":${Number.isFinite(v) ? v : 'null'}`;
    else if (v === null) out += `,"${name}":null`;
  }
  return out;
}

/**
 * Writes the access line: info for answers below 500, warn for 5xx. Message: 'request'. One per
 * request, so it is put together here rather than by pino's generic serialiser (which checks
 * serializers, stringifiers and escaping field by field): the same JSON line, a few µs less per
 * request. A logger this cannot mirror (a destination that asks pino for metadata, such as a
 * multistream; a streamWrite hook; a log formatter) writes it through pino.
 */
export function logAccess(logger: Logger, line: AccessLine): void {
  const level = line.status >= 500 ? 'warn' : 'info';
  if (!logger.isLevelEnabled(level)) return;
  const stream = part<DestinationStream & Record<symbol, unknown>>(logger, streamSym);
  if (
    stream[needsMetadataGsym] === true ||
    part<{ streamWrite?: unknown }>(logger, hooksSym).streamWrite !== undefined ||
    part<{ log?: unknown }>(logger, formattersSym).log !== undefined
  ) {
    accessLogger(logger)[level](line, 'request');
    return;
  }
  const head = part<Record<number, string>>(logger, lsCacheSym)[logger.levels.values[level] as number];
  const time = part<() => string>(logger, timeSym).call(logger);
  stream.write(`${head}${time}${part<string>(logger, chindingsSym)}${accessFields(line)},"msg":"request"}\n`);
}
