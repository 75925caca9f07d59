// Hot reload. Every trigger (a file change under --watch, SIGHUP) calls the one reload
// function: load -> validate -> compile (the `load` callback the CLI wires to the config
// builder) -> swap. A config with errors never replaces the table in service: the old one keeps
// serving and each diagnostic is logged with file:line. Reloads never overlap; triggers that
// arrive during one are folded into a single follow-up run. `load` may take long (gw serve runs
// it in a worker thread, config/off-thread.ts): requests keep being served on the old table.
import { watch as watchFolder, type FSWatcher as FolderWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, sep } from 'node:path';
import type { FSWatcher } from 'chokidar';
import type { RoutingTable } from '../compile/routing-table.js';
import type { Logger } from '../telemetry/logger.js';

/** The shape of a manifest diagnostic, as far as logging it goes (serve/ never imports manifest/). */
export interface ReloadDiagnostic {
  readonly code: string;
  readonly severity: 'error' | 'warning';
  readonly message: string;
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly path: string;
}

/** `built`: what load made besides the table, handed to swap as it is (the runtime commits it). */
export type ReloadResult<B = unknown> =
  | {
      readonly ok: true;
      readonly table: RoutingTable;
      readonly diagnostics: readonly ReloadDiagnostic[];
      readonly watchPaths?: readonly string[];
      readonly built?: B;
    }
  | { readonly ok: false; readonly diagnostics: readonly ReloadDiagnostic[] };

export interface Reloader {
  /** Runs (or joins) a reload; resolves true when a new table went into service. */
  reload(source: string): Promise<boolean>;
}

export function formatDiagnostic(d: ReloadDiagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.col}` : d.file;
  return `${where} ${d.code} ${d.message}${d.path ? ` (at ${d.path})` : ''}`;
}

export function createReloader<B = unknown>(opts: {
  /** `source` names the trigger ('watch', 'sighup'...). */
  load: (source: string) => Promise<ReloadResult<B>>;
  swap: (table: RoutingTable, source: string, built: B | undefined) => void;
  logger: Logger;
  /** Runs each reload (load + swap) so no other config change interleaves with it. */
  exclusive?: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Told the paths to watch after each successful load (they may change with gateway.yaml). */
  onWatchPaths?: (paths: readonly string[]) => void;
}): Reloader {
  const { logger } = opts;
  let active: Promise<boolean> | undefined;
  let queued: Promise<boolean> | undefined;

  const run = (source: string): Promise<boolean> =>
    opts.exclusive ? opts.exclusive(() => runOnce(source)) : runOnce(source);
  const runOnce = async (source: string): Promise<boolean> => {
    const t0 = Date.now();
    logger.info({ source }, 'reloading the configuration');
    let result: ReloadResult<B>;
    try {
      result = await opts.load(source);
    } catch (err) {
      logger.error({ source, err }, 'reload failed; the previous configuration keeps serving');
      return false;
    }
    const warnings = result.diagnostics.filter((d) => d.severity === 'warning');
    for (const d of warnings) logger.warn({ source, code: d.code }, formatDiagnostic(d));
    if (!result.ok) {
      for (const d of result.diagnostics)
        if (d.severity === 'error') logger.error({ source, code: d.code }, formatDiagnostic(d));
      logger.error(
        { source, errors: result.diagnostics.length - warnings.length },
        'invalid configuration; the previous one keeps serving',
      );
      return false;
    }
    opts.swap(result.table, source, result.built);
    if (result.watchPaths !== undefined) opts.onWatchPaths?.(result.watchPaths);
    logger.info(
      { source, config: result.table.hash, ...result.table.counts, ms: Date.now() - t0 },
      'configuration reloaded',
    );
    return true;
  };

  const reload = (source: string): Promise<boolean> => {
    if (active === undefined) {
      active = run(source).finally(() => {
        active = undefined;
      });
      return active;
    }
    queued ??= active.then(() => {
      queued = undefined;
      return reload(source);
    });
    return queued;
  };
  return { reload };
}

const GLOB_CHARS = /[*?[\]{}!]/;

/** chokidar 4+ takes no globs: watch the folder a glob starts from instead. */
export function watchRoot(path: string): string {
  if (!GLOB_CHARS.test(path)) return path;
  const parts = path.split(sep);
  const i = parts.findIndex((p) => GLOB_CHARS.test(p));
  return parts.slice(0, i).join(sep) || dirname(path);
}

const IGNORED_DIRS = ['node_modules', '.git', '.gw'];
/** SQLite files and their journals change on every flushed usage batch: never a config change. */
const DATABASE_FILE = /\.(db|sqlite3?)(-wal|-shm|-journal)?$/;

function ignoredPath(p: string): boolean {
  if (DATABASE_FILE.test(p)) return true;
  return IGNORED_DIRS.some((d) => p.includes(`${sep}${d}${sep}`) || p.endsWith(`${sep}${d}`));
}

export interface ConfigWatcher {
  /** Resolves once the initial scan is done: changes from then on are seen. */
  readonly ready: Promise<void>;
  /** Watches exactly these paths from now on. */
  update(paths: readonly string[]): void;
  close(): Promise<void>;
}

/**
 * Calls `onChange` once per burst of file events (debounced). chokidar's `atomic` option folds
 * an editor's write-to-temp-then-rename into one change, so the file stays watched after it.
 */
export async function watchConfig(
  paths: readonly string[],
  onChange: () => void,
  logger: Logger,
  debounceMs = 100,
): Promise<ConfigWatcher> {
  const { watch } = await import('chokidar'); // only under --watch
  let timer: NodeJS.Timeout | undefined;
  let watched = new Set(paths.map(watchRoot));
  const watcher: FSWatcher = watch([...watched], {
    ignoreInitial: true,
    atomic: true,
    ignored: ignoredPath,
  });
  const changed = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      void checkRoots();
      onChange();
    }, debounceMs);
  };
  // chokidar forgets a watched folder or file that is deleted, and does not see it come back (a
  // deploy's `rm -rf manifests && cp -r new manifests`, gateway.yaml deleted and written anew).
  // A root found gone has its folder watched until it is there again; a folder replaced under
  // the same name (deleted and made again between two looks) is told apart by its inode and
  // birth time. Either way it is then watched anew.
  const gone = new Map<string, FolderWatcher>();
  const identity = new Map<string, string>();
  const identityOf = (root: string): Promise<string | undefined> =>
    stat(root).then(
      // A file's own replacement (an editor's rename-write) chokidar's atomic option follows.
      (st) => (st.isDirectory() ? `${st.ino}:${st.birthtimeMs}` : 'file'),
      () => undefined,
    );
  const rewatch = (root: string, why: string): void => {
    watcher.unwatch(root);
    watcher.add(root);
    logger.info({ path: root }, `watched path ${why}: watching it again`);
  };
  const awaitReturn = (root: string): void => {
    if (gone.has(root)) return;
    const name = basename(root);
    let folder: FolderWatcher;
    const check = (): void => {
      void identityOf(root).then((id) => {
        if (id === undefined || gone.get(root) !== folder) return; // not there (yet), or done
        gone.delete(root);
        folder.close();
        identity.set(root, id);
        rewatch(root, 'is back');
        changed();
      });
    };
    try {
      folder = watchFolder(dirname(root), (_event, file) => {
        if (file === name) check();
      });
    } catch (err) {
      logger.warn({ err, path: root }, 'watched path was removed, and its folder cannot be watched for its return');
      return;
    }
    folder.on('error', (err) => logger.warn({ err, path: root }, 'file watcher error'));
    gone.set(root, folder);
    check(); // it may be back already
  };
  /** After each burst of events: any root gone or replaced since the last look. */
  const checkRoots = async (): Promise<void> => {
    for (const root of watched) {
      if (gone.has(root)) continue;
      const id = await identityOf(root);
      if (!watched.has(root) || gone.has(root)) continue;
      if (id === undefined) awaitReturn(root);
      else if (identity.get(root) !== id) {
        const known = identity.has(root);
        identity.set(root, id);
        if (known) rewatch(root, 'was replaced');
      }
    }
  };
  watcher.on('all', (event, path) => {
    logger.debug({ event, path }, 'config file event');
    if ((event === 'unlinkDir' || event === 'unlink') && watched.has(path)) awaitReturn(path);
    changed();
  });
  watcher.on('error', (err) => logger.warn({ err }, 'file watcher error'));
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve())).then(checkRoots);
  return {
    ready,
    update(next: readonly string[]): void {
      const roots = new Set(next.map(watchRoot));
      const removed = [...watched].filter((p) => !roots.has(p));
      const added = [...roots].filter((p) => !watched.has(p));
      if (removed.length > 0) watcher.unwatch(removed);
      for (const p of removed) {
        gone.get(p)?.close();
        gone.delete(p);
        identity.delete(p);
      }
      if (added.length > 0) watcher.add(added);
      watched = roots;
    },
    async close(): Promise<void> {
      if (timer !== undefined) clearTimeout(timer);
      for (const folder of gone.values()) folder.close();
      gone.clear();
      await watcher.close();
    },
  };
}
